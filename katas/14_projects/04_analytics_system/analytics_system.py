"""Kata 14.4 (project): the sales dashboard's numbers, computed where the data is.

Given: the Sale model.
You write: month_bucket, monthly_revenue, region_trend, top_products and revenue_rollup.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, func, null, select, union_all
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Sale(Base):
    __tablename__ = "sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    product: Mapped[str] = mapped_column(String(20))
    sold_at: Mapped[datetime]
    quantity: Mapped[int]
    amount_cents: Mapped[int]  # money as whole cents: exact, and summed as integers on both databases


# -- task 1 -------------------------------------------------------------------------------------------


def month_bucket(session: Session) -> ColumnElement[str]:
    """An SQL expression giving Sale.sold_at's month as 'YYYY-MM' text, for the session's database."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def monthly_revenue(session: Session) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM', region, revenue in cents) for every month and region with sales, sorted by
    month then region. One SELECT: the database groups and sums."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 2 -------------------------------------------------------------------------------------------


def region_trend(session: Session) -> list[tuple[str, str, int, int, int | None]]:
    """(region, month, revenue, running total of the region's revenue up to and including that month,
    change from the region's previous month or None for its first), sorted by region then month.
    One statement, with window functions."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3 -------------------------------------------------------------------------------------------


def top_products(session: Session, n: int) -> list[tuple[str, int, str, int]]:
    """Per region, its n best products by revenue: (region, rank 1..n, product, revenue), sorted by region
    then rank; equal revenues are ranked by product name. One statement, with a window function."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 4 -------------------------------------------------------------------------------------------


def revenue_rollup(session: Session) -> list[tuple[str | None, str | None, int]]:
    """Revenue per (region, product), each region's subtotal as (region, None, total) after its products,
    and the grand total (None, None, total) last; regions and products sorted by name. One statement —
    ROLLUP where the database has it, or what SQLite can run."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
