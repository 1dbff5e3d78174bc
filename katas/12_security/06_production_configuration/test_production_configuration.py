"""Tests for kata 12.6, production configuration. Run: pytest katas/12_security/06_production_configuration

Timeouts are kept tiny so the tests stay fast; the connect-timeout test waits about 2 s, libpq's minimum.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError

from fixtures.target import learner_module

pc = learner_module(__file__, "production_configuration")

SECRET = "pw-w1th:@special/chars"
# About 3 s whatever the CPU: 3000 rows, each waiting 1 ms in a function the tests add to the
# connection. Between rows SQLite keeps running VM instructions, so a progress handler can stop it.
SLOW_SQLITE = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000) "
    "SELECT count(kata_sleep(0.001)) FROM c"
)


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    """Engines a test makes; disposed of afterwards."""
    made: list[Engine] = []
    yield made
    for engine in made:
        engine.dispose()


def build(engines: list[Engine], url: str | URL, **options: Any) -> Engine:
    engine = pc.make_engine(url, **{"statement_timeout": 5.0, **options})
    engines.append(engine)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def add_sleep(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.create_function("kata_sleep", 1, lambda seconds: time.sleep(seconds) or 0)

    return engine


def slow_statement(engine: Engine) -> str:
    return SLOW_SQLITE if engine.dialect.name == "sqlite" else "SELECT pg_sleep(3)"


def raw_connection_of(engine: Engine) -> Any:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return conn.connection.dbapi_connection


_LISTENERS: dict[int, socket.socket] = {}


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and then never says a word (a hung server, a black hole)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    _LISTENERS[port] = listener
    yield port
    listener.close()
    del _LISTENERS[port]


def silent_server_socket(port: int) -> socket.socket:
    return _LISTENERS[port]


def closed_port_url() -> URL:
    return URL.create(
        "postgresql+psycopg", username="app", password=SECRET, host="127.0.0.1", port=1, database="shop"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_pooled_connections_older_than_recycle_are_replaced(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url, recycle=0.3)
    first = raw_connection_of(engine)
    assert raw_connection_of(engine) is first, (
        "a connection returned to the pool should be reused while it is young"
    )
    time.sleep(0.45)
    third = raw_connection_of(engine)
    assert third is not first, (
        "a pooled connection older than `recycle` seconds should be closed and replaced at checkout "
        "(pool_recycle): servers and firewalls drop connections that sit idle too long"
    )


@pytest.mark.task(1)
def test_a_connection_that_died_in_the_pool_is_replaced_before_use(
    engines: list[Engine], database_url: str
) -> None:
    engine = build(engines, database_url)
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        if engine.dialect.name == "postgresql":
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
    if engine.dialect.name == "postgresql":
        # The server ends the pooled connection (a restart, a failover, an idle-session timeout).
        killer = create_engine(database_url)
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
    else:
        raw.close()  # SQLite has no server to drop it: close the pooled connection under the pool's feet
    try:
        with engine.connect() as conn:
            value = conn.scalar(text("SELECT 1"))
    except DBAPIError as error:
        pytest.fail(
            f"the first query after the pooled connection died failed: {str(error.orig).strip().splitlines()[0]}. "
            "With pool_pre_ping=True the pool tests each connection at checkout and replaces a dead one.",
            pytrace=False,
        )
    assert value == 1, "the query on the replacement connection should work"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_a_statement_that_runs_too_long_is_stopped(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url, statement_timeout=0.2)
    started = time.monotonic()
    with pytest.raises(OperationalError) as raised, engine.connect() as conn:
        conn.execute(text(slow_statement(engine))).all()
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"the statement should be stopped after about 0.2 s, it ran {elapsed:.2f} s"
    reason = str(raised.value.orig)
    expected = "interrupted" if engine.dialect.name == "sqlite" else "statement timeout"
    assert expected in reason, f"the error should be the timeout ({expected!r}), got: {reason.strip()[:120]}"
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT 1")) == 1, (
            "after a stopped statement the engine should work as before"
        )


@pytest.mark.task(2)
def test_every_pooled_connection_has_the_timeout(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url, statement_timeout=0.2)
    first = engine.connect()
    second = engine.connect()  # a second connection, opened while the first is checked out
    try:
        for name, conn in (("first", first), ("second", second)):
            started = time.monotonic()
            with pytest.raises(OperationalError):
                conn.execute(text(slow_statement(engine))).all()
            assert time.monotonic() - started < 2.0, (
                f"the {name} connection's statement should be stopped too"
            )
            conn.rollback()
    finally:
        first.close()
        second.close()


@pytest.mark.task(2)
def test_statements_within_the_timeout_run_normally(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url, statement_timeout=0.5)
    with engine.connect() as conn:
        for n in range(20):
            assert conn.scalar(text("SELECT :n"), {"n": n}) == n, "quick statements should not be affected"
        time.sleep(0.6)  # idle time in a transaction is not a statement running long
        assert conn.scalar(text("SELECT 99")) == 99, "a connection idle past the timeout should still work"
        conn.commit()


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_connecting_to_a_server_that_never_answers_gives_up_in_time(
    engines: list[Engine], silent_server: int
) -> None:
    url = URL.create(
        "postgresql+psycopg",
        username="app",
        password=SECRET,
        host="127.0.0.1",
        port=silent_server,
        database="shop",
    )
    engine = build(engines, url, connect_timeout=2)
    outcome: list[BaseException] = []

    def connect() -> None:
        try:
            with engine.connect():
                pass
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    started = time.monotonic()
    attempt = threading.Thread(target=connect, daemon=True)
    attempt.start()
    attempt.join(timeout=5)
    elapsed = time.monotonic() - started
    if attempt.is_alive():
        silent_server_socket(silent_server).close()  # the connect attempt then fails at once
        attempt.join(timeout=5)
        pytest.fail(
            "connecting to a server that never answers was still waiting after 5 s; it should give up after the "
            "connect timeout (2 s): pass libpq's connect_timeout in connect_args (its minimum is 2 s)",
            pytrace=False,
        )
    assert outcome and isinstance(outcome[0], OperationalError), (
        f"the connect should fail with OperationalError, got {outcome}"
    )
    assert "timeout" in str(outcome[0].orig).lower(), f"the error should be a timeout: {outcome[0].orig}"
    assert elapsed >= 1.5, f"it gave up after {elapsed:.2f} s: the connect timeout asked for is 2 s"


@pytest.mark.task(3)
@pytest.mark.backends(
    "sqlite", reason="SQLite's busy timeout: how long a connection waits for another one's lock"
)
def test_sqlite_waits_for_a_lock_no_longer_than_the_timeout(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url, connect_timeout=1)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE stock (n INTEGER)"))
    holder = engine.connect()
    holder.exec_driver_sql("BEGIN IMMEDIATE")  # takes the write lock and keeps it
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError) as raised, engine.begin() as conn:
            conn.execute(text("INSERT INTO stock VALUES (1)"))
        elapsed = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert "locked" in str(raised.value.orig), (
        f"the error should be 'database is locked', got {raised.value.orig}"
    )
    assert 0.7 <= elapsed < 3, (
        f"with connect_timeout=1 SQLite should wait about 1 s for the lock (connect_args timeout), it waited {elapsed:.2f} s"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_a_healthy_database_reports_ok_with_its_latency(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url)
    report = pc.health_check(engine)
    assert report.ok is True and report.error is None, f"the test database is up: expected ok, got {report}"
    assert 0 < report.latency_ms < 5000, (
        f"latency_ms should be the round trip in milliseconds, got {report.latency_ms}"
    )
    assert engine.pool.checkedout() == 0, "the health check should give its connection back to the pool"  # type: ignore[attr-defined]


@pytest.mark.task(4)
def test_a_database_that_refuses_connections_is_reported_not_raised(engines: list[Engine]) -> None:
    engine = build(engines, closed_port_url())
    try:
        report = pc.health_check(engine)
    except Exception as error:  # noqa: BLE001 - the point of the test
        pytest.fail(f"health_check should report a failure, not raise it; it raised {error!r}", pytrace=False)
    assert report.ok is False, f"nobody listens on port 1: the report should not be ok, got {report}"
    assert report.error and "refused" in report.error.lower(), (
        f"the report should say why (connection refused): {report.error!r}"
    )
    assert "\n" not in report.error, f"one line is enough for a status page: {report.error!r}"
    assert SECRET not in repr(report) and "w1th" not in repr(report), (
        f"the report must not show the password: {report!r}"
    )


@pytest.mark.task(4)
def test_a_sqlite_file_that_cannot_be_opened_is_reported(engines: list[Engine], tmp_path: Any) -> None:
    engine = build(engines, f"sqlite:///{tmp_path / 'missing-dir' / 'shop.db'}")
    report = pc.health_check(engine)
    assert (
        report.ok is False and report.error is not None and "unable to open database file" in report.error
    ), (
        f"a database file in a missing directory cannot be opened: expected a not-ok report with SQLite's reason, got {report}"
    )


@pytest.mark.task(4)
def test_a_statement_timeout_during_the_check_is_reported(engines: list[Engine], database_url: str) -> None:
    engine = build(engines, database_url, statement_timeout=0.2)
    # A database so overloaded that even SELECT 1 cannot finish: the test swaps the check's
    # statement for a slow one, which the engine's statement timeout must stop.
    slow = "SELECT pg_sleep(1)" if engine.dialect.name == "postgresql" else SLOW_SQLITE

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def slow_down(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> Any:
        return slow, parameters

    started = time.monotonic()
    report = pc.health_check(engine)
    assert time.monotonic() - started < 2.0, "the check should be bounded by the statement timeout"
    assert report.ok is False and report.error, f"a check whose SELECT was stopped is not ok: {report}"
