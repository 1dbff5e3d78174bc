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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def search_names(session: Session, term: str) -> list[Product]:
    """Products whose name contains `term`, ignoring case ("tea" finds "Green Tea").

    `term` is what a visitor typed: a "%" or "_" in it is that character, not a wildcard.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def names_starting_with(session: Session, prefix: str) -> list[Product]:
    """Products whose name starts with `prefix`, case included ("Organic", not "organic"), on every database."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def customers_by_phone(session: Session, has_phone: bool) -> list[Customer]:
    """Customers who gave a phone number (has_phone=True), or those who did not (phone is NULL)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def orders_placed_between(session: Session, first_day: datetime.date, last_day: datetime.date) -> list[Order]:
    """Orders placed from `first_day` to `last_day`, both WHOLE days included (placed_at is a datetime)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def products_rated(session: Session, rating: int) -> list[Product]:
    """Products with at least one review of exactly this rating; each product once."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def orders_from_country(session: Session, country: str) -> list[Order]:
    """Orders whose customer lives in `country`."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
