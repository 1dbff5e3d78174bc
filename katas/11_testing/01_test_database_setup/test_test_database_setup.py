"""Tests for kata 11.1, test database setup. Run: pytest katas/11_testing/01_test_database_setup"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    inspect,
    select,
    text,
)

from fixtures.target import learner_module

database_setup = learner_module(__file__, "database_setup")

MEMORY_URLS = ["sqlite://", "sqlite:///:memory:", "sqlite+pysqlite://"]


def kata_metadata() -> MetaData:
    metadata = MetaData()
    Table("parcels", metadata, Column("id", Integer, primary_key=True), Column("label", String(20)))
    return metadata


def count_parcels(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(kata_metadata().tables["parcels"])
            ).scalar_one()
        )


def tables_in(url: str) -> list[str]:
    """What a separate engine sees in the database at `url`."""
    outside = create_engine(url)
    try:
        with outside.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        outside.dispose()


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "postgresql+psycopg://tester@db.internal:5432/shop_test",
            "postgresql+psycopg://tester@db.internal:5432/shop_test",
        ),
        ("  sqlite:////tmp/parcels-test.db\n", "sqlite:////tmp/parcels-test.db"),
    ],
    ids=["postgresql", "padded-sqlite-file"],
)
def test_the_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("KATA_TEST_DATABASE_URL", value)
    got = database_setup.database_url()
    assert got == expected, (
        f"with KATA_TEST_DATABASE_URL={value!r}, database_url() should return {expected!r} (read it when called, "
        f"stripped), got {got!r}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("value", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_without_a_url_the_default_is_in_memory_sqlite(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("KATA_TEST_DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("KATA_TEST_DATABASE_URL", value)
    got = database_setup.database_url()
    assert got == "sqlite://", (
        f"with KATA_TEST_DATABASE_URL {'unset' if value is None else repr(value)}, expected 'sqlite://', got {got!r}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("url", MEMORY_URLS)
def test_in_memory_sqlite_is_one_database_for_every_connection_and_thread(url: str) -> None:
    engine = database_setup.make_test_engine(url)
    try:
        with engine.connect() as first:
            first.execute(text("CREATE TABLE parcels (id INTEGER PRIMARY KEY, label VARCHAR(20))"))
            first.execute(text("INSERT INTO parcels (label) VALUES ('box')"))
            first.commit()
            with engine.connect() as second:
                seen = second.execute(text("SELECT label FROM parcels")).scalars().all()
        assert seen == ["box"], (
            f"a second connection of make_test_engine({url!r}) should see the same database, saw {seen}"
        )
        from_thread: list[Any] = []

        def read() -> None:
            try:
                with engine.connect() as connection:
                    from_thread.extend(connection.execute(text("SELECT label FROM parcels")).scalars())
            except Exception as error:  # noqa: BLE001 - reported below
                from_thread.append(error)

        worker = threading.Thread(target=read)
        worker.start()
        worker.join(timeout=10)
        assert from_thread == ["box"], (
            f"a connection from another thread should reach the same in-memory database; it got {from_thread!r}. "
            "An in-memory database lives in ONE sqlite3 connection: share it (StaticPool) and allow other "
            "threads to use it (check_same_thread=False)."
        )
    finally:
        engine.dispose()


@pytest.mark.task(2)
def test_other_urls_get_a_pool_of_separate_connections(database_url: str) -> None:
    engine = database_setup.make_test_engine(database_url)
    try:
        assert engine.url.render_as_string(hide_password=False) == database_url, (
            f"make_test_engine() should use the URL it is given: {database_url!r}, not {engine.url!r}"
        )
        with engine.connect() as first, engine.connect() as second:
            same = first.connection.dbapi_connection is second.connection.dbapi_connection
        assert not same, (
            "two connections open at once on a file or server database were the same DBAPI connection: a "
            "StaticPool belongs to in-memory SQLite only; other URLs keep SQLAlchemy's default pool"
        )
    finally:
        engine.dispose()


# -- task 3 -------------------------------------------------------------------------------------


def urls(database_url: str) -> dict[str, str]:
    return {"in-memory": "sqlite://", "configured": database_url}


@pytest.mark.task(3)
@pytest.mark.parametrize("which", ["in-memory", "configured"])
def test_each_block_starts_with_the_tables_and_no_rows(database_url: str, which: str) -> None:
    url = urls(database_url)[which]
    for attempt in (1, 2):
        with database_setup.isolated_database(url, kata_metadata()) as engine:
            assert count_parcels(engine) == 0, (
                f"block {attempt} on {which} database found rows: each isolated_database() block starts with "
                "empty tables"
            )
            with engine.begin() as connection:  # the code under test commits, as real code does
                connection.execute(
                    kata_metadata().tables["parcels"].insert(), [{"label": "a"}, {"label": "b"}]
                )
            assert count_parcels(engine) == 2


@pytest.mark.task(3)
def test_nothing_is_left_after_the_block_not_even_its_own_tables(database_url: str) -> None:
    with database_setup.isolated_database(database_url, kata_metadata()) as engine:
        pool_inside = engine.pool
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY)"))
            connection.execute(kata_metadata().tables["parcels"].insert(), {"label": "a"})
    left = tables_in(database_url)
    assert not left, (
        f"after the block the database still holds {left}: drop everything there is (reflect the database, "
        "then drop_all), not only the tables of the MetaData you were given"
    )
    assert engine.pool is not pool_inside, (
        "after the block the engine's pool still holds its connections: dispose() the engine at the end"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("which", ["in-memory", "configured"])
def test_the_block_cleans_up_when_it_raises(database_url: str, which: str) -> None:
    url = urls(database_url)[which]
    failure = RuntimeError("the test failed")
    with pytest.raises(RuntimeError) as raised, database_setup.isolated_database(url, kata_metadata()) as engine:
        with engine.begin() as connection:
            connection.execute(kata_metadata().tables["parcels"].insert(), {"label": "a"})
        raise failure
    assert raised.value is failure, (
        "the block's own exception should come out of isolated_database(), unchanged"
    )
    if which == "configured":
        left = tables_in(database_url)
        assert not left, (
            f"after a block that raised, the database still holds {left}: clean up in a `finally`"
        )
    with database_setup.isolated_database(url, kata_metadata()) as engine:
        assert count_parcels(engine) == 0, "the next block after a failed one should start empty"
