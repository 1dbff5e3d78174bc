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
    # BEGIN SOLUTION
    # Mapped[Card | None], not a list: uselist=False is implied. The customer owns the card.
    card: Mapped[Card | None] = relationship(back_populates="customer", cascade="all, delete-orphan")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `card`, the customer's one Card (or None), in sync with Card.customer;
    # # a card goes when its customer goes, or when it is taken away from the customer
    # END STUB

    def __repr__(self) -> str:
        return f"Customer({self.name!r})"


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # BEGIN SOLUTION
    # UNIQUE: the database itself refuses a second card for the same customer.
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    customer: Mapped[Customer] = relationship(back_populates="card")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): customer_id, a required foreign key to customers.id, at most one card per customer;
    # # `customer`, the card's Customer, in sync with Customer.card
    # END STUB

    def __repr__(self) -> str:
        return f"Card({self.number!r})"


def issue_card(session: Session, customer: Customer, number: str) -> Card:
    """Give `customer` a new card with this number, flush, and return it.

    A customer who already has a card loses it: the old card is deleted (its row is gone), and
    the new one takes its place.
    """
    # BEGIN SOLUTION
    old = customer.card
    if old is not None:
        # The unit of work inserts before it deletes: with the UNIQUE customer_id, the old row
        # must be gone first, so delete it and flush before the new card comes in.
        session.delete(old)
        session.flush()
    card = Card(number=number)
    customer.card = card
    session.flush()
    return card
    # END SOLUTION


def cancel_card(customer: Customer) -> None:
    """Take the customer's card away (if any); the card is deleted at the next flush. No SQL here."""
    # BEGIN SOLUTION
    customer.card = None  # delete-orphan: the card without its customer is deleted at flush
    # END SOLUTION


def customers_without_card(session: Session) -> list[str]:
    """Names of the customers who have no card, sorted; one statement."""
    # BEGIN SOLUTION
    return list(session.scalars(select(Customer.name).where(~Customer.card.has()).order_by(Customer.name)))
    # END SOLUTION
