"""Tests for kata 13.2, Flask integration. Run: pytest katas/13_frameworks/02_flask_integration

Each test builds an app with your `create_app({...})` and talks to it through Flask's test client.
The app's engine is then swapped for the test's connection (Flask-SQLAlchemy keeps its engines in
`db.engines`), and its sessions join the test's transaction through a savepoint: a `commit()` in a
view is real to the test, and everything is rolled back after it. (Flask-SQLAlchemy's maintainer
sketched this in its issue 1167.) `TESTING=True`: an exception in a view reaches the test.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import (
    Column,
    Connection,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
    insert,
    select,
)
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog
from fixtures.target import learner_module

flask_integration = learner_module(__file__, "flask_integration")

schema = MetaData()
authors = Table(
    "authors", schema, Column("id", Integer, primary_key=True), Column("name", String(100), nullable=False)
)
posts = Table(
    "posts",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("published", Date, nullable=False),
    Column("author_id", ForeignKey("authors.id"), nullable=False),
)

# 11 posts; several share a day. Newest first, ties by id highest first — not the order they go in.
DAYS = [3, 1, 3, 2, 3, 5, 1, 2, 3, 4, 5]
POSTS = [
    {
        "id": i,
        "title": f"Post {i}",
        "body": f"text {i}",
        "published": dt.date(2026, 3, day),
        "author_id": 1 + i % 2,
    }
    for i, day in enumerate(DAYS, start=1)
]
NEWEST_FIRST = [p["id"] for p in sorted(POSTS, key=lambda p: (p["published"], p["id"]), reverse=True)]


@pytest.fixture
def blog(connection: Connection) -> Connection:
    schema.create_all(connection)
    connection.execute(insert(authors), [{"id": 1, "name": "Ada"}, {"id": 2, "name": "Grace"}])
    shuffled = POSTS[:]
    random.Random(2).shuffle(shuffled)
    connection.execute(insert(posts), shuffled)
    if connection.dialect.name == "postgresql":
        for table in ("authors", "posts"):
            connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1000)")
    return connection


def make_client(
    database_url: str, connection: Connection, monkeypatch: pytest.MonkeyPatch, **config: Any
) -> FlaskClient:
    """create_app with the test database's URL, then its engine swapped for the test's connection."""
    app = flask_integration.create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, **config})
    db = flask_integration.db
    with app.app_context():
        # Flask-SQLAlchemy's Session.get_bind returns db.engines[None]: put the test's connection there,
        # and let every session join its transaction through a savepoint.
        monkeypatch.setitem(db.engines, None, connection)
        monkeypatch.setitem(db.session.session_factory.kw, "join_transaction_mode", "create_savepoint")
    return app.test_client()


def post_json(post: dict[str, Any]) -> dict[str, Any]:
    return {**post, "published": post["published"].isoformat()}


def stored_ids(connection: Connection) -> list[int]:
    return [row.id for row in connection.execute(select(posts.c.id).order_by(posts.c.id))]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_create_app_makes_a_new_app_from_the_config_it_is_given(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = flask_integration.create_app({"SQLALCHEMY_DATABASE_URI": database_url, "POSTS_PER_PAGE": 3})
    second = flask_integration.create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "POSTS_PER_PAGE": 7})
    assert first is not second, (
        "create_app() should build a NEW Flask app on each call (an application factory): one app made at import "
        "time and handed out twice cannot take each caller's config"
    )
    for app, url, size in ((first, database_url, 3), (second, "sqlite://", 7)):
        assert (
            app.config.get("POSTS_PER_PAGE") == size and app.config.get("SQLALCHEMY_DATABASE_URI") == url
        ), (
            f"the config given to create_app should override DEFAULTS: expected POSTS_PER_PAGE={size} and the URL "
            f"{url}, the app has {app.config.get('POSTS_PER_PAGE')} and {app.config.get('SQLALCHEMY_DATABASE_URI')}"
        )
        with app.app_context():
            engine_url = flask_integration.db.engine.url.render_as_string(hide_password=False)
        assert engine_url == url, (
            f"the app's engine should be made from the config's SQLALCHEMY_DATABASE_URI ({url}); it is on {engine_url}."
            " Apply the config BEFORE db.init_app(app), which creates the engine"
        )
        assert "blog.read_post" in app.view_functions, "create_app should register the blueprint `bp`"
    for app in (first, second):
        with app.app_context():
            for engine in flask_integration.db.engines.values():
                engine.dispose()


@pytest.mark.task(1)
def test_the_default_config_applies_where_the_given_one_is_silent(database_url: str) -> None:
    app = flask_integration.create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config.get("POSTS_PER_PAGE") == 10, (
        f"without POSTS_PER_PAGE in the given config, the app should have the default 10 (DEFAULTS); it has "
        f"{app.config.get('POSTS_PER_PAGE')}"
    )
    with app.app_context():
        flask_integration.db.engine.dispose()


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_read_post_returns_it_or_404(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(database_url, blog, monkeypatch)
    for post in (POSTS[4], POSTS[0], POSTS[10]):
        response = client.get(f"/posts/{post['id']}")
        assert response.status_code == 200 and response.get_json() == post_json(post), (
            f"GET /posts/{post['id']} should answer 200 with {post_json(post)}; got {response.status_code} "
            f"{response.get_data(as_text=True)[:200]}"
        )
    for missing in (0, 12, 999):
        response = client.get(f"/posts/{missing}")
        assert response.status_code == 404, (
            f"there is no post {missing}: GET /posts/{missing} should answer 404 (db.get_or_404), not "
            f"{response.status_code}"
        )


@pytest.mark.task(2)
def test_delete_post_commits_and_answers_204_or_404(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(database_url, blog, monkeypatch)
    response = client.delete("/posts/4")
    assert response.status_code == 204 and response.get_data() == b"", (
        f"DELETE /posts/4 should answer 204 with no body, not {response.status_code} {response.get_data()[:100]!r}"
    )
    assert 4 not in stored_ids(blog) and len(stored_ids(blog)) == 10, (
        f"post 4 should be deleted and the deletion committed (the test's connection sees it); posts: {stored_ids(blog)}"
    )
    again = client.delete("/posts/4")
    assert again.status_code == 404, f"a second DELETE /posts/4 should answer 404, not {again.status_code}"


@pytest.mark.task(2)
def test_each_request_has_its_own_session_removed_when_the_request_ends(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(database_url, blog, monkeypatch)
    began: list[Session] = []

    def on_begin(session: Session, *_: Any) -> None:
        if not any(s is session for s in began):
            began.append(session)

    event.listen(Session, "after_begin", on_begin)
    try:
        for path in ("/posts/1", "/posts/2", "/posts/99", "/posts/3"):
            before = len(began)
            client.get(path)
            new = began[before:]
            assert len(new) == 1, (
                f"GET {path} should use one session of its own; it began {len(new)} new ones"
            )
            assert not new[0].in_transaction() and len(new[0].identity_map) == 0, (
                f"after GET {path} its session should be closed (Flask-SQLAlchemy removes db.session when the "
                "request's app context ends: use db.session, not a session of your own)"
            )
    finally:
        event.remove(Session, "after_begin", on_begin)


# -- task 3 -------------------------------------------------------------------------------------


PAGES = [
    ("", 1, 4),
    ("?page=2", 2, 4),
    ("?page=3", 3, 4),
    ("?page=3&per_page=5", 3, 5),
    ("?page=2&per_page=2", 2, 2),
]


@pytest.mark.task(3)
@pytest.mark.parametrize(("query", "page", "size"), PAGES, ids=[q or "no args" for q, _, _ in PAGES])
def test_list_posts_pages_newest_first_in_the_database(
    database_url: str,
    blog: Connection,
    monkeypatch: pytest.MonkeyPatch,
    queries: QueryLog,
    query: str,
    page: int,
    size: int,
) -> None:
    client = make_client(database_url, blog, monkeypatch, POSTS_PER_PAGE=4)
    queries.clear()
    response = client.get(f"/posts{query}")
    ids = NEWEST_FIRST[(page - 1) * size : page * size]
    expected = {
        "items": [post_json(POSTS[i - 1]) for i in ids],
        "page": page,
        "pages": -(-len(POSTS) // size),
        "total": len(POSTS),
    }
    body = response.get_json(silent=True)
    assert response.status_code == 200 and body == expected, (
        f"GET /posts{query} (the app's POSTS_PER_PAGE is 4, per_page at most 50) should answer page {page} of "
        f"{size}: posts {ids}, newest first, posts of the same day by id, highest first. Got "
        f"{response.status_code}: ids {[p.get('id') for p in (body or {}).get('items', [])]}, "
        f"page {(body or {}).get('page')}, pages {(body or {}).get('pages')}, total {(body or {}).get('total')}"
    )
    pages = [s for s in queries.statements if "LIMIT" in s.sql.upper()]
    whole_table = [
        s for s in queries.statements if "LIMIT" not in s.sql.upper() and "COUNT(" not in s.sql.upper()
    ]
    assert queries.count <= 2 and pages and not whole_table, (
        "db.paginate sends two statements: a count (SELECT count(*) ...), and the page itself with LIMIT/OFFSET; "
        "loading every post to slice the list or to take its len() in Python reads the whole table for one page. "
        "Sent:\n" + queries.listing()
    )


@pytest.mark.task(3)
def test_per_page_is_at_most_50(database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    more = [
        {"id": i, "title": f"Old {i}", "body": "", "published": dt.date(2025, 1, 1), "author_id": 1}
        for i in range(100, 160)
    ]
    blog.execute(insert(posts), more)
    client = make_client(database_url, blog, monkeypatch, POSTS_PER_PAGE=4)
    body = client.get("/posts?per_page=100&page=2").get_json(silent=True) or {}
    expected_ids = (NEWEST_FIRST + sorted((p["id"] for p in more), reverse=True))[50:100]
    got_ids = [p.get("id") for p in body.get("items", [])]
    assert got_ids == expected_ids and body.get("pages") == 2 and body.get("total") == 71, (
        "per_page is at most 50 (max_per_page): with 71 posts, ?per_page=100&page=2 should be posts 51 to 71 "
        f"of 2 pages of 50; got {len(got_ids)} posts, pages {body.get('pages')}, total {body.get('total')}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("query", ["?page=4", "?page=0", "?page=-1", "?page=two", "?per_page=0"])
def test_list_posts_answers_404_for_a_page_that_does_not_exist(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    client = make_client(database_url, blog, monkeypatch, POSTS_PER_PAGE=4)
    response = client.get(f"/posts{query}")
    assert response.status_code == 404, (
        f"GET /posts{query}: 11 posts at 4 a page make 3 pages; a page past the end, a page or per_page below 1, "
        f"or one that is not a number, should answer 404 (db.paginate does, with error_out), not {response.status_code}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_create_post_commits_it_and_answers_201(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(database_url, blog, monkeypatch)
    payload = {"title": "  Hello, Flask  ", "body": "", "author_id": 2, "published": "2026-04-01"}
    response = client.post("/posts", json=payload)
    body = response.get_json(silent=True) or {}
    assert response.status_code == 201, f"POST /posts should answer 201, not {response.status_code} {body}"
    expected = {"title": "Hello, Flask", "body": "", "author_id": 2, "published": "2026-04-01"}
    assert {k: body.get(k) for k in expected} == expected and isinstance(body.get("id"), int), (
        f"the answer should be the new post with its id, its title stripped: expected {expected}, got {body}"
    )
    row = blog.execute(select(posts).where(posts.c.id == body["id"])).one_or_none()
    assert row is not None and row.title == "Hello, Flask", (
        f"the post should be committed (the test's connection sees it) with the stripped title; found {row}"
    )
    read = client.get(f"/posts/{body['id']}")
    assert read.status_code == 200, "the new post should be readable by the next request"


INVALID_POSTS = {
    "no title": {"body": "b", "author_id": 1, "published": "2026-04-01"},
    "empty title": {"title": "", "body": "b", "author_id": 1, "published": "2026-04-01"},
    "title of spaces": {"title": "   ", "body": "b", "author_id": 1, "published": "2026-04-01"},
    "title too long": {"title": "x" * 201, "body": "b", "author_id": 1, "published": "2026-04-01"},
    "no body": {"title": "t", "author_id": 1, "published": "2026-04-01"},
    "bad date": {"title": "t", "body": "b", "author_id": 1, "published": "2026-02-30"},
    "author not a number": {"title": "t", "body": "b", "author_id": "one", "published": "2026-04-01"},
    "not JSON": None,
}


@pytest.mark.task(4)
def test_create_post_refuses_invalid_input_with_400_and_an_unknown_author_with_404(
    database_url: str, blog: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = make_client(database_url, blog, monkeypatch)
    answers = {}
    for case, payload in INVALID_POSTS.items():
        if payload is None:
            answers[case] = client.post("/posts", data="title=t", content_type="text/plain").status_code
        else:
            answers[case] = client.post("/posts", json=payload).status_code
    wrong = {case: status for case, status in answers.items() if status != 400}
    assert not wrong, (
        "POST /posts should answer 400 when the title (stripped) is not 1-200 characters, body is not a string, "
        f"published is not a date, author_id not a number, or the body is not JSON. These were not: {wrong}"
    )
    unknown = client.post(
        "/posts", json={"title": "t", "body": "b", "author_id": 3, "published": "2026-04-01"}
    )
    assert unknown.status_code == 404, (
        f"author 3 does not exist: POST /posts should answer 404 (db.get_or_404(Author, ...)), not {unknown.status_code}"
    )
    assert stored_ids(blog) == sorted(NEWEST_FIRST), f"nothing should be stored; posts: {stored_ids(blog)}"
