"""Kata 2.4: select statements — column selection, where, order_by, limit/offset, labels, distinct.

The shop's catalogue is one Core table, described below (it is given: do not change it).
Every function receives a Connection and only reads; the caller owns the transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    select,
)

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("category", String(50), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("discontinued", Boolean, nullable=False),
    Column("description", Text, nullable=False),  # long marketing texts: expensive to fetch
)


def price_list(connection: Connection) -> list[tuple[str, str, int]]:
    """Return (sku, name, price_cents) of every product, ordered by sku.

    Select only those three columns: the description column holds long texts nobody needs here.
    """
    # BEGIN SOLUTION
    # Naming columns in select() fetches just those; select(products) would fetch every column.
    statement = select(products.c.sku, products.c.name, products.c.price_cents).order_by(products.c.sku)
    return [(row.sku, row.name, row.price_cents) for row in connection.execute(statement)]
    # END SOLUTION


def find_products(connection: Connection, category: str, max_price_cents: int | None = None) -> list[str]:
    """Return the names of the products of one category that are still sold, ordered by name.

    Discontinued products are never shown. With `max_price_cents`, only products costing at
    most that much (the limit itself included); `None` means no price limit.
    """
    # BEGIN SOLUTION
    statement = (
        select(products.c.name)
        .where(products.c.category == category)  # a bound parameter, whatever the string holds
        .where(products.c.discontinued.is_(False))  # several where() calls are joined with AND
        .order_by(products.c.name)
    )
    # `is not None`, not truthiness: 0 is a real limit ("free products only").
    if max_price_cents is not None:
        statement = statement.where(products.c.price_cents <= max_price_cents)
    return list(connection.execute(statement).scalars())
    # END SOLUTION


def by_price(connection: Connection) -> list[tuple[str, int]]:
    """Return (name, price_cents) of the products in stock (stock > 0), most expensive first.

    Products with the same price are listed by name, A to Z. Sort in the database.
    """
    # BEGIN SOLUTION
    statement = (
        select(products.c.name, products.c.price_cents)
        .where(products.c.stock > 0)
        # The second key breaks ties: without it, equal prices come back in any order.
        .order_by(products.c.price_cents.desc(), products.c.name)
    )
    return [(row.name, row.price_cents) for row in connection.execute(statement)]
    # END SOLUTION


def page(connection: Connection, number: int, size: int) -> list[str]:
    """Return the skus on page `number` of the catalogue, `size` products per page.

    Pages count from 1. The catalogue is ordered by name, then by sku (names repeat, and a
    page boundary must not depend on luck). Only the requested page is fetched: LIMIT and
    OFFSET in the SQL. `number` or `size` below 1 raises ValueError.
    """
    # BEGIN SOLUTION
    if number < 1 or size < 1:
        raise ValueError(
            f"pages count from 1 and hold at least one product, not page {number} of size {size}"
        )
    statement = (
        select(products.c.sku)
        .order_by(products.c.name, products.c.sku)  # a total order: sku is unique
        .limit(size)
        .offset((number - 1) * size)  # page 1 skips nothing
    )
    return list(connection.execute(statement).scalars())
    # END SOLUTION


def export_query() -> Select[Any]:
    """Build (do not run) the statement behind the CSV export, ordered by sku.

    The export tool runs it and writes the result's keys as the CSV header, so the columns must
    be named, in this order: sku, product (the name), category, price (price_cents) and
    available (true when stock > 0).
    """
    # BEGIN SOLUTION
    # label() names a column in the SQL (AS ...), and so in result.keys() and row._mapping.
    return select(
        products.c.sku,
        products.c.name.label("product"),
        products.c.category,
        products.c.price_cents.label("price"),
        (products.c.stock > 0).label("available"),
    ).order_by(products.c.sku)
    # END SOLUTION


def categories(connection: Connection) -> list[str]:
    """Return each category that has at least one product still sold, once, alphabetically.

    Let the database remove the duplicates.
    """
    # BEGIN SOLUTION
    statement = (
        select(products.c.category)
        .where(products.c.discontinued.is_(False))
        .distinct()  # SELECT DISTINCT: one row per category
        .order_by(products.c.category)
    )
    return list(connection.execute(statement).scalars())
    # END SOLUTION
