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
    # BEGIN SOLUTION
    # scalars(): the rows of select(Product) are 1-tuples; scalars() hands back the Product in each.
    return list(session.scalars(select(Product).order_by(Product.name, Product.id)))
    # END SOLUTION


def product_by_sku(session: Session, sku: str) -> Product | None:
    """The product with this sku, or None when there is none."""
    # BEGIN SOLUTION
    return session.scalars(select(Product).where(Product.sku == sku)).one_or_none()
    # END SOLUTION


def customer_by_id(session: Session, customer_id: int) -> Customer | None:
    """The customer with this primary key, or None.

    Asked twice for the same customer in one session, the second call sends no SQL at all.
    """
    # BEGIN SOLUTION
    # Session.get() looks in the identity map first; a select() would always go to the database.
    return session.get(Customer, customer_id)
    # END SOLUTION


def price_list(session: Session) -> list[tuple[str, str, Decimal]]:
    """(sku, name, price) of every product, ordered by sku.

    Columns, not objects: the SQL reads only these three columns, and no Product object is loaded
    into the session.
    """
    # BEGIN SOLUTION
    rows = session.execute(select(Product.sku, Product.name, Product.price).order_by(Product.sku))
    return [(row.sku, row.name, row.price) for row in rows]
    # END SOLUTION


def count_customers(session: Session, country: str) -> int:
    """How many customers live in `country`: the database counts, no customer is loaded."""
    # BEGIN SOLUTION
    statement = select(func.count()).select_from(Customer).where(Customer.country == country)
    return session.scalar(statement) or 0
    # END SOLUTION


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
    # BEGIN SOLUTION
    # from_statement(): the ORM maps the rows of a textual SELECT to Product objects by column name.
    statement = select(Product).from_statement(text(CHEAP_PRODUCTS_SQL).bindparams(max_price=max_price))
    return list(session.scalars(statement))
    # END SOLUTION
