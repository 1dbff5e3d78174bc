"""Kata 6.4: context managers that own a session — unit of work, explicit commit, read-only.

The model is given (do not change it). Every context manager gets a sessionmaker and makes
its own session from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    price_cents: Mapped[int]


@contextmanager
def unit_of_work(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """`with unit_of_work(sessions) as session:` — a new session for the block.

    When the block ends normally: commit. When it raises (or the commit itself fails): roll back
    and let the exception propagate, unchanged. In every case: close the session.
    """
    # BEGIN SOLUTION
    session = sessions()
    try:
        yield session
        session.commit()  # only reached when the block did not raise
    except BaseException:
        session.rollback()
        raise  # never swallow: the caller must learn that its work was not saved
    finally:
        session.close()  # gives the connection back and detaches the objects
    # END SOLUTION


class UnitOfWork:
    """`with UnitOfWork(sessions) as uow:` — work in `uow.session`, and call `uow.commit()` to keep it.

    Nothing is committed implicitly: whatever was not committed when the block ends (normally or
    by an exception) is rolled back. The session is closed at the end; exceptions propagate.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.session: Session | None = None

    def __enter__(self) -> Self:
        # BEGIN SOLUTION
        self.session = self._sessions()
        return self
        # END SOLUTION

    def commit(self) -> None:
        """Commit what the block did so far."""
        # BEGIN SOLUTION
        assert self.session is not None, "use UnitOfWork in a with statement"
        self.session.commit()
        # END SOLUTION

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # BEGIN SOLUTION
        assert self.session is not None
        try:
            self.session.rollback()  # only what was not committed: explicit commits are the rule here
        finally:
            self.session.close()
        # Returning None (falsy) lets an exception from the block propagate.
        # END SOLUTION


@contextmanager
def read_only(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """`with read_only(sessions) as session:` — a session for reports: whatever the block changes
    is never committed (rolled back at the end, also when the block ends normally). Exceptions
    propagate; the session is closed in every case.
    """
    # BEGIN SOLUTION
    session = sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
    # END SOLUTION
