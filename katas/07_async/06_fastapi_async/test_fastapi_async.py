"""Tests for kata 7.6, FastAPI with async sessions. Run: pytest katas/07_async/06_fastapi_async

The tests drive the app through `fastapi.testclient.TestClient`, used as a context manager:
`with TestClient(app) as client:` runs the app's lifespan on entry and exit, and runs the
lifespan and every request on ONE event loop, in a helper thread (the client's "portal"). That
matters on PostgreSQL: asyncpg ties each connection to the loop that opened it, so an engine
created in the lifespan must serve requests on that same loop — which the portal guarantees
(aiosqlite would not notice if it did not). The tests themselves are plain `def` functions: they
create the tables and check the rows with an ordinary sync engine on `database_url`, committed for
real (the database is wiped after each test).
"""

from __future__ import annotations

import sysconfig
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from fixtures.target import learner_module

with warnings.catch_warnings():
    # Starlette 1.10 warns (a StarletteDeprecationWarning, a UserWarning) that its test client's use
    # of httpx is deprecated: httpx2 replaces it. Nothing a learner can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

fastapi_async = learner_module(__file__, "fastapi_async")

# The tests' own copy of the table (the same as the Note model's).
schema = MetaData()
notes = Table(
    "notes",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(100), nullable=False),
    Column("body", Text, nullable=False),
)


@pytest.fixture
def setup_engine(database_url: str) -> Iterator[Engine]:
    """A sync engine of the tests' own: creates the table before the app starts, checks rows after."""
    engine = create_engine(database_url)
    schema.create_all(engine)
    yield engine
    engine.dispose()


def add_notes(engine: Engine, count: int) -> list[dict[str, Any]]:
    rows = [{"id": i, "title": f"Note {i}", "body": f"body of note {i}"} for i in range(1, count + 1)]
    with engine.begin() as connection:
        if rows:
            connection.execute(insert(notes), rows)
        if engine.dialect.name == "postgresql":  # explicit ids leave the sequence behind
            connection.exec_driver_sql("SELECT setval(pg_get_serial_sequence('notes', 'id'), 1000)")
    return rows


def stored(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(notes).order_by(notes.c.id))]  # type: ignore[misc]


class Tracker:
    """What the app did with engines, sessions, connections and SQL, whatever names it gave them."""

    def __init__(self) -> None:
        self.engines: list[AsyncEngine] = []
        self.disposed: list[AsyncEngine] = []
        self.sessions: list[Session] = []  # in the order they first began a transaction
        self.checked_out = 0
        self.sql: list[str] = []

    def sessions_since(self, start: int) -> list[Session]:
        return self.sessions[start:]


@contextmanager
def tracking(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tracker]:
    tracker = Tracker()
    original_init, original_dispose = AsyncEngine.__init__, AsyncEngine.dispose

    def init(self: AsyncEngine, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        tracker.engines.append(self)

    async def dispose(self: AsyncEngine, close: bool = True) -> None:
        tracker.disposed.append(self)
        await original_dispose(self, close)

    monkeypatch.setattr(AsyncEngine, "__init__", init)
    monkeypatch.setattr(AsyncEngine, "dispose", dispose)

    def began(session: Session, *_: Any) -> None:
        if not any(s is session for s in tracker.sessions):
            tracker.sessions.append(session)

    def checkout(*_: Any) -> None:
        tracker.checked_out += 1

    def checkin(*_: Any) -> None:
        tracker.checked_out -= 1

    def before(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        tracker.sql.append(statement)

    listeners = [
        (Session, "after_begin", began),
        (Pool, "checkout", checkout),
        (Pool, "checkin", checkin),
        (Engine, "before_cursor_execute", before),
    ]
    for target, name, function in listeners:
        event.listen(target, name, function)
    try:
        yield tracker
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)


_LIBRARIES = tuple(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))


def _without_library_frames(error: BaseException) -> BaseException:
    """The error with only the frames of the tests and of your file in its traceback (and in its causes).

    An exception raised in the app reaches the test through Starlette's and anyio's machinery:
    dozens of frames nobody needs to read, which pytest would also take seconds to format.
    """
    kept = []
    tb = error.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_LIBRARIES):
            kept.append(tb)
        tb = tb.tb_next
    trimmed = None
    for entry in reversed(kept):
        trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    for linked in (error.__cause__, error.__context__):
        if linked is not None and linked is not error:
            _without_library_frames(linked)
    return error.with_traceback(trimmed)


@contextmanager
def app_client(async_database_url: str) -> Iterator[TestClient]:
    """A TestClient on create_app(async_database_url), inside `with`: startup, requests, shutdown."""
    try:
        # raise_server_exceptions (the default): an exception in the app fails the test with its own
        # traceback, instead of becoming a 500 response.
        with TestClient(fastapi_async.create_app(async_database_url)) as client:
            yield client
    except Exception as error:  # noqa: BLE001  # re-raised, only shortened
        raise _without_library_frames(error) from error.__cause__


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_lifespan_makes_one_engine_and_disposes_of_it(
    async_database_url: str, setup_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_notes(setup_engine, 3)
    with tracking(monkeypatch) as tracker:
        with app_client(async_database_url) as client:
            assert len(tracker.engines) == 1, (
                f"the app should create one AsyncEngine at startup (in its lifespan); it made {len(tracker.engines)}"
            )
            for note_id in (1, 2, 3, 2):
                assert client.get(f"/notes/{note_id}").status_code == 200, (
                    f"GET /notes/{note_id} should find the note"
                )
            client.post("/notes", json={"title": "More"})
            assert len(tracker.engines) == 1, (
                f"five requests should share the app's one engine (and its pool); {len(tracker.engines)} engines "
                "were made: an engine per request opens a new pool every time"
            )
            assert not tracker.disposed, (
                "the engine should live until shutdown, not be disposed of while the app runs"
            )
        assert any(engine is tracker.engines[0] for engine in tracker.disposed), (
            "at shutdown (the end of the lifespan) the app should dispose of its engine (await engine.dispose()), "
            "closing its pooled connections while the event loop still runs"
        )
    assert tracker.checked_out == 0, f"{tracker.checked_out} connections were never given back to a pool"


@pytest.mark.task(1)
def test_each_request_gets_its_own_session_closed_after_the_response(
    async_database_url: str, setup_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_notes(setup_engine, 4)
    with tracking(monkeypatch) as tracker, app_client(async_database_url) as client:
        per_request: list[list[Session]] = []
        for method, path in [
            ("get", "/notes/1"),
            ("get", "/notes/2"),
            ("get", "/notes/99"),
            ("get", "/notes"),
        ]:
            start = len(tracker.sessions)
            getattr(client, method)(path)
            used = tracker.sessions_since(start)
            assert len(used) == 1, (
                f"{method.upper()} {path} should use exactly one new session (a new AsyncSession per request, from "
                f"the dependency); it began {len(used)} new ones. A session shared across requests mixes their "
                "objects and transactions."
            )
            assert tracker.checked_out == 0, (
                f"after the response to {method.upper()} {path} the request's session should be closed and its "
                "connection back in the pool (`async with sessions() as session: yield session` in the dependency); "
                f"{tracker.checked_out} connection(s) are still checked out"
            )
            assert not used[0].in_transaction(), (
                f"the session of {method.upper()} {path} is still in a transaction after the response: close it"
            )
            per_request.append(used)
        assert len({id(s) for used in per_request for s in used}) == 4, (
            "four requests should use four different sessions"
        )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "payload",
    [
        {"title": "Groceries", "body": "eggs, flour"},
        {"title": "No body"},
        {"title": "x" * 100, "body": "y" * 2000},
    ],
    ids=["title and body", "no body", "longest allowed"],
)
def test_create_note_answers_201_with_the_note_and_commits_it(
    async_database_url: str, setup_engine: Engine, payload: dict[str, str]
) -> None:
    add_notes(setup_engine, 2)
    with app_client(async_database_url) as client:
        response = client.post("/notes", json=payload)
    assert response.status_code == 201, (
        f"POST /notes should answer 201 Created, not {response.status_code}: {response.text}"
    )
    body = response.json()
    expected = {"title": payload["title"], "body": payload.get("body", "")}
    assert {k: body.get(k) for k in expected} == expected and isinstance(body.get("id"), int), (
        f"the response should be the new note with its id: expected {expected} and an id, got {body}"
    )
    rows = stored(setup_engine)
    assert (body["id"], expected["title"], expected["body"]) in rows and len(rows) == 3, (
        f"the note should be committed (another connection sees it) next to the 2 that were there; the table holds {rows}"
    )


@pytest.mark.task(2)
def test_created_notes_get_their_own_ids_and_can_be_read_back(
    async_database_url: str, setup_engine: Engine
) -> None:
    add_notes(setup_engine, 3)
    with app_client(async_database_url) as client:
        created = [client.post("/notes", json={"title": title}).json() for title in ("First", "Second")]
        read_back = [client.get(f"/notes/{note.get('id')}").json() for note in created]
    ids = [note.get("id") for note in created]
    assert len(set(ids)) == 2 and not set(ids) & {1, 2, 3}, f"two new notes should get two new ids, got {ids}"
    assert read_back == created, (
        f"GET /notes/<id> of each new note should answer what POST answered: posted {created}, read {read_back}"
    )


INVALID_NOTES = {
    "nothing": {},
    "empty title": {"title": ""},
    "title too long": {"title": "x" * 101},
    "body too long": {"title": "ok", "body": "y" * 2001},
    "title not a string": {"title": ["a", "list"]},
    "no title": {"body": "no title"},
}


@pytest.mark.task(2)
def test_create_note_refuses_invalid_input_with_422(async_database_url: str, setup_engine: Engine) -> None:
    # One app for all the cases: starting an app per case would make this file slow.
    with app_client(async_database_url) as client:
        answers = {case: client.post("/notes", json=payload) for case, payload in INVALID_NOTES.items()}
    wrong = {case: f"{r.status_code} {r.text[:80]}" for case, r in answers.items() if r.status_code != 422}
    assert not wrong, (
        "POST /notes with an invalid note should be refused with 422 (the NoteIn schema validates it: a title of "
        f"1 to 100 characters, a body of at most 2,000). These were not: {wrong}"
    )
    assert stored(setup_engine) == [], "a refused note must not be stored"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("note_id", [1, 3, 5])
def test_read_note_returns_it(async_database_url: str, setup_engine: Engine, note_id: int) -> None:
    rows = add_notes(setup_engine, 5)
    with app_client(async_database_url) as client:
        response = client.get(f"/notes/{note_id}")
    assert response.status_code == 200 and response.json() == rows[note_id - 1], (
        f"GET /notes/{note_id} should answer 200 with {rows[note_id - 1]}; got {response.status_code} {response.text}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("note_id", [0, 6, 12345])
def test_read_missing_note_is_404(async_database_url: str, setup_engine: Engine, note_id: int) -> None:
    add_notes(setup_engine, 5)
    with app_client(async_database_url) as client:
        response = client.get(f"/notes/{note_id}")
    assert response.status_code == 404 and response.json() == {"detail": "note not found"}, (
        f"there is no note {note_id}: GET /notes/{note_id} should answer 404 with detail 'note not found' "
        f"(raise HTTPException), not {response.status_code} {response.text}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("count", "page", "size"),
    [(7, 1, 3), (7, 2, 3), (7, 3, 3), (7, 4, 3), (12, 1, 10), (12, 2, 10), (0, 1, 5)],
    ids=["first", "second", "last, partial", "past the end", "default size", "rest", "empty"],
)
def test_list_notes_pages_through_the_notes_by_id(
    async_database_url: str,
    setup_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    page: int,
    size: int,
) -> None:
    rows = add_notes(setup_engine, count)
    with tracking(monkeypatch) as tracker, app_client(async_database_url) as client:
        params = {"page": page} if size == 10 else {"page": page, "size": size}
        before = len(tracker.sql)
        response = client.get("/notes", params=params)
        sent = tracker.sql[before:]
    expected = {"items": rows[(page - 1) * size : page * size], "total": count, "page": page, "size": size}
    assert response.status_code == 200 and response.json() == expected, (
        f"GET /notes?page={page}&size={size} with {count} notes should answer page {page} (page 1 is the first) of "
        f"the notes by id, and the total: expected {expected}, got {response.status_code} {response.text[:300]}"
    )
    selects = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 2 and any("LIMIT" in s.upper() for s in selects), (
        "one SELECT count(*) and one SELECT of the page (LIMIT ... OFFSET ...) are enough; the app sent: "
        + " | ".join(" ".join(s.split())[:120] for s in sent)
    )
    assert all("ORDER BY" in s.upper() for s in selects if "LIMIT" in s.upper()), (
        "the page's SELECT should say ORDER BY notes.id: without it the database may return the rows in any "
        "order (PostgreSQL changes it after updates), and a page would not always hold the same notes; sent: "
        + " | ".join(" ".join(s.split())[:120] for s in sent)
    )


@pytest.mark.task(4)
def test_list_notes_refuses_bad_paging_with_422(async_database_url: str, setup_engine: Engine) -> None:
    add_notes(setup_engine, 3)
    with app_client(async_database_url) as client:
        answers = {
            q: client.get(f"/notes?{q}") for q in ["page=0", "page=-1", "size=0", "size=51", "page=two"]
        }
    wrong = {q: r.status_code for q, r in answers.items() if r.status_code != 422}
    assert not wrong, (
        f"page starts at 1 and size is 1 to 50: these should be refused with 422, and were answered {wrong}"
    )
