"""Tests for kata 10.5, connection pooling. Run: pytest katas/10_optimization/05_connection_pooling

Every engine is built on the test database's URL (`database_url`), inside the test, and disposed
of at the end. The tests watch the pools with their own pool events. Some wait for real pool
timeouts and a recycle age: the run takes a few seconds.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import NullPool, QueuePool, StaticPool

from fixtures.target import learner_module

connection_pooling = learner_module(__file__, "connection_pooling")

POOL_EVENTS = ("connect", "checkout", "checkin", "invalidate", "close")


@contextmanager
def watched(engine: Engine) -> Iterator[Counter[str]]:
    """The test's own count of pool events, by event name."""
    seen: Counter[str] = Counter()

    def counter_for(name: str) -> Any:
        return lambda *_: seen.update([name])

    listeners = [(name, counter_for(name)) for name in POOL_EVENTS]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)


@contextmanager
def disposed(engine: Any, what: str) -> Iterator[Engine]:
    assert isinstance(engine, Engine), f"{what} should return an Engine, not {type(engine).__name__}"
    try:
        yield engine
    finally:
        engine.dispose()


def backend_pid(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    return connection.connection.dbapi_connection  # the object itself: kept alive, so never confused


def web(url: str, **settings: Any) -> Any:
    options = {"pool_size": 2, "max_overflow": 0, "pool_timeout": 5, "pool_recycle": 3600, **settings}
    return connection_pooling.web_engine(url, **options)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("pool_size", "max_overflow"), [(1, 0), (2, 1)], ids=["one, no overflow", "two plus one"]
)
def test_web_engine_bounds_the_pool_and_times_out(
    database_url: str, pool_size: int, max_overflow: int
) -> None:
    with disposed(
        web(database_url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=0.3), "web_engine()"
    ) as engine:
        assert engine.url.render_as_string(hide_password=False) == database_url, (
            f"web_engine() should connect to the URL it is given, not {engine.url}"
        )
        assert isinstance(engine.pool, QueuePool), (
            f"a web app pools with a QueuePool, not {type(engine.pool).__name__}"
        )
        assert engine.pool.size() == pool_size, (
            f"pool_size should be {pool_size}, the pool says {engine.pool.size()}"
        )
        held = [engine.connect() for _ in range(pool_size + max_overflow)]
        try:
            started = time.monotonic()
            with pytest.raises(PoolTimeoutError):
                held.append(engine.connect())
                pytest.fail(
                    f"with {pool_size} + {max_overflow} connections in use, the pool handed out one more: max_overflow "
                    f"is the most it may open beyond pool_size",
                    pytrace=False,
                )
            waited = time.monotonic() - started
            assert 0.2 <= waited <= 3, (
                f"an exhausted pool should make the caller wait pool_timeout (0.3 s), then raise "
                f"sqlalchemy.exc.TimeoutError; it waited {waited:.2f} s"
            )
            held.pop().close()
            held.append(engine.connect())  # a connection given back is handed out again
        finally:
            for connection in held:
                connection.close()


@pytest.mark.task(1)
def test_web_engine_closes_overflow_connections_when_given_back(database_url: str) -> None:
    with (
        disposed(web(database_url, pool_size=1, max_overflow=2), "web_engine()") as engine,
        watched(engine) as seen,
    ):
        held = [engine.connect() for _ in range(3)]
        for connection in held:
            connection.close()
        assert seen["connect"] == 3, (
            f"three connections at once need three database connections; {seen['connect']} opened"
        )
        assert seen["close"] == 2 and engine.pool.checkedin() == 1, (
            "given back, the 2 overflow connections should be closed and 1 (pool_size) kept; "
            f"{seen['close']} were closed, {engine.pool.checkedin()} kept"
        )


@pytest.mark.task(1)
def test_web_engine_recycles_old_connections(database_url: str) -> None:
    with (
        disposed(web(database_url, pool_size=1, pool_recycle=1), "web_engine()") as engine,
        watched(engine) as seen,
    ):
        with engine.connect() as connection:
            first = backend_pid(connection)
        with engine.connect() as connection:
            assert backend_pid(connection) == first, "a connection given back is reused at once"
        time.sleep(1.2)
        with engine.connect() as connection:
            again = backend_pid(connection)
        assert seen["connect"] == 2 and again != first, (
            "with pool_recycle=1, a connection older than 1 s should be closed at checkout and replaced by a new one "
            f"(servers and firewalls drop idle connections); {seen['connect']} connection(s) were opened"
        )


def kill(connection_id: Any, engine: Engine, database_url: str) -> None:
    """End a pooled connection behind the pool's back."""
    if engine.dialect.name == "postgresql":
        killer = create_engine(database_url, poolclass=NullPool)
        try:
            with killer.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": connection_id})
                for _ in range(50):  # the server process takes a moment to go
                    gone = conn.execute(
                        text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": connection_id}
                    ).scalar()
                    if not gone:
                        break
                    time.sleep(0.02)
        finally:
            killer.dispose()
    else:
        # SQLite has no server to kill a connection: close the DBAPI connection the pool holds
        # ("Cannot operate on a closed database" is one of the errors SQLite's dialect treats
        # as a disconnect, as psycopg's "terminating connection" is on PostgreSQL).
        record = next(iter(engine.pool._pool.queue))  # type: ignore[attr-defined]
        record.dbapi_connection.close()


@pytest.mark.task(1)
def test_web_engine_survives_a_connection_closed_by_the_server(database_url: str) -> None:
    with disposed(web(database_url, pool_size=1), "web_engine()") as engine:
        with engine.connect() as connection:
            victim = backend_pid(connection)
        kill(victim, engine, database_url)
        with watched(engine) as seen:
            try:
                with engine.connect() as connection:
                    value = connection.execute(text("SELECT 41 + 1")).scalar()
            except Exception as error:  # noqa: BLE001  (any error here is the failure being described)
                pytest.fail(
                    f"the pooled connection was closed by the server, and the next request failed: {type(error).__name__}: "
                    f"{str(error).splitlines()[0]}. With pool_pre_ping=True the pool tests a connection at checkout "
                    "and replaces a dead one",
                    pytrace=False,
                )
        assert value == 42
        assert seen["connect"] == 1, "the dead connection should have been replaced by a new one"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_script_engine_keeps_nothing_open(database_url: str) -> None:
    with (
        disposed(connection_pooling.script_engine(database_url), "script_engine()") as engine,
        watched(engine) as seen,
    ):
        assert engine.url.render_as_string(hide_password=False) == database_url, "connect to the URL given"
        ids = []
        for _ in range(3):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
                ids.append(backend_pid(connection))
            assert seen["connect"] == seen["close"], (
                "a script's engine should close each database connection as soon as it is given back (NullPool); "
                f"{seen['connect']} opened, {seen['close']} closed"
            )
        assert seen["connect"] == 3 and isinstance(engine.pool, NullPool), (
            f"three checkouts should open three connections and keep none (NullPool); {seen['connect']} opened with "
            f"a {type(engine.pool).__name__}"
        )
        if engine.dialect.name == "postgresql":
            assert len(set(ids)) == 3, f"each checkout is a new server process: pids {ids}"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_shared_memory_engine_is_one_database_for_every_thread() -> None:
    with disposed(connection_pooling.shared_memory_engine(), "shared_memory_engine()") as engine:
        assert engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"), (
            f"an in-memory SQLite database (sqlite://), not {engine.url}"
        )
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE note (body TEXT)"))
            connection.execute(text("INSERT INTO note VALUES ('written by the main thread')"))
        seen: list[Any] = []

        def read() -> None:
            try:
                with engine.connect() as connection:
                    seen.append(connection.execute(text("SELECT body FROM note")).scalar())
            except Exception as error:  # noqa: BLE001  (reported below, in the test's thread)
                seen.append(error)

        worker = threading.Thread(target=read)
        worker.start()
        worker.join(10)
        assert seen == ["written by the main thread"], (
            f"another thread should see the same in-memory database; it got {seen}. Every new connection to sqlite:// "
            "is a new empty database (and the default pool gives each thread its own): one connection for all "
            "(StaticPool), usable from other threads (check_same_thread=False)"
        )
        assert isinstance(engine.pool, StaticPool), f"StaticPool, not {type(engine.pool).__name__}"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_pool_monitor_counts_a_queue_pool(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=2, max_overflow=1)
    try:
        with connection_pooling.PoolMonitor(engine) as monitor:
            held = [engine.connect() for _ in range(3)]
            assert (monitor.opened, monitor.checked_out) == (3, 3), (
                f"3 connections taken: opened 3, checked_out 3; got opened={monitor.opened}, "
                f"checked_out={monitor.checked_out}"
            )
            for connection in held:
                connection.close()
            assert (monitor.checked_out, monitor.closed) == (0, 1), (
                "3 given back to a pool of 2: checked_out 0, and the one that does not fit is closed (closed 1); "
                f"got checked_out={monitor.checked_out}, closed={monitor.closed}"
            )
            with engine.connect() as connection:
                connection.invalidate()  # as after a "server closed the connection" error
            assert (monitor.invalidated, monitor.closed, monitor.checked_out) == (1, 2, 0), (
                "one connection invalidated (and so closed): invalidated 1, closed 2, checked_out 0; got "
                f"invalidated={monitor.invalidated}, closed={monitor.closed}, checked_out={monitor.checked_out}"
            )
        counts = (monitor.opened, monitor.closed, monitor.checked_out)
        held_after = engine.connect()
        try:
            assert (monitor.opened, monitor.closed, monitor.checked_out) == counts, (
                "the monitor should stop counting when its block ends (remove its listeners in __exit__)"
            )
        finally:
            held_after.close()
    finally:
        engine.dispose()


@pytest.mark.task(4)
def test_pool_monitor_counts_a_null_pool(database_url: str) -> None:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with connection_pooling.PoolMonitor(engine) as monitor:
            for _ in range(2):
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
        assert (monitor.opened, monitor.closed, monitor.checked_out) == (2, 2, 0), (
            "a NullPool opens and closes a connection per checkout: opened 2, closed 2, checked_out 0; got "
            f"opened={monitor.opened}, closed={monitor.closed}, checked_out={monitor.checked_out}"
        )
    finally:
        engine.dispose()
