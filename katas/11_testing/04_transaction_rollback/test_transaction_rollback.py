"""Tests for kata 11.4, transaction rollback. Run: pytest katas/11_testing/04_transaction_rollback

Your transaction_rollback.py becomes the conftest.py of a small test run of the kata's own
(pytest's `pytester`, in this process). Each test here runs one hostile test through your
fixtures — it commits, rolls back, uses savepoints, creates tables, fails mid-flush — then a
probe test through the same fixtures, and finally looks at the database from a connection of
its own: nothing the hostile test did may be seen by the probe, or by anyone after the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, inspect, text

from fixtures.inner_run import InnerRun, OpenConnections, run_inline
from fixtures.target import learner_path

pytest_plugins = ["pytester"]

LEARNER_FILE = "transaction_rollback.py"
MARKER = "kata_marker"  # a table the outer test commits before the run: the fixtures must see it

PRELUDE = """
from __future__ import annotations

import pytest
from sqlalchemy import String, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Entry(Base):
    __tablename__ = "kata_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(50), unique=True)


def labels(bind):
    return sorted(bind.execute(select(Entry.label)).scalars())

"""

PROBE = f'''

def test_probe_the_next_test_starts_clean(db_connection):
    left = sorted(set(inspect(db_connection).get_table_names()) - {{"{MARKER}"}})
    assert not left, f"LEFT BEHIND: {{left}}"
'''

# name -> (what the hostile test does, its source)
HOSTILE = {
    "connection_insert": (
        "inserts rows through db_connection",
        """
def test_hostile(db_connection):
    Base.metadata.create_all(db_connection)
    db_connection.execute(insert(Entry), [{"label": "a"}, {"label": "b"}])
    assert labels(db_connection) == ["a", "b"]
""",
    ),
    "connection_ddl": (
        "creates a table with raw SQL on db_connection",
        """
def test_hostile(db_connection):
    db_connection.execute(text("CREATE TABLE kata_scratch (id INTEGER PRIMARY KEY)"))
    db_connection.execute(text("INSERT INTO kata_scratch (id) VALUES (1)"))
""",
    ),
    "connection_savepoint": (
        "rolls back a savepoint of its own on db_connection and goes on",
        """
def test_hostile(db_connection):
    Base.metadata.create_all(db_connection)
    savepoint = db_connection.begin_nested()
    db_connection.execute(insert(Entry), {"label": "undone"})
    savepoint.rollback()
    db_connection.execute(insert(Entry), {"label": "kept"})
    assert labels(db_connection) == ["kept"]
""",
    ),
    "connection_database": (
        f"reads the table {MARKER}, committed in the test database before the run",
        f"""
def test_hostile(db_connection):
    note = db_connection.execute(text("SELECT note FROM {MARKER}")).scalar_one()
    assert note == "the kata's database", note
""",
    ),
    "session_commit": (
        "commits rows through db_session",
        """
def test_hostile(db_session):
    Base.metadata.create_all(db_session.connection())
    db_session.add_all([Entry(label="a"), Entry(label="b")])
    db_session.commit()
    assert labels(db_session) == ["a", "b"]
""",
    ),
    "session_rollback": (
        "commits, then rolls back uncommitted work with db_session.rollback(), then commits again",
        """
def test_hostile(db_session):
    Base.metadata.create_all(db_session.connection())
    db_session.commit()
    db_session.add(Entry(label="kept"))
    db_session.commit()
    db_session.add(Entry(label="undone"))
    db_session.flush()
    db_session.rollback()
    assert labels(db_session) == ["kept"], "the rollback should undo only what was not committed"
    db_session.add(Entry(label="after"))
    db_session.commit()
    assert labels(db_session) == ["after", "kept"]
""",
    ),
    "session_savepoints": (
        "uses db_session.begin_nested(): one savepoint kept, one rolled back",
        """
def test_hostile(db_session):
    Base.metadata.create_all(db_session.connection())
    db_session.add(Entry(label="kept"))
    with db_session.begin_nested():
        db_session.add(Entry(label="inner"))
    nested = db_session.begin_nested()
    db_session.add(Entry(label="undone"))
    nested.rollback()
    db_session.commit()
    assert labels(db_session) == ["inner", "kept"]
""",
    ),
    "session_flush_error": (
        "hits an IntegrityError in the middle of a flush, rolls back, and goes on",
        """
def test_hostile(db_session):
    Base.metadata.create_all(db_session.connection())
    db_session.add(Entry(label="kept"))
    db_session.commit()
    db_session.add(Entry(label="kept"))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()
    db_session.add(Entry(label="second"))
    db_session.commit()
    assert labels(db_session) == ["kept", "second"]
""",
    ),
    "session_shares_the_connection": (
        "writes through db_connection and reads through db_session, and the other way round",
        """
def test_hostile(db_connection, db_session):
    Base.metadata.create_all(db_connection)
    db_connection.execute(insert(Entry), {"label": "by the connection"})
    assert labels(db_session) == ["by the connection"], (
        "db_session does not see what db_connection did in the same test: is it bound to db_connection?"
    )
    db_session.add(Entry(label="by the session"))
    db_session.flush()
    assert labels(db_connection) == ["by the connection", "by the session"]
""",
    ),
}


class KataEngine(OpenConnections):
    """The one fixture the kata gives the learner's conftest: an Engine on the test database.

    It also keeps every Connection the fixtures open (so that none is quietly garbage-collected)
    and notes, after each test's teardown, those left open."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.other_engines: list[Engine] = []  # engines the fixtures made themselves
        event.listen(engine, "engine_connect", self._opened)
        event.listen(Engine, "engine_connect", self._any_engine)

    def _opened(self, connection: Connection) -> None:
        self.opened.append(connection)

    def _any_engine(self, connection: Connection) -> None:
        if connection.engine.pool is not self.engine.pool and connection.engine not in self.other_engines:
            self.other_engines.append(connection.engine)

    def close(self) -> None:
        event.remove(self.engine, "engine_connect", self._opened)
        event.remove(Engine, "engine_connect", self._any_engine)
        self.close_all()
        for engine in self.other_engines:
            engine.dispose()

    @pytest.fixture(scope="session")
    def kata_engine(self) -> Engine:
        return self.engine



@dataclass
class HostileRun:
    tests: InnerRun  # test_hostile and the probe after it
    left_open: dict[str, int] = field(default_factory=dict)  # connections the fixtures did not close
    other_engines: int = 0  # engines other than kata_engine that the run connected with


@pytest.fixture
def run_hostile(pytester: pytest.Pytester, engine: Engine) -> Iterator[Any]:
    def run(name: str) -> HostileRun:
        source = learner_path(__file__, LEARNER_FILE).read_text()
        (pytester.path / "conftest.py").write_text(source)
        (pytester.path / "test_hostile.py").write_text(PRELUDE + HOSTILE[name][1] + PROBE)
        plugin = KataEngine(engine)
        try:
            tests = run_inline(
                pytester,
                "-W",
                "error::sqlalchemy.exc.SAWarning",
                plugins=[plugin],
                shown_as={"conftest.py": LEARNER_FILE},
                hang_key=(source, engine.url),  # fixtures that hung are not run again
            )
        finally:
            plugin.close()
        return HostileRun(tests=tests, left_open=plugin.left_open, other_engines=len(plugin.other_engines))

    yield run


def committed_tables(engine: Engine) -> list[str]:
    """What another connection sees in the test database once the run is over."""
    with engine.connect() as connection:
        return sorted(set(inspect(connection).get_table_names()) - {MARKER})


def assert_isolated(engine: Engine, run: HostileRun, name: str) -> None:
    what = HOSTILE[name][0]
    if run.tests.collection_errors:
        pytest.fail(
            f"The kata's test run could not start with your {LEARNER_FILE} as its conftest.py:\n"
            + "\n".join(run.tests.collection_errors),
            pytrace=False,
        )
    hostile, probe = (
        run.tests.outcome("test_hostile"),
        run.tests.outcome("test_probe_the_next_test_starts_clean"),
    )
    if hostile != "passed":
        explanation = run.tests.text("test_hostile") or "it did not run"
        if explanation.rstrip().endswith("NotImplementedError"):
            pytest.fail(
                f"Your fixtures are not written yet: they still raise NotImplementedError.\n{explanation}",
                pytrace=False,
            )
        gone = any(words in explanation for words in ("no such table", "does not exist"))
        why = ""
        if name == "connection_database":
            why = (
                f" The test database has a table {MARKER} that your connection does not see: connect with "
                "kata_engine, never with an engine of your own."
            )
        elif name == "session_shares_the_connection":
            why = " db_session must work on db_connection itself, inside its transaction: bind it to db_connection."
        elif gone and name.startswith("session_"):
            why = (
                " The table the test made at its start had vanished: a rollback in the test ended your fixture's "
                "outer transaction, and the test went on outside it. Join the session so that its rollback only "
                "returns to a savepoint."
            )
        pytest.fail(
            f"A test that {what} {hostile or 'did not run'} with your fixtures, although it is a fair test: "
            f"your fixtures must let a test do this.{why}\n{explanation}",
            pytrace=False,
        )
    if probe != "passed":
        explanation = run.tests.text("test_probe_the_next_test_starts_clean") or "it did not run"
        if "LEFT BEHIND" in explanation:
            pytest.fail(
                f"After a test that {what}, the NEXT test found its tables still there: your fixtures let the "
                f"work of one test leak into the next (a commit that reached the database, or no rollback at "
                f"the end).\n{explanation}",
                pytrace=False,
            )
        pytest.fail(f"The test after one that {what} {probe or 'did not run'}:\n{explanation}", pytrace=False)
    left = committed_tables(engine)
    if left:
        pytest.fail(
            f"After a test that {what}, the database still holds {left} for every other connection: something "
            "was COMMITTED for real. The outer transaction must be rolled back, and the session must never "
            "end it (join_transaction_mode).",
            pytrace=False,
        )
    if run.other_engines:
        pytest.fail(
            f"Your fixtures connected through {run.other_engines} engine(s) of their own, besides kata_engine: use "
            "kata_engine itself. An engine of your own is a second pool nobody disposes, and on SQLite it lacks "
            "the settings that make DDL and savepoints transactional.",
            pytrace=False,
        )
    if run.left_open:
        pytest.fail(
            f"Your fixtures left connections of kata_engine open after a test ({run.left_open}): close the "
            "connection when the test ends (`with kata_engine.connect() as connection:`), or it stays checked "
            "out of the pool until the garbage collector finds it.",
            pytrace=False,
        )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("name", ["connection_insert", "connection_ddl", "connection_savepoint"])
def test_work_on_the_connection_does_not_outlive_the_test(
    run_hostile: Any, engine: Engine, name: str
) -> None:
    assert_isolated(engine, run_hostile(name), name)


@pytest.mark.task(1)
def test_the_connection_is_on_the_kata_database(run_hostile: Any, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TABLE {MARKER} (note VARCHAR(40))"))
        connection.execute(text(f"INSERT INTO {MARKER} (note) VALUES ('the kata''s database')"))
    try:
        run = run_hostile("connection_database")
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE {MARKER}"))
    assert_isolated(engine, run, "connection_database")


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_a_commit_in_a_test_does_not_reach_the_next_test(run_hostile: Any, engine: Engine) -> None:
    assert_isolated(engine, run_hostile("session_commit"), "session_commit")


@pytest.mark.task(2)
def test_a_rollback_in_a_test_keeps_the_outer_transaction(run_hostile: Any, engine: Engine) -> None:
    assert_isolated(engine, run_hostile("session_rollback"), "session_rollback")


@pytest.mark.task(2)
def test_savepoints_of_the_test_stay_inside_the_outer_transaction(run_hostile: Any, engine: Engine) -> None:
    assert_isolated(engine, run_hostile("session_savepoints"), "session_savepoints")


@pytest.mark.task(2)
def test_an_error_in_the_middle_of_a_flush_leaves_the_session_usable(
    run_hostile: Any, engine: Engine
) -> None:
    assert_isolated(engine, run_hostile("session_flush_error"), "session_flush_error")


@pytest.mark.task(2)
def test_the_session_shares_the_connection(run_hostile: Any, engine: Engine) -> None:
    assert_isolated(engine, run_hostile("session_shares_the_connection"), "session_shares_the_connection")
