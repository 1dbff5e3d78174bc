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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def health_check(engine: Engine) -> HealthReport:
    """Run `SELECT 1` and report: ok and the round-trip time in milliseconds, or not ok with the
    first line of the error (no password). Never raises for a database error."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
