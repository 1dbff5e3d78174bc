"""Kata 7.3: async queries — await session.execute()/scalars(), and streaming with `async for`.

The podcast catalogue's models are given below (do not change them). Every function works inside
the caller's AsyncSession and only reads.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Show(Base):
    __tablename__ = "shows"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Episode(Base):
    __tablename__ = "episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id"))
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    published: Mapped[datetime.date]

    def __repr__(self) -> str:
        return f"Episode(id={self.id!r}, title={self.title!r}, published={self.published!r})"


# "Newest first": the order of every list of episodes below. The id breaks ties between episodes
# published on the same day, so that the order (and so every page) is always the same.
NEWEST_FIRST = (Episode.published.desc(), Episode.id.desc())


async def episode_titles(session: AsyncSession, show_name: str) -> list[str]:
    """Return the titles of that show's episodes, newest first (ties: higher id first)."""
    # BEGIN SOLUTION
    statement = select(Episode.title).join(Show, Episode.show_id == Show.id).where(Show.name == show_name)
    # scalars(): the first column of each row; awaited, because it runs the query.
    return list(await session.scalars(statement.order_by(*NEWEST_FIRST)))
    # END SOLUTION


async def longest_episode(session: AsyncSession, show_name: str) -> Episode | None:
    """Return that show's longest Episode (ties: the newest, then higher id), or None if it has none.

    Let the database pick it: one SELECT that fetches one row.
    """
    # BEGIN SOLUTION
    statement = (
        select(Episode)
        .join(Show, Episode.show_id == Show.id)
        .where(Show.name == show_name)
        .order_by(Episode.minutes.desc(), *NEWEST_FIRST)
        .limit(1)
    )
    return await session.scalar(statement)  # the first column of the first row, or None
    # END SOLUTION


async def minutes_per_show(session: AsyncSession) -> list[tuple[str, int]]:
    """Return (show name, total minutes of its episodes) for EVERY show, 0 for a show without
    episodes, sorted by show name: one SELECT.
    """
    # BEGIN SOLUTION
    statement = (
        select(Show.name, func.coalesce(func.sum(Episode.minutes), 0))
        .outerjoin(Episode, Episode.show_id == Show.id)  # keeps the shows without episodes
        .group_by(Show.id, Show.name)
        .order_by(Show.name)
    )
    result = await session.execute(statement)  # rows, not ORM objects: execute(), not scalars()
    return [(name, int(total)) for name, total in result]
    # END SOLUTION


async def page_of_episodes(session: AsyncSession, page: int, per_page: int) -> list[Episode]:
    """Return page `page` (1 is the first) of all episodes, newest first (ties: higher id first),
    `per_page` to a page; a page past the end is empty. One SELECT, with LIMIT and OFFSET.

    Raise ValueError if page < 1 or per_page < 1.
    """
    # BEGIN SOLUTION
    if page < 1 or per_page < 1:
        raise ValueError("page and per_page start at 1")
    statement = select(Episode).order_by(*NEWEST_FIRST).limit(per_page).offset((page - 1) * per_page)
    return list(await session.scalars(statement))
    # END SOLUTION


async def export_episodes(session: AsyncSession) -> AsyncIterator[str]:
    """Yield one line per episode, "<show name>;<title>;<minutes>", ordered by show name and then
    newest first (ties: higher id first).

    The catalogue is large: stream the rows (a server-side cursor, `async for`) instead of loading
    them all before the first line goes out.
    """
    # BEGIN SOLUTION
    statement = (
        select(Show.name, Episode.title, Episode.minutes)
        .join(Episode, Episode.show_id == Show.id)
        .order_by(Show.name, *NEWEST_FIRST)
    )
    # stream(): a server-side cursor; rows arrive in batches as the `async for` asks for them.
    result = await session.stream(statement)
    async for name, title, minutes in result:
        yield f"{name};{title};{minutes}"
    # END SOLUTION
