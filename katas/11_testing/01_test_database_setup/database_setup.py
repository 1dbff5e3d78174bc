"""Kata 11.1: a test database from configuration: in-memory SQLite by default, any URL when asked.

Three pieces a test suite's set-up needs: where the test database is (`database_url()`), an engine
that suits it (`make_test_engine()`), and a clean database for each test (`isolated_database()`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, make_url
from sqlalchemy.pool import StaticPool

ENV_VAR = "KATA_TEST_DATABASE_URL"
DEFAULT_URL = "sqlite://"  # an in-memory SQLite database


def database_url() -> str:
    """Task 1. The test database's URL: the environment variable KATA_TEST_DATABASE_URL, stripped of
    surrounding spaces, or DEFAULT_URL when it is unset or blank."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def make_test_engine(url: str) -> Engine:
    """Task 2. An Engine for `url`. For an in-memory SQLite database ("sqlite://",
    "sqlite:///:memory:", with or without "+pysqlite"), every connection, from any thread, must
    reach the SAME database; any other URL gets SQLAlchemy's default pool."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@contextmanager
def isolated_database(url: str, metadata: MetaData) -> Iterator[Engine]:
    """Task 3. An engine from make_test_engine(url) whose database has `metadata`'s tables, empty;
    after the block — also when it raised — nothing is left in that database, not even tables the
    block created itself, and the engine is disposed."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
