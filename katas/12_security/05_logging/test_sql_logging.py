"""Tests for kata 12.5, logging. Run: pytest katas/12_security/05_logging

The module is `sql_logging.py`, not `logging.py`: a file named like the standard library's module
would shadow it for every `import logging` run from this directory.

SQLAlchemy decides whether a Connection logs when the Connection is created (it caches the answer),
so the tests set the logging level first and build their engines afterwards, from `database_url`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, create_engine, event, insert, text
from sqlalchemy.exc import IntegrityError

from fixtures.target import learner_module

sl = learner_module(__file__, "sql_logging")

SECRET = "tok-5ecret-\u00e9-42"
metadata = MetaData()
tokens = Table("api_tokens", metadata, Column("id", Integer, primary_key=True), Column("token", String(100)))


@pytest.fixture
def restore_sqlalchemy_loggers() -> Iterator[None]:
    """Put back the levels of the loggers these tests touch (another test's settings must not leak)."""
    names = ["sqlalchemy.engine", "sqlalchemy.engine.Engine", "sqlalchemy", "bookshop.slow_sql"]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def messages(caplog: pytest.LogCaptureFixture, prefix: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == prefix or r.name.startswith(prefix + ".")]


def disposed(engine: Engine) -> None:
    engine.dispose()


def with_tokens(engine: Engine) -> Engine:
    metadata.create_all(engine)
    return engine


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_production_engine_logs_sql_but_never_the_values(
    restore_sqlalchemy_loggers: None, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    engine = sl.production_engine(database_url)
    try:
        with_tokens(engine)
        with engine.begin() as conn:
            conn.execute(insert(tokens), {"id": 1, "token": SECRET})
            conn.execute(text("SELECT id FROM api_tokens WHERE token = :t"), {"t": SECRET})
    finally:
        disposed(engine)
    records = messages(caplog, "sqlalchemy.engine")
    assert any("INSERT INTO api_tokens" in r.getMessage() for r in records), (
        "with the sqlalchemy.engine logger at INFO, the engine should log its SQL; records: "
        f"{[r.getMessage()[:60] for r in records][:6]}"
    )
    names = {r.name for r in records if "INSERT INTO api_tokens" in r.getMessage()}
    assert names == {"sqlalchemy.engine.Engine.bookshop"}, (
        f"the engine's records should come from the logger 'sqlalchemy.engine.Engine.bookshop' (logging_name), got {names}"
    )
    leaked = [r.getMessage() for r in records if SECRET in r.getMessage()]
    assert not leaked, f"a log line shows the bound value {SECRET!r} (use hide_parameters): {leaked[0]!r}"


@pytest.mark.task(1)
def test_the_production_engines_errors_hide_the_values(database_url: str) -> None:
    engine = sl.production_engine(database_url)
    try:
        with_tokens(engine)
        with engine.begin() as conn:
            conn.execute(insert(tokens), {"id": 7, "token": "first"})
        with pytest.raises(IntegrityError) as raised, engine.begin() as conn:
            # A duplicate primary key: the DETAIL PostgreSQL adds names the key (id 7), not the token.
            conn.execute(insert(tokens), {"id": 7, "token": SECRET})
    finally:
        disposed(engine)
    message = str(raised.value)
    assert SECRET not in message, f"the error message shows the bound value {SECRET!r}: {message}"
    assert "INSERT INTO api_tokens" in message, (
        "the SQL itself should still be in the message, only the values hidden"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_the_debug_engine_logs_sql_values_and_rows_without_any_logging_setup(
    restore_sqlalchemy_loggers: None, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)  # as in a fresh process
    caplog.set_level(logging.DEBUG, logger="bookshop")  # the capture handler; SQLAlchemy's levels untouched
    caplog.handler.setLevel(logging.DEBUG)
    engine = sl.debug_engine(database_url)
    try:
        with_tokens(engine)
        with engine.begin() as conn:
            conn.execute(insert(tokens), {"id": 3, "token": "visible-in-dev"})
            conn.execute(text("SELECT id, token FROM api_tokens")).all()
    finally:
        disposed(engine)
    records = [r for r in caplog.records if r.name == "sqlalchemy.engine.Engine.bookshop-debug"]
    texts = [r.getMessage() for r in records]
    assert any("SELECT id, token FROM api_tokens" in t for t in texts), (
        "the debug engine should log its SQL on 'sqlalchemy.engine.Engine.bookshop-debug' even though the "
        f"sqlalchemy.engine logger is at WARNING (that is what echo does); got {texts[:5]}"
    )
    assert any("visible-in-dev" in t for t in texts), "on a developer's machine the parameters are logged too"
    assert any(
        r.levelno == logging.DEBUG and "visible-in-dev" in r.getMessage() and "Row" in r.getMessage()
        for r in records
    ), (
        "echo='debug' logs the result rows too (at DEBUG: 'Row (3, 'visible-in-dev')'); echo=True logs only SQL and parameters"
    )


@pytest.mark.task(2)
def test_the_debug_engine_does_not_turn_on_logging_for_other_engines(
    restore_sqlalchemy_loggers: None, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    caplog.handler.setLevel(logging.DEBUG)
    debug = sl.debug_engine(database_url)
    other = create_engine(database_url)
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT 42"))
        with debug.connect() as conn:
            conn.execute(text("SELECT 43"))
    finally:
        disposed(debug)
        disposed(other)
    texts = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert any("SELECT 43" in t for t in texts), f"the debug engine should log its statement; got {texts[:5]}"
    assert not any("SELECT 42" in t for t in texts), (
        "another engine started logging too: echo belongs to one engine; setting the level of the "
        "'sqlalchemy.engine' logger (or logging.basicConfig(level=DEBUG)) turns it on for every engine"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "before", [logging.NOTSET, logging.WARNING, logging.DEBUG], ids=["unset", "warning", "debug"]
)
def test_log_sql_turns_sql_logging_on_for_the_block_and_restores_the_level(
    restore_sqlalchemy_loggers: None, database_url: str, caplog: pytest.LogCaptureFixture, before: int
) -> None:
    logger = logging.getLogger("sqlalchemy.engine")
    logger.setLevel(before)
    caplog.handler.setLevel(logging.DEBUG)
    with sl.log_sql(logging.INFO):
        assert logger.level == logging.INFO, (
            f"inside the block the sqlalchemy.engine logger should be at INFO, it is {logger.level}"
        )
        engine = create_engine(database_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 7"))
        engine.dispose()
    assert logger.level == before, (
        f"after the block the sqlalchemy.engine logger should be back at {logging.getLevelName(before)}, "
        f"it is {logging.getLevelName(logger.level)}"
    )
    assert any("SELECT 7" in r.getMessage() for r in caplog.records), (
        "a connection opened in the block should log its SQL"
    )


@pytest.mark.task(3)
def test_log_sql_restores_the_level_when_the_block_fails(restore_sqlalchemy_loggers: None) -> None:
    logger = logging.getLogger("sqlalchemy.engine")
    logger.setLevel(logging.ERROR)
    with pytest.raises(ZeroDivisionError), sl.log_sql(logging.DEBUG):
        assert logger.level == logging.DEBUG, "inside the block the level should be the one asked for"
        1 / 0  # noqa: B018
    assert logger.level == logging.ERROR, "an exception in the block must not leave SQL logging switched on"


# -- task 4 -------------------------------------------------------------------------------------

SLEEP = 0.12
THRESHOLD = 0.05


def sleeping_engine(url: str) -> Engine:
    """An engine whose SQLite connections know kata_sleep(seconds); PostgreSQL has pg_sleep()."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def add_sleep(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.create_function("kata_sleep", 1, lambda seconds: time.sleep(seconds) or 0)

    return engine


def slow_sql(engine: Engine) -> str:
    return (
        "SELECT kata_sleep(:s), :marker"
        if engine.dialect.name == "sqlite"
        else "SELECT pg_sleep(:s), CAST(:marker AS TEXT)"
    )


def slow_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bookshop.slow_sql"]


@pytest.mark.task(4)
def test_a_slow_statement_is_logged_with_its_sql_and_duration(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bookshop.slow_sql")
    engine = sleeping_engine(database_url)
    sl.install_slow_query_log(engine, THRESHOLD)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.execute(text(slow_sql(engine)), {"s": SLEEP, "marker": SECRET})
            conn.execute(text("SELECT 2"))
    finally:
        disposed(engine)
    records = slow_records(caplog)
    assert len(records) == 1, (
        f"exactly one statement took over {THRESHOLD * 1000:.0f} ms (the {SLEEP * 1000:.0f} ms sleep); the slow log "
        f"has {len(records)}: {[r.getMessage() for r in records]}"
    )
    record = records[0]
    assert record.levelno == logging.WARNING, f"a slow query should be a WARNING, got {record.levelname}"
    duration = getattr(record, "duration", None)
    assert isinstance(duration, float) and SLEEP <= duration < SLEEP + 2, (
        f"the record's `duration` (extra=...) should be the statement's time in seconds (about {SLEEP}), got {duration!r}: "
        "start the clock in before_cursor_execute and stop it in after_cursor_execute"
    )
    assert "sleep" in str(getattr(record, "statement", "")), (
        f"the record's `statement` should be the SQL, got {getattr(record, 'statement', None)!r}"
    )
    message = record.getMessage()
    assert "sleep" in message and "ms" in message, (
        f"the message should show the SQL and the time in ms: {message!r}"
    )
    assert f"{duration * 1000:.0f}" in message or f"{duration * 1000:.1f}" in message, (
        f"the message should show the duration in milliseconds ({duration * 1000:.1f}): {message!r}"
    )


@pytest.mark.task(4)
def test_the_slow_query_log_never_shows_bound_values(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    engine = sleeping_engine(database_url)
    sl.install_slow_query_log(engine, THRESHOLD)
    try:
        with engine.connect() as conn:
            conn.execute(text(slow_sql(engine)), {"s": SLEEP, "marker": SECRET})
    finally:
        disposed(engine)
    records = slow_records(caplog)
    assert records, "the slow statement should be logged"
    for record in records:
        shown = record.getMessage() + repr(record.args) + repr(vars(record))
        assert SECRET not in shown, (
            f"the slow-query record carries the bound value {SECRET!r}: {record.getMessage()!r}"
        )


@pytest.mark.task(4)
def test_the_slow_query_log_watches_its_own_engine_only(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bookshop.slow_sql")
    watched = sleeping_engine(database_url)
    other = sleeping_engine(database_url)
    sl.install_slow_query_log(watched, THRESHOLD)
    try:
        with other.connect() as conn:
            conn.execute(text(slow_sql(other)), {"s": SLEEP, "marker": "other engine"})
        with watched.connect() as conn:
            conn.execute(text(slow_sql(watched)), {"s": SLEEP, "marker": "watched engine"})
    finally:
        disposed(watched)
        disposed(other)
    records = slow_records(caplog)
    assert len(records) == 1, (
        f"only the engine the log was installed on should be watched; {len(records)} slow records: listen on the "
        "engine you are given (event.listen(engine, ...)), not on the Engine class"
    )


@pytest.mark.task(4)
def test_each_connection_times_its_own_statement(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bookshop.slow_sql")
    engine = sleeping_engine(database_url)
    sl.install_slow_query_log(engine, THRESHOLD)
    done = threading.Event()
    fast_runs: list[int] = []

    def busy_neighbour() -> None:
        # Another request on another connection, running quick statements the whole time.
        with engine.connect() as conn:
            while not done.is_set():
                conn.execute(text("SELECT 1"))
                fast_runs.append(1)

    neighbour = threading.Thread(target=busy_neighbour)
    try:
        with engine.connect() as conn:
            neighbour.start()
            while not fast_runs and neighbour.is_alive():
                time.sleep(0.001)
            conn.execute(text(slow_sql(engine)), {"s": SLEEP, "marker": "slow one"})
    finally:
        done.set()
        neighbour.join(5)
        disposed(engine)
    records = slow_records(caplog)
    assert len(records) == 1, (
        f"one statement took {SLEEP * 1000:.0f} ms while another connection ran quick ones; the slow log has "
        f"{len(records)} record(s): keep the start time per connection (conn.info), not in one variable the "
        "other connection's statements overwrite"
    )


@pytest.mark.task(4)
def test_fast_statements_are_not_logged(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bookshop.slow_sql")
    engine = sleeping_engine(database_url)
    sl.install_slow_query_log(engine, 5.0)
    try:
        with engine.connect() as conn:
            conn.execute(text(slow_sql(engine)), {"s": SLEEP, "marker": "x"})
            for n in range(5):
                conn.execute(text(f"SELECT {n}"))
    finally:
        disposed(engine)
    assert not slow_records(caplog), (
        f"nothing took 5 s, so nothing should be logged; got {[r.getMessage() for r in slow_records(caplog)]}"
    )
