"""Kata 7.2: async session — AsyncSession, async_sessionmaker, `async with`, expire_on_commit=False.

The recipe box's model is given below (do not change it). The functions that take a sessionmaker
open, commit and close their own sessions; toggle_favourite() works inside the caller's session.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Recipe(Base):
    __tablename__ = "recipes"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100), unique=True)
    servings: Mapped[int]
    favourite: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"Recipe(id={self.id!r}, title={self.title!r}, servings={self.servings!r})"


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return a factory of AsyncSessions bound to `engine` whose objects keep their loaded
    attributes after a commit (reading one then must not need the database).
    """
    # BEGIN SOLUTION
    # expire_on_commit=False: after commit() the objects keep their values. With the default
    # (True) every attribute is expired, and the next read is a lazy refresh: an implicit
    # database call, which async code cannot make (MissingGreenlet).
    return async_sessionmaker(engine, expire_on_commit=False)
    # END SOLUTION


async def add_recipe(sessions: async_sessionmaker[AsyncSession], title: str, servings: int) -> Recipe:
    """Add a recipe in a session of its own, commit, close the session, and return the Recipe
    (its id assigned, its attributes readable afterwards).
    """
    # BEGIN SOLUTION
    recipe = Recipe(title=title, servings=servings)
    # sessions.begin(): a session and a transaction; commit at the end of the block (rollback on
    # an exception), then the session closes and its connection goes back to the pool.
    async with sessions.begin() as session:
        session.add(recipe)
    return recipe
    # END SOLUTION


async def rename(sessions: async_sessionmaker[AsyncSession], recipe_id: int, new_title: str) -> bool:
    """Give the recipe with that id a new title, committed; return False (changing nothing) if
    there is no such recipe, True otherwise.
    """
    # BEGIN SOLUTION
    async with sessions() as session:
        recipe = await session.get(Recipe, recipe_id)  # get() may query: it is awaited
        if recipe is None:
            return False
        recipe.title = new_title  # plain attribute assignment: no I/O, no await
        await session.commit()  # the flush and the COMMIT are I/O: awaited
        return True
    # END SOLUTION


async def add_all_or_nothing(
    sessions: async_sessionmaker[AsyncSession], recipes: Sequence[tuple[str, int]]
) -> list[int]:
    """Add every (title, servings) as a recipe, all in ONE transaction, and return their ids in
    the same order. If any of them fails (a title that exists already, say), the exception
    propagates and none of them is committed.
    """
    # BEGIN SOLUTION
    new = [Recipe(title=title, servings=servings) for title, servings in recipes]
    async with sessions.begin() as session:
        session.add_all(new)
        await session.flush()  # INSERTs now: the ids are assigned (or the IntegrityError raised) here
    return [recipe.id for recipe in new]
    # END SOLUTION


async def toggle_favourite(session: AsyncSession, recipe_id: int) -> bool:
    """Flip the favourite flag of that recipe inside the caller's session and transaction, send
    the change to the database now (flush, no commit: the caller decides), and return the new value.

    Raise LookupError if there is no such recipe.
    """
    # BEGIN SOLUTION
    recipe = await session.get(Recipe, recipe_id)
    if recipe is None:
        raise LookupError(f"no recipe with id {recipe_id}")
    recipe.favourite = not recipe.favourite
    await session.flush()  # the UPDATE goes out now, inside the caller's transaction
    return recipe.favourite
    # END SOLUTION
