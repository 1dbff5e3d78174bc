"""Learner code at its worst, on the async fixtures (aiosqlite, asyncpg)."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

ROUNDS = pytest.mark.parametrize("round_", range(3))

metadata = MetaData()
notes = Table("learner_async_notes", metadata, Column("id", Integer, primary_key=True), Column("body", String(50), unique=True))


@ROUNDS
async def test_async_session_commit_and_rollback(async_session: AsyncSession, round_) -> None:
    await async_session.run_sync(lambda s: metadata.create_all(s.connection()))
    await async_session.execute(insert(notes), {"body": "a"})
    await async_session.commit()
    await async_session.execute(insert(notes), {"body": "b"})
    await async_session.rollback()
    async with async_session.begin_nested():
        await async_session.execute(insert(notes), {"body": "c"})
    await async_session.commit()
    total = (await async_session.execute(text("SELECT count(*) FROM learner_async_notes"))).scalar_one()
    assert total == 2


@ROUNDS
async def test_async_session_integrity_error(async_session: AsyncSession, round_) -> None:
    await async_session.run_sync(lambda s: metadata.create_all(s.connection()))
    await async_session.execute(insert(notes), {"body": "same"})
    with pytest.raises(IntegrityError):
        await async_session.execute(insert(notes), {"body": "same"})
    await async_session.rollback()
    await async_session.close()


@ROUNDS
async def test_async_connection_commit(async_connection: AsyncConnection, round_) -> None:
    await async_connection.run_sync(metadata.create_all)
    await async_connection.execute(insert(notes), {"body": "x"})
    await async_connection.commit()


@ROUNDS
async def test_async_engine_begin_and_create_all(async_engine: AsyncEngine, round_) -> None:
    async with async_engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(notes), {"body": "committed"})
    async with async_engine.connect() as conn:
        await conn.execute(insert(notes), {"body": "committed too"})
        await conn.commit()


@ROUNDS
async def test_async_engine_leaks_a_connection(async_engine: AsyncEngine, round_) -> None:
    async with async_engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    leaked = await async_engine.connect()
    await leaked.execute(insert(notes), {"body": "uncommitted"})
