"""Kata 5.2: filtering — where(), comparisons, and_/or_/not_, NULL in conditions, a safe filter builder.

The shop's models are given (fixtures/shop/models.py); every function receives a Session and
only reads.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from fixtures.shop.models import Customer, Product


def price_between(session: Session, low: Decimal, high: Decimal) -> list[Product]:
    """Products whose price is between low and high, both included; cheapest first, then by id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def customers_to_contact(session: Session, country: str, since: datetime.date) -> list[Customer]:
    """Customers who live in `country` OR signed up on `since` or later; ordered by id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def light_and_available(session: Session, max_grams: int) -> list[Product]:
    """Products that are neither discontinued nor heavier than max_grams; ordered by id.

    A product without a weight (NULL: a gift card) is not heavier than anything: it is included.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# The product search of the shop's web page: the filters arrive from the query string, as text.
SEARCHABLE = ("sku", "name", "category", "price", "weight_grams", "discontinued")
OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte")


def search_products(session: Session, filters: Mapping[str, str]) -> list[Product]:
    """Products matching every filter (AND), ordered by id. No filters: every product.

    A key is a field of SEARCHABLE, optionally followed by "__" and an operator of OPERATORS
    ("price__lt", "category", "category__ne"; no operator means "eq"). A value is text, converted
    to the field's type: a Decimal for price, an int for weight_grams, "true"/"false" for
    discontinued (which only takes eq and ne). The user's values are always bound parameters.

    Raise ValueError, before sending any SQL, for an unknown field or operator (or an ordering
    operator on discontinued) or a value that does not convert.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# (helpers of your own may go here)
