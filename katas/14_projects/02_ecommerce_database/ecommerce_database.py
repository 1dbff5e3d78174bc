"""Kata 14.2 (project): the shop's order database: orders that never oversell, money that adds up.

Given: the models (products, orders, order lines) and the exceptions.
You write: place_order, order_total, revenue_by_product and cancel_order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # exact money: Decimal in, Decimal out
    stock: Mapped[int] = mapped_column(default=0)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="placed")  # "placed" or "cancelled"
    placed_at: Mapped[datetime] = mapped_column(default=datetime.now)
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product_id", name="one_line_per_product"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # the price when the order was placed
    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class OrderError(Exception):
    """Something about an order the shop refuses; the subclasses say what."""


class InvalidOrder(OrderError, ValueError):
    """No lines, or a quantity that is not a positive whole number."""


class UnknownProduct(OrderError, LookupError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"no product {product_id}")
        self.product_id = product_id


class OutOfStock(OrderError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"not enough stock of product {product_id}")
        self.product_id = product_id


class UnknownOrder(OrderError, LookupError):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"no order {order_id}")
        self.order_id = order_id


class NotCancellable(OrderError):
    """The order is already cancelled."""


# -- task 1 and 2 ----------------------------------------------------------------------------------


def place_order(session: Session, customer: str, items: Mapping[int, int]) -> Order:
    """Place an order of {product_id: quantity} for customer; flush it (the caller commits) and return it.

    Each line keeps the product's current price as unit_price. Refuses with InvalidOrder (no items, a
    quantity that is not an int >= 1: nothing is sent), UnknownProduct or OutOfStock (carrying the
    product's id). A refused order leaves nothing behind — no order, no line, every stock as it was —
    and the session usable, with its earlier work intact. The stock is checked and taken in the
    database, one product at a time in ascending id order, so that concurrent orders never oversell
    and never deadlock.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3 ------------------------------------------------------------------------------------------


def order_total(session: Session, order_id: int) -> Decimal:
    """The order's total, sum of quantity * unit_price, as an exact Decimal computed by the database
    (one SELECT). UnknownOrder if there is no such order."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def revenue_by_product(session: Session, first_day: date, last_day: date) -> list[tuple[str, int, Decimal]]:
    """(sku, units sold, revenue) per product sold in orders placed from first_day to last_day
    (both days included, whole days), cancelled orders left out; highest revenue first, ties by sku.
    One SELECT; the sums are done by the database, as exact Decimals."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 4 ------------------------------------------------------------------------------------------


def cancel_order(session: Session, order_id: int) -> None:
    """Cancel a placed order and put its quantities back in stock; flush (the caller commits).

    UnknownOrder if there is no such order, NotCancellable if it is already cancelled (nothing
    changes). Two concurrent cancellations of one order put the stock back once.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
