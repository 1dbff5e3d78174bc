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
    # BEGIN SOLUTION
    statement = (
        update(products)
        .where(products.c.category == category, products.c.discontinued.is_(False))
        # A column expression: the database computes the new price from the old one, row by row.
        .values(price_cents=products.c.price_cents + cents)
    )
    # rowcount: how many rows the WHERE matched (and so were updated).
    return connection.execute(statement).rowcount
    # END SOLUTION


def discontinue(connection: Connection, skus: Sequence[str]) -> int:
    """Mark the products with these skus as discontinued, in one UPDATE statement (nothing else).

    Return how many products were newly discontinued: unknown skus and products that were
    already discontinued do not count.
    """
    # BEGIN SOLUTION
    statement = (
        update(products)
        # Leave the already discontinued ones out of the WHERE, and rowcount leaves them out too.
        .where(products.c.sku.in_(skus), products.c.discontinued.is_(False))
        .values(discontinued=True)
    )
    return connection.execute(statement).rowcount
    # END SOLUTION


def ship_paid_orders(connection: Connection) -> list[int]:
    """Set the status of every 'paid' order to 'shipped' and return their ids, ascending.

    One statement: the UPDATE itself tells which rows it changed.
    """
    # BEGIN SOLUTION
    statement = (
        update(orders)
        .where(orders.c.status == "paid")
        .values(status="shipped")
        .returning(orders.c.id)  # the ids of exactly the rows this UPDATE changed
    )
    # RETURNING promises no order: sort here.
    return sorted(connection.execute(statement).scalars())
    # END SOLUTION


def recalculate_totals(connection: Connection) -> int:
    """Set total_cents of every 'open' order to the sum of quantity * unit_price_cents of its lines
    (0 for an order without lines), in ONE UPDATE statement. Return how many orders were updated.

    Orders that are not open keep their total: it is what the customer was charged.
    """
    # BEGIN SOLUTION
    # A correlated scalar subquery: it refers to orders.c.id of the row being updated, so the
    # database evaluates it once per order. coalesce(): the sum over no lines is NULL, not 0.
    line_total = (
        select(func.coalesce(func.sum(order_lines.c.quantity * order_lines.c.unit_price_cents), 0))
        .where(order_lines.c.order_id == orders.c.id)
        .scalar_subquery()
    )
    statement = update(orders).where(orders.c.status == "open").values(total_cents=line_total)
    return connection.execute(statement).rowcount
    # END SOLUTION


def purge_cancelled_orders(connection: Connection) -> int:
    """Delete every 'cancelled' order together with its lines; return how many orders were deleted.

    Two statements: one DELETE per table (not one per order, and no SELECT of the ids first).
    Other orders and their lines stay.
    """
    # BEGIN SOLUTION
    cancelled = select(orders.c.id).where(orders.c.status == "cancelled")
    # Lines first: they reference the orders, and the foreign key forbids orphans.
    connection.execute(delete(order_lines).where(order_lines.c.order_id.in_(cancelled)))
    return connection.execute(delete(orders).where(orders.c.status == "cancelled")).rowcount
    # END SOLUTION


def remove_dead_stock(connection: Connection) -> list[str]:
    """Delete the discontinued products that have no stock left; return their skus, sorted.

    One statement.
    """
    # BEGIN SOLUTION
    statement = (
        delete(products)
        .where(products.c.discontinued.is_(True), products.c.stock == 0)
        .returning(products.c.sku)  # DELETE ... RETURNING: what was deleted, in the same round trip
    )
    return sorted(connection.execute(statement).scalars())
    # END SOLUTION
