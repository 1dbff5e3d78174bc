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
    # BEGIN SOLUTION
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(Sale.sold_at, "YYYY-MM")
    return func.strftime("%Y-%m", Sale.sold_at)
    # END SOLUTION


def monthly_revenue(session: Session) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM', region, revenue in cents) for every month and region with sales, sorted by
    month then region. One SELECT: the database groups and sums."""
    # BEGIN SOLUTION
    month = month_bucket(session).label("month")
    rows = session.execute(
        select(month, Sale.region, func.sum(Sale.amount_cents))
        .group_by(month, Sale.region)
        .order_by(month, Sale.region)
    ).all()
    return [(m, region, int(total)) for m, region, total in rows]
    # END SOLUTION


# -- task 2 -------------------------------------------------------------------------------------------


def region_trend(session: Session) -> list[tuple[str, str, int, int, int | None]]:
    """(region, month, revenue, running total of the region's revenue up to and including that month,
    change from the region's previous month or None for its first), sorted by region then month.
    One statement, with window functions."""
    # BEGIN SOLUTION
    month = month_bucket(session).label("month")
    monthly = (
        select(Sale.region, month, func.sum(Sale.amount_cents).label("revenue"))
        .group_by(Sale.region, month)
        .subquery()
    )
    rows = session.execute(
        select(
            monthly.c.region,
            monthly.c.month,
            monthly.c.revenue,
            # ORDER BY in the window: a running sum, up to and including the current month.
            func.sum(monthly.c.revenue).over(partition_by=monthly.c.region, order_by=monthly.c.month),
            monthly.c.revenue
            - func.lag(monthly.c.revenue).over(partition_by=monthly.c.region, order_by=monthly.c.month),
        ).order_by(monthly.c.region, monthly.c.month)
    ).all()
    return [
        (region, m, int(revenue), int(running), None if change is None else int(change))
        for region, m, revenue, running, change in rows
    ]
    # END SOLUTION


# -- task 3 -------------------------------------------------------------------------------------------


def top_products(session: Session, n: int) -> list[tuple[str, int, str, int]]:
    """Per region, its n best products by revenue: (region, rank 1..n, product, revenue), sorted by region
    then rank; equal revenues are ranked by product name. One statement, with a window function."""
    # BEGIN SOLUTION
    revenue = func.sum(Sale.amount_cents)
    ranked = (
        select(
            Sale.region,
            Sale.product,
            revenue.label("revenue"),
            func.row_number()
            .over(partition_by=Sale.region, order_by=(revenue.desc(), Sale.product))
            .label("position"),
        )
        .group_by(Sale.region, Sale.product)
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.region, ranked.c.position, ranked.c.product, ranked.c.revenue)
        .where(ranked.c.position <= n)  # a window's result can only be filtered one level up
        .order_by(ranked.c.region, ranked.c.position)
    ).all()
    return [(region, int(pos), product, int(total)) for region, pos, product, total in rows]
    # END SOLUTION


# -- task 4 -------------------------------------------------------------------------------------------


def revenue_rollup(session: Session) -> list[tuple[str | None, str | None, int]]:
    """Revenue per (region, product), each region's subtotal as (region, None, total) after its products,
    and the grand total (None, None, total) last; regions and products sorted by name. One statement —
    ROLLUP where the database has it, or what SQLite can run."""
    # BEGIN SOLUTION
    total = func.sum(Sale.amount_cents).label("revenue")
    # GROUP BY ROLLUP is PostgreSQL's; UNION ALL of the three groupings runs on both.
    detail = select(Sale.region, Sale.product, total).group_by(Sale.region, Sale.product)
    per_region = select(Sale.region, null().label("product"), total).group_by(Sale.region)
    grand = select(null().label("region"), null().label("product"), total)
    rolled = union_all(detail, per_region, grand).subquery()
    rows = session.execute(
        select(rolled.c.region, rolled.c.product, rolled.c.revenue).order_by(
            rolled.c.region.is_(None),  # False sorts before True: the grand total last
            rolled.c.region,
            rolled.c.product.is_(None),  # a region's subtotal after its products
            rolled.c.product,
        )
    ).all()
    return [(region, product, int(revenue)) for region, product, revenue in rows]
    # END SOLUTION
