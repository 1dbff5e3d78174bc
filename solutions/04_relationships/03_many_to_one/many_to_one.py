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
    # BEGIN SOLUTION
    # Each ticket points at ONE project and ONE reporter: the "many" rows carry the foreign keys.
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # optional: NULL allowed

    project: Mapped[Project] = relationship()
    # Two foreign keys to users: each relationship must be told which one it follows.
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): project_id and project
    # # TODO (task 2): reporter_id and reporter, assignee_id and assignee
    # END STUB

    def __repr__(self) -> str:
        return f"Ticket({self.title!r})"


def board(session: Session, project_key: str) -> list[tuple[str, str, str | None]]:
    """The project's tickets as (title, reporter name, assignee name or None), by ticket id.

    At most three statements, however many tickets and users there are.
    """
    # BEGIN SOLUTION
    tickets = session.scalars(
        select(Ticket)
        .join(Ticket.project)
        .where(Project.key == project_key)
        # joinedload() of a many-to-one is a LEFT OUTER JOIN: unassigned tickets stay.
        .options(joinedload(Ticket.reporter), joinedload(Ticket.assignee))
        .order_by(Ticket.id)
    )
    return [(t.title, t.reporter.name, t.assignee.name if t.assignee is not None else None) for t in tickets]
    # END SOLUTION


def reported_by(session: Session, user_name: str) -> list[str]:
    """Titles of the tickets that user REPORTED (whoever they are assigned to), sorted, one statement."""
    # BEGIN SOLUTION
    titles = session.scalars(
        # join(User) alone is ambiguous (two paths): the relationship says which foreign key to follow.
        select(Ticket.title).join(Ticket.reporter).where(User.name == user_name).order_by(Ticket.title)
    )
    return list(titles)
    # END SOLUTION
