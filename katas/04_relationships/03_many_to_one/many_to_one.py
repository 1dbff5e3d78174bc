"""Kata 4.3: many-to-one — the foreign key lives on the "many" side; two of them to one table.

Users and projects are given. A ticket belongs to one project, was reported by one user and may
be assigned to one user: you write those foreign keys and relationships on Ticket, then two
queries that navigate them.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)

    def __repr__(self) -> str:
        return f"User({self.name!r})"


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(10), unique=True)

    def __repr__(self) -> str:
        return f"Project({self.key!r})"


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # TODO (task 1): project_id and project
    # TODO (task 2): reporter_id and reporter, assignee_id and assignee

    def __repr__(self) -> str:
        return f"Ticket({self.title!r})"


def board(session: Session, project_key: str) -> list[tuple[str, str, str | None]]:
    """The project's tickets as (title, reporter name, assignee name or None), by ticket id.

    At most three statements, however many tickets and users there are.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def reported_by(session: Session, user_name: str) -> list[str]:
    """Titles of the tickets that user REPORTED (whoever they are assigned to), sorted, one statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
