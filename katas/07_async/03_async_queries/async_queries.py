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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def longest_episode(session: AsyncSession, show_name: str) -> Episode | None:
    """Return that show's longest Episode (ties: the newest, then higher id), or None if it has none.

    Let the database pick it: one SELECT that fetches one row.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def minutes_per_show(session: AsyncSession) -> list[tuple[str, int]]:
    """Return (show name, total minutes of its episodes) for EVERY show, 0 for a show without
    episodes, sorted by show name: one SELECT.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def page_of_episodes(session: AsyncSession, page: int, per_page: int) -> list[Episode]:
    """Return page `page` (1 is the first) of all episodes, newest first (ties: higher id first),
    `per_page` to a page; a page past the end is empty. One SELECT, with LIMIT and OFFSET.

    Raise ValueError if page < 1 or per_page < 1.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def export_episodes(session: AsyncSession) -> AsyncIterator[str]:
    """Yield one line per episode, "<show name>;<title>;<minutes>", ordered by show name and then
    newest first (ties: higher id first).

    The catalogue is large: stream the rows (a server-side cursor, `async for`) instead of loading
    them all before the first line goes out.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
