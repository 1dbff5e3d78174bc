"""Kata 3.8: deleting objects — session.delete, bulk delete(), cascades and delete-orphan.

The tea shop's catalogue and orders. The models are given, except the cascade of Order.lines
(task 3); the tests create the tables:

    categories(id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE)
    products(id INTEGER PRIMARY KEY, sku VARCHAR(20) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL,
             discontinued BOOLEAN NOT NULL, category_id INTEGER NULL REFERENCES categories(id))
    orders(id INTEGER PRIMARY KEY, customer VARCHAR(100) NOT NULL)
    order_lines(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
                product_id INTEGER NOT NULL REFERENCES products(id), quantity INTEGER NOT NULL)

The foreign keys are enforced (on SQLite too: the pack turns PRAGMA foreign_keys on).
None of the functions commits: the caller owns the transaction.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, delete, exists, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    # The default cascade ("save-update, merge"): deleting a category does not delete its products.
    products: Mapped[list[Product]] = relationship(back_populates="category")


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    discontinued: Mapped[bool]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    category: Mapped[Category | None] = relationship(back_populates="products")

    def __repr__(self) -> str:
        return f"Product(id={self.id!r}, sku={self.sku!r})"


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(100))
    # TODO (task 3): an order's lines go with it, and a line taken out of order.lines is deleted.
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order")

    def __repr__(self) -> str:
        return f"Order(id={self.id!r}, customer={self.customer!r})"


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    def __repr__(self) -> str:
        return f"OrderLine(id={self.id!r}, order_id={self.order_id!r}, product_id={self.product_id!r})"


def delete_product(session: Session, sku: str) -> bool:
    """Delete the product with this sku and flush; return False (deleting nothing) for an unknown sku.

    A product that was ordered cannot be deleted: let the database's IntegrityError propagate.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def purge_discontinued(session: Session) -> int:
    """Delete, in ONE statement, every discontinued product that was never ordered; return how many.

    Products the session holds that were deleted must not be found in it afterwards.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def delete_order(session: Session, order_id: int) -> bool:
    """Delete the order and all its lines, and flush; return False for an unknown id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def remove_line(session: Session, order_id: int, sku: str) -> bool:
    """Take the line of this product out of the order (order.lines) and flush: the line is deleted.

    Return False if the order has no line for that sku.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def delete_category(session: Session, name: str) -> bool:
    """Delete the category and flush; its products stay, without a category. False if unknown."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
