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
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def get_item(self, sku: str) -> dict[str, Any] | None:
        """The item as a dict with the keys sku, name, category (the category's NAME), unit_price,
        quantity and reorder_level; None for an unknown SKU. One statement."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

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
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def delete_item(self, sku: str) -> bool:
        """Delete the item and its stock movements; True if it existed, False otherwise. At most 2 statements."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # -- task 3: stock movements ----------------------------------------------------------------
    def record_movement(self, sku: str, change: int, reason: str, moved_at: datetime) -> int:
        """Add `change` (negative: goods out) to the item's quantity, log the movement, and return
        the new quantity.

        LookupError for an unknown SKU; ValueError when the quantity would fall below zero.
        In both cases nothing changes. At most 3 statements. The database computes the new
        quantity, so a sale someone else records meanwhile is never lost.
        """
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # -- tasks 4-6: reports ---------------------------------------------------------------------
    def low_stock(self) -> list[tuple[str, int, int]]:
        """(sku, quantity, reorder_level) of every item AT or below its reorder level, the biggest
        shortfall (reorder_level - quantity) first, then by SKU. One statement."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def value_by_category(self) -> list[tuple[str, Decimal]]:
        """(category name, stock value) for EVERY category, ordered by name: the sum of
        unit_price * quantity as an exact Decimal; 0 for a category with no items. One statement."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def top_movers(self, since: datetime, limit: int = 3) -> list[tuple[str, int]]:
        """(sku, units moved) for the items with the most units moved, in AND out, at or after
        `since`: most first, ties by SKU, at most `limit` rows. One statement."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError
