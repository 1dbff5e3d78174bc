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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


class UnitOfWork:
    """`with UnitOfWork(sessions) as uow:` — work in `uow.session`, and call `uow.commit()` to keep it.

    Nothing is committed implicitly: whatever was not committed when the block ends (normally or
    by an exception) is rolled back. The session is closed at the end; exceptions propagate.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.session: Session | None = None

    def __enter__(self) -> Self:
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def commit(self) -> None:
        """Commit what the block did so far."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError


@contextmanager
def read_only(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """`with read_only(sessions) as session:` — a session for reports: whatever the block changes
    is never committed (rolled back at the end, also when the block ends normally). Exceptions
    propagate; the session is closed in every case.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
