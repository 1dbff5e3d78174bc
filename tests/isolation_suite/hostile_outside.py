"""Attacks on state OUTSIDE the test's transaction: what a rollback does not undo (issue 9, part 2).

Attached databases and pragmas on SQLite; roles, session settings, SET ROLE, LISTEN, PREPARE and
advisory locks on PostgreSQL, committed on the fixture's connection, on another connection from
the shared engine or through the raw DBAPI connection; logger levels, handlers and echo; class
listeners on the Pool; a thread that writes after its test. The referees at the bottom run
between them (shuffled) and look at the fixture's connection AND at the other pooled connections.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool

from fixtures.database import Database
from fixtures.isolation import worker_role_name
from tests.isolation_suite.conftest import LOGGING_AT_START

ROUNDS = pytest.mark.parametrize("round_", range(3))
REFEREE = pytest.mark.parametrize("round_", range(6))
PG = pytest.mark.backends("postgresql")
LITE = pytest.mark.backends("sqlite")


def _marker(name: str) -> Path:
    import os
    import tempfile

    # Per worker (workers run side by side), outside the pack: a late thread may write it after the run.
    return Path(tempfile.gettempdir()) / f"kata-hostile-{name}-{os.getpid()}"


FIRED = _marker("outside-listener-fired")
LATE_WRITE = _marker("late-write")


def spy(*_args: object, **_kw: object) -> None:
    FIRED.write_text("a Pool class listener added by an earlier test is still attached")


# -- SQLite: attachments and connection pragmas ---------------------------------------------------
@LITE
@ROUNDS
def test_attack_attach_on_the_fixture_connection(connection, tmp_path: Path, round_) -> None:
    connection.exec_driver_sql(f"ATTACH DATABASE '{tmp_path / 'tenant_a.db'}' AS tenant_a")
    connection.exec_driver_sql("ATTACH DATABASE ':memory:' AS tenant_b")
    connection.exec_driver_sql("CREATE TABLE tenant_a.notes (x INTEGER)")  # nothing committed


@LITE
@ROUNDS
def test_attack_attach_on_another_pooled_connection(connection, tmp_path: Path, round_) -> None:
    with connection.engine.connect() as other:
        other.exec_driver_sql(f"ATTACH DATABASE '{tmp_path / 'tenant_c.db'}' AS tenant_c")
        other.exec_driver_sql("CREATE TABLE tenant_c.notes (x INTEGER)")
        other.commit()


@LITE
@ROUNDS
def test_attack_pragmas_inside_the_transaction(connection, round_) -> None:
    connection.exec_driver_sql("PRAGMA query_only = ON")  # survives the rollback
    connection.exec_driver_sql("PRAGMA recursive_triggers = ON")


@LITE
@ROUNDS
def test_attack_pragmas_outside_any_transaction(connection, round_) -> None:
    with connection.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        other.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # raw DBAPI, no events
        other.connection.driver_connection.execute("PRAGMA reverse_unordered_selects = ON")


@LITE
@ROUNDS
def test_attack_user_version_after_a_raw_commit(connection, round_) -> None:
    connection.exec_driver_sql("PRAGMA user_version = 7")
    connection.exec_driver_sql("COMMIT")  # behind SQLAlchemy's back: it still thinks it is in a transaction


@LITE
@ROUNDS
def test_attack_wal_mode_set_in_the_file(database_url: str, round_) -> None:
    own = create_engine(database_url)  # the learner's own engine, as a concurrency kata would make
    try:
        with own.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode = WAL").scalar() == "wal"
    finally:
        own.dispose()


# -- PostgreSQL: roles (cluster-wide) -------------------------------------------------------------
@PG
@ROUNDS
def test_attack_role_created_and_committed_through_the_engine(engine: Engine, round_) -> None:
    role = worker_role_name("tenant_app")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE outside_note (id INTEGER PRIMARY KEY, tenant_id INTEGER)")
        conn.exec_driver_sql(f"CREATE ROLE {role} NOLOGIN")
        conn.exec_driver_sql(f"GRANT SELECT, INSERT ON outside_note TO {role}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"SET ROLE {role}")
        conn.exec_driver_sql("SELECT count(*) FROM outside_note")


@PG
@ROUNDS
def test_attack_role_committed_on_the_fixture_connection_then_set(connection, round_) -> None:
    role = worker_role_name("auditor")
    connection.exec_driver_sql(f'CREATE USER "{role}" NOLOGIN')
    connection.commit()  # the fixture's own transaction: the role is now real
    connection.exec_driver_sql(f'SET SESSION AUTHORIZATION "{role}"')
    connection.commit()


@PG
@ROUNDS
def test_attack_role_created_inside_the_rolled_back_transaction(session, round_) -> None:
    role = worker_role_name("tenant_app")  # the RLS kata's way: nothing committed
    session.execute(text(f"CREATE ROLE {role} NOLOGIN"))
    session.execute(text(f"SET LOCAL ROLE {role}"))
    session.execute(text("SELECT set_config('app.tenant_id', '1', true)"))
    session.commit()


@PG
@ROUNDS
def test_attack_role_created_by_the_learners_own_engine(database_url: str, round_) -> None:
    own = create_engine(database_url)
    try:
        with own.begin() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {worker_role_name('own_engine')} NOLOGIN")
    finally:
        own.dispose()


@PG
@ROUNDS
def test_attack_create_role_of_a_role_that_exists(connection, round_) -> None:
    # Fails, but names a role: the harness must not drop the one it runs as.
    me = connection.exec_driver_sql("SELECT current_user").scalar_one()
    with pytest.raises(DBAPIError, match="already exists"):
        connection.exec_driver_sql(f'CREATE ROLE "{me}"')


# -- PostgreSQL: session state on connections that go back to the shared pool ---------------------
@PG
@ROUNDS
def test_attack_session_state_committed_on_another_pooled_connection(connection, round_) -> None:
    with connection.engine.connect() as other:
        other.exec_driver_sql("SET search_path TO outside_tenant, public")
        other.exec_driver_sql("SET statement_timeout = '1ms'")
        other.exec_driver_sql("SELECT set_config('app.tenant_id', '42', false)")
        other.exec_driver_sql("LISTEN outside_channel")
        other.exec_driver_sql("PREPARE outside_plan AS SELECT 1")
        other.exec_driver_sql("SELECT pg_advisory_lock(4343)")
        other.commit()


@PG
@ROUNDS
def test_attack_session_state_through_the_raw_dbapi_connection(connection, round_) -> None:
    with connection.engine.connect() as other:
        raw = other.connection.driver_connection
        raw.execute("SET TIME ZONE 'Pacific/Chatham'")
        raw.execute("SET application_name = 'outside'")
        raw.commit()


@PG
@ROUNDS
def test_attack_session_state_on_the_fixture_connection_kept(connection, round_) -> None:
    # Inside the outer transaction: rolled back, except what is not transactional.
    connection.exec_driver_sql("SET search_path TO outside_tenant, public")
    connection.exec_driver_sql("PREPARE outside_plan AS SELECT 1")
    connection.exec_driver_sql("SELECT pg_advisory_lock(4344)")
    connection.exec_driver_sql("LISTEN outside_channel")


@PG
@ROUNDS
def test_attack_database_level_setting(engine: Engine, round_) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        name = conn.exec_driver_sql("SELECT current_database()").scalar_one()
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET search_path TO outside_tenant')


# -- logging and echo -----------------------------------------------------------------------------
@ROUNDS
def test_attack_logger_levels_handlers_and_echo(connection, round_) -> None:
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    logging.getLogger("sqlalchemy.pool").setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy").addHandler(logging.StreamHandler())
    logging.getLogger("sqlalchemy.orm").propagate = False
    logging.getLogger("sqlalchemy.engine.Engine").disabled = True
    logging.basicConfig(level=logging.DEBUG, force=True)  # replaces the root's handlers
    connection.engine.echo = "debug"
    connection.engine.pool.echo = True
    connection.exec_driver_sql("SELECT 1")


# -- class listeners on the Pool ------------------------------------------------------------------
@ROUNDS
def test_attack_listener_on_the_pool_class(connection, round_) -> None:
    event.listen(Pool, "checkout", spy)
    with connection.engine.connect():
        pass
    FIRED.unlink(missing_ok=True)


# -- a thread that writes after its test ended ----------------------------------------------------
@pytest.mark.parametrize("way", ["shared_engine", "own_engine"])
@pytest.mark.xfail(raises=RuntimeError, strict=True, reason="the plugin fails a test that leaves a thread running")
def test_attack_thread_left_running_writes_later(connection, database_url: str, way: str) -> None:
    target = connection.engine if way == "shared_engine" else create_engine(database_url)

    def late_write() -> None:
        time.sleep(2.6)  # after the plugin's 2 s join, while later tests run
        try:
            with target.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE outside_late (x INTEGER)")
            LATE_WRITE.write_text(target.url.render_as_string(hide_password=False))
        except Exception:
            pass  # the database is gone: what the harness wants
        finally:
            if way == "own_engine":
                target.dispose()

    threading.Thread(target=late_write, name="late-writer").start()


# -- referees -------------------------------------------------------------------------------------
def _problems_on(conn, worker_roles: str) -> list[str]:
    problems = []
    if conn.dialect.name == "sqlite":
        attached = conn.exec_driver_sql("SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')")
        if names := attached.scalars().all():
            problems.append(f"attached databases {names}")
        pragmas = conn.exec_driver_sql(
            "SELECT foreign_keys, query_only, recursive_triggers, reverse_unordered_selects, user_version "
            "FROM pragma_foreign_keys, pragma_query_only, pragma_recursive_triggers, "
            "pragma_reverse_unordered_selects, pragma_user_version"
        ).one()
        if (mode := conn.exec_driver_sql("PRAGMA journal_mode").scalar()) != "delete":
            problems.append(f"journal_mode {mode}")
        if tuple(pragmas) != (1, 0, 0, 0, 0):
            problems.append(f"pragmas foreign_keys, query_only, recursive_triggers, reverse_unordered_selects, "
                            f"user_version = {tuple(pragmas)}, expected (1, 0, 0, 0, 0)")
        return problems
    who = conn.exec_driver_sql("SELECT current_user = session_user, current_setting('is_superuser')").one()
    if tuple(who) != (True, "on"):
        problems.append(f"role or session authorization changed: {tuple(who)}")
    settings = conn.exec_driver_sql(
        "SELECT name || '=' || setting FROM pg_settings WHERE source IN ('session', 'database') "
        "AND name NOT LIKE 'transaction\\_%%'"
    ).scalars().all()
    if settings:
        problems.append(f"session settings {settings}")
    if conn.exec_driver_sql("SELECT current_setting('app.tenant_id', true)").scalar():
        problems.append("app.tenant_id is set")
    if channels := conn.exec_driver_sql("SELECT pg_listening_channels()").scalars().all():
        problems.append(f"listening on {channels}")
    if plans := conn.exec_driver_sql("SELECT name FROM pg_prepared_statements WHERE from_sql").scalars().all():
        problems.append(f"prepared statements {plans}")
    locks = conn.exec_driver_sql(
        "SELECT objid FROM pg_locks WHERE locktype = 'advisory' "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    ).scalars().all()
    if locks:
        problems.append(f"advisory locks held: {locks}")
    roles = conn.exec_driver_sql(
        "SELECT rolname FROM pg_roles WHERE rolname LIKE %(pattern)s", {"pattern": worker_roles}
    ).scalars().all()
    if roles:
        problems.append(f"roles left: {roles}")
    return problems


@REFEREE
def test_referee_no_state_outside_the_transaction(connection, round_) -> None:
    worker_roles = worker_role_name("%").replace("_", "\\_")  # LIKE: kata\_%\_gw0
    problems = [f"fixture connection: {p}" for p in _problems_on(connection, worker_roles)]
    # The other pooled connections too: check out several at once, so each idle one is seen.
    others = [connection.engine.connect() for _ in range(3)]
    try:
        for i, other in enumerate(others, start=1):
            problems += [f"pooled connection {i}: {p}" for p in _problems_on(other, worker_roles)]
            other.rollback()
    finally:
        for other in others:
            other.close()
    connection.exec_driver_sql("CREATE TABLE outside_probe (x INTEGER)")  # writable, and not query_only
    connection.exec_driver_sql("INSERT INTO outside_probe VALUES (1)")
    assert not problems, "; ".join(problems)


@REFEREE
def test_referee_logging_and_echo_as_at_the_start(connection, round_) -> None:
    changed = LOGGING_AT_START.changes()
    assert not changed, f"logging changed since the suite started: {changed}"
    assert not connection.engine.echo and not connection.engine.pool.echo, "echo is on"
    assert not connection._echo, "the fixture's connection echoes"


@REFEREE
def test_referee_no_pool_class_listener(connection, round_) -> None:
    with connection.engine.connect():
        pass
    fired = FIRED.exists()
    FIRED.unlink(missing_ok=True)
    assert not fired, "a Pool class listener added by an earlier test is still attached"


@REFEREE
def test_referee_late_writes_did_not_reach_this_database(database: Database, round_) -> None:
    reached = LATE_WRITE.read_text() if LATE_WRITE.exists() else ""
    current = database.backend.url.render_as_string(hide_password=False)
    assert reached != current, f"a thread from an earlier test wrote into the database later tests use: {current}"
