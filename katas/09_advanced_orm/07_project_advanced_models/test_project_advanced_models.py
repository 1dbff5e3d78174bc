"""Tests for kata 9.7, project: advanced models. Run: pytest katas/09_advanced_orm/07_project_advanced_models"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

project = learner_module(__file__, "project_advanced_models")

schema = MetaData()
contents = Table(
    "contents",
    schema,
    Column("id", Integer, primary_key=True),
    Column("type", String(20)),
    Column("title", String(200)),
    Column("slug", String(200)),
    Column("status", String(20)),
    Column("author", String(100)),
    Column("published_at", DateTime(timezone=True)),
)
articles = Table(
    "articles", schema, Column("id", ForeignKey("contents.id"), primary_key=True), Column("body", Text), Column("word_count", Integer)
)
videos = Table(
    "videos", schema, Column("id", ForeignKey("contents.id"), primary_key=True), Column("url", String(500)), Column("duration_seconds", Integer)
)
revisions = Table(
    "revisions",
    schema,
    Column("id", Integer, primary_key=True),
    Column("content_id", Integer),
    Column("field", String(20)),
    Column("old_value", Text),
    Column("new_value", Text),
)

UTC = datetime.UTC


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2024, 5, day, hour, 0, tzinfo=UTC)


# (id, type, title, slug, status, published_at, detail)
SEED = [
    (1, "article", "Hello", "hello", "published", at(1), "first post here"),
    (2, "video", "Demo", "demo", "published", at(3), "https://v.example/demo"),
    (3, "article", "Draft", "draft", "draft", None, "not yet"),
    (4, "article", "News", "news", "published", at(2), "some news today"),
    (5, "video", "Old talk", "old-talk", "archived", at(1, 8), "https://v.example/old"),
    (6, "video", "Launch", "launch", "published", at(3, 12), "https://v.example/launch"),
    (7, "article", "Recap", "recap", "published", at(2, 18), "the week in review"),
]


def make_tables(session: Session) -> None:
    project.Base.metadata.create_all(session.connection())


def start(session: Session) -> None:
    make_tables(session)
    project.install_events()


def require_columns(session: Session, table: str, columns: set[str]) -> None:
    found = {c["name"] for c in inspect(session.connection()).get_columns(table)} if inspect(session.connection()).has_table(table) else set()
    if not columns <= found:
        pytest.fail(f"the models should create {table} with the columns {sorted(columns)} (task 1); it has {sorted(found)}", pytrace=False)


def seed(session: Session) -> None:
    require_columns(session, "articles", {"id", "body", "word_count"})
    require_columns(session, "videos", {"id", "url", "duration_seconds"})
    for cid, kind, title, slug, status, published, detail in SEED:
        session.execute(
            insert(contents).values(id=cid, type=kind, title=title, slug=slug, status=status, author="Kim", published_at=published)
        )
        if kind == "article":
            session.execute(insert(articles).values(id=cid, body=detail, word_count=len(detail.split())))
        else:
            session.execute(insert(videos).values(id=cid, url=detail, duration_seconds=60))


def article(**values: Any) -> Any:
    return project.Article(**{"title": "A title", "author": "Kim", "body": "one two three", **values})


def video(**values: Any) -> Any:
    return project.Video(**{"title": "A video", "author": "Kim", "url": "https://v.example/x", "duration_seconds": 90, **values})


def refused(field: str, build: Any) -> None:
    try:
        build()
    except ValueError as error:
        assert field in str(error), f"the ValueError should name the field {field!r}: {error}"
        return
    pytest.fail(f"this {field} should be refused with a ValueError, and it was accepted", pytrace=False)


def flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as error:
        problem = str(error.orig)
    else:
        return
    pytest.fail(
        f"the database refused the flush: {problem}. Is the slug filled in before the INSERT, for articles and "
        "videos alike (a listener on Content needs propagate=True to fire for its subclasses)?",
        pytrace=False,
    )


# -- task 1: inheritance ------------------------------------------------------------------------


@pytest.mark.task(1)
def test_articles_and_videos_are_joined_to_contents(session: Session) -> None:
    make_tables(session)
    require_columns(session, "contents", {"id", "type", "title", "slug", "status", "author", "published_at"})
    for table, own in (("articles", {"id", "body", "word_count"}), ("videos", {"id", "url", "duration_seconds"})):
        columns = {c["name"] for c in inspect(session.connection()).get_columns(table)}
        assert columns == own, f"{table} should hold only its own columns {sorted(own)}, it has {sorted(columns)}"
    session.add_all([article(slug="a-1"), video(slug="v-1")])
    session.flush()
    kinds = sorted(session.execute(select(contents.c.type)).scalars())
    assert kinds == ["article", "video"], f"the discriminator column `type` should hold 'article' and 'video', got {kinds}"


@pytest.mark.task(1)
def test_querying_contents_returns_articles_and_videos(session: Session) -> None:
    make_tables(session)
    seed(session)
    found = [(c.id, type(c).__name__) for c in session.scalars(select(project.Content).order_by(project.Content.id))]
    expected = [(cid, kind.capitalize()) for cid, kind, *_ in SEED]
    assert found == expected, f"select(Content) should return each row as Article or Video: expected {expected}, got {found}"


# -- task 2: validation -------------------------------------------------------------------------


@pytest.mark.task(2)
def test_titles_and_slugs_are_cleaned_or_refused() -> None:
    a = article(title="  Spaces around  ", slug="Mixed-CASE-2")
    assert (a.title, a.slug) == ("Spaces around", "mixed-case-2"), (
        f"the title should be stripped and the slug lower-cased: got {(a.title, a.slug)!r}"
    )
    refused("title", lambda: setattr(a, "title", "   "))
    refused("title", lambda: setattr(a, "title", "\t\n"))
    a.title = "\tTabbed title\n"
    assert a.title == "Tabbed title", f"a title is stripped of every surrounding whitespace (tabs, newlines): got {a.title!r}"
    a.title = "Spaces around"
    for bad in ("hello world", "a--b", "-start", "end-", "caf\u00e9", "under_score", "trailing\n", " lead", "a.b"):
        refused("slug", lambda bad=bad: setattr(a, "slug", bad))
    assert (a.title, a.slug) == ("Spaces around", "mixed-case-2"), "refused values should leave the old ones"


@pytest.mark.task(2)
def test_status_values_and_transitions_are_checked() -> None:
    a = article()
    refused("status", lambda: setattr(a, "status", "deleted"))
    a.status = "published"
    a.status = "archived"
    refused("status", lambda: setattr(a, "status", "published"))
    assert a.status == "archived", "a refused status change leaves the content archived"
    a.status = "draft"
    a.status = "published"
    assert a.status == "published", "archived -> draft -> published is allowed"


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("field", "bad"),
    [("url", "http://v.example/x"), ("url", "v.example/x"), ("url", "v.example/?next=https://x"), ("duration_seconds", 0), ("duration_seconds", 86401), ("duration_seconds", True)],
)
def test_videos_refuse_bad_urls_and_durations(field: str, bad: Any) -> None:
    v = video()
    refused(field, lambda: setattr(v, field, bad))
    refused(field, lambda: video(**{field: bad}))


# -- task 3: events -----------------------------------------------------------------------------


@pytest.mark.task(3)
def test_a_missing_slug_is_made_from_the_title_for_every_kind(session: Session) -> None:
    start(session)
    items = [article(title="Hello, World!"), video(title="  SQLAlchemy 2.0: What's New? "), article(title="Kept", slug="my-own")]
    session.add_all(items)
    flush(session)
    slugs = [row.slug for row in session.execute(select(contents.c.slug).order_by(contents.c.id))]
    assert slugs == ["hello-world", "sqlalchemy-2-0-what-s-new", "my-own"], (
        "before the INSERT, an empty slug should be made from the title (for videos too: a listener on "
        f"Content fires for subclasses only with propagate=True); a given slug is kept. Got {slugs}"
    )


@pytest.mark.task(3)
def test_word_count_follows_the_body(session: Session) -> None:
    start(session)
    a = article(slug="wc", body="one two  three\nfour")
    session.add(a)
    flush(session)
    count = session.execute(select(articles.c.word_count)).scalar_one()
    assert count == 4, f"word_count should be 4 after the insert (words split on whitespace), it is {count}"
    a.body = "  three\twords\nhere  "
    flush(session)
    count = session.execute(select(articles.c.word_count)).scalar_one()
    assert count == 3, (
        f"word_count should follow the body on update: 3 for {a.body!r} (split on any whitespace, tabs and "
        f"newlines too, ignoring it at the ends), it is {count}"
    )


@pytest.mark.task(3)
def test_changes_of_title_and_body_are_kept_as_revisions(session: Session) -> None:
    start(session)
    a, v = article(slug="a", title="First", body="old body"), video(slug="v", title="Clip")
    session.add_all([a, v])
    flush(session)
    a.title = "Second"
    a.body = "new body"
    v.title = "Clip v2"
    v.duration_seconds = 120
    flush(session)
    a.title = "Second"  # the same value: not a change
    a.author = "Lee"
    flush(session)
    rows = sorted(tuple(r) for r in session.execute(select(revisions.c.content_id, revisions.c.field, revisions.c.old_value, revisions.c.new_value)))
    expected = sorted([(a.id, "body", "old body", "new body"), (a.id, "title", "First", "Second"), (v.id, "title", "Clip", "Clip v2")])
    assert rows == expected, (
        "each real change of a title or a body (of articles and videos) should write one revision with the old "
        f"and the new value, and nothing else should: expected {expected}, found {rows}"
    )


@pytest.mark.task(3)
def test_publishing_stamps_published_at_once(session: Session, queries: Any) -> None:
    start(session)
    a = article(slug="p")
    session.add(a)
    flush(session)
    assert a.published_at is None, "a draft has no published_at"
    queries.clear()
    a.status = "published"
    first = a.published_at
    assert isinstance(first, datetime.datetime), (
        f"setting status to 'published' should set published_at at once (an attribute event), it is {first!r}"
    )
    queries.assert_count(0, because="the stamp is set in Python at the assignment")
    flush(session)
    a.status = "draft"
    a.status = "published"
    assert a.published_at == first, "publishing again keeps the first publication date"
    v = video(slug="pv", status="published")
    assert v.published_at is not None, "a video created as published gets its date too (the event must propagate to subclasses)"


# -- task 4: slugify and the feed ---------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("title", "slug"),
    [("Hello, World!", "hello-world"), ("  SQLAlchemy 2.0: What's New? ", "sqlalchemy-2-0-what-s-new"), ("A--B__C", "a-b-c"), ("42", "42")],
)
def test_slugify(title: str, slug: str) -> None:
    assert project.slugify(title) == slug, f"slugify({title!r}) should be {slug!r}, got {project.slugify(title)!r}"


@pytest.mark.task(4)
@pytest.mark.parametrize("limit", [10, 3, 1])
def test_published_feed_is_newest_first_in_one_query(session: Session, queries: Any, limit: int) -> None:
    make_tables(session)
    seed(session)
    queries.clear()
    feed = project.published_feed(session, limit)
    details = [(c.id, getattr(c, "body", None) or getattr(c, "url", None)) for c in feed]
    published = sorted((s for s in SEED if s[4] == "published"), key=lambda s: s[5], reverse=True)
    expected = [(s[0], s[6]) for s in published][:limit]
    assert details == expected, (
        f"published_feed(limit={limit}) should return the published contents, newest first, with their body or "
        f"url: expected (id, detail) {expected}, got {details}"
    )
    queries.assert_count(
        1, because="one SELECT with the child tables joined (with_polymorphic), and the LIMIT in the database"
    )
    assert limit in queries.values_sent() or f"LIMIT {limit}" in queries.statements[0].sql.upper(), (
        f"the SELECT should carry LIMIT {limit}: the database stops after {limit} rows, instead of sending every "
        "published item for Python to cut the list"
    )
