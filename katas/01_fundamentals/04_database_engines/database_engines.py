"""Kata 1.4: database engines — one create_engine() per place the bookshop's data lives.

    tests            a private in-memory SQLite database
    a laptop         a SQLite file
    production       PostgreSQL (psycopg 3)
    the warehouse    MySQL (PyMySQL), which we only describe: its driver is not installed here
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from sqlalchemy import URL, Engine, create_engine, engine_from_config, make_url
from sqlalchemy.pool import StaticPool


def sqlite_file_engine(directory: Path, filename: str) -> Engine:
    """Return an Engine on the SQLite file `filename` inside `directory` (created on first connect).

    The directory name may contain any character a file name can: spaces, `?`, `#`, `%`.
    What is committed through the engine is on disk: it is still there after `dispose()`, for a
    new engine on the same file.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def sqlite_memory_engine() -> Engine:
    """Return an Engine on a new, private in-memory SQLite database.

    Every connection of this engine, from any thread, sees the same database; a second call
    returns a second, separate database; `dispose()` throws the database away.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def server_url(
    backend: Literal["postgresql", "mysql"],
    host: str,
    port: int,
    username: str,
    password: str,
    database: str,
) -> URL:
    """Return the URL of a database server: PostgreSQL through psycopg 3, MySQL through PyMySQL.

    MySQL URLs ask for the `utf8mb4` character set (the `charset` query parameter), so that
    every Unicode character survives. The password may contain any character (`@`, `/`, `:`, `%`).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def engine_from_settings(settings: dict[str, Any]) -> Engine:
    """Return an Engine configured by the application's settings, as read from an .ini file.

    The engine's keys start with "db." (`db.url`, `db.pool_size`, `db.max_overflow`,
    `db.pool_timeout`, `db.echo`, ...); other keys belong to other parts of the application.
    Values are strings ("5", "false"), as a configuration file gives them.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def engine_with_timeout(url: str | URL, seconds: int) -> Engine:
    """Return an Engine on `url` whose DBAPI connections get a timeout of `seconds`.

    The name of that connect argument is the driver's: SQLite's `timeout` (how long to wait
    for a lock another connection holds), psycopg's `connect_timeout` (how long to wait for
    the server to answer). Other backends: ValueError.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def loggable_url(url: str | URL) -> str:
    """Return the URL as text for a log line: every part shown, except the password (`***`)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
