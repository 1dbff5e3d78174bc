"""Tests for kata 14.8, the notes service in production. Run: pytest katas/14_projects/08_production_application

Task 1 runs the learner's migrations on the fast `connection` fixture (Alembic is handed the
test's connection through `config.attributes["connection"]`, so everything rolls back with the test).

Tasks 2-5 are `async def` tests: the app is built by `create_app(Settings(async_database_url))`,
its lifespan entered with `app.router.lifespan_context(app)` and requests sent through
`httpx.AsyncClient(transport=httpx.ASGITransport(app))`, all on the test's own event loop (asyncpg
ties a connection to the loop that opened it; no engine is ever made at session scope). The notes
table is created by a test-side engine from the tests' own copy of the schema, committed for real;
the database is wiped after each test.

Where a setting has no public getter it is observed (max_overflow: one connection too many times
out; pre-ping: a connection closed underneath is replaced); application_name is read from the
connect arguments of an engine made for a PostgreSQL URL (stopped before it connects), and the
engine's disposal from the app's engine (make_engine wrapped): so these run on SQLite too.

The test of a database that goes away runs on PostgreSQL only: it ends the app's connections on the
server (`pg_terminate_backend`), which a SQLite file has no equivalent of (there is no server: a
connection to a file cannot be cut from outside while the file stays).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    exc,
    false,
    insert,
    inspect,
    make_url,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fixtures.target import learner_module

prod = learner_module(__file__, "production_application")

FIRST, HEAD = "81a0c0ffee01", "82b1c0ffee02"

schema = MetaData()
notes = Table(
    "notes",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("archived", Boolean, nullable=False, server_default=false()),
)


# -- task 1: migrations -----------------------------------------------------------------------------


def version(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def migrated(connection: Connection, revision: str = "head") -> None:
    try:
        prod.migrate(connection, revision)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(
            f"migrate(connection, {revision!r}) failed: {type(error).__name__}: {error}", pytrace=False
        )


@pytest.mark.task(1)
def test_migrate_to_head_creates_the_notes_table_with_archived(connection: Connection) -> None:
    migrated(connection)
    assert version(connection) == HEAD, (
        f"after migrate(connection) the database should be at the head revision {HEAD}, found {version(connection)}"
    )
    columns = {c["name"]: c for c in inspect(connection).get_columns("notes")}
    assert {"id", "title", "body", "archived"} <= set(columns), (
        f"the notes table should have id, title, body and archived; found {sorted(columns)}"
    )
    assert not columns["archived"]["nullable"], "notes.archived should be NOT NULL"


@pytest.mark.task(1)
def test_notes_written_before_the_new_revision_get_archived_false(connection: Connection) -> None:
    migrated(connection, FIRST)
    assert version(connection) == FIRST, f"migrate(connection, {FIRST!r}) should stop at the first revision"
    connection.execute(text("INSERT INTO notes (id, title, body) VALUES (7, 'Old', 'written last year')"))
    migrated(connection)
    connection.execute(
        text("INSERT INTO notes (id, title, body) VALUES (8, 'New', 'says nothing of archived')")
    )
    rows = dict(connection.execute(text("SELECT id, archived FROM notes ORDER BY id")).all())
    assert {k: bool(v) for k, v in rows.items()} == {7: False, 8: False}, (
        "the revision adds a NOT NULL column to a table that has rows: they need a value (a server default "
        f"false, sa.false()), and so do new rows that do not give one; found {rows}"
    )


@pytest.mark.task(1)
def test_downgrade_drops_archived_and_keeps_the_notes(connection: Connection) -> None:
    from alembic import command

    migrated(connection)
    connection.execute(
        text("INSERT INTO notes (id, title, body, archived) VALUES (3, 'Kept', 'still here', true)")
    )
    try:
        command.downgrade(prod.alembic_config(connection), FIRST)
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(f"downgrading to {FIRST} failed: {type(error).__name__}: {error}", pytrace=False)
    columns = {c["name"] for c in inspect(connection).get_columns("notes")}
    assert "archived" not in columns, f"the downgrade should drop notes.archived; columns: {sorted(columns)}"
    assert connection.execute(text("SELECT title FROM notes")).scalars().all() == ["Kept"], (
        "the downgrade must keep the notes (drop the column, not the table)"
    )
    assert version(connection) == FIRST


# -- helpers for the app ----------------------------------------------------------------------------------


@pytest.fixture
async def db(async_database_url: str) -> AsyncIterator[AsyncEngine]:
    """The tests' own engine: creates the notes table before the app starts, checks rows after."""
    engine = create_async_engine(async_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(schema.create_all)
    yield engine
    await engine.dispose()


@asynccontextmanager
async def running(settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = prod.create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://notes.test") as client:
            yield client


def engines_made_by_the_app(monkeypatch: pytest.MonkeyPatch, refuse: bool = False) -> list[AsyncEngine]:
    """Wraps make_engine (which the lifespan calls) to see the app's engine; with `refuse`, every connect
    fails the way asyncpg's refused connection does (a plain ConnectionRefusedError, not wrapped)."""
    made: list[AsyncEngine] = []
    real = prod.make_engine

    def refused(*args: Any) -> None:
        raise ConnectionRefusedError(111, "Connect call failed ('10.9.8.7', 5432) for user notes_admin")

    def spy(settings: Any) -> AsyncEngine:
        engine = real(settings)
        if refuse:
            event.listen(engine.sync_engine, "do_connect", refused)
        made.append(engine)
        return engine

    # Set on the learner's module itself (`prod` is a lazy proxy): create_app looks make_engine up there.
    monkeypatch.setattr(sys.modules[prod.create_app.__module__], "make_engine", spy)
    return made


def unreachable_url(async_database_url: str) -> str:
    url = make_url(async_database_url)
    if url.get_backend_name() == "sqlite":
        return "sqlite+aiosqlite:////nonexistent-kata-dir/for/sure/notes.db"
    return url.set(host="127.0.0.1", port=1, password="hunter2-in-the-url").render_as_string(
        hide_password=False
    )


# -- task 2: the engine ------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(("size", "overflow", "timeout", "recycle"), [(3, 2, 0.25, 600), (2, 0, 0.2, 90)])
async def test_make_engine_takes_the_pool_settings_from_the_configuration(
    async_database_url: str, size: int, overflow: int, timeout: float, recycle: int
) -> None:
    settings = prod.Settings(
        async_database_url, pool_size=size, max_overflow=overflow, pool_timeout=timeout, pool_recycle=recycle
    )
    engine = prod.make_engine(settings)
    try:
        pool: Any = engine.pool
        got = (pool.size(), pool.timeout())
        assert got == (size, timeout), (
            f"the pool should be sized from the settings: (pool_size, pool_timeout) = {(size, timeout)}, found {got}"
        )
        # max_overflow has no public getter: it is observed. pool_size + max_overflow connections can be
        # held at once; one more waits pool_timeout seconds and gets TimeoutError.
        held = [await engine.connect() for _ in range(size + overflow)]
        try:
            with pytest.raises(exc.TimeoutError):
                held.append(await engine.connect())
        except pytest.fail.Exception:
            pytest.fail(
                f"with pool_size={size} and max_overflow={overflow} a {size + overflow + 1}th connection should "
                "wait pool_timeout seconds and fail (TimeoutError): max_overflow comes from the settings",
                pytrace=False,
            )
        finally:
            for connection in held:
                await connection.close()
        # The pool's recycle age has no public getter nor anything to observe within a test's time.
        assert pool._recycle == recycle, (
            f"pool_recycle should come from the settings ({recycle} s), found {pool._recycle}"
        )
        assert engine.sync_engine.hide_parameters, (
            "hide_parameters=True: the values of a statement (note bodies, emails) never reach logs nor error texts"
        )
        assert not engine.echo, "no echo in production: logging is configured through the logging module"
    finally:
        await engine.dispose()


@pytest.mark.task(2)
async def test_a_pooled_connection_that_died_is_replaced_at_checkout(async_database_url: str) -> None:
    engine = prod.make_engine(prod.Settings(async_database_url))
    try:
        async with engine.connect() as connection:
            # What a server restart does to a pooled connection: the driver's connection is closed
            # underneath while the pool still holds it.
            raw = await connection.get_raw_connection()
            await raw.driver_connection.close()
        try:
            async with engine.connect() as connection:
                answer = (await connection.execute(text("SELECT 1"))).scalar_one()
        except exc.DBAPIError as error:
            pytest.fail(
                "a pooled connection that was closed underneath was handed out and failed "
                f"({type(error).__name__}): pool_pre_ping=True tests each connection at checkout and "
                "replaces a dead one",
                pytrace=False,
            )
        assert answer == 1
    finally:
        await engine.dispose()


@pytest.mark.task(2)
async def test_postgresql_connections_are_named_after_the_service() -> None:
    # Runs on every backend: the engine is made for a PostgreSQL URL and stopped before it connects,
    # so that what it would send (asyncpg's connect arguments) can be read.
    url = "postgresql+asyncpg://notes@127.0.0.1:1/notes"
    engine = prod.make_engine(prod.Settings(url, app_name="notes-eu-1"))
    sent: dict[str, Any] = {}

    class NotConnecting(Exception):
        pass

    def capture(dialect: Any, record: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        sent.update(cparams)
        raise NotConnecting

    event.listen(engine.sync_engine, "do_connect", capture)
    try:
        with pytest.raises(NotConnecting):
            await engine.connect()
    finally:
        await engine.dispose()
    named = sent.get("server_settings", {}).get("application_name")
    assert named == "notes-eu-1", (
        "on PostgreSQL the connections should be named settings.app_name, so that pg_stat_activity shows whose "
        "they are: asyncpg takes connect_args={'server_settings': {'application_name': ...}}; "
        f"the connect arguments were {sorted(sent)} with server_settings {sent.get('server_settings')}"
    )


# -- task 3: the API -------------------------------------------------------------------------------------


@pytest.mark.task(3)
async def test_notes_are_created_and_read(db: AsyncEngine, async_database_url: str) -> None:
    async with running(prod.Settings(async_database_url)) as client:
        created = await client.post("/notes", json={"title": "Groceries", "body": "tea, milk"})
        assert created.status_code == 201, (
            f"POST /notes should answer 201, got {created.status_code}: {created.text}"
        )
        note = created.json()
        assert note["title"] == "Groceries" and note["archived"] is False and isinstance(note["id"], int), (
            f"the new note should come back with its id and archived false; got {note}"
        )
        read = await client.get(f"/notes/{note['id']}")
        assert read.status_code == 200 and read.json() == note, (
            f"GET /notes/{{id}} should return it; got {read.text}"
        )
        missing = await client.get("/notes/999")
        assert missing.status_code == 404, f"an unknown note is a 404, got {missing.status_code}"
    async with db.connect() as connection:
        titles = (await connection.execute(select(notes.c.title))).scalars().all()
    assert titles == ["Groceries"], f"the note should be committed to the database; found {titles}"


@pytest.mark.task(3)
async def test_the_lifespan_disposes_of_the_engine_at_shutdown(
    db: AsyncEngine, async_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = engines_made_by_the_app(monkeypatch)
    async with running(prod.Settings(async_database_url)) as client:
        await client.post("/notes", json={"title": "Pooled", "body": "a connection goes back to the pool"})
        await client.get("/health")
        assert len(made) == 1, (
            f"the lifespan should make the app's engine with make_engine(settings) once; it made {len(made)}"
        )
        pooled = made[0].pool.checkedin()
        assert pooled >= 1, "the test expected the app's connection back in its pool after the requests"
    left = made[0].pool.checkedin()
    assert left == 0, (
        f"after shutdown {left} connection(s) are still open in the app's pool: the lifespan should "
        "`await engine.dispose()` after its yield (in a finally), so that a stopping instance closes its connections"
    )


# -- task 4: logs -----------------------------------------------------------------------------------------


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = []
    for record in caplog.records:
        if record.name == "notes.access":
            try:
                lines.append(json.loads(record.getMessage()))
            except ValueError:
                pytest.fail(f"an access log line is not JSON: {record.getMessage()!r}", pytrace=False)
    return lines


@pytest.mark.task(4)
async def test_each_request_logs_one_json_line_with_its_request_id(
    db: AsyncEngine, async_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="notes.access")
    async with running(prod.Settings(async_database_url)) as client:
        given = await client.get("/notes/41", headers={"X-Request-ID": "req-2026-abc"})
        first = await client.get("/health")
        second = await client.get("/health")
        forged = await client.get("/health", headers={"X-Request-ID": 'x"}\n{"status": 200, "path": "/admin'})
    assert given.headers.get("x-request-id") == "req-2026-abc", (
        "a request id the client sent (letters, digits, '-', '_', '.') should be kept and echoed in X-Request-ID"
    )
    ids = [r.headers.get("x-request-id") for r in (first, second, forged)]
    assert all(ids) and len(set(ids)) == 3, f"every response carries its own X-Request-ID; got {ids}"
    assert "\n" not in (ids[2] or "") and "{" not in (ids[2] or ""), (
        "a request id with newlines or quotes must be replaced by a generated one (it would forge log lines)"
    )
    lines = access_lines(caplog)
    assert len(lines) == 4, (
        f"one access line per request on the 'notes.access' logger: expected 4, found {len(lines)}"
    )
    line = lines[0]
    assert {"request_id", "method", "path", "status", "duration_ms"} <= set(line), (
        f"an access line should have request_id, method, path, status and duration_ms; got {line}"
    )
    assert (line["request_id"], line["method"], line["path"], line["status"]) == (
        "req-2026-abc",
        "GET",
        "/notes/41",
        404,
    ), f"the first line should describe GET /notes/41 -> 404 with its request id; got {line}"
    assert [entry["request_id"] for entry in lines[1:]] == ids, (
        "each line carries the id its response was given"
    )


@pytest.mark.task(4)
async def test_no_secret_reaches_the_logs(
    db: AsyncEngine, async_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Set before the app's engine exists: a Connection decides at creation whether it logs.
    caplog.set_level(logging.DEBUG, logger="notes")
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    secret_body = "PIN 4921, door code 8812"
    async with running(prod.Settings(async_database_url)) as client:
        created = await client.post("/notes", json={"title": "Codes", "body": secret_body})
        assert created.status_code == 201, f"POST /notes should succeed, got {created.status_code}"
        await client.get("/notes/1?token=tok-abcdef-123", headers={"Authorization": "Bearer tok-bearer-456"})
    # The app's own loggers and SQLAlchemy's (not the test's HTTP client, nor the driver's debug output).
    ours = [r for r in caplog.records if r.name.startswith(("notes", "sqlalchemy"))]
    text_of_logs = "\n".join(record.getMessage() for record in ours)
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records), (
        "the test expected SQLAlchemy's SQL log (it switched it on) to show the INSERT"
    )
    for secret, where in [
        (secret_body, "a note's body (a bound parameter: hide_parameters=True on the engine)"),
        ("tok-abcdef-123", "a token in the query string (log the path, not the URL)"),
        ("tok-bearer-456", "the Authorization header"),
    ]:
        assert secret not in text_of_logs, f"{where} reached the logs:\n" + "\n".join(
            line for line in text_of_logs.splitlines() if secret in line
        )


# -- task 5: health and a database that goes away ---------------------------------------------------------


@pytest.mark.task(5)
async def test_health_is_ok_when_the_database_answers(db: AsyncEngine, async_database_url: str) -> None:
    async with running(prod.Settings(async_database_url)) as client:
        response = await client.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}, (
        f"/health should answer 200 {{'status': 'ok', 'database': 'ok'}} when SELECT 1 works; got "
        f"{response.status_code} {response.text}"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("outage", ["unreachable", "refused"])
async def test_a_database_that_is_down_gives_503_never_an_error(
    async_database_url: str, outage: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # "unreachable": a path or port nothing answers at (aiosqlite: OperationalError; asyncpg:
    # ConnectionRefusedError). "refused": every connect raises ConnectionRefusedError as asyncpg does,
    # on every backend.
    caplog.set_level(logging.DEBUG, logger="notes")
    if outage == "refused":
        engines_made_by_the_app(monkeypatch, refuse=True)
        url = async_database_url
    else:
        url = unreachable_url(async_database_url)
    settings = prod.Settings(url, health_timeout=2.0)
    try:
        async with running(settings) as client:
            health = await client.get("/health")
            note = await client.get("/notes/1")
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(
            f"with the database down the app should still start and answer; it raised {type(error).__name__}: "
            f"{error} (the lifespan makes the engine, which connects only when first used)",
            pytrace=False,
        )
    assert health.status_code == 503 and health.json() == {"status": "unavailable", "database": "down"}, (
        f"/health should answer 503 {{'status': 'unavailable', 'database': 'down'}}; got {health.status_code} {health.text}"
    )
    assert note.status_code == 503, (
        f"a request that needs the database while it is down should get 503 (try again later), not "
        f"{note.status_code}: add an exception handler for the database's connection errors"
    )
    details = ("hunter2", "nonexistent", "notes_admin", "10.9.8.7")
    for response in (health, note):
        assert not any(detail in response.text for detail in details), (
            f"a response must not show connection details (host, path, user, password): {response.text}"
        )
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''} {record.exc_info or ''}"
        for record in caplog.records
        if record.name.startswith("notes")
    )
    assert not any(detail in logged for detail in details), (
        "the app's logs must not show the connection error's text (it names the host, user, file or password): "
        "log its class name, not the error nor its traceback:\n" + logged
    )


@pytest.mark.task(5)
@pytest.mark.backends("postgresql", reason="ends the app's connections on the server; SQLite has no server")
async def test_the_app_recovers_when_its_connections_are_killed(
    db: AsyncEngine, async_database_url: str
) -> None:
    name = "notes-recovery-test"
    async with db.begin() as connection:
        await connection.execute(insert(notes).values(id=5, title="Survivor", body="still here"))
    async with running(prod.Settings(async_database_url, app_name=name)) as client:
        first = await client.get("/notes/5")
        assert first.status_code == 200, (
            f"GET /notes/5 should work before the outage, got {first.status_code}"
        )
        async with db.connect() as connection:
            killed = (
                await connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = :name AND datname = current_database()"
                    ),
                    {"name": name},
                )
            ).scalar_one()
        assert killed >= 1, (
            f"no connection named {name!r} was found on the server: on PostgreSQL the engine should set "
            "application_name from settings.app_name (asyncpg: connect_args={'server_settings': {...}})"
        )
        after = await client.get("/notes/5")
        health = await client.get("/health")
    assert after.status_code == 200 and after.json()["title"] == "Survivor", (
        f"the server ended the app's pooled connection; the next request should still succeed ({after.status_code}: "
        f"{after.text}). pool_pre_ping=True tests each connection when it is checked out and replaces a dead one"
    )
    assert health.status_code == 200, f"/health should be 200 again, got {health.status_code}"
    async with db.connect() as connection:
        left = (
            await connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"), {"name": name}
            )
        ).scalar_one()
    assert left == 0, (
        f"after shutdown the lifespan should dispose of the engine: {left} connection(s) still open"
    )
