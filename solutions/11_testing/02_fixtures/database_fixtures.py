"""Kata 11.2: engine, tables, connection and session fixtures, each with the right scope.

This file is a pytest plugin: the kata copies it as the `conftest.py` of a test run of its own and
runs tests through your fixtures. The kata gives two fixtures: `kata_database_url`, the URL of the
pack's test database (use it, never another), and `kata_metadata`, the MetaData of the tables the
tests use.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, MetaData, create_engine
from sqlalchemy.orm import Session


@pytest.fixture(scope="session")
def db_engine(kata_database_url: str) -> Iterator[Engine]:
    """Task 1. ONE Engine on `kata_database_url` for the whole run, disposed when the run ends."""
    # BEGIN SOLUTION
    engine = create_engine(kata_database_url)
    yield engine
    engine.dispose()  # close the pool's connections: the run is over
    # END SOLUTION


@pytest.fixture(scope="session")
def db_tables(db_engine: Engine, kata_metadata: MetaData) -> Iterator[MetaData]:
    """Task 2. The tables of `kata_metadata`, created (and committed) once before the first test
    that needs them, dropped after the last; yields the MetaData."""
    # BEGIN SOLUTION
    kata_metadata.create_all(db_engine)
    yield kata_metadata
    kata_metadata.drop_all(db_engine)
    # END SOLUTION


@pytest.fixture
def db_connection(db_engine: Engine, db_tables: MetaData) -> Iterator[Connection]:
    """Task 3. For each test, a Connection in a transaction that is rolled back after it, then
    closed: the rows one test writes are gone for the next. The tables exist."""
    # BEGIN SOLUTION
    with db_engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            if transaction.is_active:
                transaction.rollback()
    # END SOLUTION


@pytest.fixture
def db_session(db_connection: Connection) -> Iterator[Session]:
    """Task 4. For each test, a Session working inside `db_connection`'s transaction (what one
    writes the other sees), closed after the test."""
    # BEGIN SOLUTION
    with Session(bind=db_connection) as session:
        yield session
    # END SOLUTION
