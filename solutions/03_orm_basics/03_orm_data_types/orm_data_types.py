"""Kata 3.3: data types in the ORM — what each Mapped[...] annotation becomes, and what comes back.

The shop's orders, and their lines. The tables the models must describe (the tests create them
from Base.metadata):

    orders(id INTEGER PRIMARY KEY,
           customer VARCHAR(100) NOT NULL,
           note TEXT NULL,                                   -- free text, optional
           total NUMERIC(12, 2) NOT NULL,                    -- exact money
           placed_at TIMESTAMP WITH TIME ZONE NOT NULL,
           status <the names of OrderStatus> NOT NULL,       -- 'NEW' when the code does not say
           details JSON NOT NULL)                            -- {} when the code does not say
    order_lines(id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),
                sku VARCHAR(20) NOT NULL, quantity INTEGER NOT NULL)
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Numeric, String, Text
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class OrderStatus(enum.Enum):
    NEW = "new"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class Base(DeclarativeBase):
    pass


# BEGIN SOLUTION
class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)  # Optional in the annotation: NULL allowed
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A Python enum in the annotation becomes sqlalchemy.Enum(OrderStatus): it stores the NAMES
    # ('PAID'), and loads them back as OrderStatus members.
    status: Mapped[OrderStatus] = mapped_column(default=OrderStatus.NEW)
    # JSON alone does not notice order.details["x"] = 1 (the dict is the same object): MutableDict does.
    details: Mapped[dict[str, Any]] = mapped_column(MutableDict.as_mutable(JSON()), default=dict)
    # A relationship's annotation says its shape: list[...] is a collection (one-to-many).
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order")


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    sku: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int]
    order: Mapped[Order] = relationship(back_populates="lines")  # a single object (many-to-one)


# END SOLUTION
# BEGIN STUB
# class Order(Base):
#     """TODO (tasks 1-4): the orders table; see the module docstring."""
#
#     __tablename__ = "orders"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
#
#
# class OrderLine(Base):
#     """TODO (task 4): the order_lines table, and the relationship between the two models."""
#
#     __tablename__ = "order_lines"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
# END STUB


def set_detail(order: Order, key: str, value: Any) -> None:
    """Set order.details[key] = value so that the change is saved at the next flush/commit."""
    # BEGIN SOLUTION
    # With MutableDict the in-place change is tracked. With plain JSON, assign a new dict instead:
    # order.details = {**order.details, key: value}
    order.details[key] = value
    # END SOLUTION
