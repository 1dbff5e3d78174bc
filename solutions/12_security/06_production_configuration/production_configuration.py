"""Kata 12.6: production configuration — pre-ping, recycle, statement and connect timeouts, a health check."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import SQLAlchemyError


@dataclass(frozen=True)
class HealthReport:
    """What a /health endpoint shows: never raises, never shows a password."""

    ok: bool
    latency_ms: float
    error: str | None = None


def make_engine(
    url: str | URL, *, statement_timeout: float, connect_timeout: int = 2, recycle: float = 1800
) -> Engine:
    """An engine ready for production on PostgreSQL (psycopg) or SQLite.

    - checks each pooled connection before handing it out (a connection the server dropped is replaced);
    - replaces pooled connections older than `recycle` seconds;
    - stops any statement that runs longer than `statement_timeout` seconds with an OperationalError
      (PostgreSQL: the server's statement_timeout; SQLite: an interrupt from a progress handler);
    - PostgreSQL: gives up connecting after `connect_timeout` seconds; SQLite: waits at most that long
      for a lock held by another connection (SQLite has no connecting to wait for).
    """
    # BEGIN SOLUTION
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_recycle=recycle,
            connect_args={
                "connect_timeout": connect_timeout,
                # A server setting for every session of this engine, in milliseconds.
                "options": f"-c statement_timeout={int(statement_timeout * 1000)}",
            },
        )
        return engine
    engine = create_engine(
        url, pool_pre_ping=True, pool_recycle=recycle, connect_args={"timeout": connect_timeout}
    )

    @event.listens_for(engine, "connect")
    def interrupt_slow_statements(dbapi_connection: Any, record: Any) -> None:
        # SQLite calls the handler every 1000 VM instructions; a non-zero answer interrupts the statement.
        def past_deadline() -> int:
            deadline = record.info.get("statement_deadline")
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_connection.set_progress_handler(past_deadline, 1000)

    @event.listens_for(engine, "before_cursor_execute")
    def start_clock(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        conn.info["statement_deadline"] = time.monotonic() + statement_timeout

    @event.listens_for(engine, "after_cursor_execute")
    def stop_clock(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        conn.info["statement_deadline"] = None

    @event.listens_for(engine, "handle_error")
    def stop_clock_on_error(context: Any) -> None:
        if context.connection is not None and not context.connection.invalidated:
            context.connection.info["statement_deadline"] = None

    return engine
    # END SOLUTION


def health_check(engine: Engine) -> HealthReport:
    """Run `SELECT 1` and report: ok and the round-trip time in milliseconds, or not ok with the
    first line of the error (no password). Never raises for a database error."""
    # BEGIN SOLUTION
    started = time.perf_counter()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        orig = getattr(error, "orig", None) or error
        first_line = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return HealthReport(False, (time.perf_counter() - started) * 1000, first_line)
    return HealthReport(True, (time.perf_counter() - started) * 1000)
    # END SOLUTION
