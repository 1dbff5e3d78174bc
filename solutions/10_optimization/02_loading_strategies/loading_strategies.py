"""Kata 10.2: loading strategies — the right loader for each page, and nothing the page does not read.

The models are given: teams, their members and projects, the projects' tasks, the tasks' comments.
Every relationship loads lazily (the default). Each function returns objects that a page then
reads; the tests read them the same way and count every statement, the function's and the page's.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    defer,
    joinedload,
    mapped_column,
    raiseload,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))

    members: Mapped[list[Member]] = relationship(back_populates="team")
    projects: Mapped[list[Project]] = relationship(back_populates="team")


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))

    team: Mapped[Team] = relationship(back_populates="members")
    tasks: Mapped[list[Task]] = relationship(back_populates="assignee")
    comments: Mapped[list[Comment]] = relationship(back_populates="author")


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)  # long: pages of text
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))

    team: Mapped[Team] = relationship(back_populates="projects")
    tasks: Mapped[list[Task]] = relationship(back_populates="project")


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))  # NULL: nobody yet

    project: Mapped[Project] = relationship(back_populates="tasks")
    assignee: Mapped[Member | None] = relationship(back_populates="tasks")
    comments: Mapped[list[Comment]] = relationship(back_populates="task")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))

    task: Mapped[Task] = relationship(back_populates="comments")
    author: Mapped[Member] = relationship(back_populates="comments")


def member_directory(session: Session) -> list[Member]:
    """Every member, by name then id, with their team loaded: the directory shows member.name and
    member.team.name.

    Budget: 1 statement for the call and the reading, however many members.
    """
    # BEGIN SOLUTION
    # A many-to-one read for every row: a LEFT OUTER JOIN brings the team in the same statement.
    return list(
        session.scalars(select(Member).options(joinedload(Member.team)).order_by(Member.name, Member.id))
    )
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Member).order_by(Member.name, Member.id)))  # TODO: N+1 on member.team
    # END STUB


def team_overview(session: Session) -> list[Team]:
    """Every team, by name then id, with BOTH its members and its projects loaded: the overview
    lists the names of each.

    Budget: 3 statements. No statement may read members and projects together: joining two
    collections of one parent returns members x projects rows per team (a cartesian product).
    """
    # BEGIN SOLUTION
    # Two sibling collections: one SELECT ... IN each, never one join of both.
    statement = (
        select(Team)
        .options(selectinload(Team.members), selectinload(Team.projects))
        .order_by(Team.name, Team.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Team).order_by(Team.name, Team.id)))  # TODO: two N+1s
    # END STUB


def project_list(session: Session) -> list[Project]:
    """Every project, by name then id, with its team loaded: the list shows project.name and
    project.team.name. It never shows the description (pages of text per project): that column
    must not be loaded at all, neither with the projects nor later.

    Budget: 1 statement.
    """
    # BEGIN SOLUTION
    # defer(): the column stays out of the SELECT; reading it later would load it (1 SELECT each).
    statement = (
        select(Project)
        .options(joinedload(Project.team), defer(Project.description))
        .order_by(Project.name, Project.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Project).order_by(Project.name, Project.id)))  # TODO
    # END STUB


def task_card(session: Session, task_id: int) -> Task | None:
    """One task (or None) as its card shows it: task.title, task.project.name, task.assignee.name
    (when there is one), and every comment's body with its author's name.

    The card shows nothing else: the project's team, the project's other tasks and the assignee's
    team are not read, so no statement may touch the teams table or load other tasks.
    Budget: 3 statements.
    """
    # BEGIN SOLUTION
    statement = (
        select(Task)
        .where(Task.id == task_id)
        .options(
            joinedload(Task.project),
            joinedload(Task.assignee),
            selectinload(Task.comments).joinedload(Comment.author),
        )
    )
    return session.scalars(statement).one_or_none()
    # END SOLUTION
    # BEGIN STUB
    # return session.get(Task, task_id)  # TODO: project, assignee and comments load one by one
    # END STUB


def tasks_for_export(session: Session) -> list[Task]:
    """Every task, by id, with its comments loaded (the export writes each task's title and its
    comments' bodies). The export must NEVER lazy-load: every other relationship of the tasks and
    of the comments raises sqlalchemy.exc.InvalidRequestError when read, without sending SQL.

    Budget: 2 statements.
    """
    # BEGIN SOLUTION
    statement = (
        select(Task)
        # raiseload("*") on the tasks, and chained after the comments' loader for the comments.
        .options(selectinload(Task.comments).raiseload("*"), raiseload("*"))
        .order_by(Task.id)
    )
    return list(session.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # return list(session.scalars(select(Task).order_by(Task.id)))  # TODO: load comments, raise on the rest
    # END STUB
