"""Kata 4.7: relationship options — order_by, lazy strategies, cascade, passive_deletes.

A forum: forums have threads and moderators, threads have posts. The columns are given; you
write the relationships and choose, for each, how it is ordered, loaded and deleted.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, joinedload, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Forum(Base):
    __tablename__ = "forums"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # TODO (tasks 1, 3): `threads`, in sync with Thread.forum
    # TODO (tasks 1, 3): `moderators`

    def __repr__(self) -> str:
        return f"Forum({self.name!r})"


class Moderator(Base):
    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id"))
    name: Mapped[str] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"Moderator({self.name!r})"


class Thread(Base):
    __tablename__ = "threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    forum_id: Mapped[int] = mapped_column(ForeignKey("forums.id"))
    title: Mapped[str] = mapped_column(String(200))
    # TODO (task 4): `forum`, in sync with Forum.threads
    # TODO (tasks 1, 2, 5): `posts`, in sync with Post.thread

    def __repr__(self) -> str:
        return f"Thread({self.title!r})"


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))  # TODO (task 5)
    position: Mapped[int]
    body: Mapped[str] = mapped_column(String(500))
    # TODO (task 3): `thread`, in sync with Thread.posts

    def __repr__(self) -> str:
        return f"Post({self.position}, {self.body!r})"


def thread_headers(session: Session) -> list[tuple[str, str]]:
    """Every thread as (forum name, thread title), sorted by forum name then title; at most 3 statements.

    Thread.forum refuses to load lazily: say how to load it.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
