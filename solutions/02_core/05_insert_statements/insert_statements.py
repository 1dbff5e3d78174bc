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
    # BEGIN SOLUTION
    result = connection.execute(insert(products).values(sku=sku, name=name, price_cents=price_cents))
    # The new key comes back with the INSERT itself (RETURNING or the driver's lastrowid).
    new_key = result.inserted_primary_key
    assert new_key is not None  # always set after a single-row insert()
    return int(new_key.id)
    # END SOLUTION


def register_customer(connection: Connection, email: str, name: str) -> dict[str, Any]:
    """Insert a customer and return the new row as the database stored it, as a dict.

    The dict has every column: id, email, name, status and loyalty_points. The last two come
    from the database's defaults; get everything back with the INSERT, in one statement.
    """
    # BEGIN SOLUTION
    # RETURNING hands back what the database actually stored, server defaults included,
    # without a second round trip.
    statement = insert(customers).values(email=email, name=name).returning(*customers.c)
    return dict(connection.execute(statement).mappings().one())
    # END SOLUTION


def import_price_list(connection: Connection, rows: list[tuple[str, str, int]]) -> None:
    """Insert every (sku, name, price_cents) row of a supplier's price list, with ONE execute call.

    An empty price list inserts nothing.
    """
    # BEGIN SOLUTION
    if not rows:
        return  # execute() with no parameter sets would try to insert one row of defaults
    parameters = [{"sku": sku, "name": name, "price_cents": price} for sku, name, price in rows]
    # A list of dicts makes this an "executemany": one call, the driver batches the rows.
    connection.execute(insert(products), parameters)
    # END SOLUTION


def add_products(connection: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert products given as dicts (sku, name, price_cents) with ONE execute call.

    Return their new primary keys in the order of `rows`: the first id belongs to rows[0].
    """
    # BEGIN SOLUTION
    if not rows:
        return []
    # sort_by_parameter_order=True: RETURNING rows come back in the order of the parameter sets,
    # even when SQLAlchemy batches the executemany into multi-row INSERTs.
    statement = insert(products).returning(products.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())
    # END SOLUTION


def archive_discontinued(connection: Connection, reason: str) -> int:
    """Copy every discontinued product (sku, name, price_cents) into archived_products with this
    reason, in ONE INSERT ... SELECT statement, and return how many rows were copied.

    The products themselves stay where they are.
    """
    # BEGIN SOLUTION
    source = select(
        products.c.sku,
        products.c.name,
        products.c.price_cents,
        literal(reason, String),  # the same bound value on every copied row
    ).where(products.c.discontinued.is_(True))
    statement = insert(archived_products).from_select(["sku", "name", "price_cents", "reason"], source)
    # rowcount of an INSERT is not kept by default (PostgreSQL would give -1): ask for it.
    result = connection.execute(statement, execution_options={"preserve_rowcount": True})
    return result.rowcount
    # END SOLUTION
