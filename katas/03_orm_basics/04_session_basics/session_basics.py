"""Kata 3.4: session basics — sessionmaker, the session lifecycle, add, commit and rollback.

The tea club's members. The model is given (do not change it); the tests create its table:

    members(id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200) NOT NULL UNIQUE)
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, String
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), unique=True)

    def __repr__(self) -> str:
        return f"Member(id={self.id!r}, email={self.email!r})"


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to `engine` whose sessions do not expire objects on commit.

    Objects returned from a committed (and closed) session must keep their loaded attributes.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def register(factory: sessionmaker[Session], name: str, email: str) -> Member:
    """Store a new member and commit. Close the session before returning.

    Return the member, detached, with its attributes loaded: `member.id` and `member.name` must be
    readable afterwards whatever the factory's `expire_on_commit`.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def register_all(factory: sessionmaker[Session], people: Iterable[tuple[str, str]]) -> list[int]:
    """Store all these (name, email) members in ONE transaction and return their ids, in order.

    All or nothing: if any of them cannot be stored (a duplicate email), nothing is stored and the
    IntegrityError propagates. Close the session in every case.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def try_register(session: Session, name: str, email: str) -> Member | None:
    """Add a member with the caller's session and commit. If the database refuses it (a duplicate
    email), roll back and return None: the session stays usable, and the refused member is no
    longer in it. Otherwise return the member.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def rename(factory: sessionmaker[Session], member_id: int, new_name: str) -> bool:
    """Change the member's name and commit; return False (and change nothing) for an unknown id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
