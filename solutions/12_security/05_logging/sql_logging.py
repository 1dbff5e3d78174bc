"""Kata 12.5: logging — the sqlalchemy.engine logger, echo, hide_parameters, a slow-query log."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event

slow_log = logging.getLogger("bookshop.slow_sql")


def production_engine(url: str | URL) -> Engine:
    """An engine whose log lines and error messages never show bound parameter values, and whose
    log records come from the logger "sqlalchemy.engine.Engine.bookshop"."""
    # BEGIN SOLUTION
    # logging_name gives this engine its own logger name, so its lines can be told (and routed) apart.
    return create_engine(url, hide_parameters=True, logging_name="bookshop")
    # END SOLUTION


def debug_engine(url: str | URL) -> Engine:
    """An engine for a developer's machine that logs its SQL, parameters and result rows whatever
    the logging configuration says, under the logger "sqlalchemy.engine.Engine.bookshop-debug"."""
    # BEGIN SOLUTION
    # echo="debug" turns this engine's own logger on at DEBUG (rows too); echo=True would be INFO.
    return create_engine(url, echo="debug", logging_name="bookshop-debug")
    # END SOLUTION


@contextmanager
def log_sql(level: int = logging.INFO) -> Iterator[None]:
    """Within the block, set the "sqlalchemy.engine" logger to `level`; afterwards put back the
    level it had before. (Connections opened before the block keep their old setting.)"""
    # BEGIN SOLUTION
    logger = logging.getLogger("sqlalchemy.engine")
    previous = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(previous)
    # END SOLUTION


def install_slow_query_log(engine: Engine, threshold: float) -> None:
    """Log every statement of `engine` that takes `threshold` seconds or more.

    One WARNING per slow statement on the "bookshop.slow_sql" logger; its message holds the SQL text
    and the time in milliseconds, never the bound values; the record carries `duration` (seconds,
    float) and `statement` (the SQL text) as extra attributes. Other engines are not affected.
    """

    # BEGIN SOLUTION
    @event.listens_for(engine, "before_cursor_execute")
    def start_timer(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        # A stack per connection: one connection runs one statement at a time, but nested
        # executions (an event handler's own query) must not overwrite the outer start time.
        conn.info.setdefault("slow_query_start", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def stop_timer(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        duration = time.perf_counter() - conn.info["slow_query_start"].pop()
        if duration >= threshold:
            slow_log.warning(
                "slow query (%.1f ms): %s",
                duration * 1000,
                statement,
                extra={"duration": duration, "statement": statement},
            )

    # END SOLUTION
