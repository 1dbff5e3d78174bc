"""Tests for kata 11.5, mocking. Run: pytest katas/11_testing/05_mocking"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from fixtures.target import learner_module

mocking = learner_module(__file__, "mocking")

DAY = dt.date(2026, 3, 2)


def customer(**values: Any) -> Any:
    defaults = {"id": 7, "email": "ana@example.com", "name": "Ana", "joined_on": DAY, "active": True}
    return mocking.Customer(**{**defaults, **values})


# -- the services the checks must tell apart: the given one, and versions with one bug each ------


def given_service() -> type:
    return mocking.CustomerService


def rename_bugs() -> dict[str, tuple[str, type]]:
    base = mocking.CustomerService
    Customer = mocking.Customer

    class NoCommit(base):  # type: ignore[misc, valid-type]
        def rename(self, customer_id: int, name: str) -> Any:
            found = self.session.get(Customer, customer_id)
            if found is None:
                raise LookupError(customer_id)
            found.name = name
            self.session.flush()
            return found

    class CommitsBeforeTheChange(base):  # type: ignore[misc, valid-type]
        def rename(self, customer_id: int, name: str) -> Any:
            found = self.session.get(Customer, customer_id)
            if found is None:
                raise LookupError(customer_id)
            self.session.commit()
            found.name = name
            return found

    class CommitsTwice(base):  # type: ignore[misc, valid-type]
        def rename(self, customer_id: int, name: str) -> Any:
            found = self.session.get(Customer, customer_id)
            if found is None:
                raise LookupError(customer_id)
            self.session.commit()
            found.name = name
            self.session.commit()
            return found

    class WrongId(base):  # type: ignore[misc, valid-type]
        def rename(self, customer_id: int, name: str) -> Any:
            found = self.session.get(Customer, str(customer_id))
            if found is None:
                raise LookupError(customer_id)
            found.name = name
            self.session.commit()
            return found

    class UnknownIsNone(base):  # type: ignore[misc, valid-type]
        def rename(self, customer_id: int, name: str) -> Any:
            found = self.session.get(Customer, customer_id)
            if found is not None:
                found.name = name
            self.session.commit()
            return found

    class UnknownCommits(base):  # type: ignore[misc, valid-type]
        def rename(self, customer_id: int, name: str) -> Any:
            found = self.session.get(Customer, customer_id)
            if found is None:
                self.session.commit()
                raise LookupError(customer_id)
            found.name = name
            self.session.commit()
            return found

    return {
        "no_commit": ("rename() flushes but never commits", NoCommit),
        "commit_before_change": (
            "rename() commits BEFORE it sets the name (the change is never committed)",
            CommitsBeforeTheChange,
        ),
        "commits_twice": ("rename() commits twice (once before the change)", CommitsTwice),
        "wrong_id": ("rename() looks the customer up by str(id) instead of the id", WrongId),
        "unknown_returns_none": (
            "rename() of an unknown id returns None instead of raising LookupError",
            UnknownIsNone,
        ),
        "unknown_commits": ("rename() of an unknown id commits before it raises LookupError", UnknownCommits),
    }


def register_bugs() -> dict[str, tuple[str, type]]:
    base = mocking.CustomerService
    Customer = mocking.Customer
    DuplicateEmail = mocking.DuplicateEmail
    IntegrityError = __import__("sqlalchemy.exc", fromlist=["IntegrityError"]).IntegrityError

    class NoJoinDate(base):  # type: ignore[misc, valid-type]
        def register(self, email: str, name: str, today: dt.date) -> Any:
            new = Customer(email=email.strip().lower(), name=name)  # joined_on is NOT NULL
            self.session.add(new)
            try:
                self.session.commit()
            except IntegrityError as error:
                self.session.rollback()
                raise DuplicateEmail(email) from error
            return new

    class NotLowered(base):  # type: ignore[misc, valid-type]
        def register(self, email: str, name: str, today: dt.date) -> Any:
            new = Customer(email=email.strip(), name=name, joined_on=today)
            self.session.add(new)
            try:
                self.session.commit()
            except IntegrityError as error:
                self.session.rollback()
                raise DuplicateEmail(email) from error
            return new

    class NotStripped(base):  # type: ignore[misc, valid-type]
        def register(self, email: str, name: str, today: dt.date) -> Any:
            new = Customer(email=email.lower(), name=name, joined_on=today)
            self.session.add(new)
            try:
                self.session.commit()
            except IntegrityError as error:
                self.session.rollback()
                raise DuplicateEmail(email) from error
            return new

    class DuplicateSwallowed(base):  # type: ignore[misc, valid-type]
        def register(self, email: str, name: str, today: dt.date) -> Any:
            new = Customer(email=email.strip().lower(), name=name, joined_on=today)
            self.session.add(new)
            try:
                self.session.commit()
            except IntegrityError:
                self.session.rollback()
                return self.session.scalars(select(Customer).where(Customer.email == new.email)).one()
            return new

    return {
        "no_join_date": ("register() leaves joined_on unset, and the column is NOT NULL", NoJoinDate),
        "email_not_lowered": ("register() stores the email as typed, not lower-cased", NotLowered),
        "email_not_stripped": ("register() keeps the spaces around the email", NotStripped),
        "duplicate_swallowed": (
            "register() returns the existing customer instead of raising DuplicateEmail",
            DuplicateSwallowed,
        ),
    }


RENAME_BUGS = [
    "no_commit",
    "commit_before_change",
    "commits_twice",
    "wrong_id",
    "unknown_returns_none",
    "unknown_commits",
]
REGISTER_BUGS = ["no_join_date", "email_not_lowered", "email_not_stripped", "duplicate_swallowed"]

CHECK_FAILURES = (AssertionError, pytest.fail.Exception)


def run_check(check: Callable[[], Any]) -> BaseException | None:
    """What a check raised (None if it returned)."""
    try:
        check()
    except CHECK_FAILURES as failure:
        return failure
    except Exception as error:  # noqa: BLE001 - reported as "not a failed check"
        return error
    return None


@contextmanager
def fresh_session(connection: Connection) -> Iterator[Session]:
    """A session of its own in a savepoint that is rolled back after: one check's data per run."""
    savepoint = connection.begin_nested()
    try:
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def make_tables(connection: Connection) -> None:
    mocking.Base.metadata.create_all(connection)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_mock_refuses_what_a_session_refuses(connection: Connection) -> None:
    mock = mocking.session_mock()
    with pytest.raises(AttributeError, match="comit"):
        mock.comit()
        pytest.fail(
            "session_mock().comit() did not raise AttributeError: spec the mock on Session", pytrace=False
        )
    for call, args in (("get", (mocking.Customer,)), ("scalars", ()), ("add", ())):
        try:
            getattr(mock, call)(*args)
        except TypeError:
            continue
        pytest.fail(
            f"session_mock().{call}({', '.join(a.__name__ for a in args)}) did not raise TypeError: a Session "
            "needs more arguments there. Mock(spec=...) checks names only; create_autospec checks signatures too.",
            pytrace=False,
        )


@pytest.mark.task(1)
def test_the_mock_accepts_what_a_session_accepts_and_records_it() -> None:
    mock = mocking.session_mock()
    assert isinstance(mock, Session), (
        "isinstance(session_mock(), Session) should be True: code under test may check it, and a spec "
        "(create_autospec(Session, instance=True)) makes it so"
    )
    found = mock.get(mocking.Customer, 7)
    mock.add(customer())
    mock.commit()
    mock.get.assert_called_once_with(mocking.Customer, 7)
    mock.commit.assert_called_once_with()
    assert found is not None
    assert mocking.session_mock() is not mock, (
        "each call should give a NEW mock, so that tests do not share calls"
    )


@pytest.mark.task(1)
def test_with_the_mock_gives_the_mock_itself() -> None:
    mock = mocking.session_mock()
    with mock as inside:
        inside.commit()
    assert inside is mock, (
        "`with session_mock() as s:` should give the mock itself (as `with Session(...) as s` gives the session): "
        "set its __enter__'s return_value"
    )
    mock.commit.assert_called_once_with()
    with mock.begin():
        mock.add(customer())
    mock.add.assert_called_once()


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("names", [["Ana", "Ben", "Cy"], ["Zoe"], []], ids=["three", "one", "none"])
def test_the_service_reads_the_rows_the_mock_returns(names: list[str]) -> None:
    mock = mocking.session_returning(names)
    service = mocking.CustomerService(mock)
    assert service.active_names() == names, "iterating the result should yield the rows given"
    assert service.active_names() == names, "iterating the result a second time should yield them again"
    result = mock.scalars(select(mocking.Customer))
    assert result.all() == names, f".all() should be the rows as a list: {names}"
    assert result.first() == (names[0] if names else None), (
        ".first() should be the first row, or None when there is none"
    )
    statement = mock.scalars.call_args_list[0].args[0]
    assert "customers" in str(statement), "the mock should record the statement the service passed"


@pytest.mark.task(2)
def test_the_result_is_specced_too() -> None:
    mock = mocking.session_returning([customer()])
    found = mocking.CustomerService(mock).find_by_email(" ANA@example.com")
    assert found is not None and found.name == "Ana", (
        "find_by_email() should get the first row of the mocked result"
    )
    result = mock.scalars(select(mocking.Customer))
    with pytest.raises(AttributeError):
        result.one_or_nonee()
        pytest.fail(
            "a misspelt method of the result (one_or_nonee) did not raise: a return value is a plain MagicMock "
            "unless you spec it, e.g. create_autospec(ScalarResult, instance=True)",
            pytrace=False,
        )
    with pytest.raises(TypeError):
        mock.scalars()
        pytest.fail(
            "session_returning()'s scalars() should still refuse a call without its statement", pytrace=False
        )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_the_rename_check_passes_on_the_given_service() -> None:
    outcome = run_check(lambda: mocking.check_rename(given_service()))
    assert outcome is None, (
        f"check_rename() should pass (return None) on the given CustomerService, but it raised "
        f"{type(outcome).__name__}: {outcome}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("bug", RENAME_BUGS)
def test_the_rename_check_fails_on_a_bug(bug: str) -> None:
    what, service = rename_bugs()[bug]
    outcome = run_check(lambda: mocking.check_rename(service))
    assert outcome is not None, f"check_rename() passed although {what}: which assertion would see it?"
    assert isinstance(outcome, CHECK_FAILURES), (
        f"check_rename() should fail with an AssertionError when {what}; it raised {type(outcome).__name__}: {outcome}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_the_database_check_passes_on_the_given_service(connection: Connection) -> None:
    make_tables(connection)
    with fresh_session(connection) as session:
        outcome = run_check(lambda: mocking.check_register_on_the_database(session, given_service()))
    assert outcome is None, (
        f"check_register_on_the_database() should pass on the given CustomerService, but it raised "
        f"{type(outcome).__name__}: {outcome}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("bug", REGISTER_BUGS)
def test_a_mock_accepts_the_bug_and_the_database_check_does_not(connection: Connection, bug: str) -> None:
    what, service = register_bugs()[bug]
    # With a mock, the bug goes unnoticed: the mock knows no NOT NULL, no unique email, no stored value.
    mock = mocking.session_mock()
    service(mock).register("  Ana.Lima@Example.COM ", "Ana", DAY)
    service(mock).register("ana.lima@example.com", "Another Ana", DAY)
    mock.add.assert_called()
    assert mock.commit.call_count == 2, "with a mock both registrations 'succeed'"
    make_tables(connection)
    with fresh_session(connection) as session:
        outcome = run_check(lambda: mocking.check_register_on_the_database(session, service))
    assert outcome is not None, (
        f"check_register_on_the_database() passed although {what}. A mock cannot see this; the database can: "
        "read back what was stored, and try the same email again in another case."
    )
