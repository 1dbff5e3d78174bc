"""Tests for kata 7.5, async pooling. Run: pytest katas/07_async/05_async_pooling"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import pytest
from sqlalchemy import event, literal, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from fixtures.target import learner_module

async_pooling = learner_module(__file__, "async_pooling")

# Every test makes its engines itself, on `async_database_url`, inside the test (and so on the
# test's own event loop: asyncpg connections belong to the loop that opened them), and disposes
# of them at the end.


@asynccontextmanager
async def pooled_engine(
    url: str, pool_size: int, max_overflow: int = 0, pool_timeout: float = 5
) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout
    )
    try:
        yield engine
    finally:
        await engine.dispose()


class Gauge:
    """How many jobs are running right now, and the most that ever ran at once."""

    def __init__(self) -> None:
        self.active = self.peak = 0


def make_jobs(
    count: int, gauge: Gauge, hold: Callable[[int], float] = lambda i: 0.05
) -> list[Callable[[AsyncConnection], Awaitable[int]]]:
    """Job i asks the database for i, holds its connection for hold(i) seconds, and returns i * i."""

    def make(i: int) -> Callable[[AsyncConnection], Awaitable[int]]:
        async def job(connection: AsyncConnection) -> int:
            gauge.active += 1
            gauge.peak = max(gauge.peak, gauge.active)
            try:
                value = await connection.scalar(select(literal(i)))
                await asyncio.sleep(hold(i))  # slow work, holding the connection
                return int(value) * int(value)
            finally:
                gauge.active -= 1

        return job

    return [make(i) for i in range(count)]


class PoolWatch:
    def __init__(self) -> None:
        self.taken = self.returned = 0


@contextmanager
def pool_watch(engine: AsyncEngine) -> Iterator[PoolWatch]:
    """Counts checkouts and checkins (a connection never closed is only dropped by the garbage collector)."""
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


def assert_all_returned(watch: PoolWatch, function: str) -> None:
    __tracebackhide__ = True
    if watch.taken != watch.returned:
        # Drop the leaked connections now, quietly: left to a garbage collection that happens to run
        # while pytest formats the failure, their finalizers (on a closed loop) crash pytest itself
        # (INTERNALERROR, SystemError from ast.parse) and the rest of the kata never runs.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gc.collect()
    assert watch.taken == watch.returned, (
        f"{function} took {watch.taken} connections from the pool and gave back {watch.returned}: each job's "
        "connection should go back when the job ends (`async with engine.connect() as connection:`)"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("pool_size", "max_overflow", "pool_timeout"),
    [(1, 0, 0.2), (2, 1, 0.3), (3, 2, 0.25)],
    ids=["one, no overflow", "two plus one", "three plus two"],
)
async def test_make_engine_applies_the_pool_settings(
    async_database_url: str, pool_size: int, max_overflow: int, pool_timeout: float
) -> None:
    engine = async_pooling.make_engine(
        async_database_url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout
    )
    assert isinstance(engine, AsyncEngine), (
        f"make_engine() should return an AsyncEngine, not {type(engine).__name__}"
    )
    held: list[AsyncConnection] = []
    try:
        assert engine.pool.size() == pool_size, (  # type: ignore[attr-defined]
            f"the pool should keep pool_size={pool_size} connections, it keeps {engine.pool.size()}"  # type: ignore[attr-defined]
        )
        # pool_size + max_overflow connections at once: all of them must come.
        for _ in range(pool_size + max_overflow):
            held.append(await asyncio.wait_for(engine.connect().start(), timeout=5))
        started = time.monotonic()
        with pytest.raises(PoolTimeoutError):
            extra = await asyncio.wait_for(engine.connect().start(), timeout=pool_timeout + 5)
            held.append(extra)
            pytest.fail(
                f"with {pool_size} + {max_overflow} connections in use, one more should not be handed out: "
                f"max_overflow={max_overflow} is the most the pool may open beyond pool_size"
            )
        waited = time.monotonic() - started
        assert pool_timeout * 0.8 <= waited <= pool_timeout + 2, (
            f"with every connection in use, the pool should make a caller wait pool_timeout={pool_timeout} s and "
            f"then raise sqlalchemy.exc.TimeoutError; it waited {waited:.2f} s"
        )
    finally:
        for connection in held:
            await connection.close()
        await engine.dispose()


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(("count", "limit"), [(10, 3), (6, 1), (4, 8), (9, 9)])
async def test_run_bounded_runs_at_most_limit_jobs_at_once(
    async_database_url: str, count: int, limit: int
) -> None:
    gauge = Gauge()
    async with pooled_engine(async_database_url, pool_size=10) as engine:
        with pool_watch(engine) as watch:
            results = await async_pooling.run_bounded(engine, make_jobs(count, gauge), limit)
    assert list(results) == [i * i for i in range(count)], (
        f"run_bounded() should return each job's result in the order of the jobs: expected "
        f"{[i * i for i in range(count)]}, got {results!r}"
    )
    expected_peak = min(count, limit)
    assert gauge.peak <= limit, (
        f"with limit={limit}, at most {limit} jobs may run at once; {gauge.peak} did (an asyncio.Semaphore(limit) "
        "around each job bounds them)"
    )
    assert gauge.peak == expected_peak, (
        f"{count} jobs with limit={limit} should run {expected_peak} at a time (concurrently, with "
        f"asyncio.gather), not one after the other; at most {gauge.peak} ran at once"
    )
    assert_all_returned(watch, "run_bounded()")


@pytest.mark.task(2)
async def test_run_bounded_keeps_the_order_of_the_jobs_not_of_their_finish(async_database_url: str) -> None:
    gauge = Gauge()
    jobs = make_jobs(5, gauge, hold=lambda i: 0.02 * (5 - i))  # the first job finishes last
    async with pooled_engine(async_database_url, pool_size=5) as engine:
        results = await async_pooling.run_bounded(engine, jobs, 5)
    assert list(results) == [0, 1, 4, 9, 16], (
        "results should come in the order of the jobs, although the first job finishes last (asyncio.gather "
        f"keeps the order; collecting results as they finish does not): got {results!r}"
    )


@pytest.mark.task(2)
async def test_run_bounded_of_no_jobs_returns_nothing(async_database_url: str) -> None:
    async with pooled_engine(async_database_url, pool_size=2) as engine:
        with pool_watch(engine) as watch:
            results = await async_pooling.run_bounded(engine, [], 3)
    assert list(results) == [] and watch.taken == 0, (
        f"no jobs: no results and no connection taken; got {results!r} after taking {watch.taken} connections"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("pool_size", "count"), [(2, 8), (1, 4), (3, 10)])
async def test_run_within_pool_never_waits_for_the_pool_until_it_times_out(
    async_database_url: str, pool_size: int, count: int
) -> None:
    gauge = Gauge()
    # Each job holds its connection for 0.1 s, and the pool makes a caller wait at most 0.15 s: with
    # every job queueing for the pool at once, the later ones would time out.
    async with pooled_engine(async_database_url, pool_size=pool_size, pool_timeout=0.15) as engine:
        with pool_watch(engine) as watch:
            try:
                results = await async_pooling.run_within_pool(
                    engine, make_jobs(count, gauge, hold=lambda i: 0.1)
                )
            except PoolTimeoutError:
                pytest.fail(
                    f"run_within_pool() started {count} jobs that all queued for a pool of {pool_size} connections, "
                    "and the ones still waiting after pool_timeout failed with sqlalchemy.exc.TimeoutError. Let at "
                    "most pool.size() jobs ask for a connection at a time: the others wait at a semaphore, which "
                    "has no timeout.",
                    pytrace=False,
                )
    assert list(results) == [i * i for i in range(count)], (
        f"the results should be in job order, got {results!r}"
    )
    assert gauge.peak == pool_size, (
        f"the pool keeps {pool_size} connections: {pool_size} jobs should run at a time (no more, and no fewer); "
        f"{gauge.peak} did"
    )
    assert_all_returned(watch, "run_within_pool()")


# -- task 4 -------------------------------------------------------------------------------------


async def square_of_seven(connection: AsyncConnection) -> int:
    return int(await connection.scalar(select(literal(7)))) ** 2


@pytest.mark.task(4)
async def test_run_or_busy_runs_the_job_when_a_connection_is_free(async_database_url: str) -> None:
    async with pooled_engine(async_database_url, pool_size=1, pool_timeout=0.2) as engine:
        with pool_watch(engine) as watch:
            result = await async_pooling.run_or_busy(engine, square_of_seven)
    assert result == 49, (
        f"with a free connection run_or_busy() should run the job and return its result 49, not {result!r}"
    )
    assert_all_returned(watch, "run_or_busy()")


@pytest.mark.task(4)
@pytest.mark.parametrize("pool_timeout", [0.2, 0.4])
async def test_run_or_busy_says_busy_when_the_pool_times_out(
    async_database_url: str, pool_timeout: float
) -> None:
    async with pooled_engine(async_database_url, pool_size=1, pool_timeout=pool_timeout) as engine:
        async with engine.connect() as hog:  # the pool's only connection, in use elsewhere
            await hog.scalar(select(literal(1)))
            started = time.monotonic()
            result = await async_pooling.run_or_busy(engine, square_of_seven)
            waited = time.monotonic() - started
        assert result is None, (
            f"every connection was in use for longer than pool_timeout: run_or_busy() should return None (busy), "
            f"not {result!r}"
        )
        assert waited >= pool_timeout * 0.8, (
            f"run_or_busy() should wait for the pool's own timeout ({pool_timeout} s) before it gives up; it gave up "
            f"after {waited:.2f} s"
        )
        again = await async_pooling.run_or_busy(engine, square_of_seven)
    assert again == 49, (
        f"once the connection is free again, run_or_busy() should run the job (49), not {again!r}"
    )


@pytest.mark.task(4)
async def test_run_or_busy_lets_the_jobs_own_errors_propagate(async_database_url: str) -> None:
    async def broken(connection: AsyncConnection) -> int:
        return int(await connection.scalar(text("SELECT missing_column FROM no_such_table")))

    async with pooled_engine(async_database_url, pool_size=1, pool_timeout=0.2) as engine:
        with pool_watch(engine) as watch, pytest.raises(DBAPIError):
            await async_pooling.run_or_busy(engine, broken)
            pytest.fail(
                "the job's own error (no such table) is not 'busy': run_or_busy() should let it propagate, and "
                "return None only for sqlalchemy.exc.TimeoutError from the pool"
            )
    assert_all_returned(watch, "run_or_busy() when the job fails")


@pytest.mark.task(4)
async def test_run_or_busy_does_not_call_a_failed_connection_busy(async_database_url: str) -> None:
    # The server cannot be reached: opening a connection fails with an OperationalError, which is a
    # fault to report, not "busy, try again".
    async with pooled_engine(async_database_url, pool_size=1, pool_timeout=0.2) as engine:

        def unreachable(*_args: Any) -> None:
            raise OperationalError("connect", {}, Exception("could not connect to server: Connection refused"))

        event.listen(engine.sync_engine, "do_connect", unreachable)
        with pytest.raises(DBAPIError):
            result = await async_pooling.run_or_busy(engine, square_of_seven)
            pytest.fail(
                f"the database could not be reached, and run_or_busy() returned {result!r} as if the pool were busy: "
                "catch only sqlalchemy.exc.TimeoutError (the pool's timeout), not Exception or DBAPIError",
                pytrace=False,
            )
