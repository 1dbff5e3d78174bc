"""Kata 11.5: mocking a Session — what a mock checks well, and what only the database can.

Given: the `Customer` model and `CustomerService` (do not change them). You write two mock
builders and two checks of the service: one with a mock, one on a real database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from unittest.mock import create_autospec

from sqlalchemy import String, select
from sqlalchemy.engine import ScalarResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    joined_on: Mapped[dt.date]  # NOT NULL, no default
    active: Mapped[bool] = mapped_column(default=True)


class DuplicateEmail(Exception):
    """The email belongs to a customer already."""


class CustomerService:
    """The code under test: every method uses only the session it was given."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def register(self, email: str, name: str, today: dt.date) -> Customer:
        """Add a customer (the email stored stripped and lower-cased) and commit; a taken email
        raises DuplicateEmail after rolling back."""
        customer = Customer(email=email.strip().lower(), name=name, joined_on=today)
        self.session.add(customer)
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise DuplicateEmail(email) from error
        return customer

    def rename(self, customer_id: int, name: str) -> Customer:
        """Give the customer a new name and commit; an unknown id raises LookupError, committing nothing."""
        customer = self.session.get(Customer, customer_id)
        if customer is None:
            raise LookupError(f"no customer {customer_id}")
        customer.name = name
        self.session.commit()
        return customer

    def find_by_email(self, email: str) -> Customer | None:
        """The customer with this email (any case, any spaces around it), or None."""
        return self.session.scalars(select(Customer).where(Customer.email == email.strip().lower())).first()

    def active_names(self) -> list[str]:
        """The names of the active customers, sorted."""
        return list(
            self.session.scalars(select(Customer.name).where(Customer.active).order_by(Customer.name))
        )


ServiceFactory = Callable[[Session], CustomerService]


def session_mock() -> Any:
    """Task 1. A new mock Session that refuses what a Session would refuse: attributes it does not
    have (`sesion.comit()`), calls with missing arguments (`get(Customer)`), and that passes
    `isinstance(mock, Session)`. `with mock as s:` gives the mock itself, as a Session does."""
    # BEGIN SOLUTION
    mock = create_autospec(Session, instance=True)
    mock.__enter__.return_value = mock  # autospec does not wire the context manager to itself
    return mock
    # END SOLUTION


def session_returning(rows: Sequence[Any]) -> Any:
    """Task 2. A session_mock() whose `scalars(statement)` gives a result that is specced like a
    real ScalarResult (a misspelt method fails) and holds `rows`: `.all()` is a list of them,
    `.first()` the first or None, iterating it yields them (every time)."""
    # BEGIN SOLUTION
    mock = session_mock()
    result = create_autospec(ScalarResult, instance=True)
    result.all.return_value = list(rows)
    result.first.return_value = rows[0] if rows else None
    result.__iter__.side_effect = lambda: iter(list(rows))
    mock.scalars.return_value = result
    return mock
    # END SOLUTION


def check_rename(make_service: ServiceFactory) -> None:
    """Task 3. A unit test of `rename()` on a session_mock(), no database: raise AssertionError
    (a failed `assert`, or pytest.raises) when the service built by `make_service(mock)` does not
    look the customer up by its id, does not set the name BEFORE committing, commits other than
    once, or, for an unknown id, does not raise LookupError or commits anyway. Return None when
    rename() is right."""
    # BEGIN SOLUTION
    import pytest

    session = session_mock()
    customer = Customer(id=7, email="ana@example.com", name="Ana", joined_on=dt.date(2026, 1, 5))
    session.get.return_value = customer
    names_at_commit: list[str] = []
    session.commit.side_effect = lambda: names_at_commit.append(customer.name)

    returned = make_service(session).rename(7, "Ana Lima")

    session.get.assert_called_once_with(Customer, 7)
    assert returned is customer and customer.name == "Ana Lima"
    assert names_at_commit == ["Ana Lima"], (
        f"one commit, after the name is set; commits saw {names_at_commit}"
    )

    unknown = session_mock()
    unknown.get.return_value = None
    with pytest.raises(LookupError):
        make_service(unknown).rename(99, "Nobody")
    unknown.commit.assert_not_called()
    # END SOLUTION


def check_register_on_the_database(session: Session, make_service: ServiceFactory) -> None:
    """Task 4. A test of `register()` on the real database, through `session` (its tables exist and
    are empty): raise (an AssertionError, or let the database's error through) when the service from
    `make_service(session)` stores a customer the schema refuses, does not store the email stripped and
    lower-cased, or lets a second customer with the same email (in another case) in without
    DuplicateEmail. Return None when register() is right."""
    # BEGIN SOLUTION
    import pytest

    service = make_service(session)
    day = dt.date(2026, 3, 2)
    service.register("  Ana.Lima@Example.COM ", "Ana", day)
    session.expire_all()  # read what the database holds, not the objects in memory
    stored = session.execute(select(Customer.email, Customer.joined_on)).all()
    assert [tuple(row) for row in stored] == [("ana.lima@example.com", day)], f"stored {stored}"
    with pytest.raises(DuplicateEmail):
        service.register("ana.lima@EXAMPLE.com", "Another Ana", day)
    assert session.scalars(select(Customer.name)).all() == ["Ana"]
    # END SOLUTION
