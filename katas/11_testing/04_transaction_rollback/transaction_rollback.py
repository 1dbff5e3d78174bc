"""Kata 11.4: the outer-transaction + savepoint pattern, as pytest fixtures.

This file is a pytest plugin: the kata copies it as the `conftest.py` of a test run of its own,
whose tests commit, roll back, use savepoints, create tables and fail in the middle of a flush.
Your fixtures must make every one of those tests leave nothing behind, on SQLite and PostgreSQL.

The kata gives one fixture: `kata_engine`, an Engine on the pack's test database (the one
`--db-url` names, or SQLite). Use it; never create an engine of your own here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session


@pytest.fixture
def db_connection(kata_engine: Engine) -> Iterator[Connection]:
    """Task 1. A Connection from `kata_engine` inside a transaction begun for the test and rolled
    back after it (the connection closed): rows inserted and tables created in a test are gone for
    the next one."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


@pytest.fixture
def db_session(db_connection: Connection) -> Iterator[Session]:
    """Task 2. A Session on `db_connection`, joined to its transaction so that the test's
    `commit()`, `rollback()` and `begin_nested()` stay inside it: a commit releases a savepoint,
    a rollback returns to one, and the outer transaction is still there to roll back after."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
