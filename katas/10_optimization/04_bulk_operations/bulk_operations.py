"""Kata 10.4: bulk operations — thousands of rows in a handful of statements, without ORM objects.

The model is given: the warehouse's products. Every function receives plain dicts (a supplier's
feed, a price list, a delivery note) and must turn them into as few statements as possible:
the tests count the driver's cursor executions, at two sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, bindparam, delete, insert, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]
    stock: Mapped[int]


def import_products(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert one product per dict ({"sku", "name", "price_cents", "stock"}) and return how many.

    The feed has thousands of rows: no ORM objects (none may end up in the session), and a
    handful of statements (at most 1 for 250 rows, 3 for 2,500).
    """
    # TODO: one object and, on SQLite, one INSERT per row.
    session.add_all(Product(**row) for row in rows)
    session.flush()
    return len(rows)


def reprice(session: Session, prices: Sequence[dict[str, Any]]) -> None:
    """Set each product's price: `prices` is [{"id": product id, "price_cents": new price}, ...].

    One statement, however many prices; no product is loaded.
    """
    for change in prices:  # TODO: one SELECT and one UPDATE per product
        product = session.get(Product, change["id"])
        if product is not None:
            product.price_cents = change["price_cents"]
    session.flush()


def restock(session: Session, deliveries: Sequence[dict[str, Any]]) -> None:
    """Add each delivery to its product's stock: `deliveries` is [{"sku": ..., "quantity": ...}, ...],
    matched by SKU (not by id); an unknown SKU is ignored.

    One statement, however many deliveries, and the addition happens in the database
    (stock = stock + quantity), so that a sale recorded meanwhile by another connection is kept.
    """
    for delivery in deliveries:  # TODO: read, add in Python, write back: N statements, and lost updates
        product = session.scalars(select(Product).where(Product.sku == delivery["sku"])).one_or_none()
        if product is not None:
            product.stock = product.stock + delivery["quantity"]
    session.flush()


def delete_discontinued(session: Session, skus: Sequence[str]) -> int:
    """Delete the products with these SKUs (unknown ones are ignored); return how many were deleted.

    One statement; no product is loaded.
    """
    deleted = 0
    for sku in skus:  # TODO: one SELECT and one DELETE per product
        product = session.scalars(select(Product).where(Product.sku == sku)).one_or_none()
        if product is not None:
            session.delete(product)
            deleted += 1
    session.flush()
    return deleted
