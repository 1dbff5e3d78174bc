"""Kata 14.6 (project): the team's task board — projects, tasks, assignments, notifications, and an
audit trail written by a session event.

Given: the models (users, projects, tasks, assignments, notifications, audit entries), the audited
fields and the exception. You write: enable_audit (with its before_flush listener), assign and
notify_project — and you may need to adjust how Task's audited columns keep their old values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, event, insert, inspect, literal, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, UOWTransaction, mapped_column, relationship

AUDITED_FIELDS = ("title", "status", "priority")  # the Task columns whose changes are audited


class Base(DeclarativeBase):
    pass


assignments = Table(
    "assignments",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tasks: Mapped[list[Task]] = relationship(back_populates="project")


# BEGIN SOLUTION
class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    # active_history: setting an attribute that is not loaded (expired after a commit) first loads
    # its old value, so before_flush can see what it was. Without it the history has no old value.
    title: Mapped[str] = mapped_column(String(200), active_history=True)
    status: Mapped[str] = mapped_column(String(20), default="open", active_history=True)  # open | done
    priority: Mapped[int] = mapped_column(default=2, active_history=True)  # 1 (high) .. 3 (low)
    project: Mapped[Project] = relationship(back_populates="tasks")
    assignees: Mapped[list[User]] = relationship(secondary=assignments)


# END SOLUTION
# BEGIN STUB
# class Task(Base):
#     __tablename__ = "tasks"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
#     project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
#     title: Mapped[str] = mapped_column(String(200))
#     status: Mapped[str] = mapped_column(String(20), default="open")  # open | done
#     priority: Mapped[int] = mapped_column(default=2)  # 1 (high) .. 3 (low)
#     project: Mapped[Project] = relationship(back_populates="tasks")
#     assignees: Mapped[list[User]] = relationship(secondary=assignments)
# END STUB


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(500))


class AuditEntry(Base):
    """One line of a task's history: ("create", None, None, title), ("update", field, old, new) per
    changed field, ("delete", None, title, None). Values are stored as text; NULL stays NULL."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the history must outlive a deleted task.
    task_id: Mapped[int | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[str | None] = mapped_column(String(500))
    new_value: Mapped[str | None] = mapped_column(String(500))
    # For a task created in the same flush: its id does not exist yet in before_flush; set
    # `task=<the new Task>` and the flush fills task_id after inserting the task.
    task: Mapped[Task | None] = relationship(primaryjoin="foreign(AuditEntry.task_id) == Task.id")


class UnknownTask(LookupError):
    def __init__(self, task_id: int) -> None:
        super().__init__(f"no task {task_id}")
        self.task_id = task_id


def as_text(value: Any) -> str | None:
    """How a value is stored in the audit table: str(value), None for NULL."""
    return None if value is None else str(value)


# -- tasks 1 and 2: the audit trail ---------------------------------------------------------------------


def enable_audit(session: Session) -> None:
    """Make every flush of this session write AuditEntry rows for the Tasks it creates, changes
    (one entry per audited field whose value really changed, with old and new values) and deletes.

    The entries are added to the same session in a `before_flush` listener, so they are written in
    the same flush and the same transaction as the change: a rollback (or a rolled-back savepoint)
    removes both, a commit keeps both.
    """
    # BEGIN SOLUTION
    event.listen(session, "before_flush", _write_audit_entries)
    # END SOLUTION


# BEGIN SOLUTION
def _write_audit_entries(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    for obj in list(session.new):
        if isinstance(obj, Task):
            # No id before the INSERT: the relationship makes the flush fill task_id in afterwards.
            session.add(AuditEntry(task=obj, action="create", new_value=obj.title))
    for obj in list(session.dirty):
        if not isinstance(obj, Task):
            continue
        state = inspect(obj)
        for field in AUDITED_FIELDS:
            history = state.attrs[field].history
            # has_changes() is False when a field was set to the value it already had.
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            session.add(
                AuditEntry(
                    task_id=obj.id,
                    action="update",
                    field=field,
                    old_value=as_text(old),
                    new_value=as_text(new),
                )
            )
    for obj in list(session.deleted):
        if isinstance(obj, Task):
            session.add(AuditEntry(task_id=obj.id, action="delete", old_value=obj.title))


# END SOLUTION
# BEGIN STUB
# # TODO (tasks 1-2): the before_flush listener that enable_audit registers:
# # def _write_audit_entries(session: Session, flush_context: UOWTransaction, instances: object) -> None:
# #     ...
# END STUB


# -- task 3: assignments ------------------------------------------------------------------------------------


def assign(session: Session, task_id: int, user_ids: Iterable[int]) -> list[int]:
    """Assign the users to the task; users already assigned are left as they are. Each NEWLY assigned
    user gets one Notification "You were assigned to: <task title>". Return the newly assigned user
    ids, sorted. UnknownTask if there is no such task. A fixed number of statements, however many
    users. Flush (the caller commits)."""
    # BEGIN SOLUTION
    title = session.scalar(select(Task.title).where(Task.id == task_id))
    if title is None:
        raise UnknownTask(task_id)
    wanted = set(user_ids)
    if not wanted:
        return []
    already = set(
        session.scalars(
            select(assignments.c.user_id).where(
                assignments.c.task_id == task_id, assignments.c.user_id.in_(wanted)
            )
        )
    )
    new = sorted(wanted - already)
    if new:
        session.execute(insert(assignments), [{"task_id": task_id, "user_id": user_id} for user_id in new])
        session.execute(
            insert(Notification),
            [{"user_id": user_id, "message": f"You were assigned to: {title}"} for user_id in new],
        )
    return new
    # END SOLUTION


# -- task 4: notify a project ---------------------------------------------------------------------------


def notify_project(session: Session, project_id: int, message: str) -> int:
    """Send `message` (one Notification each) to every user assigned to at least one task of the
    project that is not "done" — once per user, however many of their tasks. Return how many
    notifications were written. At most one SELECT, however many tasks and users. Flush."""
    # BEGIN SOLUTION
    recipients = (
        select(assignments.c.user_id)
        .join(Task, Task.id == assignments.c.task_id)
        .where(Task.project_id == project_id, Task.status != "done")
        .distinct()
        .subquery()
    )
    # INSERT ... SELECT: the database finds the recipients and writes the rows; the message is bound.
    written = session.scalars(
        insert(Notification)
        .from_select(["user_id", "message"], select(recipients.c.user_id, literal(message, String(500))))
        .returning(Notification.id)
    ).all()
    return len(written)
    # END SOLUTION
