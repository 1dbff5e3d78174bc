"""Kata 2.2: column types — choose the type that keeps each value exactly as it was written.

A small ledger keeps one row per money movement in the `entries` table. Every column has a
different kind of value: an exact amount, an approximate exchange rate, a yes/no flag, one of a
fixed set of kinds, free text, a random identifier, a JSON document and an instant in time.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Enum,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
)


class EntryKind(enum.Enum):
    """Which way the money moved."""

    DEBIT = "debit"
    CREDIT = "credit"


class UTCDateTime(TypeDecorator[datetime]):
    """A DateTime that takes timezone-aware datetimes and gives them back aware, in UTC, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True  # no per-instance state: SQLAlchemy may cache statements that use this type

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Python -> database: refuse naive datetimes, send every instant as UTC."""
        # TODO (task 4): refuse naive datetimes; store every instant as UTC.
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Database -> Python: return an aware datetime in UTC."""
        # TODO (task 4): give back an aware datetime in UTC, whatever the database returned.
        return value


metadata = MetaData()

entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    # TODO (tasks 1-4): public_id, account, amount, fx_rate, kind, cleared, memo, details, posted_at
)
