"""Tests for kata 13.3, Starlette integration. Run: pytest katas/13_frameworks/03_starlette_integration

The tests build your app with `create_app(sessions)`, where `sessions` is a sessionmaker bound to
the test's connection (each session joins the test's transaction through a savepoint, so its
commit is real to the test, and everything is rolled back after it). The sessions it makes record
what is done with them: commit, rollback, close. A thin ASGI wrapper around your app records when
each response starts, so the tests can tell a commit made before the client got its status from
one made after. `TestClient(app, raise_server_exceptions=False)`: an exception in the app becomes
the 500 response a real server would send.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from fixtures.target import learner_module

starlette_integration = learner_module(__file__, "starlette_integration")

schema = MetaData()
items = Table(
    "items",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("quantity", Integer, nullable=False),
)
STOCK = {"tea": 10, "coffee": 5, "cocoa": 0}


@pytest.fixture
def stock(connection: Connection) -> Connection:
    schema.create_all(connection)
    connection.execute(insert(items), [{"name": name, "quantity": q} for name, q in STOCK.items()])
    return connection


def stored(connection: Connection) -> dict[str, int]:
    return {name: quantity for name, quantity in connection.execute(select(items.c.name, items.c.quantity))}


class Journal:
    """Every session the app made, and the story of each request: commit, rollback, close, response start."""

    def __init__(self) -> None:
        self.sessions: list[Session] = []
        self.events: list[str] = []

    def of_session(self, session: Session) -> list[str]:
        return [e.split(" ", 1)[1] for e in self.events if e.startswith(f"#{id(session)} ")]


@pytest.fixture
def journal() -> Journal:
    return Journal()


@pytest.fixture
def sessions(stock: Connection, journal: Journal) -> sessionmaker[Session]:
    class RecordingSession(Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            journal.sessions.append(self)

        def commit(self) -> None:
            journal.events.append(f"#{id(self)} commit")
            super().commit()

        def rollback(self) -> None:
            journal.events.append(f"#{id(self)} rollback")
            super().rollback()

        def close(self) -> None:
            journal.events.append(f"#{id(self)} close")
            super().close()

    return sessionmaker(bind=stock, class_=RecordingSession, join_transaction_mode="create_savepoint")


@contextmanager
def app_client(sessions: sessionmaker[Session], journal: Journal) -> Iterator[TestClient]:
    app = starlette_integration.create_app(sessions)

    async def recording_response_starts(scope: Any, receive: Any, send: Any) -> None:
        async def recording_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                journal.events.append(f"response {message['status']}")
            await send(message)

        try:
            await app(scope, receive, recording_send)
        except BaseException as error:
            journal.events.append(f"raised {type(error).__name__}")  # what the server would log
            raise

    with TestClient(recording_response_starts, raise_server_exceptions=False) as client:
        yield client


def story(journal: Journal, start: int) -> list[str]:
    """The events since `start`, with session ids replaced by 'session'."""
    return [("session " + e.split(" ", 1)[1]) if e.startswith("#") else e for e in journal.events[start:]]


# -- task 1 -------------------------------------------------------------------------------------


REQUESTS = [
    ("get", "/items", None, 200),
    ("post", "/items", {"name": "matcha", "quantity": 3}, 201),
    ("post", "/items/restock", [{"name": "tea", "quantity": 1}, {"name": "mate", "quantity": 1}], 404),
    ("post", "/items/coffee/sell", {"quantity": 9}, 409),
    ("post", "/items/rooibos/explode", None, 500),
    ("post", "/items/tea/sell", {"quantity": 2}, 200),
]


@pytest.mark.task(1)
def test_each_http_request_gets_its_own_session_as_request_state_db_and_it_is_closed(
    sessions: sessionmaker[Session], journal: Journal
) -> None:
    with app_client(sessions, journal) as client:
        assert journal.sessions == [], (
            "the app's startup (the ASGI 'lifespan' scope) went through your middleware and it made a session: "
            "only HTTP requests get one; other scopes pass straight to the app"
        )
        used: list[Session] = []
        for method, path, payload, status in REQUESTS:
            before = len(journal.sessions)
            response = client.request(method, path, json=payload)
            what = f"{method.upper()} {path}"
            assert response.status_code == status, (
                f"{what} should answer {status} (the endpoint reads its session from request.state.db: set "
                f"scope['state']['db'] in the middleware); got {response.status_code} {response.text[:200]}"
            )
            made = journal.sessions[before:]
            assert len(made) == 1, (
                f"{what} should get exactly one new session from the sessionmaker; it got {len(made)}"
            )
            assert "close" in journal.of_session(made[0]), (
                f"the session of {what} was never closed: close it when the request is done, whatever happened "
                f"(`with sessions() as session:` around the call of the app). Its story: {journal.of_session(made[0])}"
            )
            used.append(made[0])
    assert len(journal.sessions) == len(REQUESTS), (
        f"{len(REQUESTS)} requests, and startup and shutdown, should make {len(REQUESTS)} sessions; "
        f"{len(journal.sessions)} were made"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "expected"),
    [
        ("post", "/items", {"name": "matcha", "quantity": 3}, 201, {**STOCK, "matcha": 3}),
        (
            "post",
            "/items/restock",
            [{"name": "cocoa", "quantity": 4}, {"name": "tea", "quantity": 2}],
            200,
            {**STOCK, "cocoa": 4, "tea": 12},
        ),
        ("post", "/items/coffee/sell", {"quantity": 5}, 200, {**STOCK, "coffee": 0}),
        ("post", "/items?then=list", {"name": "sencha", "quantity": 1}, 303, {**STOCK, "sencha": 1}),
    ],
    ids=["add 201", "restock 200", "sell 200", "add 303 redirect"],
)
def test_a_successful_request_is_committed_before_its_response_starts(
    sessions: sessionmaker[Session],
    journal: Journal,
    stock: Connection,
    method: str,
    path: str,
    payload: Any,
    status: int,
    expected: dict[str, int],
) -> None:
    with app_client(sessions, journal) as client:
        start = len(journal.events)
        response = client.request(method, path, json=payload, follow_redirects=False)
        events = story(journal, start)
    assert response.status_code == status, (
        f"{method.upper()} {path} should answer {status}, got {response.text[:200]}"
    )
    assert stored(stock) == expected, (
        f"a {status} answer means the request's work is saved: the middleware commits when the status is below "
        f"400. Expected the stock {expected}, the database has {stored(stock)}. What happened: {events}"
    )
    assert "session commit" in events and events.index("session commit") < events.index(
        f"response {status}"
    ), (
        "commit when the response STARTS (the 'http.response.start' message carries the status), before you pass "
        "that message on: a commit after the client got its answer can fail with nobody told. What happened: "
        f"{events}"
    )


@pytest.mark.task(2)
def test_a_commit_that_fails_answers_500_and_not_success(
    sessions: sessionmaker[Session], journal: Journal, stock: Connection
) -> None:
    with app_client(sessions, journal) as client:
        start = len(journal.events)
        taken = client.post("/items", json={"name": "tea", "quantity": 7})
        events = story(journal, start)
        after = client.post("/items", json={"name": "chai", "quantity": 2})
    assert taken.status_code == 500, (
        "'tea' exists: the endpoint answers 201 but the INSERT only happens at the commit, where the unique "
        "constraint refuses it. Committing before passing the response start on lets that IntegrityError "
        f"become a 500; the client got {taken.status_code} {taken.text[:100]}. What happened: {events}"
    )
    assert "session close" in events, f"after the failed commit the session should still be closed: {events}"
    assert after.status_code == 201 and stored(stock) == {**STOCK, "chai": 2}, (
        f"the next request should work as usual and be saved: got {after.status_code}; stock {stored(stock)}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        (
            "/items/restock",
            [{"name": "tea", "quantity": 5}, {"name": "coffee", "quantity": 5}, {"name": "x", "quantity": 1}],
            404,
        ),
        ("/items/restock", [{"name": "tea", "quantity": 5}, {"name": "coffee", "quantity": 0}], 400),
        ("/items/coffee/sell", {"quantity": 6}, 409),
    ],
    ids=["404 returned", "400 returned", "409 raised as HTTPException"],
)
def test_an_error_status_rolls_the_request_back(
    sessions: sessionmaker[Session], journal: Journal, stock: Connection, path: str, payload: Any, status: int
) -> None:
    with app_client(sessions, journal) as client:
        start = len(journal.events)
        response = client.post(path, json=payload)
        events = story(journal, start)
    assert response.status_code == status, f"POST {path} should answer {status}, got {response.status_code}"
    assert "session commit" not in events and stored(stock) == STOCK, (
        f"an answer of {status} means the request failed: the middleware rolls back everything it did (the "
        f"endpoint had already changed rows and flushed). Stock now {stored(stock)}, before {STOCK}. What happened: "
        f"{events}"
    )
    assert "session close" in events, f"the session should be closed after the request: {events}"


@pytest.mark.task(3)
def test_an_exception_rolls_back_closes_and_still_answers_500(
    sessions: sessionmaker[Session], journal: Journal, stock: Connection
) -> None:
    with app_client(sessions, journal) as client:
        start = len(journal.events)
        response = client.post("/items/rooibos/explode")
        events = story(journal, start)
        after = client.get("/items")
    assert response.status_code == 500, (
        f"the endpoint raised: the client should get a 500 (let the exception go on after rolling back), not "
        f"{response.status_code}"
    )
    assert "session commit" not in events and "rooibos" not in stored(stock), (
        f"the endpoint raised after its INSERT: nothing of that request may be committed. What happened: {events}; "
        f"stock {stored(stock)}"
    )
    assert "session close" in events, f"the session should be closed even when the app raised: {events}"
    assert "raised RuntimeError" in events, (
        "the endpoint's RuntimeError should go on after your rollback (`raise`): Starlette's error middleware "
        "answers 500 and the server logs the error; swallowed, the bug is invisible. What happened: "
        f"{events}"
    )
    assert after.status_code == 200 and [i["name"] for i in after.json()] == sorted(STOCK), (
        f"the next request should see the stock as it was: {after.status_code} {after.text[:200]}"
    )


@pytest.mark.task(3)
def test_a_request_sees_none_of_a_failed_requests_changes(
    sessions: sessionmaker[Session], journal: Journal, stock: Connection
) -> None:
    with app_client(sessions, journal) as client:
        client.post("/items/restock", json=[{"name": "tea", "quantity": 90}, {"name": "nope", "quantity": 1}])
        client.post("/items/coffee/sell", json={"quantity": 50})
        client.post(
            "/items/restock", json=[{"name": "coffee", "quantity": 3}, {"name": "tea", "quantity": -1}]
        )
        listing = client.get("/items").json()
    assert {i["name"]: i["quantity"] for i in listing} == STOCK, (
        f"after a 404, a 409 and a 400, GET /items should show the stock unchanged {STOCK}; it shows {listing}"
    )
