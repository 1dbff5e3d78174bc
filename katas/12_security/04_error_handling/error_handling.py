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


# TODO (tasks 1 and 4): which error codes mean what? A table of them may help.


def classify(error: DBAPIError) -> str:
    """Return which rule a database error broke: "unique", "foreign_key", "not_null", "check", or "other".

    Decide from the driver's exception (`error.orig`), not from the text of the message.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def create_account(session: Session, email: str, name: str, credits: int = 0) -> Account:
    """Add and flush an account. An email that exists raises `DuplicateAccount`; any other refusal
    (a NULL name, negative credits) raises the original `IntegrityError`. Either way the session
    stays usable and keeps its earlier work."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def count_accounts(session: Session) -> int:
    """Return the number of accounts.

    Other code may have left the session after a failed flush: on `PendingRollbackError`, roll the
    session back and try once more. Any other error propagates unchanged.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def is_transient(error: DBAPIError) -> bool:
    """True for errors that may go away if the same work is tried again: a lost connection
    (`connection_invalidated`), a lock timeout or busy database, a deadlock, a serialization failure."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def run_with_retries(engine: Engine, work: Callable[[Connection], T], attempts: int = 3) -> T:
    """Run `work(connection)` in a transaction of its own (committed when it returns) and return its result.

    A transient `OperationalError` (see `is_transient`) rolls that transaction back and tries again,
    `attempts` times in all; then the last error propagates. Any other error propagates at once.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
