"""Kata 2.6: update and delete — conditions, affected row counts, RETURNING, a correlated update.

The shop's tables are Core tables, described below (they are given: do not change them).
Every function receives a Connection and does not commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    update,
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
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer", String(100), nullable=False),
    Column("status", String(20), nullable=False),  # open, paid, shipped or cancelled
    Column("total_cents", Integer, nullable=False),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)


def raise_prices(connection: Connection, category: str, cents: int) -> int:
    """Add `cents` to the price of every product of `category` that is not discontinued.

    One UPDATE statement, computed by the database (no reading the prices first). Return how many
    products were changed.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def discontinue(connection: Connection, skus: Sequence[str]) -> int:
    """Mark the products with these skus as discontinued, in one UPDATE statement (nothing else).

    Return how many products were newly discontinued: unknown skus and products that were
    already discontinued do not count.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def ship_paid_orders(connection: Connection) -> list[int]:
    """Set the status of every 'paid' order to 'shipped' and return their ids, ascending.

    One statement: the UPDATE itself tells which rows it changed.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def recalculate_totals(connection: Connection) -> int:
    """Set total_cents of every 'open' order to the sum of quantity * unit_price_cents of its lines
    (0 for an order without lines), in ONE UPDATE statement. Return how many orders were updated.

    Orders that are not open keep their total: it is what the customer was charged.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def purge_cancelled_orders(connection: Connection) -> int:
    """Delete every 'cancelled' order together with its lines; return how many orders were deleted.

    Two statements: one DELETE per table (not one per order, and no SELECT of the ids first).
    Other orders and their lines stay.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def remove_dead_stock(connection: Connection) -> list[str]:
    """Delete the discontinued products that have no stock left; return their skus, sorted.

    One statement.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
