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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def ssl_connect_args(driver: str, sslmode: str, root_cert: str | None = None) -> dict[str, Any]:
    """Return the `connect_args` that make `driver` ("psycopg" or "asyncpg") use TLS as `sslmode` says.

    `sslmode` is one of SSL_MODES; "allow" and "prefer" (which fall back to plain text without a word)
    and anything else raise ValueError, as does an unknown driver. `root_cert` is the path of the CA
    certificate(s) that verify-ca / verify-full check the server against.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def check_database(url: str | URL) -> tuple[bool, str]:
    """Try `SELECT 1` on a fresh engine for `url`; return (True, message) or (False, message), never raise
    for a database error.

    The message names the URL with its password masked, and on failure the driver's reason (the first
    line of it). A failure is also logged as a WARNING on the "bookshop.db" logger, with no password.
    The engine is disposed of before returning.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
