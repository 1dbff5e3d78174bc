"""Kata 6.3: transaction management — commit, rollback, and savepoints with begin_nested().

The models are given (do not change them). Each function ends its work with a commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CheckConstraint, ForeignKey, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)


class Sale(Base):
    __tablename__ = "sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]


class Member(Base):
    """A loyalty-club member."""

    __tablename__ = "members"

    email: Mapped[str] = mapped_column(String(100), primary_key=True)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(100))
    total_cents: Mapped[int]


class LoyaltyEntry(Base):
    """Points for an order; only members (the foreign key) collect them."""

    __tablename__ = "loyalty_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(ForeignKey("members.email"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    points: Mapped[int]


def record_sale(session: Session, sku: str, quantity: int) -> None:
    """Sell `quantity` of the product `sku`: lower its stock, add a Sale row, and commit.

    If the stock is not enough, raise ValueError, and leave nothing behind: neither in the
    database nor in the session (the caller may commit the session afterwards for other work,
    and the failed sale must not be written then).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def place_order(session: Session, email: str, total_cents: int) -> Order:
    """Add an order and commit it. Then, in the same transaction, try to give the customer
    total_cents // 100 loyalty points: only members can have them (the database refuses a
    LoyaltyEntry for anyone else). The order must be kept when the points are refused.
    Return the order.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def import_products(session: Session, rows: Iterable[tuple[str, str, int]]) -> list[str]:
    """Insert a product for each (sku, name, price_cents) row, in order, each in its own
    savepoint: a row the database refuses (a sku that exists already, a negative price) is
    skipped and the rows before and after it are kept. Commit at the end and return the skus
    of the refused rows, in the order they came.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
