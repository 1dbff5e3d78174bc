"""Kata 2.8, project: a Core-only inventory repository — CRUD, stock movements and reports.

The schema (given; the tests create it):

    categories(id, name UNIQUE)
    items(id, sku UNIQUE, name, category_id -> categories.id, unit_price NUMERIC(10, 2),
          quantity INTEGER DEFAULT 0, reorder_level INTEGER DEFAULT 0)
    stock_movements(id, item_id -> items.id, change INTEGER, reason, moved_at TIMESTAMP)

`Inventory` works on a Connection it is given and never commits: the caller owns the
transaction, so several calls can form one unit of work (and the tests can roll it all back).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

metadata = MetaData()

categories = Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
)
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("category_id", ForeignKey("categories.id"), nullable=False),
    Column("unit_price", Numeric(10, 2), nullable=False),
    Column("quantity", Integer, nullable=False, server_default=text("0")),
    Column("reorder_level", Integer, nullable=False, server_default=text("0")),
)
stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id"), nullable=False),
    Column("change", Integer, nullable=False),  # positive: goods in; negative: goods out
    Column("reason", String(50), nullable=False),
    Column("moved_at", DateTime, nullable=False),
)


class Inventory:
    """CRUD and reports over the inventory tables, through one Connection, with Core statements only."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- task 1: create and read ----------------------------------------------------------------
    def add_item(
        self, sku: str, name: str, category: str, unit_price: Decimal, reorder_level: int = 0
    ) -> int:
        """Create an item with no stock in the named category and return the new item's id.

        The category is created the first time it is named and reused after that.
        At most 3 statements.
        """
        # BEGIN SOLUTION
        category_id = self.connection.execute(
            select(categories.c.id).where(categories.c.name == category)
        ).scalar_one_or_none()
        if category_id is None:
            # RETURNING hands back the generated key in the same round trip as the INSERT.
            category_id = self.connection.execute(
                insert(categories).values(name=category).returning(categories.c.id)
            ).scalar_one()
        item_id: int = self.connection.execute(
            insert(items)
            .values(sku=sku, name=name, category_id=category_id, unit_price=unit_price,
                    quantity=0, reorder_level=reorder_level)
            .returning(items.c.id)
        ).scalar_one()
        return item_id
        # END SOLUTION

    def get_item(self, sku: str) -> dict[str, Any] | None:
        """The item as a dict with the keys sku, name, category (the category's NAME), unit_price,
        quantity and reorder_level; None for an unknown SKU. One statement."""
        # BEGIN SOLUTION
        stmt = (
            select(
                items.c.sku,
                items.c.name,
                categories.c.name.label("category"),  # a label names the key in the mapping
                items.c.unit_price,
                items.c.quantity,
                items.c.reorder_level,
            )
            .join(categories)
            .where(items.c.sku == sku)
        )
        row = self.connection.execute(stmt).mappings().one_or_none()
        return dict(row) if row is not None else None
        # END SOLUTION

    # -- task 2: update and delete --------------------------------------------------------------
    def update_item(
        self,
        sku: str,
        *,
        name: str | None = None,
        unit_price: Decimal | None = None,
        reorder_level: int | None = None,
    ) -> bool:
        """Change the fields that are given (not None) and leave the others alone.

        Return True if the item exists, False for an unknown SKU. ValueError if no field is given.
        One statement.
        """
        # BEGIN SOLUTION
        changes = {
            key: value
            for key, value in {"name": name, "unit_price": unit_price, "reorder_level": reorder_level}.items()
            if value is not None
        }
        if not changes:
            raise ValueError("update_item() needs at least one field to change")
        # values(**changes) puts only the given columns into the SET clause.
        result = self.connection.execute(update(items).where(items.c.sku == sku).values(**changes))
        return result.rowcount == 1
        # END SOLUTION

    def delete_item(self, sku: str) -> bool:
        """Delete the item and its stock movements; True if it existed, False otherwise. At most 2 statements."""
        # BEGIN SOLUTION
        # The movements reference the item, so they go first; a subquery finds the item's id
        # without a separate round trip.
        item_id = select(items.c.id).where(items.c.sku == sku).scalar_subquery()
        self.connection.execute(delete(stock_movements).where(stock_movements.c.item_id == item_id))
        return self.connection.execute(delete(items).where(items.c.sku == sku)).rowcount == 1
        # END SOLUTION

    # -- task 3: stock movements ----------------------------------------------------------------
    def record_movement(self, sku: str, change: int, reason: str, moved_at: datetime) -> int:
        """Add `change` (negative: goods out) to the item's quantity, log the movement, and return
        the new quantity.

        LookupError for an unknown SKU; ValueError when the quantity would fall below zero.
        In both cases nothing changes. At most 3 statements. The database computes the new
        quantity, so a sale someone else records meanwhile is never lost.
        """
        # BEGIN SOLUTION
        # One conditional UPDATE checks and changes the stock together: the database, not a value
        # read earlier by Python, decides whether there is enough. RETURNING gives the result.
        row = self.connection.execute(
            update(items)
            .where(items.c.sku == sku, items.c.quantity + change >= 0)
            .values(quantity=items.c.quantity + change)
            .returning(items.c.id, items.c.quantity)
        ).one_or_none()
        if row is None:
            known = self.connection.execute(select(items.c.quantity).where(items.c.sku == sku)).first()
            if known is None:
                raise LookupError(f"no item with SKU {sku!r}")
            raise ValueError(f"only {known.quantity} of {sku!r} in stock, cannot take {-change}")
        self.connection.execute(
            insert(stock_movements).values(item_id=row.id, change=change, reason=reason, moved_at=moved_at)
        )
        return int(row.quantity)
        # END SOLUTION

    # -- tasks 4-6: reports ---------------------------------------------------------------------
    def low_stock(self) -> list[tuple[str, int, int]]:
        """(sku, quantity, reorder_level) of every item AT or below its reorder level, the biggest
        shortfall (reorder_level - quantity) first, then by SKU. One statement."""
        # BEGIN SOLUTION
        shortfall = items.c.reorder_level - items.c.quantity
        stmt = (
            select(items.c.sku, items.c.quantity, items.c.reorder_level)
            .where(items.c.quantity <= items.c.reorder_level)
            .order_by(shortfall.desc(), items.c.sku)
        )
        return [(row.sku, row.quantity, row.reorder_level) for row in self.connection.execute(stmt)]
        # END SOLUTION

    def value_by_category(self) -> list[tuple[str, Decimal]]:
        """(category name, stock value) for EVERY category, ordered by name: the sum of
        unit_price * quantity as an exact Decimal; 0 for a category with no items. One statement."""
        # BEGIN SOLUTION
        # SUM over no rows is NULL; coalesce() turns it into 0. The outer join keeps empty categories.
        value = func.coalesce(func.sum(items.c.unit_price * items.c.quantity), 0)
        stmt = (
            select(categories.c.name, value.label("value"))
            .select_from(categories)
            .outerjoin(items)
            .group_by(categories.c.id, categories.c.name)
            .order_by(categories.c.name)
        )
        # The Numeric column type makes the result a Decimal on both backends (see README).
        return [(row.name, row.value) for row in self.connection.execute(stmt)]
        # END SOLUTION

    def top_movers(self, since: datetime, limit: int = 3) -> list[tuple[str, int]]:
        """(sku, units moved) for the items with the most units moved, in AND out, at or after
        `since`: most first, ties by SKU, at most `limit` rows. One statement."""
        # BEGIN SOLUTION
        units = func.sum(func.abs(stock_movements.c.change))
        stmt = (
            select(items.c.sku, units.label("units"))
            .join_from(stock_movements, items)
            .where(stock_movements.c.moved_at >= since)
            .group_by(items.c.id, items.c.sku)
            .order_by(units.desc(), items.c.sku)
            .limit(limit)
        )
        return [(row.sku, int(row.units)) for row in self.connection.execute(stmt)]
        # END SOLUTION
