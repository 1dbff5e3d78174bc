"""Kata 5.4: ordering and limiting — order_by, desc, NULLs last, offset pages and keyset pages.

The shop's models are given (fixtures/shop/models.py); every function receives a Session and
only reads.
"""

from __future__ import annotations

import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from fixtures.shop.models import Customer, Order, Product


def newest_orders(session: Session, count: int) -> list[Order]:
    """The `count` most recent orders, newest first; orders placed at the same time: higher id first."""
    # BEGIN SOLUTION
    statement = select(Order).order_by(Order.placed_at.desc(), Order.id.desc()).limit(count)
    return list(session.scalars(statement))
    # END SOLUTION


def products_by_weight(session: Session, heaviest_first: bool) -> list[Product]:
    """Every product by weight (heaviest or lightest first), same weight by id; no weight: always LAST."""
    # BEGIN SOLUTION
    weight = Product.weight_grams.desc() if heaviest_first else Product.weight_grams.asc()
    # Where NULLs go differs: SQLite sorts them as the smallest value, PostgreSQL as the largest.
    # nulls_last() says it once for both.
    statement = select(Product).order_by(weight.nulls_last(), Product.id)
    return list(session.scalars(statement))
    # END SOLUTION


def customers_page(session: Session, page: int, per_page: int) -> list[Customer]:
    """Page `page` (the first is 1) of the customers ordered by name, then id, `per_page` a page.

    A page past the end is empty.
    """
    # BEGIN SOLUTION
    statement = (
        select(Customer)
        .order_by(Customer.name, Customer.id)  # a total order: pages need a unique tie-breaker
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def orders_after(session: Session, after: tuple[datetime.datetime, int] | None, per_page: int) -> list[Order]:
    """One page of orders ordered by (placed_at, id): the first `per_page` orders after the key `after`.

    `after` is the (placed_at, id) of the last order of the previous page, or None for the first
    page. Keyset pagination: no OFFSET, the WHERE skips what was already seen.
    """
    # BEGIN SOLUTION
    statement = select(Order).order_by(Order.placed_at, Order.id).limit(per_page)
    if after is not None:
        # A row-value comparison: (placed_at, id) > (:t, :id), on SQLite (3.15+) and PostgreSQL alike.
        statement = statement.where(tuple_(Order.placed_at, Order.id) > tuple_(*after))
    return list(session.scalars(statement))
    # END SOLUTION
