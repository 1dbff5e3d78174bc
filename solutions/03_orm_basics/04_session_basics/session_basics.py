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
    # BEGIN SOLUTION
    # One factory per application, configured once; each unit of work calls it for a new Session.
    return sessionmaker(bind=engine, expire_on_commit=False)
    # END SOLUTION


def register(factory: sessionmaker[Session], name: str, email: str) -> Member:
    """Store a new member and commit. Close the session before returning.

    Return the member, detached, with its attributes loaded: `member.id` and `member.name` must be
    readable afterwards whatever the factory's `expire_on_commit`.
    """
    # BEGIN SOLUTION
    # `with factory() as session` closes the session (and gives its connection back) at the end.
    with factory() as session:
        member = Member(name=name, email=email)  # transient: not in any session yet
        session.add(member)  # pending: will be INSERTed at the next flush
        session.commit()  # flushed, then committed: persistent; other connections now see the row
        session.refresh(member)  # load its attributes, in case this session expires them on commit
    return member  # detached: the session is closed, the object keeps its loaded attributes
    # END SOLUTION


def register_all(factory: sessionmaker[Session], people: Iterable[tuple[str, str]]) -> list[int]:
    """Store all these (name, email) members in ONE transaction and return their ids, in order.

    All or nothing: if any of them cannot be stored (a duplicate email), nothing is stored and the
    IntegrityError propagates. Close the session in every case.
    """
    # BEGIN SOLUTION
    # factory.begin(): a session and a transaction that commits at the end of the block, or rolls
    # back if the block raises; then the session closes.
    with factory.begin() as session:
        members = [Member(name=name, email=email) for name, email in people]
        session.add_all(members)
        session.flush()  # INSERTs now, so the ids are known; the commit comes at the end of the block
        return [member.id for member in members]
    # END SOLUTION


def try_register(session: Session, name: str, email: str) -> Member | None:
    """Add a member with the caller's session and commit. If the database refuses it (a duplicate
    email), roll back and return None: the session stays usable, and the refused member is no
    longer in it. Otherwise return the member.
    """
    # BEGIN SOLUTION
    member = Member(name=name, email=email)
    session.add(member)
    try:
        session.commit()
    except IntegrityError:
        # After a failed flush the session refuses all work until rollback(); rollback also
        # expunges the objects that were pending, so the refused member is transient again.
        session.rollback()
        return None
    return member
    # END SOLUTION


def rename(factory: sessionmaker[Session], member_id: int, new_name: str) -> bool:
    """Change the member's name and commit; return False (and change nothing) for an unknown id."""
    # BEGIN SOLUTION
    with factory.begin() as session:
        member = session.get(Member, member_id)
        if member is None:
            return False
        member.name = new_name  # the session notices the change and UPDATEs at commit
        return True
    # END SOLUTION
