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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def debug_engine(url: str | URL) -> Engine:
    """An engine for a developer's machine that logs its SQL, parameters and result rows whatever
    the logging configuration says, under the logger "sqlalchemy.engine.Engine.bookshop-debug"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@contextmanager
def log_sql(level: int = logging.INFO) -> Iterator[None]:
    """Within the block, set the "sqlalchemy.engine" logger to `level`; afterwards put back the
    level it had before. (Connections opened before the block keep their old setting.)"""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def install_slow_query_log(engine: Engine, threshold: float) -> None:
    """Log every statement of `engine` that takes `threshold` seconds or more.

    One WARNING per slow statement on the "bookshop.slow_sql" logger; its message holds the SQL text
    and the time in milliseconds, never the bound values; the record carries `duration` (seconds,
    float) and `statement` (the SQL text) as extra attributes. Other engines are not affected.
    """

    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
