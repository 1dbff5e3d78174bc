"""Tests for kata 7.2, async session. Run: pytest katas/07_async/02_async_session"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, event, insert, inspect, select
from sqlalchemy.exc import IntegrityError, MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from fixtures.target import learner_module

async_session_kata = learner_module(__file__, "async_session")

# The tests' own copy of the table (the same as the Recipe model's), to create it and check rows.
schema = MetaData()
recipes = Table(
    "recipes",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(100), nullable=False, unique=True),
    Column("servings", Integer, nullable=False),
    Column("favourite", Boolean, nullable=False),
)
RECIPES = [
    {"id": 1, "title": "Leek soup", "servings": 4, "favourite": False},
    {"id": 2, "title": "Shepherd's pie", "servings": 6, "favourite": True},
    {"id": 3, "title": "Lemon tart", "servings": 8, "favourite": False},
]


async def insert_recipes(connection: AsyncConnection) -> None:
    # The database numbers them (1, 2, 3 in a new table): explicit ids would leave PostgreSQL's
    # sequence behind, and the next recipe the code adds would collide with recipe 1.
    for recipe in RECIPES:
        new_id = await connection.scalar(
            insert(recipes).values(**{k: v for k, v in recipe.items() if k != "id"}).returning(recipes.c.id)
        )
        assert new_id == recipe["id"], "test set-up: the new table should number its rows from 1"


async def make_recipe_box(engine: AsyncEngine) -> None:
    """The recipes table with three recipes, committed for real (the database is wiped after the test)."""
    async with engine.begin() as connection:
        await connection.run_sync(schema.create_all)
        await insert_recipes(connection)


async def committed_rows(engine: AsyncEngine) -> dict[int, tuple[str, int, bool]]:
    """What another connection sees: only committed rows."""
    async with engine.connect() as connection:
        result = await connection.execute(select(recipes).order_by(recipes.c.id))
        return {row.id: (row.title, row.servings, bool(row.favourite)) for row in result}


def plain_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The tests' own sessionmaker for tasks 2-4 (so that they do not depend on task 1)."""
    return async_sessionmaker(engine, expire_on_commit=False)


class PoolWatch:
    """Counts the connections taken from an engine's pool and given back while the block runs."""

    def __init__(self) -> None:
        self.taken = self.returned = 0

    @property
    def kept(self) -> int:
        return self.taken - self.returned


@contextmanager
def pool_watch(engine: AsyncEngine) -> Iterator[PoolWatch]:
    # Pool events, not pool.checkedout() afterwards: a session that is never closed loses its
    # connection to the garbage collector when the function returns, so the count would look tidy.
    watch = PoolWatch()

    def taken(*_: Any) -> None:
        watch.taken += 1

    def returned(*_: Any) -> None:
        watch.returned += 1

    event.listen(engine.sync_engine, "checkout", taken)
    event.listen(engine.sync_engine, "checkin", returned)
    try:
        yield watch
    finally:
        event.remove(engine.sync_engine, "checkout", taken)
        event.remove(engine.sync_engine, "checkin", returned)


def assert_gave_back(watch: PoolWatch, function: str) -> None:
    __tracebackhide__ = True
    assert watch.kept == 0, (
        f"{function} took {watch.taken} connection(s) from the pool and gave back {watch.returned}: close "
        "the session (`async with sessions() as session:` or `async with sessions.begin() as session:`)"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
async def test_make_sessionmaker_returns_an_async_sessionmaker_on_the_engine(
    async_engine: AsyncEngine,
) -> None:
    await make_recipe_box(async_engine)
    sessions = async_session_kata.make_sessionmaker(async_engine)
    assert isinstance(sessions, async_sessionmaker), (
        f"make_sessionmaker() should return an async_sessionmaker, not {type(sessions).__name__}"
    )
    async with sessions() as session:
        assert isinstance(session, AsyncSession), (
            f"its sessions should be AsyncSessions, not {type(session).__name__}"
        )
        session.add(async_session_kata.Recipe(id=10, title="Pancakes", servings=2, favourite=False))
        await session.commit()
    assert (await committed_rows(async_engine))[10] == ("Pancakes", 2, False), (
        "a recipe added and committed in one of its sessions should be in the engine's database"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("title", ["Pancakes", "Ratatouille"])
async def test_objects_stay_readable_after_commit(async_engine: AsyncEngine, title: str) -> None:
    await make_recipe_box(async_engine)
    sessions = async_session_kata.make_sessionmaker(async_engine)
    async with sessions() as session:
        recipe = async_session_kata.Recipe(title=title, servings=3)
        session.add(recipe)
        await session.commit()
        try:
            seen = (recipe.id, recipe.title, recipe.servings)
        except MissingGreenlet:
            pytest.fail(
                "reading recipe.title right after session.commit() raised MissingGreenlet: the commit expired "
                "every attribute, so the read tried to load them again from the database, implicitly, which "
                "async code cannot do. Make the sessions with expire_on_commit=False.",
                pytrace=False,
            )
    assert seen[1:] == (title, 3) and isinstance(seen[0], int), (
        f"the committed recipe should keep its values: expected (an id, {title!r}, 3), got {seen}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(("title", "servings"), [("Pancakes", 2), ("Chef's risotto", 5)])
async def test_add_recipe_commits_and_returns_a_readable_recipe(
    async_engine: AsyncEngine, title: str, servings: int
) -> None:
    await make_recipe_box(async_engine)
    with pool_watch(async_engine) as watch:
        recipe = await async_session_kata.add_recipe(plain_sessions(async_engine), title, servings)
    assert isinstance(recipe, async_session_kata.Recipe), (
        f"add_recipe() should return a Recipe, got {recipe!r}"
    )
    state = inspect(recipe)
    assert state.detached, (
        "the returned Recipe should be detached: add_recipe() closes its session (an `async with` block) "
        f"once it has committed; its state is {'persistent' if state.persistent else 'pending' if state.pending else 'transient'}"
    )
    assert isinstance(recipe.id, int) and (recipe.title, recipe.servings) == (title, servings), (
        f"the returned Recipe should have its id and values: got {recipe!r}"
    )
    rows = await committed_rows(async_engine)
    assert rows.get(recipe.id) == (title, servings, False), (
        f"another connection should see the new recipe {title!r}, committed, with id {recipe.id}; it sees {rows}"
    )
    assert_gave_back(watch, "add_recipe()")


@pytest.mark.task(2)
async def test_add_recipe_twice_gives_two_recipes(async_engine: AsyncEngine) -> None:
    await make_recipe_box(async_engine)
    sessions = plain_sessions(async_engine)
    first = await async_session_kata.add_recipe(sessions, "Scones", 12)
    second = await async_session_kata.add_recipe(sessions, "Flapjacks", 16)
    rows = await committed_rows(async_engine)
    assert (
        first.id != second.id
        and rows.get(first.id, ("",))[0] == "Scones"
        and rows.get(second.id, ("",))[0] == "Flapjacks"
    ), (
        f"two calls should commit two recipes with their own ids; got ids {first.id}, {second.id} and rows {rows}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("recipe_id", "new_title"), [(1, "Leek and potato soup"), (3, "Tarte au citron")])
async def test_rename_commits_the_new_title(
    async_engine: AsyncEngine, recipe_id: int, new_title: str
) -> None:
    await make_recipe_box(async_engine)
    with pool_watch(async_engine) as watch:
        found = await async_session_kata.rename(plain_sessions(async_engine), recipe_id, new_title)
    assert found is True, f"rename({recipe_id}, ...) found the recipe and should return True, not {found!r}"
    rows = await committed_rows(async_engine)
    expected = {r["id"]: (new_title if r["id"] == recipe_id else r["title"]) for r in RECIPES}
    assert {i: row[0] for i, row in rows.items()} == expected, (
        f"after rename({recipe_id}, {new_title!r}) another connection should see that title, committed, and "
        f"the other recipes unchanged: expected {expected}, sees {rows}"
    )
    assert_gave_back(watch, "rename()")


@pytest.mark.task(3)
async def test_rename_of_a_missing_recipe_returns_false(async_engine: AsyncEngine) -> None:
    await make_recipe_box(async_engine)
    with pool_watch(async_engine) as watch:
        found = await async_session_kata.rename(plain_sessions(async_engine), 42, "Ghost stew")
    assert found is False, f"there is no recipe 42: rename() should return False, not {found!r}"
    rows = await committed_rows(async_engine)
    assert {i: row[0] for i, row in rows.items()} == {r["id"]: r["title"] for r in RECIPES}, (
        f"renaming a missing recipe should change nothing; the recipes are now {rows}"
    )
    assert_gave_back(watch, "rename() of a missing recipe")


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "new",
    [[("Gazpacho", 4), ("Paella", 6), ("Churros", 10)], [("Toast", 1)]],
    ids=["three", "one"],
)
async def test_add_all_or_nothing_commits_them_all(
    async_engine: AsyncEngine, new: list[tuple[str, int]]
) -> None:
    await make_recipe_box(async_engine)
    with pool_watch(async_engine) as watch:
        ids = await async_session_kata.add_all_or_nothing(plain_sessions(async_engine), new)
    rows = await committed_rows(async_engine)
    got = [rows.get(i, (None, None, None))[:2] for i in ids]
    assert got == new, (
        f"add_all_or_nothing({new}) should commit them all and return their ids in the same order; the ids "
        f"{list(ids)} name {got} in the committed rows {rows}"
    )
    assert_gave_back(watch, "add_all_or_nothing()")


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "new",
    [
        [("Gazpacho", 4), ("Lemon tart", 8), ("Churros", 10)],
        [("Gazpacho", 4), ("Churros", 10), ("Gazpacho", 2)],
    ],
    ids=["a title that exists", "the same title twice"],
)
async def test_add_all_or_nothing_commits_none_when_one_fails(
    async_engine: AsyncEngine, new: list[tuple[str, int]]
) -> None:
    await make_recipe_box(async_engine)
    with pool_watch(async_engine) as watch, pytest.raises(IntegrityError):
        await async_session_kata.add_all_or_nothing(plain_sessions(async_engine), new)
        pytest.fail(
            f"add_all_or_nothing({new}) should let the IntegrityError of the duplicate title propagate"
        )
    rows = await committed_rows(async_engine)
    assert sorted(rows) == [r["id"] for r in RECIPES], (
        f"one of {new} cannot be added (its title is taken), so none of them may be committed: one "
        f"transaction for all, not a commit per recipe. The table now holds {rows}"
    )
    assert_gave_back(watch, "add_all_or_nothing() when it fails")


# -- task 5 -------------------------------------------------------------------------------------


async def seed(session: AsyncSession) -> None:
    connection = await session.connection()
    await connection.run_sync(schema.create_all)
    await insert_recipes(connection)


@pytest.mark.task(5)
@pytest.mark.parametrize("recipe_id", [1, 2])
async def test_toggle_favourite_flips_and_flushes_inside_the_callers_transaction(
    async_session: AsyncSession, queries: Any, recipe_id: int
) -> None:
    await seed(async_session)
    before = next(r["favourite"] for r in RECIPES if r["id"] == recipe_id)
    queries.clear()
    value = await async_session_kata.toggle_favourite(async_session, recipe_id)
    assert value is (not before), (
        f"recipe {recipe_id} was favourite={before}: toggle_favourite() should return {not before}, not {value!r}"
    )
    assert queries.matching(r"^\s*UPDATE"), (
        "toggle_favourite() should send the UPDATE before it returns (await session.flush()), so that the "
        f"caller's next statement sees it; it sent:\n{queries.listing()}"
    )
    assert async_session.in_transaction(), (
        "toggle_favourite() should not commit: the caller's session and transaction stay open, and the caller "
        "decides whether to commit"
    )
    with queries.paused():
        connection = await async_session.connection()
        stored = await connection.scalar(select(recipes.c.favourite).where(recipes.c.id == recipe_id))
    assert bool(stored) is (not before), (
        f"the database should now say favourite={not before} for recipe {recipe_id}"
    )


@pytest.mark.task(5)
async def test_toggle_favourite_twice_restores_the_flag(async_session: AsyncSession) -> None:
    await seed(async_session)
    first = await async_session_kata.toggle_favourite(async_session, 3)
    second = await async_session_kata.toggle_favourite(async_session, 3)
    assert (first, second) == (True, False), (
        f"recipe 3 is not a favourite: toggling it twice should give True then False, got {first!r}, {second!r}"
    )


@pytest.mark.task(5)
async def test_toggle_favourite_of_a_missing_recipe_raises_lookup_error(async_session: AsyncSession) -> None:
    await seed(async_session)
    with pytest.raises(LookupError):
        await async_session_kata.toggle_favourite(async_session, 99)
        pytest.fail("there is no recipe 99: toggle_favourite() should raise LookupError")
