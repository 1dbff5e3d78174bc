"""Kata 7.5: async pooling — pool settings, concurrency bounded by the pool, pool timeouts.

A job is an `async def job(connection) -> result`: it runs on an AsyncConnection it is given and
holds that connection until it returns. The functions below decide how many jobs run at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

T = TypeVar("T")
Job = Callable[[AsyncConnection], Awaitable[T]]


def make_engine(url: str, *, pool_size: int, max_overflow: int, pool_timeout: float) -> AsyncEngine:
    """Return an AsyncEngine on `url` whose pool keeps `pool_size` connections, opens at most
    `max_overflow` more under load, and makes a caller wait at most `pool_timeout` seconds for a
    connection before giving up.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def run_bounded(engine: AsyncEngine, jobs: Sequence[Job[T]], limit: int) -> list[T]:
    """Run every job concurrently, each on a connection of its own from `engine`, with at most
    `limit` jobs (and so connections) at a time. Return their results in the order of `jobs`.
    Every connection is back in the pool when this returns.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def run_within_pool(engine: AsyncEngine, jobs: Sequence[Job[T]]) -> list[T]:
    """Like run_bounded(), with as many jobs at a time as the engine's pool keeps connections
    (its pool_size): however many jobs there are, none may wait for the pool until its
    pool_timeout runs out.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def run_or_busy(engine: AsyncEngine, job: Job[T]) -> T | None:
    """Run `job` on a connection from `engine`. If the pool hands out no connection within its
    pool_timeout, return None ("busy, try again"). Any other error, including the job's own,
    propagates.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
