"""Tests for kata 13.1, FastAPI integration. Run: pytest katas/13_frameworks/01_fastapi_integration

The tests drive the app through `fastapi.testclient.TestClient`, used as a context manager:
`with TestClient(app) as client:` runs the app's lifespan on entry and exit. Your handlers and your
dependency are plain `def` functions, which FastAPI runs in worker threads. The tests create the
tables and check the rows with a sync engine of their own on `database_url`: the app commits for
real, and the database is wiped after each test.
"""

from __future__ import annotations

import sysconfig
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from fixtures.target import learner_module

fastapi_integration = learner_module(__file__, "fastapi_integration")

# The tests' own copy of the tables (the same as the models').
schema = MetaData()
authors = Table(
    "authors",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)
books = Table(
    "books",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("isbn", String(13), nullable=False, unique=True),
    Column("author_id", ForeignKey("authors.id"), nullable=False),
)

AUTHORS = [{"id": 1, "name": "Ursula K. Le Guin"}, {"id": 2, "name": "Frank Herbert"}]
BOOKS = [
    {"id": 1, "title": "A Wizard of Earthsea", "isbn": "9780547773742", "author_id": 1},
    {"id": 2, "title": "The Dispossessed", "isbn": "9780061054884", "author_id": 1},
    {"id": 3, "title": "Dune", "isbn": "9780441172719", "author_id": 2},
]


@pytest.fixture
def setup_engine(database_url: str) -> Iterator[Engine]:
    """A sync engine of the tests' own: creates and fills the tables before the app starts, checks rows after."""
    engine = create_engine(database_url)
    schema.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(authors), AUTHORS)
        connection.execute(insert(books), BOOKS)
        if engine.dialect.name == "postgresql":  # explicit ids leave the sequences behind
            for table in ("authors", "books"):
                connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1000)")
    yield engine
    engine.dispose()


def stored_books(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(books).order_by(books.c.id))]


def stored_authors(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(authors).order_by(authors.c.id))]


def book_json(book_id: int) -> dict[str, Any]:
    book = BOOKS[book_id - 1]
    author = AUTHORS[book["author_id"] - 1]
    return {"id": book_id, "title": book["title"], "isbn": book["isbn"], "author": author}


class Tracker:
    """What the app did with engines, sessions and connections, whatever names it gave them."""

    def __init__(self) -> None:
        self.engines: list[Engine] = []
        self.disposed: list[Engine] = []
        self.sessions: list[Session] = []  # in the order they first began a transaction
        self.checked_out = 0


@contextmanager
def tracking(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tracker]:
    tracker = Tracker()
    original_init, original_dispose = Engine.__init__, Engine.dispose

    def init(self: Engine, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        tracker.engines.append(self)

    def dispose(self: Engine, close: bool = True) -> None:
        tracker.disposed.append(self)
        original_dispose(self, close)

    monkeypatch.setattr(Engine, "__init__", init)
    monkeypatch.setattr(Engine, "dispose", dispose)

    def began(session: Session, *_: Any) -> None:
        if not any(s is session for s in tracker.sessions):
            tracker.sessions.append(session)

    def checkout(*_: Any) -> None:
        tracker.checked_out += 1

    def checkin(*_: Any) -> None:
        tracker.checked_out -= 1

    listeners = [(Session, "after_begin", began), (Pool, "checkout", checkout), (Pool, "checkin", checkin)]
    for target, name, function in listeners:
        event.listen(target, name, function)
    try:
        yield tracker
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)


_LIBRARIES = tuple(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))


def _without_library_frames(error: BaseException) -> BaseException:
    """The error with only the frames of the tests and of your file in its traceback (and its causes):
    the dozens of Starlette and anyio frames in between help nobody, and take pytest seconds to format."""
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
def app_client(database_url: str, raise_server_exceptions: bool = True) -> Iterator[TestClient]:
    """A TestClient on create_app(database_url), inside `with`: startup, requests, shutdown.

    raise_server_exceptions=True: an exception in the app fails the test with its own traceback;
    False: it becomes a 500 response, which a test about status codes reports in a sentence.
    """
    try:
        app = fastapi_integration.create_app(database_url)
        with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
            yield client
    except Exception as error:  # noqa: BLE001  # re-raised, only shortened
        raise _without_library_frames(error) from error.__cause__


def answer(response: Any) -> str:
    return f"{response.status_code} {response.text[:200]}"


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_lifespan_makes_one_engine_on_the_given_url_and_disposes_of_it(
    database_url: str, setup_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tracking(monkeypatch) as tracker:
        with app_client(database_url) as client:
            made = [e.url.render_as_string(hide_password=False) for e in tracker.engines]
            assert made == [database_url], (
                f"at startup (in the lifespan) the app should create ONE Engine on app.state.database_url "
                f"({database_url}); it made engines on {made}"
            )
            for path in ("/books/1", "/books/2", "/books/3", "/books/1"):
                response = client.get(path)
                assert response.status_code == 200, f"GET {path} should find the book, got {answer(response)}"
            assert len(tracker.engines) == 1, (
                f"four requests should share the app's one engine (and its pool); {len(tracker.engines)} engines "
                "were made: an engine per request opens a new pool every time"
            )
            assert not tracker.disposed, (
                "the engine should live until shutdown, not be disposed of while the app runs"
            )
        assert any(engine is tracker.engines[0] for engine in tracker.disposed), (
            "at shutdown (after the lifespan's yield) the app should dispose of its engine (engine.dispose()), "
            "closing its pooled connections"
        )
    assert tracker.checked_out == 0, f"{tracker.checked_out} connection(s) were never given back to the pool"


@pytest.mark.task(1)
def test_each_request_gets_its_own_session_closed_after_the_response(
    database_url: str, setup_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = [
        ("get", "/books/1", None),
        ("get", "/books/2", None),
        ("get", "/books/99", None),  # 404
        ("post", "/books", {"title": "Children of Dune", "isbn": "9780593098240", "author": "Frank Herbert"}),
        ("post", "/books", {"title": "Copy", "isbn": "9780441172719", "author": "Frank Herbert"}),  # 409
        ("delete", "/books/2", None),
    ]
    with tracking(monkeypatch) as tracker, app_client(database_url, raise_server_exceptions=False) as client:
        used_by_request: list[Session] = []
        for method, path, payload in requests:
            start = len(tracker.sessions)
            response = client.request(method, path, json=payload)
            used = tracker.sessions[start:]
            what = f"{method.upper()} {path} (answered {response.status_code})"
            assert len(used) == 1, (
                f"{what} should use exactly one new Session (a new one per request, from the get_session "
                f"dependency); it began {len(used)} new ones. A session shared across requests mixes their "
                "objects and transactions, and one request's failure breaks the next."
            )
            assert tracker.checked_out == 0, (
                f"after the response to {what} the request's session should be closed and its connection back in "
                "the pool (`with sessions() as session: yield session` in the dependency); "
                f"{tracker.checked_out} connection(s) are still checked out"
            )
            assert not used[0].in_transaction(), f"the session of {what} is still in a transaction: close it"
            used_by_request.append(used[0])
    assert len({id(s) for s in used_by_request}) == len(requests), (
        f"{len(requests)} requests should use {len(requests)} different sessions"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("payload", "title", "author_id"),
    [
        (
            {"title": "The Left Hand of Darkness", "isbn": "9780441478125", "author": "Ursula K. Le Guin"},
            None,
            1,
        ),
        ({"title": "Kindred", "isbn": "9780807083697", "author": "Octavia E. Butler"}, None, None),
        (
            {"title": "  The Lathe of Heaven ", "isbn": "9781416556961", "author": " Ursula K. Le Guin  "},
            "The Lathe of Heaven",
            1,
        ),
        ({"title": "x" * 200, "isbn": "0000000000000", "author": "y" * 100}, None, None),
    ],
    ids=["existing author", "new author", "spaces stripped", "longest allowed"],
)
def test_create_book_answers_201_with_the_book_and_its_author_and_commits_it(
    database_url: str, setup_engine: Engine, payload: dict[str, str], title: str | None, author_id: int | None
) -> None:
    with app_client(database_url) as client:
        response = client.post("/books", json=payload)
    assert response.status_code == 201, f"POST /books should answer 201 Created, not {answer(response)}"
    body = response.json()
    expected_title = title or payload["title"]
    expected_author = payload["author"].strip()
    assert (
        isinstance(body.get("id"), int)
        and body.get("title") == expected_title
        and body.get("isbn") == payload["isbn"]
        and isinstance(body.get("author"), dict)
        and body["author"].get("name") == expected_author
    ), (
        f"the response should be the new book (BookOut) with its id and its author nested: title {expected_title!r}, "
        f"isbn {payload['isbn']!r}, author {{'id': ..., 'name': {expected_author!r}}}; got {body}"
    )
    if author_id is not None:
        assert body["author"].get("id") == author_id, (
            f"{expected_author!r} is author {author_id} already: the book should go under that author, not a new "
            f"one; the response says author {body['author']}"
        )
    rows = stored_books(setup_engine)
    assert (body["id"], expected_title, payload["isbn"], body["author"]["id"]) in rows and len(rows) == 4, (
        f"the book should be committed (another connection sees it) next to the 3 that were there; books: {rows}"
    )
    names = [row[1] for row in stored_authors(setup_engine)]
    assert sorted(names) == sorted({a["name"] for a in AUTHORS} | {expected_author}), (
        f"the authors table should hold each name once (a new author only for a new name); it holds {names}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("post", "/books", {"title": "Kindred", "isbn": "9780807083697", "author": "Octavia E. Butler"}, 201),
        ("delete", "/books/2", None, 204),
    ],
    ids=["create", "delete"],
)
def test_the_handler_commits_before_the_client_gets_its_answer(
    database_url: str, setup_engine: Engine, method: str, path: str, payload: Any, status: int
) -> None:
    """A commit in the dependency's code after `yield` runs after the response was sent: if it failed,
    the client would already have its 201 or 204 for work that was never saved."""
    events: list[str] = []

    def committed(session: Session) -> None:
        events.append("commit")

    app = fastapi_integration.create_app(database_url)

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def watched_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                events.append("answer")
            await send(message)

        await app(scope, receive, watched_send)

    event.listen(Session, "after_commit", committed)
    try:
        with TestClient(watching) as client:
            response = client.request(method, path, json=payload)
    finally:
        event.remove(Session, "after_commit", committed)
    assert response.status_code == status, (
        f"{method.upper()} {path} should answer {status}, not {answer(response)}"
    )
    assert "commit" in events and "answer" in events and events.index("commit") < events.index("answer"), (
        f"{method.upper()} {path}: the handler should commit BEFORE it returns, so that a failed commit can still "
        f"answer an error; what happened, in order: {events}. Code after `yield` in a dependency runs only after "
        "the response was sent (see 'Where the commit goes' in the README)"
    )


INVALID_BOOKS = {
    "nothing": {},
    "no isbn": {"title": "T", "author": "A"},
    "empty title": {"title": "", "isbn": "9780000000002", "author": "A"},
    "title of spaces": {"title": "   ", "isbn": "9780000000002", "author": "A"},
    "title too long": {"title": "x" * 201, "isbn": "9780000000002", "author": "A"},
    "author of spaces": {"title": "T", "isbn": "9780000000002", "author": "  "},
    "author too long": {"title": "T", "isbn": "9780000000002", "author": "y" * 101},
    "isbn of 12 digits": {"title": "T", "isbn": "978000000000", "author": "A"},
    "isbn of 14 digits": {"title": "T", "isbn": "97800000000021", "author": "A"},
    "isbn with dashes": {"title": "T", "isbn": "978-0-00-000000", "author": "A"},
    "isbn with a letter": {"title": "T", "isbn": "978000000000X", "author": "A"},
    "isbn with a newline": {"title": "T", "isbn": "9780000000002\n", "author": "A"},
    "isbn of Arabic-Indic digits": {"title": "T", "isbn": "٩٧٨٠٠٠٠٠٠٠٠٠٢", "author": "A"},
}


@pytest.mark.task(2)
def test_create_book_refuses_invalid_input_with_422(database_url: str, setup_engine: Engine) -> None:
    # One app for all the cases: starting an app per case would make this file slow.
    with app_client(database_url, raise_server_exceptions=False) as client:
        answers = {case: client.post("/books", json=payload) for case, payload in INVALID_BOOKS.items()}
    wrong = {case: answer(r)[:80] for case, r in answers.items() if r.status_code != 422}
    assert not wrong, (
        "POST /books with an invalid book should be refused with 422 by the BookIn schema (title and author "
        "stripped, then 1-200 and 1-100 characters; isbn exactly 13 digits 0-9 — note that a regex's \\d also "
        f"matches other scripts' digits, and $ matches before a final newline in Python's re). Not refused: {wrong}"
    )
    assert stored_books(setup_engine) == [tuple(b.values()) for b in BOOKS], (
        "a refused book must not be stored"
    )
    assert len(stored_authors(setup_engine)) == 2, "a refused book must not store its author either"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_read_book_returns_it_with_its_author(database_url: str, setup_engine: Engine) -> None:
    with app_client(database_url) as client:
        answers = {book_id: client.get(f"/books/{book_id}") for book_id in (3, 1, 2)}
    for book_id, response in answers.items():
        assert response.status_code == 200 and response.json() == book_json(book_id), (
            f"GET /books/{book_id} should answer 200 with {book_json(book_id)} (BookOut, its author nested); "
            f"got {answer(response)}"
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_missing_book_is_404(database_url: str, setup_engine: Engine, method: str) -> None:
    with app_client(database_url, raise_server_exceptions=False) as client:
        answers = {book_id: client.request(method, f"/books/{book_id}") for book_id in (0, 4, 12345)}
    for book_id, response in answers.items():
        assert response.status_code == 404 and response.json() == {"detail": "book not found"}, (
            f"there is no book {book_id}: {method.upper()} /books/{book_id} should answer 404 with the detail "
            f"'book not found' (raise HTTPException), not {answer(response)}"
        )
    assert len(stored_books(setup_engine)) == 3, "nothing should change"


@pytest.mark.task(3)
def test_delete_book_answers_204_and_commits(database_url: str, setup_engine: Engine) -> None:
    with app_client(database_url) as client:
        response = client.delete("/books/1")
        again = client.get("/books/1")
    assert response.status_code == 204 and response.content == b"", (
        f"DELETE /books/1 should answer 204 No Content with an empty body, not {answer(response)}"
    )
    assert [row[0] for row in stored_books(setup_engine)] == [2, 3], (
        "book 1 should be deleted and the deletion committed (another connection no longer sees it); "
        f"books left: {stored_books(setup_engine)}"
    )
    assert again.status_code == 404, f"after the delete, GET /books/1 should answer 404, not {answer(again)}"
    assert len(stored_authors(setup_engine)) == 2, "deleting a book must not delete its author"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("author", ["Frank Herbert", "Brian Herbert"], ids=["existing author", "new author"])
def test_a_taken_isbn_is_409_and_nothing_of_the_request_is_stored(
    database_url: str, setup_engine: Engine, author: str
) -> None:
    payload = {"title": "Dune (again)", "isbn": "9780441172719", "author": author}
    with app_client(database_url, raise_server_exceptions=False) as client:
        response = client.post("/books", json=payload)
        names = [row[1] for row in stored_authors(setup_engine)]
        book_count = len(stored_books(setup_engine))
        after = client.post(
            "/books", json={"title": "Dune Messiah", "isbn": "9780593098233", "author": author}
        )
    assert response.status_code == 409 and response.json() == {"detail": "isbn already exists"}, (
        "isbn 9780441172719 belongs to book 3: POST /books with it should answer 409 with the detail "
        "'isbn already exists' (catch the IntegrityError the commit raises, roll back, raise HTTPException(409)); "
        f"got {answer(response)}"
    )
    assert names == [a["name"] for a in AUTHORS], (
        f"the refused request must store nothing, not even its new author {author!r}: the request is one "
        f"transaction, committed once at its end or rolled back whole. Authors after the 409: {names}"
    )
    assert book_count == 3, "the refused book must not be stored"
    assert after.status_code == 201, (
        f"after a 409, the app should serve the next request as usual (a new session for it); got {answer(after)}"
    )


@pytest.mark.task(4)
def test_an_isbn_taken_by_another_request_meanwhile_is_409_too(
    database_url: str, setup_engine: Engine
) -> None:
    """Another client commits a book with the same isbn just before the app's INSERT: a check done with
    a SELECT first passes, and only the database's unique constraint can refuse the second book."""
    payload = {
        "title": "The Word for World Is Forest",
        "isbn": "9780765324641",
        "author": "Ursula K. Le Guin",
    }
    fired: list[str] = []

    def another_client_first(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if (
            not fired
            and conn.engine is not setup_engine
            and statement.lstrip().upper().startswith("INSERT INTO BOOKS")
        ):
            fired.append(statement)
            with setup_engine.begin() as other:
                other.execute(
                    insert(books), {"id": 50, "title": "Other", "isbn": payload["isbn"], "author_id": 2}
                )

    event.listen(Engine, "before_cursor_execute", another_client_first)
    try:
        with app_client(database_url, raise_server_exceptions=False) as client:
            response = client.post("/books", json=payload)
    finally:
        event.remove(Engine, "before_cursor_execute", another_client_first)
    assert fired, f"the app never sent an INSERT INTO books for a new book (answered {answer(response)})"
    assert response.status_code == 409 and response.json() == {"detail": "isbn already exists"}, (
        "another request committed the same isbn between your check and your INSERT: the unique constraint "
        "refuses the INSERT (IntegrityError at commit), and that should answer 409 'isbn already exists', not "
        f"{answer(response)}. Catch the IntegrityError rather than (only) SELECTing first."
    )
    assert [row[0] for row in stored_books(setup_engine)] == [1, 2, 3, 50], (
        "only the other client's book stays"
    )


@pytest.mark.task(4)
def test_a_database_failure_that_is_not_a_conflict_is_not_answered_409(
    database_url: str, setup_engine: Engine
) -> None:
    """The database goes away during the INSERT: that is the server's failure (500), not the client's
    conflict. Only an IntegrityError means "the isbn is taken"."""

    def server_gone(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.engine is not setup_engine and statement.lstrip().upper().startswith("INSERT INTO BOOKS"):
            raise OperationalError(
                statement, {}, ConnectionError("server closed the connection unexpectedly")
            )

    payload = {"title": "The Telling", "isbn": "9780441010028", "author": "Ursula K. Le Guin"}
    event.listen(Engine, "before_cursor_execute", server_gone)
    try:
        with app_client(database_url, raise_server_exceptions=False) as client:
            response = client.post("/books", json=payload)
    finally:
        event.remove(Engine, "before_cursor_execute", server_gone)
    assert response.status_code == 500, (
        "the INSERT failed with an OperationalError (the connection was lost), not an IntegrityError: the client "
        f"did nothing wrong, and 409 'isbn already exists' would be a lie. Catch IntegrityError only (not Exception "
        f"or SQLAlchemyError); this should end as a 500, got {answer(response)}"
    )
