"""Kata 5.1: select statements with the ORM — entities, columns, scalars, session.get, from_statement.

The shop's models are given (fixtures/shop/models.py); every function receives a Session and
only reads: it never commits, flushes or changes anything.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fixtures.shop.models import Customer, Product


def all_products(session: Session) -> list[Product]:
    """Every Product, as ORM objects, ordered by name, then by id (names repeat)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def product_by_sku(session: Session, sku: str) -> Product | None:
    """The product with this sku, or None when there is none."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def customer_by_id(session: Session, customer_id: int) -> Customer | None:
    """The customer with this primary key, or None.

    Asked twice for the same customer in one session, the second call sends no SQL at all.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def price_list(session: Session) -> list[tuple[str, str, Decimal]]:
    """(sku, name, price) of every product, ordered by sku.

    Columns, not objects: the SQL reads only these three columns, and no Product object is loaded
    into the session.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def count_customers(session: Session, country: str) -> int:
    """How many customers live in `country`: the database counts, no customer is loaded."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# The finance team's report query, hand-written and tuned long ago: keep its SQL as it is.
CHEAP_PRODUCTS_SQL = """
SELECT products.* FROM products
WHERE products.price <= :max_price AND NOT products.discontinued
ORDER BY products.price, products.id
"""


def cheap_products(session: Session, max_price: Decimal) -> list[Product]:
    """Run CHEAP_PRODUCTS_SQL (as it is) with `max_price` bound, and return Product objects.

    One statement; the products are ordinary ORM objects of the session (identity map included).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
