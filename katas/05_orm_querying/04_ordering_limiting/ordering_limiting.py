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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def products_by_weight(session: Session, heaviest_first: bool) -> list[Product]:
    """Every product by weight (heaviest or lightest first), same weight by id; no weight: always LAST."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def customers_page(session: Session, page: int, per_page: int) -> list[Customer]:
    """Page `page` (the first is 1) of the customers ordered by name, then id, `per_page` a page.

    A page past the end is empty.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def orders_after(session: Session, after: tuple[datetime.datetime, int] | None, per_page: int) -> list[Order]:
    """One page of orders ordered by (placed_at, id): the first `per_page` orders after the key `after`.

    `after` is the (placed_at, id) of the last order of the previous page, or None for the first
    page. Keyset pagination: no OFFSET, the WHERE skips what was already seen.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
