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
    # BEGIN SOLUTION
    statement = (
        select(Product)
        .where(Product.price >= low, Product.price <= high)  # several conditions: joined with AND
        .order_by(Product.price, Product.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def customers_to_contact(session: Session, country: str, since: datetime.date) -> list[Customer]:
    """Customers who live in `country` OR signed up on `since` or later; ordered by id."""
    # BEGIN SOLUTION
    statement = (
        select(Customer)
        .where(or_(Customer.country == country, Customer.signed_up >= since))
        .order_by(Customer.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION


def light_and_available(session: Session, max_grams: int) -> list[Product]:
    """Products that are neither discontinued nor heavier than max_grams; ordered by id.

    A product without a weight (NULL: a gift card) is not heavier than anything: it is included.
    """
    # BEGIN SOLUTION
    # weight_grams > max_grams is NULL (unknown) when the weight is NULL, and NOT NULL is still NULL:
    # the row would be dropped. Say what NULL means here.
    heavy = and_(Product.weight_grams.is_not(None), Product.weight_grams > max_grams)
    statement = select(Product).where(not_(or_(Product.discontinued, heavy))).order_by(Product.id)
    return list(session.scalars(statement))
    # END SOLUTION


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
    # BEGIN SOLUTION
    comparisons: dict[str, Callable[[Any, Any], Any]] = {
        "eq": operator.eq,
        "ne": operator.ne,
        "lt": operator.lt,
        "lte": operator.le,
        "gt": operator.gt,
        "gte": operator.ge,
    }
    # An explicit allow-list: getattr(Product, key) would also reach "metadata", "lines", "__class__"...
    columns: dict[str, InstrumentedAttribute[Any]] = {
        "sku": Product.sku,
        "name": Product.name,
        "category": Product.category,
        "price": Product.price,
        "weight_grams": Product.weight_grams,
        "discontinued": Product.discontinued,
    }
    conditions = []
    for key, text in filters.items():
        field, _, op = key.partition("__")
        if field not in columns or (op or "eq") not in comparisons:
            raise ValueError(f"cannot filter on {key!r}")
        if field == "discontinued" and op not in ("", "eq", "ne"):
            raise ValueError("discontinued is true or false: it only takes eq and ne")
        conditions.append(comparisons[op or "eq"](columns[field], _convert(field, text)))
    statement = select(Product).where(*conditions).order_by(Product.id)
    return list(session.scalars(statement))
    # END SOLUTION


# BEGIN SOLUTION
def _convert(field: str, text: str) -> Any:
    """The user's text as a value of the field's type (ValueError if it is not one)."""
    if field == "price":
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{text!r} is not a price") from None
    if field == "weight_grams":
        return int(text)  # int("abc") raises ValueError itself
    if field == "discontinued":
        if text.lower() not in ("true", "false"):
            raise ValueError(f"{text!r} is not true or false")
        return text.lower() == "true"
    return text


# END SOLUTION
# BEGIN STUB
# # (helpers of your own may go here)
# END STUB
