"""Kata 1.7 (project): first connection — a health check the bookshop's deploy script runs first.

    $ python project_first_connection.py postgresql+psycopg://shop:secret@db:5432/books
    OK postgresql+psycopg://shop:***@db:5432/books (postgresql 15.4, 0.4 ms)

check_connectivity() never raises for a bad URL or a database that cannot be reached: it
returns a HealthReport that says what is wrong, in one line, without the password.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Engine, create_engine, exc, make_url, text


@dataclass(frozen=True)
class HealthReport:
    """What check_connectivity() found out. Given: you fill it in."""

    url: str  # the URL that was checked, password hidden (***)
    ok: bool  # True: connected and ran a query
    dialect: str | None = None  # "sqlite", "postgresql", ... whenever the URL names a known one
    driver: str | None = None  # "pysqlite", "psycopg", ...
    server_version: str | None = None  # "3.45.1", "15.4": the server's version numbers, dotted
    round_trip_ms: float | None = None  # one query on an open connection, in milliseconds
    error: str | None = None  # when ok is False: one line for a human, no password, no traceback


def check_connectivity(url: str | URL, timeout: int = 5) -> HealthReport:
    """Connect to `url`, run one query, and report; never raise for a bad URL or server.

    - A URL that cannot be parsed: ok=False, error starting with "invalid URL".
    - An unknown dialect or driver: ok=False, error naming it (SQLAlchemy's message does).
    - A server that cannot be reached: ok=False, dialect and driver filled in, error = the first
      line of the driver's own message. Give up after `timeout` seconds: SQLite's `timeout`,
      psycopg's `connect_timeout` connect argument.
    - Success: ok=True, dialect, driver, server_version, round_trip_ms of one query.
    Every connection the check opened is closed when it returns (dispose of the engine).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# Helper functions of your own may go here.


def main(argv: list[str] | None = None) -> int:
    """Command line: check the URL given as the only argument and print ONE line to stdout.

        OK <url> (<dialect> <server_version>, <round_trip_ms with one decimal> ms)
        FAIL <url>: <error>

    <url> is the report's url (password hidden). Return 0 when ok, 1 when not. Without exactly
    one argument, print a usage line to stderr and return 2.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


if __name__ == "__main__":
    sys.exit(main())
