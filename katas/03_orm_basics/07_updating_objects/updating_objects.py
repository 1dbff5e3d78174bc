"""Kata 3.7: updating objects — attribute changes, dirty tracking and history, ORM-enabled UPDATE.

The tea shop's products. The model is given (do not change it); the tests create the table:

    products(id INTEGER PRIMARY KEY, sku VARCHAR(20) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL,
             category VARCHAR(50) NOT NULL, price_cents INTEGER NOT NULL, stock INTEGER NOT NULL)

None of the functions commits: the caller owns the transaction.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, String, inspect, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50))
    price_cents: Mapped[int]
    stock: Mapped[int]

    def __repr__(self) -> str:
        return f"Product(id={self.id!r}, sku={self.sku!r})"


def reprice(session: Session, sku: str, price_cents: int) -> int | None:
    """Set the price of the product with this sku; return its old price (None for an unknown sku).

    Neither flush nor commit: the change waits in the session until the caller's next flush.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def pending_changes(obj: Any) -> dict[str, tuple[Any, Any]]:
    """Return {attribute: (old value, new value)} for every column attribute of this persistent
    object that was changed since it was loaded (or last flushed) and is not flushed yet.

    Setting an attribute to the value it already has is not a change.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def apply_discount(session: Session, category: str, percent: int) -> int:
    """Lower the price of every product in `category` by `percent` percent, rounded down
    (new price = price_cents * (100 - percent) // 100), in ONE UPDATE statement.

    Product objects the session already holds must show the new prices afterwards. Return how
    many products were changed.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def add_stock(session: Session, product_id: int, quantity: int) -> None:
    """Add `quantity` to the product's stock, safely even if the session's copy of the product is
    stale (another transaction changed the stock since it was loaded): no update may be lost.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
