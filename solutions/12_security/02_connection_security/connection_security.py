"""Kata 12.2: connection security — credentials from the environment, TLS settings, secret-free messages."""

from __future__ import annotations

import logging
import os
import ssl
from typing import Any

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

log = logging.getLogger("bookshop.db")

REQUIRED_SETTINGS = ("DB_USER", "DB_PASSWORD", "DB_HOST", "DB_NAME")
SSL_MODES = ("disable", "require", "verify-ca", "verify-full")


class MissingSetting(RuntimeError):
    """A required environment variable is not set (the message names it)."""


def url_from_env() -> URL:
    """Build the database URL from DB_USER, DB_PASSWORD, DB_HOST, DB_NAME (required), DB_PORT (default
    5432) and DB_DRIVER (default "postgresql+psycopg").

    The password may hold any character. A missing required variable raises `MissingSetting` naming it.
    """
    # BEGIN SOLUTION
    missing = [name for name in REQUIRED_SETTINGS if name not in os.environ]
    if missing:
        raise MissingSetting(f"set the environment variable(s) {', '.join(missing)}")
    # URL.create() takes each part as it is: no quoting to get wrong, and str()/repr() mask the password.
    return URL.create(
        os.environ.get("DB_DRIVER", "postgresql+psycopg"),
        username=os.environ["DB_USER"],
        password=os.environ["DB_PASSWORD"],
        host=os.environ["DB_HOST"],
        port=int(os.environ.get("DB_PORT", "5432")),
        database=os.environ["DB_NAME"],
    )
    # END SOLUTION


def ssl_connect_args(driver: str, sslmode: str, root_cert: str | None = None) -> dict[str, Any]:
    """Return the `connect_args` that make `driver` ("psycopg" or "asyncpg") use TLS as `sslmode` says.

    `sslmode` is one of SSL_MODES; "allow" and "prefer" (which fall back to plain text without a word)
    and anything else raise ValueError, as does an unknown driver. `root_cert` is the path of the CA
    certificate(s) that verify-ca / verify-full check the server against.
    """
    # BEGIN SOLUTION
    if sslmode not in SSL_MODES:
        raise ValueError(f"sslmode {sslmode!r} is not accepted; use one of {SSL_MODES}")
    if driver == "psycopg":
        # libpq's own parameters, passed through psycopg.connect().
        args: dict[str, Any] = {"sslmode": sslmode}
        if root_cert is not None:
            args["sslrootcert"] = root_cert
        return args
    if driver == "asyncpg":
        if sslmode in ("disable", "require"):
            return {"ssl": sslmode}
        # asyncpg verifies with an SSLContext: the CA file, and the host name only for verify-full.
        context = ssl.create_default_context(cafile=root_cert)
        context.check_hostname = sslmode == "verify-full"
        context.verify_mode = ssl.CERT_REQUIRED
        return {"ssl": context}
    raise ValueError(f"unknown driver {driver!r}; expected 'psycopg' or 'asyncpg'")
    # END SOLUTION


def check_database(url: str | URL) -> tuple[bool, str]:
    """Try `SELECT 1` on a fresh engine for `url`; return (True, message) or (False, message), never raise
    for a database error.

    The message names the URL with its password masked, and on failure the driver's reason (the first
    line of it). A failure is also logged as a WARNING on the "bookshop.db" logger, with no password.
    The engine is disposed of before returning.
    """
    # BEGIN SOLUTION
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    engine = create_engine(parsed, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0]
        message = f"{shown}: {reason}"
        log.warning("database check failed: %s", message)
        return False, message
    finally:
        engine.dispose()
    return True, f"{shown}: ok"
    # END SOLUTION
