"""Kata 5.8, project: the shop's reports — top customers, monthly revenue, products never sold,
a product performance table — each in one statement.

The shop's models are given (fixtures/shop/models.py). Revenue counts the lines of the orders
whose status is in COUNTED (paid or shipped): pending orders are not paid yet, cancelled ones
never will be. Every function receives a Session and only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from fixtures.shop.models import Customer, Order, OrderLine, Product, Review

COUNTED = ("paid", "shipped")


@dataclass(frozen=True)
class TopCustomer:
    name: str
    email: str
    orders: int  # counted orders (paid or shipped)
    spent: Decimal  # revenue of those orders


@dataclass(frozen=True)
class MonthRevenue:
    month: str  # "2024-03"
    orders: int  # counted orders placed that month
    revenue: Decimal


@dataclass(frozen=True)
class ProductPerformance:
    sku: str
    units_sold: int  # sum of quantities on counted orders (0 if none)
    revenue: Decimal  # Decimal("0") if none
    reviews: int
    average_rating: float | None  # None without reviews


def top_customers(session: Session, limit: int) -> list[TopCustomer]:
    """The `limit` customers who spent the most on counted orders, most first (same amount: lower
    customer id first). Customers without counted orders are left out. One statement."""
    # BEGIN SOLUTION
    spent = func.sum(OrderLine.quantity * OrderLine.unit_price).label("spent")
    # Lines multiply orders in the join: count each order once.
    orders = func.count(Order.id.distinct()).label("orders")
    statement = (
        select(Customer.name, Customer.email, orders, spent)
        .join(Customer.orders)
        .join(Order.lines)
        .where(Order.status.in_(COUNTED))
        .group_by(Customer.id, Customer.name, Customer.email)
        .order_by(spent.desc(), Customer.id)
        .limit(limit)
    )
    return [TopCustomer(row.name, row.email, row.orders, row.spent) for row in session.execute(statement)]
    # END SOLUTION


def monthly_revenue(session: Session, year: int) -> list[MonthRevenue]:
    """The 12 months of `year`, in order, with the counted orders placed in each and their
    revenue: a month without any has 0 and Decimal("0"). One statement."""
    # BEGIN SOLUTION
    # extract() is portable: EXTRACT(month FROM ...) on PostgreSQL, CAST(STRFTIME('%m', ...) AS INTEGER)
    # on SQLite. (The alternatives differ per dialect: date_trunc/to_char against strftime.)
    month = extract("month", Order.placed_at).label("month")
    statement = (
        select(
            month,
            func.count(Order.id.distinct()).label("orders"),
            func.sum(OrderLine.quantity * OrderLine.unit_price).label("revenue"),
        )
        .join(Order.lines)
        .where(Order.status.in_(COUNTED), extract("year", Order.placed_at) == year)
        .group_by(month)
    )
    found = {int(row.month): row for row in session.execute(statement)}
    # The months without orders have no group: fill them in here rather than ask again.
    return [
        MonthRevenue(
            f"{year:04d}-{number:02d}",
            found[number].orders if number in found else 0,
            Decimal(found[number].revenue) if number in found else Decimal(0),
        )
        for number in range(1, 13)
    ]
    # END SOLUTION


def never_sold(session: Session) -> list[str]:
    """The skus of the products that are on no line of a counted order, sorted. One statement."""
    # BEGIN SOLUTION
    statement = (
        select(Product.sku)
        .where(~Product.lines.any(OrderLine.order.has(Order.status.in_(COUNTED))))
        .order_by(Product.sku)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def product_performance(session: Session, category: str) -> list[ProductPerformance]:
    """One row per product of `category`, by sku: units sold and revenue on counted orders, number
    of reviews and average rating. One statement.

    Careful: joining the lines AND the reviews to the products in one go multiplies them (each
    line once per review): aggregate each in its own subquery, then join those to the products.
    """
    # BEGIN SOLUTION
    sales = (
        select(
            OrderLine.product_id,
            func.sum(OrderLine.quantity).label("units"),
            func.sum(OrderLine.quantity * OrderLine.unit_price).label("revenue"),
        )
        .join(OrderLine.order)
        .where(Order.status.in_(COUNTED))
        .group_by(OrderLine.product_id)
        .subquery()
    )
    opinions = (
        select(
            Review.product_id,
            func.count(Review.id).label("reviews"),
            func.avg(Review.rating).label("average"),
        )
        .group_by(Review.product_id)
        .subquery()
    )
    statement = (
        select(Product.sku, sales.c.units, sales.c.revenue, opinions.c.reviews, opinions.c.average)
        .outerjoin(sales, sales.c.product_id == Product.id)
        .outerjoin(opinions, opinions.c.product_id == Product.id)
        .where(Product.category == category)
        .order_by(Product.sku)
    )
    return [
        ProductPerformance(
            row.sku,
            int(row.units or 0),
            Decimal(row.revenue) if row.revenue is not None else Decimal(0),
            int(row.reviews or 0),
            float(row.average) if row.average is not None else None,
        )
        for row in session.execute(statement)
    ]
    # END SOLUTION
