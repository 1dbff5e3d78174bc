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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def order_counts(session: Session) -> list[tuple[str, int]]:
    """(email, number of orders) of EVERY customer, 0 for those who never ordered; most orders
    first, then by customer id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def revenue_per_category(session: Session) -> list[tuple[str, Decimal]]:
    """(category, revenue) where revenue is the sum of quantity * unit_price of the lines of the
    orders that are not cancelled; categories without such lines are left out. Highest revenue
    first, then by category."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def well_reviewed(session: Session, min_reviews: int) -> list[tuple[int, int, float]]:
    """(product id, number of reviews, average rating) of the products with at least
    `min_reviews` reviews; best average first, then by product id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def price_ranks(session: Session) -> list[tuple[int, int]]:
    """(product id, rank) of every product, where rank is its place by price within its category,
    most expensive first: equal prices share a rank, and the next rank skips (1, 1, 3).
    Ordered by category, rank, then product id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
