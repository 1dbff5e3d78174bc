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
    # BEGIN SOLUTION
    # URL.create() takes the path as it is; pasted into "sqlite:///..." a `?` or `#` in it
    # would be read as the start of the URL's query string or fragment.
    return create_engine(URL.create("sqlite", database=str(directory / filename)))
    # END SOLUTION


def sqlite_memory_engine() -> Engine:
    """Return an Engine on a new, private in-memory SQLite database.

    Every connection of this engine, from any thread, sees the same database; a second call
    returns a second, separate database; `dispose()` throws the database away.
    """
    # BEGIN SOLUTION
    # Each sqlite3 connection to ":memory:" is its own empty database. StaticPool hands out one
    # and the same DBAPI connection every time, and check_same_thread=False lets other threads
    # use it (the default pool for memory databases keeps one connection *per thread*).
    return create_engine(
        "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
    )
    # END SOLUTION


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
    # BEGIN SOLUTION
    drivers = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}
    query = {"charset": "utf8mb4"} if backend == "mysql" else {}
    # URL.create() keeps each part separate, so nothing in the password can be mistaken for
    # the '@' before the host or the '/' before the database name.
    return URL.create(
        drivers[backend],
        username=username,
        password=password,
        host=host,
        port=port,
        database=database,
        query=query,
    )
    # END SOLUTION


def engine_from_settings(settings: dict[str, Any]) -> Engine:
    """Return an Engine configured by the application's settings, as read from an .ini file.

    The engine's keys start with "db." (`db.url`, `db.pool_size`, `db.max_overflow`,
    `db.pool_timeout`, `db.echo`, ...); other keys belong to other parts of the application.
    Values are strings ("5", "false"), as a configuration file gives them.
    """
    # BEGIN SOLUTION
    # engine_from_config() keeps the keys with the prefix, strips it, and converts the
    # well-known options from strings ("5" -> 5, "false" -> False) before create_engine().
    return engine_from_config(settings, prefix="db.")
    # END SOLUTION


def engine_with_timeout(url: str | URL, seconds: int) -> Engine:
    """Return an Engine on `url` whose DBAPI connections get a timeout of `seconds`.

    The name of that connect argument is the driver's: SQLite's `timeout` (how long to wait
    for a lock another connection holds), psycopg's `connect_timeout` (how long to wait for
    the server to answer). Other backends: ValueError.
    """
    # BEGIN SOLUTION
    url = make_url(url)
    backend = url.get_backend_name()
    connect_args: dict[str, Any]
    if backend == "sqlite":
        connect_args = {"timeout": seconds}
    elif backend == "postgresql":
        connect_args = {"connect_timeout": seconds}
    else:
        raise ValueError(f"no timeout argument known for {backend}")
    # connect_args go, untouched, to the DBAPI's connect() function.
    return create_engine(url, connect_args=connect_args)
    # END SOLUTION


def loggable_url(url: str | URL) -> str:
    """Return the URL as text for a log line: every part shown, except the password (`***`)."""
    # BEGIN SOLUTION
    # The URL object knows where its password is; a regular expression over the text does not
    # (a password may contain '@' or ':').
    return make_url(url).render_as_string(hide_password=True)
    # END SOLUTION
