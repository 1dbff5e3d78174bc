"""Kata 5.7: aggregations — count/sum/avg, group_by, having, a window function.

The shop's models are given (fixtures/shop/models.py); every function receives a Session, only
reads, and sends ONE statement: the database aggregates, Python does not.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fixtures.shop.models import Customer, Order, OrderLine, Product, Review


def orders_per_status(session: Session) -> dict[str, int]:
    """{status: number of orders} for the statuses that have orders."""
    # BEGIN SOLUTION
    statement = select(Order.status, func.count(Order.id)).group_by(Order.status)
    return {status: count for status, count in session.execute(statement)}
    # END SOLUTION


def order_counts(session: Session) -> list[tuple[str, int]]:
    """(email, number of orders) of EVERY customer, 0 for those who never ordered; most orders
    first, then by customer id."""
    # BEGIN SOLUTION
    # count(Order.id) counts the non-NULL ids: 0 for a customer whose outer-joined order is all NULL.
    # (count(*) would count that one row: 1.)
    orders = func.count(Order.id).label("orders")
    statement = (
        select(Customer.email, orders)
        .outerjoin(Customer.orders)
        .group_by(Customer.id, Customer.email)
        .order_by(orders.desc(), Customer.id)
    )
    return [(row.email, row.orders) for row in session.execute(statement)]
    # END SOLUTION


def revenue_per_category(session: Session) -> list[tuple[str, Decimal]]:
    """(category, revenue) where revenue is the sum of quantity * unit_price of the lines of the
    orders that are not cancelled; categories without such lines are left out. Highest revenue
    first, then by category."""
    # BEGIN SOLUTION
    revenue = func.sum(OrderLine.quantity * OrderLine.unit_price).label("revenue")
    statement = (
        select(Product.category, revenue)
        .join(OrderLine.product)
        .join(OrderLine.order)
        .where(Order.status != "cancelled")
        .group_by(Product.category)
        .order_by(revenue.desc(), Product.category)
    )
    return [(row.category, row.revenue) for row in session.execute(statement)]
    # END SOLUTION


def well_reviewed(session: Session, min_reviews: int) -> list[tuple[int, int, float]]:
    """(product id, number of reviews, average rating) of the products with at least
    `min_reviews` reviews; best average first, then by product id."""
    # BEGIN SOLUTION
    count = func.count(Review.id).label("reviews")
    average = func.avg(Review.rating).label("average")
    statement = (
        select(Review.product_id, count, average)
        .group_by(Review.product_id)
        .having(count >= min_reviews)  # a condition on the groups: HAVING, not WHERE
        .order_by(average.desc(), Review.product_id)
    )
    # avg() is a float on SQLite and a Decimal on PostgreSQL: float() either way.
    return [(row.product_id, row.reviews, float(row.average)) for row in session.execute(statement)]
    # END SOLUTION


def price_ranks(session: Session) -> list[tuple[int, int]]:
    """(product id, rank) of every product, where rank is its place by price within its category,
    most expensive first: equal prices share a rank, and the next rank skips (1, 1, 3).
    Ordered by category, rank, then product id."""
    # BEGIN SOLUTION
    # A window function: one value per row, computed over the row's partition (its category).
    rank = func.rank().over(partition_by=Product.category, order_by=Product.price.desc()).label("rank")
    statement = select(Product.id, rank).order_by(Product.category, rank, Product.id)
    return [(row.id, row.rank) for row in session.execute(statement)]
    # END SOLUTION
