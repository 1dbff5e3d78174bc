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


class Order(Base):
    """TODO (tasks 1-4): the orders table; see the module docstring."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)


class OrderLine(Base):
    """TODO (task 4): the order_lines table, and the relationship between the two models."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)


def set_detail(order: Order, key: str, value: Any) -> None:
    """Set order.details[key] = value so that the change is saved at the next flush/commit."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
