"""Kata 2.5: insert statements — values, RETURNING, executemany bulk inserts, INSERT ... SELECT.

The shop's tables are Core tables, described below (they are given: do not change them).
Every function receives a Connection and does not commit: the caller owns the transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    false,
    insert,
    literal,
    select,
    text,
)

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(200), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    # Filled in by the database when an INSERT leaves them out (the DBA may change them).
    Column("status", String(20), nullable=False, server_default="active"),
    Column("loyalty_points", Integer, nullable=False, server_default=text("0")),
)

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("discontinued", Boolean, nullable=False, server_default=false()),
)

archived_products = Table(
    "archived_products",
    metadata,
    Column("sku", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("reason", String(100), nullable=False),
)


def add_product(connection: Connection, sku: str, name: str, price_cents: int) -> int:
    """Insert one product and return the primary key the database gave it."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def register_customer(connection: Connection, email: str, name: str) -> dict[str, Any]:
    """Insert a customer and return the new row as the database stored it, as a dict.

    The dict has every column: id, email, name, status and loyalty_points. The last two come
    from the database's defaults; get everything back with the INSERT, in one statement.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def import_price_list(connection: Connection, rows: list[tuple[str, str, int]]) -> None:
    """Insert every (sku, name, price_cents) row of a supplier's price list, with ONE execute call.

    An empty price list inserts nothing.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def add_products(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert products given as dicts (sku, name, price_cents) with ONE execute call.

    Return their new primary keys in the order of `rows`: the first id belongs to rows[0].
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def archive_discontinued(connection: Connection, reason: str) -> int:
    """Copy every discontinued product (sku, name, price_cents) into archived_products with this
    reason, in ONE INSERT ... SELECT statement, and return how many rows were copied.

    The products themselves stay where they are.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
