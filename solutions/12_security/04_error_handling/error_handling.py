"""Kata 12.4: error handling — IntegrityError, OperationalError, `.orig`, PendingRollbackError, retries.

The models are given (do not change them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import CheckConstraint, Connection, Engine, ForeignKey, String, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

T = TypeVar("T")


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("credits >= 0", name="credits_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    credits: Mapped[int] = mapped_column(default=0)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))


class DuplicateAccount(Exception):
    """An account with this email exists already."""


# BEGIN SOLUTION
# The driver's own exception (`error.orig`) says which rule was broken: PostgreSQL by SQLSTATE,
# SQLite (Python 3.11+) by its extended result-code name.
POSTGRESQL_KINDS = {"23505": "unique", "23503": "foreign_key", "23502": "not_null", "23514": "check"}
SQLITE_KINDS = {
    "SQLITE_CONSTRAINT_UNIQUE": "unique",
    "SQLITE_CONSTRAINT_PRIMARYKEY": "unique",
    "SQLITE_CONSTRAINT_FOREIGNKEY": "foreign_key",
    "SQLITE_CONSTRAINT_NOTNULL": "not_null",
    "SQLITE_CONSTRAINT_CHECK": "check",
}
# Errors worth a second try: the same work may succeed once the other transaction is gone.
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
TRANSIENT_SQLITE = {"SQLITE_BUSY", "SQLITE_LOCKED"}  # "database is locked"
# END SOLUTION
# BEGIN STUB
# # TODO (tasks 1 and 4): which error codes mean what? A table of them may help.
# END STUB


def classify(error: DBAPIError) -> str:
    """Return which rule a database error broke: "unique", "foreign_key", "not_null", "check", or "other".

    Decide from the driver's exception (`error.orig`), not from the text of the message.
    """
    # BEGIN SOLUTION
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return POSTGRESQL_KINDS.get(sqlstate, "other")
    return SQLITE_KINDS.get(getattr(orig, "sqlite_errorname", ""), "other")
    # END SOLUTION


def create_account(session: Session, email: str, name: str, credits: int = 0) -> Account:
    """Add and flush an account. An email that exists raises `DuplicateAccount`; any other refusal
    (a NULL name, negative credits) raises the original `IntegrityError`. Either way the session
    stays usable and keeps its earlier work."""
    # BEGIN SOLUTION
    account = Account(email=email, name=name, credits=credits)
    try:
        # The savepoint confines the failure to this INSERT (and keeps PostgreSQL's transaction usable).
        with session.begin_nested():
            session.add(account)
    except IntegrityError as error:
        if classify(error) == "unique":
            raise DuplicateAccount("an account with this email exists already") from error
        raise  # not ours to translate: the caller sees what really went wrong
    return account
    # END SOLUTION


def count_accounts(session: Session) -> int:
    """Return the number of accounts.

    Other code may have left the session after a failed flush: on `PendingRollbackError`, roll the
    session back and try once more. Any other error propagates unchanged.
    """
    # BEGIN SOLUTION
    statement = select(func.count()).select_from(Account)
    try:
        return session.execute(statement).scalar_one()
    except PendingRollbackError:
        session.rollback()
        return session.execute(statement).scalar_one()
    # END SOLUTION


def is_transient(error: DBAPIError) -> bool:
    """True for errors that may go away if the same work is tried again: a lost connection
    (`connection_invalidated`), a lock timeout or busy database, a deadlock, a serialization failure."""
    # BEGIN SOLUTION
    if error.connection_invalidated:
        return True
    orig = error.orig
    return (
        getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES
        or getattr(orig, "sqlite_errorname", None) in TRANSIENT_SQLITE
    )
    # END SOLUTION


def run_with_retries(engine: Engine, work: Callable[[Connection], T], attempts: int = 3) -> T:
    """Run `work(connection)` in a transaction of its own (committed when it returns) and return its result.

    A transient `OperationalError` (see `is_transient`) rolls that transaction back and tries again,
    `attempts` times in all; then the last error propagates. Any other error propagates at once.
    """
    # BEGIN SOLUTION
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as connection:
                return work(connection)
        except OperationalError as error:
            if attempt == attempts or not is_transient(error):
                raise
    raise ValueError(f"attempts must be at least 1, got {attempts}")
    # END SOLUTION
