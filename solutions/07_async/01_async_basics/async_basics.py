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
    # BEGIN SOLUTION
    parsed = make_url(url)  # a URL object: no string surgery on passwords or query strings
    backend = parsed.get_backend_name()
    if backend not in ASYNC_DRIVERS:
        raise ValueError(f"no asyncio driver known for {backend!r}")
    return parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}").render_as_string(hide_password=False)
    # END SOLUTION


def make_engine(url: str) -> AsyncEngine:
    """Return an AsyncEngine for `url`, which may name a sync or an async driver (see async_url)."""
    # BEGIN SOLUTION
    # create_async_engine() connects to nothing yet: the first `async with engine.connect()` does.
    return create_async_engine(async_url(url))
    # END SOLUTION


async def create_schema(connection: AsyncConnection) -> None:
    """Create the tables of `metadata` on this connection (inside the caller's transaction)."""
    # BEGIN SOLUTION
    # MetaData.create_all() is synchronous code: run_sync() runs it with a sync Connection that
    # drives the async one underneath.
    await connection.run_sync(metadata.create_all)
    # END SOLUTION


async def table_names(connection: AsyncConnection) -> list[str]:
    """Return the names of the tables in the database, as seen by this connection, sorted."""

    # BEGIN SOLUTION
    def names(sync_connection: Connection) -> list[str]:
        # inspect() has no async version: it works on the sync Connection run_sync() hands over.
        return sorted(inspect(sync_connection).get_table_names())

    return await connection.run_sync(names)
    # END SOLUTION


async def add_readings(connection: AsyncConnection, station_id: int, values: Sequence[float]) -> int:
    """Insert one reading per value for that station, in ONE statement (an executemany), and
    return how many readings were inserted. Do not commit. No values: send nothing, return 0.
    """
    # BEGIN SOLUTION
    if not values:
        return 0
    rows = [{"station_id": station_id, "celsius": value} for value in values]
    # A list of parameter dicts makes one executemany: one statement, however many rows.
    await connection.execute(insert(readings), rows)
    return len(rows)
    # END SOLUTION


async def station_averages(connection: AsyncConnection) -> Mapping[str, float]:
    """Return {station name: average celsius of its readings} for every station that has
    readings, computed by the database in one SELECT.
    """
    # BEGIN SOLUTION
    statement = (
        select(stations.c.name, func.avg(readings.c.celsius))
        .join(readings, readings.c.station_id == stations.c.id)
        .group_by(stations.c.name)
    )
    result = await connection.execute(statement)  # await the round trip; the rows are then in memory
    return {name: float(average) for name, average in result}
    # END SOLUTION


async def record_reading(engine: AsyncEngine, station_id: int, celsius: float) -> None:
    """Record one reading for real: insert it and set the station's last_celsius, both committed
    together in one transaction of its own, on a connection given back to the pool at the end.

    If there is no station with that id, raise LookupError and commit nothing.
    """
    # BEGIN SOLUTION
    # engine.begin(): a connection and a transaction; commit at the end of the block, rollback on
    # an exception, and the connection goes back to the pool either way.
    async with engine.begin() as connection:
        changed = await connection.execute(
            update(stations).where(stations.c.id == station_id).values(last_celsius=celsius)
        )
        if changed.rowcount != 1:
            raise LookupError(f"no station with id {station_id}")
        await connection.execute(insert(readings).values(station_id=station_id, celsius=celsius))
    # END SOLUTION
