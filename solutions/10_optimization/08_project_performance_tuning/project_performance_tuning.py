"""Kata 10.8 (project): performance tuning — bring a slow repository under statement budgets and plan checks.

The shop's order repository works, and it is slow in four classic ways: an engine that opens a
new database connection for every request, orders written one row and one round trip at a time,
a summary page with an N+1 and the arithmetic done in Python, and a query on a column without an
index. Keep every function's behaviour (the docstrings), and make each one fast.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from sqlalchemy import DateTime, Engine, ForeignKey, Index, String, create_engine, func, insert, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.pool import NullPool  # noqa: F401  (the slow version's choice)


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))

    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    # BEGIN SOLUTION
    # recent_orders() filters on customer_id and sorts on placed_at: one compound index serves both.
    __table_args__ = (Index("ix_orders_customer_placed", "customer_id", "placed_at"),)
    # END SOLUTION
    # BEGIN STUB
    # __table_args__ = ()  # TODO: the index recent_orders() needs (README, task 4)
    # END STUB

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    placed_at: Mapped[datetime.datetime] = mapped_column(DateTime)
    total_cents: Mapped[int]

    customer: Mapped[Customer] = relationship(back_populates="orders")


def make_engine(url: str) -> Engine:
    """The web app's Engine on `url`: it serves many short requests, all day long."""
    # BEGIN SOLUTION
    # A QueuePool (the default for PostgreSQL and file SQLite) reuses connections across
    # requests; pre-ping replaces those the server dropped.
    return create_engine(
        url, pool_size=5, max_overflow=10, pool_timeout=10, pool_recycle=1800, pool_pre_ping=True
    )
    # END SOLUTION
    # BEGIN STUB
    # return create_engine(url, poolclass=NullPool)  # TODO: a new database connection per request
    # END STUB


def record_orders(session: Session, orders: Sequence[dict[str, Any]]) -> int:
    """Insert the orders ({"customer_id", "placed_at", "total_cents"} each); return how many."""
    # BEGIN SOLUTION
    if not orders:
        return 0
    # One executemany; no ORM object per row.
    session.execute(insert(Order), list(orders))
    return len(orders)
    # END SOLUTION
    # BEGIN STUB
    # for row in orders:  # TODO: one object and one round trip per order
    #     session.add(Order(**row))
    #     session.flush()
    # return len(orders)
    # END STUB


def customer_summaries(session: Session) -> list[tuple[str, int, int]]:
    """(name, number of orders, total of their total_cents) for every customer, by name then id;
    a customer without orders has (name, 0, 0)."""
    # BEGIN SOLUTION
    # One statement: the database counts and sums; the outer join keeps customers without orders.
    statement = (
        select(Customer.name, func.count(Order.id), func.coalesce(func.sum(Order.total_cents), 0))
        .outerjoin(Order, Order.customer_id == Customer.id)
        .group_by(Customer.id, Customer.name)
        .order_by(Customer.name, Customer.id)
    )
    return [(name, int(count), int(total)) for name, count, total in session.execute(statement)]
    # END SOLUTION
    # BEGIN STUB
    # customers = session.scalars(select(Customer).order_by(Customer.name, Customer.id))
    # # TODO: one SELECT per customer, and the sums done in Python
    # return [(c.name, len(c.orders), sum(o.total_cents for o in c.orders)) for c in customers]
    # END STUB


def recent_orders(session: Session, customer_id: int, limit: int = 5) -> list[Order]:
    """The customer's latest orders, newest first (then by id, newest first)."""
    statement = (
        select(Order)
        .where(Order.customer_id == customer_id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))
