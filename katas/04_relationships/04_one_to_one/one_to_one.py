"""Kata 4.4: one-to-one — a scalar relationship on both sides and a UNIQUE foreign key.

A customer has at most one loyalty card. The database enforces it (a second card row for the
same customer is refused), and the code replaces a card by deleting the old one first.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # TODO (task 1): `card`, the customer's one Card (or None), in sync with Card.customer;
    # a card goes when its customer goes, or when it is taken away from the customer

    def __repr__(self) -> str:
        return f"Customer({self.name!r})"


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # TODO (task 1): customer_id, a required foreign key to customers.id, at most one card per customer;
    # `customer`, the card's Customer, in sync with Customer.card

    def __repr__(self) -> str:
        return f"Card({self.number!r})"


def issue_card(session: Session, customer: Customer, number: str) -> Card:
    """Give `customer` a new card with this number, flush, and return it.

    A customer who already has a card loses it: the old card is deleted (its row is gone), and
    the new one takes its place.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def cancel_card(customer: Customer) -> None:
    """Take the customer's card away (if any); the card is deleted at the next flush. No SQL here."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def customers_without_card(session: Session) -> list[str]:
    """Names of the customers who have no card, sorted; one statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
