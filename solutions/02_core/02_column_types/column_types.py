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
        # BEGIN SOLUTION
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive datetime is ambiguous: "10:00" where? Refuse it instead of guessing.
            raise ValueError(f"posted_at needs a timezone-aware datetime, got naive {value!r}")
        # SQLite stores the text of the datetime and drops the offset: normalise to UTC first,
        # so what it keeps is the same instant on every backend.
        return value.astimezone(timezone.utc)
        # END SOLUTION
        # BEGIN STUB
        # # TODO (task 4): refuse naive datetimes; store every instant as UTC.
        # return value
        # END STUB

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Database -> Python: return an aware datetime in UTC."""
        # BEGIN SOLUTION
        if value is None:
            return None
        if value.tzinfo is None:
            # SQLite gives back the naive text we stored, which we know is UTC.
            return value.replace(tzinfo=timezone.utc)
        # PostgreSQL gives an aware value in the session's TimeZone setting: convert, same instant.
        return value.astimezone(timezone.utc)
        # END SOLUTION
        # BEGIN STUB
        # # TODO (task 4): give back an aware datetime in UTC, whatever the database returned.
        # return value
        # END STUB


metadata = MetaData()

# BEGIN SOLUTION
entries = Table(
    "entries",
    metadata,
    Column("id", Integer, primary_key=True),
    # Uuid: a uuid.UUID in Python; native UUID on PostgreSQL, CHAR(32) on SQLite.
    Column("public_id", Uuid, nullable=False, unique=True, default=uuid.uuid4),
    Column("account", String(34), nullable=False),  # an IBAN has at most 34 characters
    # Numeric(12, 2): Decimal in and out, exactly; Float would turn 0.10 into 0.1000000000000000055...
    Column("amount", Numeric(12, 2), nullable=False),
    # An exchange rate is a measurement, not money: a double-precision Float is right for it.
    Column("fx_rate", Float, nullable=False, default=1.0),
    # Enum(EntryKind): the database holds the member's name, Python gets EntryKind members back.
    Column("kind", Enum(EntryKind), nullable=False),
    Column("cleared", Boolean, nullable=False, default=False),
    Column("memo", Text, nullable=True),  # Text: no length limit, unlike String(n)
    Column("details", JSON, nullable=True),  # dicts and lists in, dicts and lists out
    Column("posted_at", UTCDateTime, nullable=False),
)
# END SOLUTION
# BEGIN STUB
# entries = Table(
#     "entries",
#     metadata,
#     Column("id", Integer, primary_key=True),
#     # TODO (tasks 1-4): public_id, account, amount, fx_rate, kind, cleared, memo, details, posted_at
# )
# END STUB
