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
    # BEGIN SOLUTION
    try:
        parsed = make_url(url)
    except (exc.ArgumentError, ValueError) as error:
        # Do not echo the text back: it may contain the password.
        return HealthReport(url="(invalid URL)", ok=False, error=f"invalid URL: {_first_line(error)}")
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = create_engine(parsed, connect_args=_timeout_arguments(parsed, timeout))
    except (exc.ArgumentError, ImportError) as error:  # NoSuchModuleError, a missing DBAPI
        return HealthReport(url=shown, ok=False, error=_first_line(error))
    dialect, driver = engine.dialect.name, engine.dialect.driver
    try:
        return _measure(engine, shown)
    except exc.DBAPIError as error:
        # error.orig is the driver's exception; str(error) adds SQLAlchemy's prefix and a link.
        return HealthReport(url=shown, ok=False, dialect=dialect, driver=driver, error=_first_line(error.orig))
    finally:
        # The check must not leave connections open behind it (in the pool or on the server).
        engine.dispose()
    # END SOLUTION


# BEGIN SOLUTION
def _measure(engine: Engine, shown: str) -> HealthReport:
    with engine.connect() as connection:
        # Time one query on an already open connection: connecting (and the dialect's first-connect
        # queries) would make the figure meaningless as a "round trip".
        started = time.perf_counter()
        connection.execute(text("SELECT 1")).scalar_one()
        elapsed_ms = (time.perf_counter() - started) * 1000
        # The dialect asked the server for its version when it first connected.
        version = ".".join(str(part) for part in connection.dialect.server_version_info or ())
    return HealthReport(
        url=shown,
        ok=True,
        dialect=engine.dialect.name,
        driver=engine.dialect.driver,
        server_version=version,
        round_trip_ms=elapsed_ms,
    )


def _timeout_arguments(url: URL, timeout: int) -> dict[str, Any]:
    backend = url.get_backend_name()
    if backend == "sqlite":
        return {"timeout": timeout}
    if backend == "postgresql":
        return {"connect_timeout": timeout}
    return {}


def _first_line(error: BaseException | None) -> str:
    message = str(error).strip() if error is not None else ""
    return message.splitlines()[0] if message else type(error).__name__


# END SOLUTION
# BEGIN STUB
# # Helper functions of your own may go here.
# END STUB


def main(argv: list[str] | None = None) -> int:
    """Command line: check the URL given as the only argument and print ONE line to stdout.

        OK <url> (<dialect> <server_version>, <round_trip_ms with one decimal> ms)
        FAIL <url>: <error>

    <url> is the report's url (password hidden). Return 0 when ok, 1 when not. Without exactly
    one argument, print a usage line to stderr and return 2.
    """
    # BEGIN SOLUTION
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: project_first_connection.py DATABASE_URL", file=sys.stderr)
        return 2
    report = check_connectivity(args[0])
    if report.ok:
        print(f"OK {report.url} ({report.dialect} {report.server_version}, {report.round_trip_ms:.1f} ms)")
        return 0
    print(f"FAIL {report.url}: {report.error}")
    return 1
    # END SOLUTION


if __name__ == "__main__":
    sys.exit(main())
