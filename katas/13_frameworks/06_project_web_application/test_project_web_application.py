"""Tests for kata 13.6, project: a web application. Run: pytest katas/13_frameworks/06_project_web_application

The tests drive the app with FastAPI's `TestClient` (`with TestClient(app)` runs the lifespan), create
and fill the tables with a sync engine of their own on `database_url`, and count the statements the
app's engine sends per request. The app commits for real; the database is wiped after each test.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import (
    Boolean,
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

project_web_application = learner_module(__file__, "project_web_application")

schema = MetaData()
projects = Table(
    "projects",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)
tasks = Table(
    "tasks",
    schema,
    Column("id", Integer, primary_key=True),
    Column("project_id", ForeignKey("projects.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("priority", Integer, nullable=False),
    Column("done", Boolean, nullable=False),
)


def make_data(project_count: int, seed: int = 6) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(seed * 100 + project_count)
    names = ["website", "Apollo", "backlog", "Zeta", "migration", "apollo"]
    project_rows = [
        {"id": i, "name": names[i - 1] if i <= len(names) else f"project {i:03}"}
        for i in range(1, project_count + 1)
    ]
    task_rows: list[dict[str, Any]] = []
    for project in project_rows:
        count = 23 if project["id"] == 1 else project["id"] % 4  # project 1 has many; 4, 8, ... none
        for _ in range(count):
            task_rows.append(
                {
                    "id": len(task_rows) + 1,
                    "project_id": project["id"],
                    "title": f"task {len(task_rows) + 1}",
                    "priority": rng.randint(1, 5),
                    "done": rng.random() < 0.3,
                }
            )
    return project_rows, task_rows


@pytest.fixture
def setup_engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    schema.create_all(engine)
    yield engine
    engine.dispose()


def fill(engine: Engine, project_count: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    project_rows, task_rows = make_data(project_count)
    rng = random.Random(project_count)
    with engine.begin() as connection:
        for table, rows in ((projects, project_rows), (tasks, task_rows)):
            shuffled = rows[:]
            rng.shuffle(shuffled)  # inserted out of order: the order of the answers must come from ORDER BY
            if shuffled:
                connection.execute(insert(table), shuffled)
        if engine.dialect.name == "postgresql":
            for name in ("projects", "tasks"):
                connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), 1000)")
    return project_rows, task_rows


def stored_tasks(engine: Engine) -> dict[int, tuple[Any, ...]]:
    with engine.connect() as connection:
        return {row.id: tuple(row) for row in connection.execute(select(tasks))}


class Tracker:
    def __init__(self) -> None:
        self.engines: list[Engine] = []
        self.disposed: list[Engine] = []
        self.sessions: list[Session] = []
        self.checked_out = 0
        self.sql: list[str] = []


@contextmanager
def tracking(monkeypatch: pytest.MonkeyPatch, setup_engine: Engine) -> Iterator[Tracker]:
    """Engines made and disposed of, sessions begun, connections out, and the app's SQL (not the tests')."""
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

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.engine is not setup_engine:
            tracker.sql.append(" ".join(statement.split()))

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


@contextmanager
def app_client(database_url: str) -> Iterator[TestClient]:
    # raise_server_exceptions=False: an exception in a handler is the 500 a client would get.
    with TestClient(
        project_web_application.create_app(database_url), raise_server_exceptions=False
    ) as client:
        yield client


def answer(response: Any) -> str:
    return f"{response.status_code} {response.text[:200]}"


def sent_by(tracker: Tracker, start: int) -> str:
    return "\n".join(f"  {i}. {s[:160]}" for i, s in enumerate(tracker.sql[start:], 1)) or "  (nothing)"


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_one_engine_for_the_app_and_a_closed_session_per_request(
    database_url: str, setup_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(setup_engine, 3)
    with tracking(monkeypatch, setup_engine) as tracker:
        with app_client(database_url) as client:
            for method, path in [
                ("get", "/projects"),
                ("get", "/projects/1/tasks"),
                ("get", "/projects/99/tasks"),
                ("patch", "/tasks/1"),
                ("delete", "/tasks/2"),
            ]:
                before = len(tracker.sessions)
                response = client.request(method, path, json={"done": True} if method == "patch" else None)
                new = tracker.sessions[before:]
                assert len(new) == 1 and tracker.checked_out == 0 and not new[0].in_transaction(), (
                    f"{method.upper()} {path} (answered {response.status_code}) should use one new Session, closed "
                    f"after the response; it began {len(new)}, and {tracker.checked_out} connection(s) are out"
                )
            assert len(tracker.engines) == 1 and not tracker.disposed, (
                f"the app should make one Engine at startup and keep it; it made {len(tracker.engines)}"
            )
        assert tracker.engines and tracker.engines[0] in tracker.disposed, "dispose of the engine at shutdown"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_create_project_answers_201_or_409_for_a_taken_name(database_url: str, setup_engine: Engine) -> None:
    fill(setup_engine, 3)
    with app_client(database_url) as client:
        created = client.post("/projects", json={"name": "  Hermes  "})
        taken = client.post("/projects", json={"name": "Apollo"})
        retaken = client.post("/projects", json={"name": " Hermes"})
    assert created.status_code == 201 and created.json().get("name") == "Hermes", (
        f"POST /projects should answer 201 with the project, its name stripped; got {answer(created)}"
    )
    assert taken.status_code == 409 and taken.json() == {"detail": "project name taken"}, (
        f"'Apollo' exists: 409 {{'detail': 'project name taken'}} (the unique constraint's IntegrityError), "
        f"got {answer(taken)}"
    )
    assert retaken.status_code == 409, (
        f"' Hermes' is 'Hermes' once stripped, which exists: 409, got {answer(retaken)}"
    )
    with setup_engine.connect() as connection:
        names = sorted(connection.scalars(select(projects.c.name)))
    assert names == sorted(["website", "Apollo", "backlog", "Hermes"]), (
        f"one new project committed; projects: {names}"
    )


@pytest.mark.task(2)
def test_a_database_failure_is_a_500_not_a_409(database_url: str, setup_engine: Engine) -> None:
    def server_gone(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if conn.engine is not setup_engine and statement.lstrip().upper().startswith("INSERT INTO PROJECTS"):
            raise OperationalError(
                statement, {}, ConnectionError("server closed the connection unexpectedly")
            )

    event.listen(Engine, "before_cursor_execute", server_gone)
    try:
        with app_client(database_url) as client:
            response = client.post("/projects", json={"name": "Hermes"})
    finally:
        event.remove(Engine, "before_cursor_execute", server_gone)
    assert response.status_code == 500, (
        "the INSERT failed because the connection was lost (OperationalError): that is not 'project name taken'. "
        f"Catch IntegrityError only; this should end as a 500, got {answer(response)}"
    )


@pytest.mark.task(2)
def test_a_name_taken_by_another_client_meanwhile_is_409_too(database_url: str, setup_engine: Engine) -> None:
    """Another client commits the same name just before the app's INSERT: a SELECT done first finds nothing,
    and only the unique constraint can refuse the second project."""
    fired: list[str] = []

    def another_client_first(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if (
            not fired
            and conn.engine is not setup_engine
            and statement.lstrip().upper().startswith("INSERT INTO PROJECTS")
        ):
            fired.append(statement)
            with setup_engine.begin() as other:
                other.execute(insert(projects), {"id": 500, "name": "Hermes"})

    event.listen(Engine, "before_cursor_execute", another_client_first)
    try:
        with app_client(database_url) as client:
            response = client.post("/projects", json={"name": "Hermes"})
    finally:
        event.remove(Engine, "before_cursor_execute", another_client_first)
    assert fired, f"the app never sent an INSERT INTO projects (answered {answer(response)})"
    assert response.status_code == 409 and response.json() == {"detail": "project name taken"}, (
        "another client committed 'Hermes' between your check and your INSERT: the unique constraint refuses the "
        f"INSERT (IntegrityError), which should answer 409 'project name taken', not {answer(response)}. Catch the "
        "IntegrityError rather than (only) SELECTing first"
    )


@pytest.mark.task(2)
def test_the_handler_commits_before_the_client_gets_its_answer(
    database_url: str, setup_engine: Engine
) -> None:
    """Code after `yield` in a dependency runs after the response was sent: a commit there that fails
    leaves the client with a 201 for a project that was never saved."""
    events: list[str] = []

    def committed(session: Session) -> None:
        events.append("commit")

    app = project_web_application.create_app(database_url)

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def watched_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                events.append("answer")
            await send(message)

        await app(scope, receive, watched_send)

    event.listen(Session, "after_commit", committed)
    try:
        with TestClient(watching) as client:
            response = client.post("/projects", json={"name": "Hermes"})
    finally:
        event.remove(Session, "after_commit", committed)
    assert response.status_code == 201, f"POST /projects should answer 201, not {answer(response)}"
    assert "commit" in events and events.index("commit") < events.index("answer"), (
        "the handler should commit BEFORE it returns, so that a failed commit can still answer an error; what "
        f"happened, in order: {events} (a commit in get_session after `yield` comes after the answer)"
    )


@pytest.mark.task(2)
def test_create_project_refuses_invalid_input_with_422(database_url: str, setup_engine: Engine) -> None:
    cases = {
        "empty": {"name": ""},
        "spaces": {"name": "   "},
        "too long": {"name": "x" * 101},
        "unknown field": {"name": "ok", "owner": "me"},
        "missing": {},
        "not a string": {"name": 7},
    }
    with app_client(database_url) as client:
        wrong = {
            c: answer(r)[:60]
            for c, p in cases.items()
            if (r := client.post("/projects", json=p)).status_code != 422
        }
    assert not wrong, (
        f"a name is stripped, then 1-100 characters, and nothing else may be sent: 422 for {wrong}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("project_count", [6, 60])
def test_list_projects_counts_tasks_in_one_select(
    database_url: str, setup_engine: Engine, monkeypatch: pytest.MonkeyPatch, project_count: int
) -> None:
    project_rows, task_rows = fill(setup_engine, project_count)
    expected = [
        {
            "id": p["id"],
            "name": p["name"],
            "open_tasks": sum(1 for t in task_rows if t["project_id"] == p["id"] and not t["done"]),
            "tasks": sum(1 for t in task_rows if t["project_id"] == p["id"]),
        }
        for p in sorted(project_rows, key=lambda p: (p["name"], p["id"]))
    ]
    with tracking(monkeypatch, setup_engine) as tracker, app_client(database_url) as client:
        start = len(tracker.sql)
        response = client.get("/projects")
        sent = sent_by(tracker, start)
        count = len(tracker.sql) - start
    assert response.status_code == 200 and response.json() == expected, (
        f"GET /projects should list every project by name, with its counts of open and of all tasks (0 for none):"
        f"\nexpected {expected[:6]}...\ngot      {response.text[:600]}"
    )
    assert count == 1, (
        f"GET /projects with {project_count} projects should send ONE SELECT that counts in the database (outer "
        f"join, GROUP BY, count(...) FILTER (WHERE ...)); it sent {count}:\n{sent}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_create_task_answers_201_404_or_422(database_url: str, setup_engine: Engine) -> None:
    fill(setup_engine, 3)
    invalid = {
        "priority 0": {"title": "t", "priority": 0},
        "priority 6": {"title": "t", "priority": 6},
        "priority high": {"title": "t", "priority": "high"},
        "title of spaces": {"title": "  "},
        "title too long": {"title": "x" * 201},
        "unknown field": {"title": "t", "done": True},
    }
    with app_client(database_url) as client:
        created = client.post("/projects/2/tasks", json={"title": " Write the README "})
        urgent = client.post("/projects/2/tasks", json={"title": "Fix prod", "priority": 5})
        missing = client.post("/projects/99/tasks", json={"title": "Lost"})
        refused = {
            c: r.status_code
            for c, p in invalid.items()
            if (r := client.post("/projects/2/tasks", json=p)).status_code != 422
        }
    body = created.json()
    assert created.status_code == 201 and {
        k: body.get(k) for k in ("project_id", "title", "priority", "done")
    } == {"project_id": 2, "title": "Write the README", "priority": 3, "done": False}, (
        f"POST /projects/2/tasks should answer 201 with the task: title stripped, priority 3 by default, not done; "
        f"got {answer(created)}"
    )
    assert urgent.status_code == 201 and urgent.json().get("priority") == 5, (
        f"priority 5 is allowed: {answer(urgent)}"
    )
    assert missing.status_code == 404 and missing.json() == {"detail": "project not found"}, (
        f"project 99 does not exist: 404 {{'detail': 'project not found'}}, got {answer(missing)}"
    )
    assert not refused, (
        f"invalid tasks should be refused with 422 (priority 1-5, title 1-200 once stripped): {refused}"
    )
    assert len(stored_tasks(setup_engine)) == len(make_data(3)[1]) + 2, (
        "exactly the two valid tasks are stored"
    )


# -- task 4 -------------------------------------------------------------------------------------


PAGES = [
    ({}, 1, 20, None),
    ({"size": 10}, 1, 10, None),
    ({"size": 10, "page": 2}, 2, 10, None),
    ({"size": 10, "page": 3}, 3, 10, None),
    ({"size": 10, "page": 4}, 4, 10, None),
    ({"size": 4, "page": 2, "done": "false"}, 2, 4, False),
    ({"size": 3, "done": "true"}, 1, 3, True),
]


@pytest.mark.task(4)
@pytest.mark.parametrize(("params", "page", "size", "done"), PAGES, ids=[str(p[0]) for p in PAGES])
def test_list_tasks_pages_by_priority_then_newest_in_at_most_three_statements(
    database_url: str,
    setup_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    params: dict[str, Any],
    page: int,
    size: int,
    done: bool | None,
) -> None:
    _, task_rows = fill(setup_engine, 3)
    mine = [t for t in task_rows if t["project_id"] == 1 and (done is None or t["done"] == done)]
    ordered = sorted(mine, key=lambda t: (-t["priority"], -t["id"]))
    expected = {
        "items": ordered[(page - 1) * size : page * size],
        "total": len(mine),
        "page": page,
        "size": size,
    }
    with tracking(monkeypatch, setup_engine) as tracker, app_client(database_url) as client:
        start = len(tracker.sql)
        response = client.get("/projects/1/tasks", params=params)
        sent = tracker.sql[start:]
    assert response.status_code == 200 and response.json() == expected, (
        f"GET /projects/1/tasks?{params} should answer page {page} ({size} a page) of project 1's "
        f"{'done' if done else 'open' if done is False else ''} tasks by priority, highest first, then newest "
        f"(highest id) first.\nexpected ids {[t['id'] for t in expected['items']]}, total {len(mine)}\n"
        f"got {response.text[:400]}"
    )
    assert len(sent) <= 3 and any("LIMIT" in s.upper() for s in sent), (
        "at most 3 statements (the project, the count, the page with LIMIT/OFFSET): the page is cut in the "
        "database. Sent:\n" + sent_by(tracker, start)
    )


@pytest.mark.task(4)
def test_list_tasks_answers_404_and_422(database_url: str, setup_engine: Engine) -> None:
    fill(setup_engine, 4)
    with app_client(database_url) as client:
        missing = client.get("/projects/99/tasks")
        bad = {
            q: client.get(f"/projects/1/tasks?{q}").status_code
            for q in ["page=0", "size=0", "size=101", "done=maybe"]
        }
        empty = client.get("/projects/4/tasks")
    assert missing.status_code == 404 and missing.json() == {"detail": "project not found"}, (
        f"project 99 does not exist: 404, got {answer(missing)}"
    )
    assert all(status == 422 for status in bad.values()), (
        f"page from 1, size 1-100, done true/false: 422 for {bad}"
    )
    assert empty.status_code == 200 and empty.json() == {"items": [], "total": 0, "page": 1, "size": 20}, (
        f"project 4 exists and has no task: an empty page, not 404; got {answer(empty)}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_update_task_changes_only_what_was_sent(database_url: str, setup_engine: Engine) -> None:
    fill(setup_engine, 3)
    before = stored_tasks(setup_engine)
    with app_client(database_url) as client:
        done = client.patch("/tasks/3", json={"done": True})
        renamed = client.patch("/tasks/5", json={"title": "  Renamed ", "priority": 1})
        null = client.patch("/tasks/6", json={"title": None})
        bad = client.patch("/tasks/6", json={"priority": 9})
        missing = client.patch("/tasks/999", json={"done": True})
    after = stored_tasks(setup_engine)
    assert done.status_code == 200 and after[3] == (*before[3][:4], True), (
        f"PATCH /tasks/3 {{'done': true}} should set done and leave the rest as it was: {before[3]} -> {after[3]}"
        f" ({answer(done)})"
    )
    assert renamed.status_code == 200 and after[5] == (5, before[5][1], "Renamed", 1, before[5][4]), (
        f"PATCH /tasks/5 should change title (stripped) and priority only: {before[5]} -> {after[5]}"
    )
    assert (null.status_code, bad.status_code) == (422, 422) and after[6] == before[6], (
        f"a null title and a priority of 9 should be refused with 422, and change nothing: {null.status_code}, "
        f"{bad.status_code}; task 6 {before[6]} -> {after[6]}"
    )
    assert missing.status_code == 404 and missing.json() == {"detail": "task not found"}, (
        f"task 999 does not exist: 404 {{'detail': 'task not found'}}, got {answer(missing)}"
    )


@pytest.mark.task(5)
def test_delete_task_answers_204_then_404(database_url: str, setup_engine: Engine) -> None:
    fill(setup_engine, 3)
    with app_client(database_url) as client:
        first = client.delete("/tasks/7")
        second = client.delete("/tasks/7")
    assert first.status_code == 204 and first.content == b"", (
        f"DELETE /tasks/7: 204, no body; got {answer(first)}"
    )
    assert 7 not in stored_tasks(setup_engine), "the deletion should be committed"
    assert second.status_code == 404, f"deleting it again: 404, got {answer(second)}"
