"""Kata 5.3: operators — in_, like/ilike and escaping, between, is_/is_not, relationship any/has.

The shop's models are given (fixtures/shop/models.py); every function receives a Session and
only reads. Every list is ordered by id.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fixtures.shop.models import Customer, Order, Product, Review


def products_in_categories(session: Session, categories: Sequence[str]) -> list[Product]:
    """Products whose category is one of `categories` (none when the list is empty)."""
    # BEGIN SOLUTION
    # in_() with an empty list renders a condition that is always false: no special case needed.
    return list(session.scalars(select(Product).where(Product.category.in_(categories)).order_by(Product.id)))
    # END SOLUTION


def search_names(session: Session, term: str) -> list[Product]:
    """Products whose name contains `term`, ignoring case ("tea" finds "Green Tea").

    `term` is what a visitor typed: a "%" or "_" in it is that character, not a wildcard.
    """
    # BEGIN SOLUTION
    # icontains(..., autoescape=True): ILIKE '%' || term || '%' with the term's % and _ escaped.
    # (ILIKE on PostgreSQL; lower(name) LIKE lower(term) elsewhere.)
    statement = select(Product).where(Product.name.icontains(term, autoescape=True)).order_by(Product.id)
    return list(session.scalars(statement))
    # END SOLUTION


def names_starting_with(session: Session, prefix: str) -> list[Product]:
    """Products whose name starts with `prefix`, case included ("Organic", not "organic"), on every database."""
    # BEGIN SOLUTION
    # LIKE ignores case on SQLite (for ASCII) and not on PostgreSQL: compare the first characters instead.
    statement = (
        select(Product).where(func.substr(Product.name, 1, len(prefix)) == prefix).order_by(Product.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def customers_by_phone(session: Session, has_phone: bool) -> list[Customer]:
    """Customers who gave a phone number (has_phone=True), or those who did not (phone is NULL)."""
    # BEGIN SOLUTION
    condition = Customer.phone.is_not(None) if has_phone else Customer.phone.is_(None)
    return list(session.scalars(select(Customer).where(condition).order_by(Customer.id)))
    # END SOLUTION


def orders_placed_between(session: Session, first_day: datetime.date, last_day: datetime.date) -> list[Order]:
    """Orders placed from `first_day` to `last_day`, both WHOLE days included (placed_at is a datetime)."""
    # BEGIN SOLUTION
    # BETWEEN a datetime and the last day's midnight would miss that day's orders: end at the next midnight.
    start = datetime.datetime.combine(first_day, datetime.time.min)
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
    statement = select(Order).where(Order.placed_at >= start, Order.placed_at < end).order_by(Order.id)
    return list(session.scalars(statement))
    # END SOLUTION


def products_rated(session: Session, rating: int) -> list[Product]:
    """Products with at least one review of exactly this rating; each product once."""
    # BEGIN SOLUTION
    # any(): EXISTS (SELECT ... FROM reviews WHERE reviews.product_id = products.id AND rating = ?).
    statement = select(Product).where(Product.reviews.any(Review.rating == rating)).order_by(Product.id)
    return list(session.scalars(statement))
    # END SOLUTION


def orders_from_country(session: Session, country: str) -> list[Order]:
    """Orders whose customer lives in `country`."""
    # BEGIN SOLUTION
    # has(): the many-to-one twin of any(), an EXISTS on the customer of each order.
    statement = select(Order).where(Order.customer.has(Customer.country == country)).order_by(Order.id)
    return list(session.scalars(statement))
    # END SOLUTION
