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
    # BEGIN SOLUTION
    product = session.scalars(select(Product).where(Product.sku == sku)).one_or_none()
    if product is None:
        return None
    old = product.price_cents
    # A plain assignment: the session records it (the object is now "dirty") and the next flush
    # sends an UPDATE of the changed column only.
    product.price_cents = price_cents
    return old
    # END SOLUTION


def pending_changes(obj: Any) -> dict[str, tuple[Any, Any]]:
    """Return {attribute: (old value, new value)} for every column attribute of this persistent
    object that was changed since it was loaded (or last flushed) and is not flushed yet.

    Setting an attribute to the value it already has is not a change.
    """
    # BEGIN SOLUTION
    changes: dict[str, tuple[Any, Any]] = {}
    state = inspect(obj)
    for attribute in state.mapper.column_attrs:
        history = state.attrs[attribute.key].history  # (added, unchanged, deleted)
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            changes[attribute.key] = (old, history.added[0] if history.added else None)
    return changes
    # END SOLUTION


def apply_discount(session: Session, category: str, percent: int) -> int:
    """Lower the price of every product in `category` by `percent` percent, rounded down
    (new price = price_cents * (100 - percent) // 100), in ONE UPDATE statement.

    Product objects the session already holds must show the new prices afterwards. Return how
    many products were changed.
    """
    # BEGIN SOLUTION
    statement = (
        update(Product)
        .where(Product.category == category)
        .values(price_cents=Product.price_cents * (100 - percent) // 100)
        # The UPDATE runs in the database; synchronize_session tells the ORM to bring the objects it
        # already holds up to date too ("evaluate" in Python, "fetch" with RETURNING; "auto" picks).
        .execution_options(synchronize_session="fetch")
    )
    result = cast(CursorResult[Any], session.execute(statement))  # an UPDATE's result is a CursorResult
    return result.rowcount
    # END SOLUTION


def add_stock(session: Session, product_id: int, quantity: int) -> None:
    """Add `quantity` to the product's stock, safely even if the session's copy of the product is
    stale (another transaction changed the stock since it was loaded): no update may be lost.
    """
    # BEGIN SOLUTION
    product = session.get(Product, product_id)
    if product is None:
        raise LookupError(f"no product with id {product_id}")
    # A SQL expression as the new value: the UPDATE says "stock = stock + :quantity", so the
    # database adds to what it holds now, not to the number this session read earlier.
    product.stock = Product.stock + quantity
    session.flush()  # the attribute is expired after the flush: the next read loads the real value
    # END SOLUTION
