"""Attacks from an outside review of the harness: connection state, leaked locks, listeners, runaway SQL.

Each attack is something a learner's code plausibly does in a kata of the curriculum; the
referees below run between them (in a shuffled order) and fail on any trace they left.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine, String, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, Session, mapped_column

from tests.isolation_suite.conftest import HERE

ROUNDS = pytest.mark.parametrize("round_", range(3))
REFEREE = pytest.mark.parametrize("round_", range(6))
PG = pytest.mark.backends("postgresql")
LITE = pytest.mark.backends("sqlite")
FIRED = HERE / f".review-listener-fired-{os.getpid()}"  # per worker: workers run side by side

_KEEP: list[object] = []  # what a learner's module-level cache or singleton keeps alive


def spy(*_args: object, **_kw: object) -> None:
    FIRED.write_text("a listener added by an earlier test is still attached")


class Base(DeclarativeBase):
    pass


class Pupil(Base):
    __tablename__ = "review_pupils"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(50))


# -- connection state that a commit (or no rollback at all) keeps -------------------------------
@ROUNDS
def test_attack_temp_table_committed(connection, round_) -> None:
    connection.exec_driver_sql("CREATE TEMP TABLE review_shadow (x INTEGER)")
    connection.exec_driver_sql("INSERT INTO review_shadow VALUES (42)")
    connection.commit()


@PG
@ROUNDS
def test_attack_session_settings_committed(connection, round_) -> None:
    connection.exec_driver_sql("SET search_path TO review_tenant, public")
    connection.exec_driver_sql("SET TIME ZONE 'Asia/Tokyo'")
    connection.exec_driver_sql("SELECT set_config('app.tenant_id', '42', false)")
    connection.commit()


@PG
@ROUNDS
def test_attack_advisory_lock_never_released(connection, round_) -> None:
    connection.execute(text("SELECT pg_advisory_lock(4242)"))


@ROUNDS
def test_attack_autocommit_connection_from_the_shared_engine(connection, round_) -> None:
    with connection.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        other.exec_driver_sql("SELECT 1")


# -- locks held by connections the code keeps ----------------------------------------------------
@ROUNDS
def test_attack_shared_engine_connection_kept_by_a_global(connection, round_) -> None:
    leaked = connection.engine.connect()
    _KEEP.append(leaked)
    leaked.exec_driver_sql(f"CREATE TABLE review_locked_{round_} (x INTEGER)")


@ROUNDS
async def test_attack_async_connection_kept_by_a_global(async_engine, round_) -> None:
    leaked = await async_engine.connect()
    _KEEP.append(leaked)
    await leaked.exec_driver_sql("CREATE TABLE review_async_locked (x INTEGER)")


# -- listeners on shared or global targets -------------------------------------------------------
@ROUNDS
def test_attack_pool_listener_through_connection_engine(connection, round_) -> None:
    event.listen(connection.engine, "checkout", spy)
    with connection.engine.connect():
        pass
    FIRED.unlink(missing_ok=True)


@ROUNDS
def test_attack_listener_on_the_engine_class(engine: Engine, round_) -> None:
    event.listen(Engine, "before_cursor_execute", spy)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    FIRED.unlink(missing_ok=True)


@ROUNDS
def test_attack_listeners_on_the_session_and_mapper_classes(session: Session, round_) -> None:
    event.listen(Session, "before_flush", spy)

    @event.listens_for(Mapper, "before_insert")
    def audit(*_args: object) -> None:
        spy()

    Base.metadata.create_all(session.connection())
    session.add(Pupil(email="a@example.com"))
    session.flush()
    FIRED.unlink(missing_ok=True)


# -- schema objects outside tables, types and functions ---------------------------------------
@PG
@ROUNDS
def test_attack_collation_and_text_search_configuration(engine: Engine, round_) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE COLLATION review_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)"
        )
        conn.exec_driver_sql("CREATE TEXT SEARCH CONFIGURATION review_fts (COPY = english)")


# -- runaway SQL ----------------------------------------------------------------------------------
ENDLESS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
)
# The harness's statement deadline is the test's timeout less 2 s (at least 1 s): 3 s gives the
# shortest deadline with the same 2 s left before pytest-timeout would fire.


@LITE
@pytest.mark.timeout(3)
def test_attack_recursive_cte_without_a_stop(connection) -> None:
    # pytest-timeout's signal cannot stop sqlite3_step: the harness's deadline must.
    with pytest.raises(OperationalError, match="interrupted"):
        connection.exec_driver_sql(ENDLESS).scalar_one()


@LITE
@pytest.mark.timeout(3)
async def test_attack_async_recursive_cte_without_a_stop(async_connection) -> None:
    with pytest.raises(OperationalError, match="interrupted"):
        await async_connection.exec_driver_sql(ENDLESS)


# -- referees ----------------------------------------------------------------------------------
@REFEREE
def test_referee_connection_state_is_pristine(connection, round_) -> None:
    problems = []
    if connection.dialect.name == "sqlite":
        temp = connection.exec_driver_sql("SELECT name FROM sqlite_temp_master").scalars().all()
        if temp:
            problems.append(f"temp tables {temp}")
        if connection.connection.driver_connection.isolation_level is not None:
            problems.append("the pysqlite recipe was lost: isolation_level is not None")
    else:
        temp = connection.exec_driver_sql("SELECT relname FROM pg_class WHERE relpersistence = 't'").scalars().all()
        if temp:
            problems.append(f"temp tables in some session: {temp}")
        settings = connection.exec_driver_sql(
            "SELECT name || '=' || setting FROM pg_settings WHERE source = 'session' "
            "AND name NOT LIKE 'transaction\\_%%'"
        ).scalars().all()
        if settings:
            problems.append(f"session settings {settings}")
        if connection.exec_driver_sql("SELECT current_setting('app.tenant_id', true)").scalar():
            problems.append("app.tenant_id is set")
        locks = connection.exec_driver_sql(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).scalars().all()
        if locks:
            problems.append(f"advisory locks held: {locks}")
    connection.exec_driver_sql("CREATE TABLE review_shadow (x INTEGER)")
    if connection.exec_driver_sql("SELECT count(*) FROM review_shadow").scalar_one():
        problems.append("a TEMP table shadows the test's own new table")
    assert not problems, "; ".join(problems)


@REFEREE
def test_referee_no_leaked_listeners(session: Session, round_) -> None:
    Base.metadata.create_all(session.connection())
    session.add(Pupil(email="ref@example.com"))
    session.flush()
    with session.connection().engine.connect() as other:
        other.exec_driver_sql("SELECT 1")
    fired = FIRED.exists()
    FIRED.unlink(missing_ok=True)
    assert not fired, "a listener added by an earlier test is still attached"


@REFEREE
def test_referee_no_lock_held_by_a_leaked_connection(engine: Engine, round_) -> None:
    with engine.begin() as conn:  # SQLite: a leaked writer would make this "database is locked"
        for name in ["review_locked_0", "review_async_locked", "review_probe"]:
            conn.exec_driver_sql(f"CREATE TABLE {name} (x INTEGER)")  # PostgreSQL: a lock timeout
        if conn.dialect.name == "postgresql":
            assert conn.exec_driver_sql("SELECT pg_try_advisory_lock(4242)").scalar_one(), "lock 4242 is held"
            conn.exec_driver_sql("SELECT pg_advisory_unlock_all()")


@REFEREE
def test_referee_queries_counts_only_my_statements(engine: Engine, queries, round_) -> None:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert queries.count == 1, queries.listing()
