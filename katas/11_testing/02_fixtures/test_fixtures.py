"""Tests for kata 11.2, fixtures. Run: pytest katas/11_testing/02_fixtures

Your database_fixtures.py becomes the conftest.py of a small test run of the kata's own (pytest's
`pytester`, in this process). Its tests use your fixtures; the kata watches what they do to the
database (engines made, tables created, connections left open) and looks at the database from a
connection of its own after the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.pool import Pool

from fixtures.inner_run import InnerRun, OpenConnections, run_inline
from fixtures.target import learner_path

pytest_plugins = ["pytester"]

LEARNER_FILE = "database_fixtures.py"
MARKER = "kata_marker"

INNER_TESTS = f"""
from sqlalchemy import func, insert, select, text


def count(bind, metadata):
    return bind.execute(select(func.count()).select_from(metadata.tables["kata_entries"])).scalar_one()


def test_1_the_connection_writes(db_connection, db_tables):
    db_connection.execute(insert(db_tables.tables["kata_entries"]), [{{"label": "a"}}, {{"label": "b"}}])
    assert count(db_connection, db_tables) == 2


def test_2_the_session_writes_in_the_connection(db_session, db_connection, db_tables):
    assert count(db_connection, db_tables) == 0, "LEAK: this test sees the rows of the test before it"
    db_session.execute(insert(db_tables.tables["kata_entries"]), {{"label": "c"}})
    db_session.flush()
    assert count(db_connection, db_tables) == 1, "SHARED: db_connection does not see the row db_session wrote"


def test_3_starts_empty_again(db_connection, db_tables):
    assert count(db_connection, db_tables) == 0, "LEAK: this test sees the rows of the test before it"


def test_4_the_database_is_the_kata_one(db_connection):
    note = db_connection.execute(text("SELECT note FROM {MARKER}")).scalar_one()
    assert note == "the kata's database", "DATABASE: " + repr(note)
"""


def kata_metadata() -> MetaData:
    metadata = MetaData()
    Table("kata_entries", metadata, Column("id", Integer, primary_key=True), Column("label", String(20)))
    return metadata


class Watcher(OpenConnections):
    """Gives the learner's conftest its two fixtures, and watches every engine used during the run."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.engines: list[Engine] = []
        self.pools: list[Pool] = []
        self.creates: list[str] = []
        event.listen(Engine, "engine_connect", self._connected)
        event.listen(Engine, "before_cursor_execute", self._statement)

    def close(self) -> None:
        event.remove(Engine, "engine_connect", self._connected)
        event.remove(Engine, "before_cursor_execute", self._statement)
        self.close_all()
        for engine in self.engines:
            engine.dispose()

    def _connected(self, connection: Connection) -> None:
        self.opened.append(connection)  # kept: an unclosed connection must not be garbage-collected quietly
        if all(connection.engine.pool is not pool for pool in self.pools):
            self.engines.append(connection.engine)
            self.pools.append(connection.engine.pool)

    def _statement(self, _conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        if sql.lstrip().upper().startswith("CREATE TABLE"):
            self.creates.append(" ".join(sql.split())[:60])

    @pytest.fixture(scope="session")
    def kata_database_url(self) -> str:
        return self.url

    @pytest.fixture(scope="session", name="kata_metadata")
    def _kata_metadata(self) -> MetaData:
        return kata_metadata()



@dataclass
class FixtureRun:
    """The kata's four tests run through the learner's fixtures, and what the fixtures did meanwhile."""

    tests: InnerRun
    engines: int = 0
    disposed: bool = False
    creates: list[str] = field(default_factory=list)
    left_open: dict[str, int] = field(default_factory=dict)
    tables_after: list[str] = field(default_factory=list)


@pytest.fixture
def inner_run(pytester: pytest.Pytester, database_url: str) -> Iterator[FixtureRun]:
    """Run the kata's four tests through the learner's fixtures once, and report what happened."""
    outside = create_engine(database_url)
    with outside.begin() as connection:
        connection.execute(text(f"CREATE TABLE {MARKER} (note VARCHAR(40))"))
        connection.execute(text(f"INSERT INTO {MARKER} (note) VALUES ('the kata''s database')"))
    source = learner_path(__file__, LEARNER_FILE).read_text()
    (pytester.path / "conftest.py").write_text(source)
    (pytester.path / "test_inner.py").write_text(INNER_TESTS)
    watcher = Watcher(database_url)
    try:
        run = FixtureRun(
            tests=run_inline(
                pytester,
                plugins=[watcher],
                shown_as={"conftest.py": LEARNER_FILE},
                limit=1200,
                hang_key=(source, database_url),  # fixtures that hung are not run again
            )
        )
        run.engines = len(watcher.engines)
        run.disposed = all(engine.pool is not pool for engine, pool in zip(watcher.engines, watcher.pools))
        run.creates = watcher.creates
        run.left_open = watcher.left_open
    finally:
        watcher.close()
        with outside.begin() as connection:
            connection.execute(text(f"DROP TABLE {MARKER}"))
            tables_after = sorted(inspect(connection).get_table_names())
        outside.dispose()
    run.tables_after = tables_after
    yield run


def require(condition: object, message: str) -> None:
    if not condition:
        pytest.fail(message, pytrace=False)


def usable(run: FixtureRun) -> None:
    """Fail with the first thing that kept the fixtures from working at all."""
    if run.tests.collection_errors:
        pytest.fail(
            f"The kata's test run could not start with your {LEARNER_FILE} as its conftest.py:\n"
            + "\n".join(run.tests.collection_errors),
            pytrace=False,
        )
    for name in {**run.tests.failed, **run.tests.errors}:
        text_ = run.tests.text(name)
        if text_.rstrip().endswith("NotImplementedError"):
            pytest.fail(
                f"Your fixtures are not all written yet: {name} met NotImplementedError.\n{text_}",
                pytrace=False,
            )
        if run.tests.outcome(name) == "failed in setup":
            pytest.fail(f"{name} could not even start with your fixtures:\n{text_}", pytrace=False)


def inner_test_passed(run: FixtureRun, name: str, story: str) -> None:
    usable(run)
    outcome = run.tests.outcome(name)
    if outcome != "passed":
        pytest.fail(
            f"{story}\nThe kata's test {name} {outcome or 'did not run'}:\n{run.tests.text(name)}",
            pytrace=False,
        )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_one_engine_serves_the_whole_run(inner_run: FixtureRun) -> None:
    usable(inner_run)
    require(
        inner_run.engines == 1,
        f"the run's four tests used {inner_run.engines} engines: make db_engine session-scoped "
        "(@pytest.fixture(scope='session')), so that one engine and its pool serve every test",
    )


@pytest.mark.task(1)
def test_the_engine_is_disposed_when_the_run_ends(inner_run: FixtureRun) -> None:
    usable(inner_run)
    require(
        inner_run.engines and inner_run.disposed,
        "after the run, the engine's pool still held its connections: call engine.dispose() after the yield "
        "of db_engine, so that the run leaves no connection open on the database",
    )


@pytest.mark.task(1)
def test_the_engine_is_on_the_given_database(inner_run: FixtureRun) -> None:
    inner_test_passed(
        inner_run,
        "test_4_the_database_is_the_kata_one",
        f"The test database holds a table {MARKER} that your fixtures do not see: build the engine from "
        "kata_database_url, never from a URL of your own.",
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_the_tables_are_created_once_and_dropped_at_the_end(inner_run: FixtureRun) -> None:
    usable(inner_run)
    require(
        len(inner_run.creates) == 1,
        f"the run sent {len(inner_run.creates)} CREATE TABLE statement(s) for one table: db_tables should be "
        f"session-scoped, creating the tables once for the whole run ({inner_run.creates})",
    )
    require(
        "kata_entries" not in inner_run.tables_after,
        "after the run, kata_entries is still in the database: drop the tables after the yield of db_tables "
        f"(tables left: {inner_run.tables_after})",
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_the_rows_of_one_test_are_gone_for_the_next(inner_run: FixtureRun) -> None:
    for name in ("test_1_the_connection_writes", "test_3_starts_empty_again"):
        inner_test_passed(
            inner_run,
            name,
            "A test saw the rows of the test before it: db_connection should begin a transaction before the "
            "test and roll it back after.",
        )


@pytest.mark.task(3)
def test_each_connection_is_closed_after_its_test(inner_run: FixtureRun) -> None:
    usable(inner_run)
    require(
        not inner_run.left_open,
        f"these tests left connections open after their teardown: {inner_run.left_open}. Close the connection "
        "at the end of db_connection (`with db_engine.connect() as connection:`).",
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_the_session_works_inside_the_connection(inner_run: FixtureRun) -> None:
    inner_test_passed(
        inner_run,
        "test_2_the_session_writes_in_the_connection",
        "db_session should work inside db_connection's transaction (bind it to db_connection), so that what it "
        "flushes is seen through db_connection and rolled back with it.",
    )
