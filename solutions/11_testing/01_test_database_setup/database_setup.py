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
    # BEGIN SOLUTION
    configured = os.environ.get(ENV_VAR, "").strip()
    return configured or DEFAULT_URL
    # END SOLUTION


def make_test_engine(url: str) -> Engine:
    """Task 2. An Engine for `url`. For an in-memory SQLite database ("sqlite://",
    "sqlite:///:memory:", with or without "+pysqlite"), every connection, from any thread, must
    reach the SAME database; any other URL gets SQLAlchemy's default pool."""
    # BEGIN SOLUTION
    parsed = make_url(url)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if in_memory:
        # One connection, shared by everyone: the in-memory database lives as long as it does.
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    return create_engine(url)
    # END SOLUTION


@contextmanager
def isolated_database(url: str, metadata: MetaData) -> Iterator[Engine]:
    """Task 3. An engine from make_test_engine(url) whose database has `metadata`'s tables, empty;
    after the block — also when it raised — nothing is left in that database, not even tables the
    block created itself, and the engine is disposed."""
    # BEGIN SOLUTION
    engine = make_test_engine(url)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        everything = MetaData()
        everything.reflect(engine)  # the tables the block made too, not only `metadata`'s
        everything.drop_all(engine)
        engine.dispose()
    # END SOLUTION
