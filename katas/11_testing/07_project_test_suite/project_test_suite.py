"""Kata 11.7: the test suite of lending.py, the library's lending service. You write it.

The kata runs this file with pytest against lending.py (every test must pass) and against
versions of lending.py with a bug planted in them (some test must fail on each). Your tests get
two fixtures, as everywhere in the pack: `session`, a Session inside a transaction that is rolled
back after the test (commits are real for the test, gone after it), and `queries`, the statements
the test's body sent (`queries.count`, `queries.clear()`, `with queries.budget(n):`).

Run only your suite, against lending.py:
    pytest katas/11_testing/07_project_test_suite/project_test_suite.py
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import lending  # type: ignore[import-not-found]  # the kata's folder, which mypy does not search
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog

MONDAY = dt.date(2026, 3, 2)  # the service takes `today` as an argument: tests choose the day


@pytest.fixture(autouse=True)
def tables(session: Session) -> None:
    """The service's tables, made in the test's transaction (they vanish with it). Committed, so that
    a test's own `session.rollback()` undoes the test's uncommitted work, not the tables."""
    lending.Base.metadata.create_all(session.connection())
    session.commit()


# Your helpers here, if you want some.


class TestMembers:
    """Task 2: register_member()."""

    def test_placeholder(self, session: Session) -> None:
        raise NotImplementedError  # TODO: replace me with your tests of register_member()


class TestLending:
    """Task 3: borrow() and return_book()."""

    def test_placeholder(self, session: Session) -> None:
        raise NotImplementedError  # TODO: replace me with your tests of borrow() and return_book()


class TestCatalogue:
    """Task 4: catalogue_page()."""

    def test_placeholder(self, session: Session) -> None:
        raise NotImplementedError  # TODO: replace me with your tests of catalogue_page()


class TestReports:
    """Task 5: books_on_loan_to() and overdue_report()."""

    def test_placeholder(self, session: Session) -> None:
        raise NotImplementedError  # TODO: replace me with your tests of books_on_loan_to() and overdue_report()
