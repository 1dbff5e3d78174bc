"""Kata 7.1: async basics — an AsyncEngine, AsyncConnection, run_sync() for what is not async.

The weather network's tables are given below (do not change them). Every function that takes an
AsyncConnection does not commit: the caller owns the transaction. Only record_reading() manages
its own transaction, on the engine it is given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    inspect,
    make_url,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

metadata = MetaData()

stations = Table(
    "stations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("last_celsius", Float, nullable=True),  # the latest reading, NULL before the first one
)

readings = Table(
    "readings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station_id", ForeignKey("stations.id"), nullable=False),
    Column("celsius", Float, nullable=False),
)

# The asyncio driver to use for each database.
ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


def async_url(url: str) -> str:
    """Return `url` with the asyncio driver of its database: aiosqlite for SQLite, asyncpg for
    PostgreSQL, whatever driver it named before (or none). Everything else in the URL (user,
    password, host, port, database, query string) stays as it was; the password is not hidden.

    Raise ValueError for any other database.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def make_engine(url: str) -> AsyncEngine:
    """Return an AsyncEngine for `url`, which may name a sync or an async driver (see async_url)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def create_schema(connection: AsyncConnection) -> None:
    """Create the tables of `metadata` on this connection (inside the caller's transaction)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def table_names(connection: AsyncConnection) -> list[str]:
    """Return the names of the tables in the database, as seen by this connection, sorted."""

    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def add_readings(connection: AsyncConnection, station_id: int, values: Sequence[float]) -> int:
    """Insert one reading per value for that station, in ONE statement (an executemany), and
    return how many readings were inserted. Do not commit. No values: send nothing, return 0.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def station_averages(connection: AsyncConnection) -> Mapping[str, float]:
    """Return {station name: average celsius of its readings} for every station that has
    readings, computed by the database in one SELECT.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def record_reading(engine: AsyncEngine, station_id: int, celsius: float) -> None:
    """Record one reading for real: insert it and set the station's last_celsius, both committed
    together in one transaction of its own, on a connection given back to the pool at the end.

    If there is no station with that id, raise LookupError and commit nothing.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
