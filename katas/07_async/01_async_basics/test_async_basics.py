"""Tests for kata 7.1, async basics. Run: pytest katas/07_async/01_async_basics"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    event,
    insert,
    inspect,
    make_url,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from fixtures.target import learner_module

async_basics = learner_module(__file__, "async_basics")

# The tests' own copy of the schema (the same as in async_basics.py), to create the tables.
schema = MetaData()
stations = Table(
    "stations",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("last_celsius", Float, nullable=True),
)
readings = Table(
    "readings",
    schema,
    Column("id", Integer, primary_key=True),
    Column("station_id", ForeignKey("stations.id"), nullable=False),
    Column("celsius", Float, nullable=False),
)
STATIONS = [
    {"id": 1, "name": "Harbour"},
    {"id": 2, "name": "Hill"},
    {"id": 3, "name": "O'Brien's Field"},  # a quote: SQL pasted together with f-strings breaks on it
    {"id": 4, "name": "Airport"},  # no readings
]


async def make_network(connection: AsyncConnection) -> None:
    await connection.run_sync(schema.create_all)
    await connection.execute(insert(stations), STATIONS)


async def reading_rows(connection: AsyncConnection) -> list[tuple[int, float]]:
    result = await connection.execute(
        select(readings.c.station_id, readings.c.celsius).order_by(readings.c.id)
    )
    return [tuple(row) for row in result]  # type: ignore[misc]


class PoolWatch:
    """Counts the connections taken from an engine's pool and given back while the block runs."""

    def __init__(self) -> None:
        self.taken = self.returned = 0

    @property
    def kept(self) -> int:
        return self.taken - self.returned


@contextmanager
def pool_watch(engine: AsyncEngine) -> Iterator[PoolWatch]:
    # Counted with pool events rather than pool.checkedout() afterwards: a connection that the code
    # forgot to close is dropped by the garbage collector as soon as the function returns (with a
    # warning, and without ever being given back properly), so the count alone would look tidy.
    watch = PoolWatch()

    def taken(*_: Any) -> None:
        watch.taken += 1

    def returned(*_: Any) -> None:
        watch.returned += 1

    event.listen(engine.sync_engine, "checkout", taken)
    event.listen(engine.sync_engine, "checkin", returned)
    try:
        yield watch
    finally:
        event.remove(engine.sync_engine, "checkout", taken)
        event.remove(engine.sync_engine, "checkin", returned)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///weather.db", "sqlite+aiosqlite:///weather.db"),
        ("sqlite+pysqlite:////var/data/weather.db", "sqlite+aiosqlite:////var/data/weather.db"),
        ("sqlite+aiosqlite:///weather.db", "sqlite+aiosqlite:///weather.db"),
        ("postgresql://met@db.example:5433/weather", "postgresql+asyncpg://met@db.example:5433/weather"),
        (
            "postgresql+psycopg://met:s3cret@localhost/weather",
            "postgresql+asyncpg://met:s3cret@localhost/weather",
        ),
        ("postgresql+psycopg2://met@localhost/weather", "postgresql+asyncpg://met@localhost/weather"),
        ("postgresql+asyncpg://met@localhost/weather", "postgresql+asyncpg://met@localhost/weather"),
    ],
    ids=["sqlite", "pysqlite", "already aiosqlite", "postgresql", "psycopg", "psycopg2", "already asyncpg"],
)
def test_async_url_names_the_asyncio_driver(url: str, expected: str) -> None:
    got = async_basics.async_url(url)
    assert make_url(got) == make_url(expected), (
        f"async_url({url!r}) should name the asyncio driver and keep the rest of the URL: "
        f"expected {expected!r}, got {got!r}"
    )


@pytest.mark.task(1)
@given(
    user=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12),
    password=st.text(st.characters(codec="ascii", exclude_characters="\x00"), min_size=1, max_size=16),
    database=st.sampled_from(["weather", "postgresql_archive", "sqlite_mirror"]),
    driver=st.sampled_from(["", "+psycopg", "+psycopg2", "+pg8000"]),
)
def test_async_url_keeps_any_password_and_database_name(
    user: str, password: str, database: str, driver: str
) -> None:
    url = URL.create("postgresql" + driver, user, password, "db.example", 5432, database)
    rendered = url.render_as_string(hide_password=False)
    got = make_url(async_basics.async_url(rendered))
    assert (got.drivername, got.username, got.password, got.host, got.port, got.database) == (
        "postgresql+asyncpg",
        user,
        password,
        "db.example",
        5432,
        database,
    ), (
        f"async_url({rendered!r}) should change only the driver (to asyncpg) and keep the user, the password "
        f"(even with @, : or / in it: parse the URL with make_url() instead of cutting the string) and the "
        f"database name; got {got.render_as_string(hide_password=False)!r}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("url", ["mysql+pymysql://met@localhost/weather", "oracle://met@localhost/weather"])
def test_async_url_refuses_databases_it_has_no_driver_for(url: str) -> None:
    with pytest.raises(ValueError):
        async_basics.async_url(url)
        pytest.fail(
            f"async_url({url!r}) should raise ValueError: this kata knows asyncio drivers only for "
            "SQLite and PostgreSQL"
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("which", ["async URL", "sync URL"])
async def test_make_engine_returns_an_async_engine_that_connects(
    which: str, async_database_url: str, database_url: str
) -> None:
    url = async_database_url if which == "async URL" else database_url
    engine = async_basics.make_engine(url)
    assert isinstance(engine, AsyncEngine), (
        f"make_engine({url!r}) should return an AsyncEngine (create_async_engine()), not {type(engine).__name__}"
    )
    try:
        assert engine.dialect.driver in ("aiosqlite", "asyncpg"), (
            f"the engine should use the asyncio driver (aiosqlite or asyncpg), not {engine.dialect.driver!r}"
        )
        async with engine.connect() as connection:
            answer = await connection.scalar(select(42))
        assert answer == 42, "the engine should run SELECT 42 and get 42 back"
    finally:
        await engine.dispose()


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
async def test_create_schema_creates_the_tables_inside_the_callers_transaction(
    async_connection: AsyncConnection,
) -> None:
    outer = async_connection.get_transaction()
    await async_basics.create_schema(async_connection)

    def names(sync_connection: Any) -> set[str]:
        return set(inspect(sync_connection).get_table_names())

    found = await async_connection.run_sync(names)
    assert {"stations", "readings"} <= found, (
        f"create_schema() should create the tables stations and readings; the database has {sorted(found)}"
    )
    assert async_connection.get_transaction() is outer and outer is not None and outer.is_active, (
        "create_schema() should leave the caller's transaction open (no commit): the caller decides"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "tables", [["alpha", "beta"], ["rain", "snow", "hail"], []], ids=["two", "three", "none"]
)
async def test_table_names_lists_the_tables_sorted(
    async_connection: AsyncConnection, tables: list[str]
) -> None:
    other = MetaData()
    for name in reversed(tables):
        Table(name, other, Column("id", Integer, primary_key=True))
    await async_connection.run_sync(other.create_all)
    got = await async_basics.table_names(async_connection)
    assert list(got) == sorted(tables), (
        f"table_names() should list the tables this connection sees, sorted: expected {sorted(tables)}, got {got!r}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("station_id", "values"),
    [(1, [12.5, 13.0, 11.25]), (3, [-4.5]), (2, [float(n) / 4 for n in range(40)])],
    ids=["three", "one", "forty"],
)
async def test_add_readings_inserts_them_in_one_statement(
    async_connection: AsyncConnection, queries: Any, station_id: int, values: list[float]
) -> None:
    await make_network(async_connection)
    queries.clear()
    count = await async_basics.add_readings(async_connection, station_id, values)
    assert queries.count == 1, (
        f"add_readings() should insert {len(values)} readings in ONE statement (a list of parameter dicts "
        f"makes an executemany), not one INSERT per value:\n{queries.listing()}"
    )
    with queries.paused():
        rows = await reading_rows(async_connection)
    assert rows == [(station_id, value) for value in values], (
        f"the readings table should hold the {len(values)} readings of station {station_id}, in order; "
        f"got {rows[:5]}{' ...' if len(rows) > 5 else ''}"
    )
    assert count == len(values), (
        f"add_readings() inserted {len(values)} readings and should return that, not {count!r}"
    )
    assert async_connection.in_transaction(), "add_readings() should not end the caller's transaction"


@pytest.mark.task(3)
async def test_add_readings_of_nothing_sends_nothing(async_connection: AsyncConnection, queries: Any) -> None:
    await make_network(async_connection)
    queries.clear()
    count = await async_basics.add_readings(async_connection, 1, [])
    assert count == 0 and queries.count == 0, (
        "add_readings() with no values should return 0 and send no statement (an empty executemany is an "
        f"error on some drivers); returned {count!r} after sending:\n{queries.listing()}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "data",
    [
        {1: [10.0, 12.0, 14.0], 2: [3.5], 3: [-1.0, 1.0, 6.0, 2.0]},
        {2: [20.0, 21.0], 4: [0.5, 0.25]},
        {},
    ],
    ids=["three stations", "two others", "no readings"],
)
async def test_station_averages_are_computed_by_the_database(
    async_connection: AsyncConnection, queries: Any, data: dict[int, list[float]]
) -> None:
    await make_network(async_connection)
    rows = [{"station_id": sid, "celsius": value} for sid, values in data.items() for value in values]
    if rows:
        await async_connection.execute(insert(readings), rows)
    queries.clear()
    got = await async_basics.station_averages(async_connection)
    names = {s["id"]: s["name"] for s in STATIONS}
    expected = {names[sid]: sum(values) / len(values) for sid, values in data.items()}
    assert dict(got) == pytest.approx(expected), (
        "station_averages() should give each station that has readings (and only those) the average of its "
        f"readings: expected {expected}, got {got!r}"
    )
    assert queries.count == 1 and re.search(r"\bavg\s*\(", queries.sql[0], re.IGNORECASE), (
        "one SELECT with AVG() and GROUP BY computes every average in the database; fetching the readings and "
        f"averaging in Python (or one query per station) makes the database send every reading:\n{queries.listing()}"
    )


# -- task 5 -------------------------------------------------------------------------------------


async def make_committed_network(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await make_network(connection)


@pytest.mark.task(5)
@pytest.mark.parametrize(("station_id", "celsius"), [(1, 17.5), (3, -2.25)])
async def test_record_reading_commits_the_reading_and_the_station(
    async_engine: AsyncEngine, station_id: int, celsius: float
) -> None:
    await make_committed_network(async_engine)
    with pool_watch(async_engine) as watch:
        await async_basics.record_reading(async_engine, station_id, celsius)
    # A new connection sees only what was committed.
    async with async_engine.connect() as connection:
        rows = await reading_rows(connection)
        last = dict(list(await connection.execute(select(stations.c.id, stations.c.last_celsius))))  # type: ignore[arg-type]
    assert rows == [(station_id, celsius)], (
        f"after record_reading({station_id}, {celsius}) another connection should see that one reading, "
        f"committed (engine.begin() commits when its block ends); it sees {rows}"
    )
    assert last[station_id] == celsius and all(v is None for k, v in last.items() if k != station_id), (
        f"station {station_id}'s last_celsius should be {celsius}, committed with the reading, and the other "
        f"stations untouched; another connection sees {last}"
    )
    assert watch.kept == 0, (
        f"record_reading() took {watch.taken} connection(s) from the pool and gave back {watch.returned}: "
        "`async with engine.begin() as connection:` gives it back when the block ends"
    )


@pytest.mark.task(5)
async def test_record_reading_for_an_unknown_station_raises_and_commits_nothing(
    async_engine: AsyncEngine,
) -> None:
    await make_committed_network(async_engine)
    with pool_watch(async_engine) as watch, pytest.raises(LookupError):
        await async_basics.record_reading(async_engine, 99, 12.0)
        pytest.fail("record_reading() for station 99, which does not exist, should raise LookupError")
    async with async_engine.connect() as connection:
        rows = await reading_rows(connection)
        last = list(await connection.execute(select(stations.c.last_celsius)))
    assert rows == [] and all(row[0] is None for row in last), (
        f"nothing should be committed for an unknown station; found readings {rows} and last_celsius {last}"
    )
    assert watch.kept == 0, (
        f"record_reading() took {watch.taken} connection(s) from the pool and gave back {watch.returned}: "
        "it should give its connection back even when it raises (an `async with` block does)"
    )


@pytest.mark.task(5)
async def test_record_reading_twice_keeps_both_readings_and_the_latest_value(
    async_engine: AsyncEngine,
) -> None:
    await make_committed_network(async_engine)
    await async_basics.record_reading(async_engine, 2, 8.0)
    await async_basics.record_reading(async_engine, 2, 9.5)
    async with async_engine.connect() as connection:
        rows = await reading_rows(connection)
        last = await connection.scalar(select(stations.c.last_celsius).where(stations.c.id == 2))
    assert rows == [(2, 8.0), (2, 9.5)] and last == 9.5, (
        f"two readings of station 2 (8.0 then 9.5) should both be committed and last_celsius be 9.5; "
        f"found readings {rows}, last_celsius {last}"
    )
