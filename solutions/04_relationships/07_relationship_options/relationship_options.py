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
    # BEGIN SOLUTION
    # selectin: one extra SELECT ... WHERE forum_id IN (...) for all the forums loaded together.
    threads: Mapped[list[Thread]] = relationship(
        back_populates="forum", lazy="selectin", order_by="Thread.title"
    )
    # subquery: one extra SELECT joined to the original query wrapped as a subquery.
    moderators: Mapped[list[Moderator]] = relationship(lazy="subquery", order_by="Moderator.name")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (tasks 1, 3): `threads`, in sync with Thread.forum
    # # TODO (tasks 1, 3): `moderators`
    # END STUB

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
    # BEGIN SOLUTION
    # raise: code that needs the forum must say so with a loader option; no hidden query.
    forum: Mapped[Forum] = relationship(back_populates="threads", lazy="raise")
    # select (the default): loaded on first access only. passive_deletes: the database's
    # ON DELETE CASCADE removes the posts, so the ORM does not load them to delete them.
    posts: Mapped[list[Post]] = relationship(
        back_populates="thread",
        order_by="Post.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 4): `forum`, in sync with Forum.threads
    # # TODO (tasks 1, 2, 5): `posts`, in sync with Post.thread
    # END STUB

    def __repr__(self) -> str:
        return f"Thread({self.title!r})"


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # BEGIN SOLUTION
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    # END SOLUTION
    # BEGIN STUB
    # thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))  # TODO (task 5)
    # END STUB
    position: Mapped[int]
    body: Mapped[str] = mapped_column(String(500))
    # BEGIN SOLUTION
    # joined: the thread comes in the same SELECT as the post (a LEFT OUTER JOIN).
    thread: Mapped[Thread] = relationship(back_populates="posts", lazy="joined")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 3): `thread`, in sync with Thread.posts
    # END STUB

    def __repr__(self) -> str:
        return f"Post({self.position}, {self.body!r})"


def thread_headers(session: Session) -> list[tuple[str, str]]:
    """Every thread as (forum name, thread title), sorted by forum name then title; at most 3 statements.

    Thread.forum refuses to load lazily: say how to load it.
    """
    # BEGIN SOLUTION
    threads = session.scalars(select(Thread).options(joinedload(Thread.forum)))
    return sorted((thread.forum.name, thread.title) for thread in threads)
    # END SOLUTION
