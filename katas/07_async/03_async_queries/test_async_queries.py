"""Tests for kata 7.3, async queries. Run: pytest katas/07_async/03_async_queries"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table, event, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from fixtures.target import learner_module

async_queries = learner_module(__file__, "async_queries")

# The tests' own copy of the schema (the same as the models'), to create the tables and seed them.
schema = MetaData()
shows = Table(
    "shows",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)
episodes = Table(
    "episodes",
    schema,
    Column("id", Integer, primary_key=True),
    Column("show_id", ForeignKey("shows.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("published", Date, nullable=False),
)

SHOWS = {1: "Night Shift", 2: "Deep Dive", 3: "O'Reilly Hour", 4: "Empty Room"}
D = datetime.date
# (id, show_id, title, minutes, published); ids are not in date order, and some dates repeat.
EPISODES = [
    (1, 1, "Pilot", 42, D(2024, 1, 5)),
    (2, 2, "Trenches", 61, D(2024, 2, 1)),
    (3, 1, "Owls", 38, D(2024, 3, 9)),
    (4, 3, "Quotes 'n' things", 25, D(2024, 1, 20)),
    (5, 1, "Insomnia", 61, D(2024, 2, 14)),
    (6, 2, "Reefs", 55, D(2024, 1, 2)),
    (7, 1, "Dawn", 61, D(2024, 2, 14)),  # same day and length as Insomnia: the higher id wins ties
    (8, 2, "Abyss", 70, D(2023, 12, 24)),
    (9, 3, "Encore", 31, D(2024, 3, 9)),
    (10, 2, "Currents", 48, D(2024, 2, 1)),  # same day as Trenches
]


def newest_first(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=lambda e: (e[4], e[0]), reverse=True)


async def seed(session: AsyncSession, rows: list[tuple[Any, ...]] | None = None) -> None:
    connection = await session.connection()
    await connection.run_sync(schema.create_all)
    await connection.execute(insert(shows), [{"id": i, "name": n} for i, n in SHOWS.items()])
    data = EPISODES if rows is None else rows
    if data:
        keys = ("id", "show_id", "title", "minutes", "published")
        await connection.execute(insert(episodes), [dict(zip(keys, row)) for row in data])


async def collect(lines: Any) -> list[Any]:
    # Calling an async generator gives an async iterator at once; the untouched stub is a plain
    # coroutine that raises when awaited (so that the failure says "not written yet").
    if inspect.isawaitable(lines):
        lines = await lines
    assert hasattr(lines, "__aiter__"), (
        f"export_episodes(session) should give an async iterator (an `async def` with `yield`), not {type(lines).__name__}"
    )
    return [line async for line in lines]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("show_id", [1, 2, 3, 4], ids=["night shift", "deep dive", "a quote", "no episodes"])
async def test_episode_titles_are_the_shows_newest_first(
    async_session: AsyncSession, queries: Any, show_id: int
) -> None:
    await seed(async_session)
    queries.clear()
    titles = await async_queries.episode_titles(async_session, SHOWS[show_id])
    expected = [e[2] for e in newest_first([e for e in EPISODES if e[1] == show_id])]
    assert list(titles) == expected, (
        f"episode_titles({SHOWS[show_id]!r}) should list that show's titles newest first (same day: higher id "
        f"first): expected {expected}, got {titles!r}"
    )
    queries.assert_count(1, because="one SELECT with a join to shows and an ORDER BY gives every title")


@pytest.mark.task(1)
async def test_episode_titles_binds_the_show_name(async_session: AsyncSession, queries: Any) -> None:
    await seed(async_session)
    queries.clear()
    titles = await async_queries.episode_titles(async_session, "Night Shift' OR 'x' = 'x")
    assert list(titles) == [], (
        "no show is called \"Night Shift' OR 'x' = 'x\": the name is one value, a bound parameter, never SQL; "
        f"expected no titles, got {titles!r}"
    )
    assert "Night Shift' OR 'x' = 'x" in queries.values_sent(), (
        f"the show name should travel as a bound parameter (Show.name == show_name); sent:\n{queries.listing()}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("show_id", "expected_id"),
    [(1, 7), (2, 8), (3, 9)],
    ids=["a tie on length and day", "deep dive", "a quote"],
)
async def test_longest_episode_is_picked_by_the_database(
    async_session: AsyncSession, queries: Any, show_id: int, expected_id: int
) -> None:
    await seed(async_session)
    queries.clear()
    episode = await async_queries.longest_episode(async_session, SHOWS[show_id])
    expected = next(e for e in EPISODES if e[0] == expected_id)
    assert isinstance(episode, async_queries.Episode) and episode.id == expected_id, (
        f"longest_episode({SHOWS[show_id]!r}) should return the Episode {expected[2]!r} (id {expected_id}, "
        f"{expected[3]} minutes; a tie goes to the newest, then to the higher id), got {episode!r}"
    )
    queries.assert_count(1, because="the database sorts by length and returns one row (ORDER BY ... LIMIT 1)")
    assert "LIMIT" in queries.sql[0].upper(), (
        "the SELECT should ask for one row (LIMIT 1), not fetch every episode of the show to pick one in Python:\n"
        + queries.listing()
    )


@pytest.mark.task(2)
async def test_longest_episode_of_a_show_without_episodes_is_none(async_session: AsyncSession) -> None:
    await seed(async_session)
    for name in ("Empty Room", "No Such Show"):
        episode = await async_queries.longest_episode(async_session, name)
        assert episode is None, (
            f"{name!r} has no episodes: longest_episode() should return None, not {episode!r}"
        )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("keep", [None, [2, 6, 8], []], ids=["all episodes", "deep dive only", "no episodes"])
async def test_minutes_per_show_totals_every_show(
    async_session: AsyncSession, queries: Any, keep: list[int] | None
) -> None:
    rows = [e for e in EPISODES if keep is None or e[0] in keep]
    await seed(async_session, rows)
    queries.clear()
    totals = await async_queries.minutes_per_show(async_session)
    expected = sorted((name, sum(e[3] for e in rows if e[1] == sid)) for sid, name in SHOWS.items())
    assert [tuple(row) for row in totals] == expected, (
        "minutes_per_show() should give every show (0 minutes for a show without episodes: an outer join "
        f"and coalesce) sorted by name: expected {expected}, got {totals!r}"
    )
    queries.assert_count(1, because="one SELECT with SUM and GROUP BY totals every show")
    sql = outer = " ".join(queries.sql[0].split())
    while re.search(r"\([^()]*\)", outer):  # the statement's own clauses, not a subquery's
        outer = re.sub(r"\([^()]*\)", "", outer)
    assert re.search(r"\bsum\s*\(", sql, re.IGNORECASE) and re.search(r"\bORDER BY\b", outer, re.IGNORECASE), (
        "the database totals and sorts: the SELECT should have SUM(...) (grouped by show) and an ORDER BY on the name; "
        "adding up the fetched minutes, or sorting the totals, in Python reads every episode and is not the lesson."
        f"\n{queries.listing()}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("page", "per_page"),
    [(1, 3), (2, 3), (4, 3), (5, 3), (1, 10), (2, 4)],
    ids=["first", "second", "last, partial", "past the end", "one page", "a middle page"],
)
async def test_page_of_episodes_slices_the_newest_first_order(
    async_session: AsyncSession, queries: Any, page: int, per_page: int
) -> None:
    await seed(async_session)
    queries.clear()
    got = await async_queries.page_of_episodes(async_session, page, per_page)
    order = [e[0] for e in newest_first(EPISODES)]
    expected = order[(page - 1) * per_page : page * per_page]
    got_ids = [e.id for e in got]
    assert got_ids == expected, (
        f"page {page} with {per_page} per page (page 1 is the first) should be the episodes {expected} of the "
        f"newest-first order {order}; got {got_ids}"
    )
    queries.assert_count(1, because="one SELECT with LIMIT and OFFSET fetches one page, not every episode")
    assert "LIMIT" in queries.sql[0].upper(), (
        "the SELECT should fetch one page (LIMIT ... OFFSET ...), not every episode to slice the list in Python "
        "(imagine 100,000 episodes):\n" + queries.listing()
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(("page", "per_page"), [(0, 5), (-1, 5), (1, 0)])
async def test_page_of_episodes_refuses_pages_before_the_first(
    async_session: AsyncSession, page: int, per_page: int
) -> None:
    await seed(async_session)
    with pytest.raises(ValueError):
        await async_queries.page_of_episodes(async_session, page, per_page)
        pytest.fail(
            f"page_of_episodes(page={page}, per_page={per_page}) should raise ValueError (both start at 1)"
        )


async def new_catalogue(url: str) -> AsyncEngine:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(schema.create_all)
        await connection.execute(insert(shows), [{"id": i, "name": n} for i, n in SHOWS.items()])
    return engine


async def check_every_page(engine: AsyncEngine, rows: list[tuple[Any, ...]], per_page: int) -> None:
    async with engine.connect() as connection:
        await connection.begin()  # rolled back at the end: each example starts without episodes
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        if rows:
            keys = ("id", "show_id", "title", "minutes", "published")
            await connection.execute(insert(episodes), [dict(zip(keys, row)) for row in rows])
        order = [e[0] for e in newest_first(rows)]
        pages = -(-len(order) // per_page)
        seen = []
        for page in range(1, pages + 2):  # every page, and the empty one after the last
            got = [e.id for e in await async_queries.page_of_episodes(session, page, per_page)]
            expected = order[(page - 1) * per_page : page * per_page]
            assert got == expected, (
                f"with {len(rows)} episodes and {per_page} per page, page {page} should be {expected} (the "
                f"newest-first order is {order}); got {got}"
            )
            seen += got
        assert seen == order, "the pages together should list every episode exactly once"
        await session.close()
        await connection.rollback()


@pytest.mark.task(4)
def test_pages_list_every_episode_exactly_once(async_database_url: str) -> None:
    # Hypothesis calls the example function synchronously, so this test is a plain `def`: one
    # event loop (asyncio.Runner) for the whole test runs every example, and the engine is made on
    # that loop — asyncpg connections belong to the loop that opened them.
    with asyncio.Runner() as runner:
        engine = runner.run(new_catalogue(async_database_url))
        try:

            @given(
                dates=st.lists(st.dates(D(2024, 1, 1), D(2024, 1, 10)), max_size=23),
                per_page=st.integers(1, 7),
            )
            def check(dates: list[datetime.date], per_page: int) -> None:
                rows = [(i + 1, i % 3 + 1, f"Episode {i + 1}", 30, day) for i, day in enumerate(dates)]
                runner.run(check_every_page(engine, rows, per_page))

            check()
        finally:
            runner.run(engine.dispose())


# -- task 5 -------------------------------------------------------------------------------------


@contextmanager
def streamed_selects(connection: AsyncConnection) -> Iterator[list[bool]]:
    """For each SELECT sent, whether it asked for a server-side cursor (stream_results)."""
    flags: list[bool] = []

    def before(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            flags.append(bool(context.execution_options.get("stream_results")))

    event.listen(connection.sync_engine, "before_cursor_execute", before)
    try:
        yield flags
    finally:
        event.remove(connection.sync_engine, "before_cursor_execute", before)


@pytest.mark.task(5)
@pytest.mark.parametrize("keep", [None, [4, 9, 1], []], ids=["all episodes", "three", "none"])
async def test_export_episodes_yields_one_line_per_episode_in_order(
    async_session: AsyncSession, queries: Any, keep: list[int] | None
) -> None:
    rows = [e for e in EPISODES if keep is None or e[0] in keep]
    await seed(async_session, rows)
    queries.clear()
    lines = await collect(async_queries.export_episodes(async_session))
    ordered = sorted(newest_first(rows), key=lambda e: SHOWS[e[1]])  # stable: newest first within a show
    expected = [f"{SHOWS[e[1]]};{e[2]};{e[3]}" for e in ordered]
    assert lines == expected, (
        "export_episodes() should yield '<show>;<title>;<minutes>' per episode, by show name, then newest first: "
        f"expected {expected}, got {lines}"
    )
    queries.assert_count(
        1,
        because="one SELECT joining episodes to shows, ordered by show name and then newest first, gives every "
        "line of the export; a query per show (or per episode) is the N+1 pattern",
    )


@pytest.mark.task(5)
async def test_export_episodes_streams_from_a_server_side_cursor(
    async_session: AsyncSession, async_connection: AsyncConnection
) -> None:
    await seed(async_session)
    with streamed_selects(async_connection) as flags:
        lines = async_queries.export_episodes(async_session)
        if inspect.isawaitable(lines):
            lines = await lines
        iterator = aiter(lines)
        first = await anext(iterator)
        if hasattr(iterator, "aclose"):
            await iterator.aclose()  # stop early, as a client that hangs up would
    assert first.startswith("Deep Dive;"), (
        f"the first line should be Deep Dive's newest episode, got {first!r}"
    )
    assert any(flags), (
        "export_episodes() should stream its rows: `await session.stream(...)` (or stream_scalars(), or the "
        "execution option stream_results=True) runs the SELECT on a server-side cursor, and `async for` fetches "
        "rows as they are needed. A plain `await session.execute()` loads every row before the first line; "
        f"the SELECTs sent {'asked' if flags else 'were none'}: {['streamed' if f else 'buffered' for f in flags]}"
    )
