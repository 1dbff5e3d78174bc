"""Tests for kata 4.7, relationship options. Run: pytest katas/04_relationships/07_relationship_options"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.orm import Session, selectinload

from fixtures.target import learner_module

relationship_options = learner_module(__file__, "relationship_options")

FORUM_NAMES = ["Databases", "Python", "Hardware", "Off-topic", "Jobs"]
THREAD_TITLES = ["Welcome", "Rules", "Indexes?", "Help!", "Best ORM", "Async", "Zebra"]
PEOPLE = ["zoe", "adam", "mia", "kai", "lena"]


def require(*names: str) -> None:
    """Fail readably unless the named relationships ("Thread.posts") exist."""
    missing = []
    for name in names:
        cls_name, attribute = name.split(".")
        if attribute not in inspect(getattr(relationship_options, cls_name)).relationships:
            missing.append(name)
    if missing:
        pytest.fail(f"{', '.join(missing)} is not a relationship yet", pytrace=False)


def seed(session: Session, forums: int = 3, seed_value: int = 0) -> dict[str, Any]:
    """Forums, moderators, threads and posts, inserted with plain SQL in a shuffled order."""
    metadata = relationship_options.Base.metadata
    metadata.create_all(session.connection())
    t = metadata.tables
    rng = random.Random(seed_value)
    data: dict[str, Any] = {"forums": {}, "threads": {}, "posts": {}}
    for name in FORUM_NAMES[:forums]:
        forum_id = session.execute(
            insert(t["forums"]).values(name=name).returning(t["forums"].c.id)
        ).scalar_one()
        moderators = rng.sample(PEOPLE, rng.randint(2, 4))
        session.execute(insert(t["moderators"]), [{"forum_id": forum_id, "name": m} for m in moderators])
        titles = rng.sample(THREAD_TITLES, rng.randint(2, 4))
        data["forums"][forum_id] = {"name": name, "moderators": moderators, "titles": titles}
        for title in titles:
            thread_id = session.execute(
                insert(t["threads"]).values(forum_id=forum_id, title=title).returning(t["threads"].c.id)
            ).scalar_one()
            positions = list(range(1, rng.randint(3, 5) + 1))
            rng.shuffle(positions)
            data["threads"][thread_id] = {"forum_id": forum_id, "title": title, "positions": positions}
            for position in positions:
                session.execute(
                    insert(t["posts"]).values(
                        thread_id=thread_id, position=position, body=f"{title} #{position}"
                    )
                )
    session.expunge_all()
    return data


def post_rows(session: Session) -> list[tuple[int, int]]:
    posts = relationship_options.Base.metadata.tables["posts"]
    return sorted((row[0], row[1]) for row in session.execute(select(posts.c.thread_id, posts.c.position)))


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("seed_value", [1, 2])
def test_collections_come_back_in_their_order(session: Session, seed_value: int) -> None:
    require("Forum.threads", "Forum.moderators", "Thread.posts")
    data = seed(session, 3, seed_value)
    for forum in session.scalars(select(relationship_options.Forum)):
        expected = data["forums"][forum.id]
        titles = [thread.title for thread in forum.threads]
        assert titles == sorted(expected["titles"]), (
            f"forum.threads should be ordered by title whatever the insertion order: expected "
            f"{sorted(expected['titles'])}, got {titles} (order_by on the relationship)"
        )
        names = [m.name for m in forum.moderators]
        assert names == sorted(expected["moderators"]), (
            f"forum.moderators should be ordered by name: expected {sorted(expected['moderators'])}, got {names}"
        )
        for thread in forum.threads:
            positions = [post.position for post in thread.posts]
            assert positions == sorted(positions) and len(positions) == len(
                data["threads"][thread.id]["positions"]
            ), f"thread.posts should be ordered by position: got {positions}"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_loading_a_thread_alone_is_one_select_without_its_posts(session: Session, queries: Any) -> None:
    require("Thread.posts", "Thread.forum")
    data = seed(session)
    thread_id = next(iter(data["threads"]))
    queries.clear()
    thread = session.get(relationship_options.Thread, thread_id)
    assert thread is not None
    queries.assert_count(
        1,
        because="Thread.posts is lazy (lazy='select', the default): loading a thread must not load or join "
        "its posts, and Thread.forum is not loaded either",
    )
    assert "posts" not in queries.statements[0].sql, (
        "the SELECT of the thread should not mention posts (no JOIN to them): they are loaded on first access. "
        f"It was: {queries.statements[0].sql}"
    )


@pytest.mark.task(2)
def test_reading_thread_posts_loads_them_with_one_more_select(session: Session, queries: Any) -> None:
    require("Thread.posts")
    data = seed(session)
    thread_id = next(iter(data["threads"]))
    thread = session.get(relationship_options.Thread, thread_id)
    assert thread is not None
    queries.clear()
    count = len(thread.posts)
    assert count == len(data["threads"][thread_id]["positions"]), (
        "thread.posts should hold the thread's posts"
    )
    queries.assert_count(1, because="the first access to thread.posts loads them: one SELECT")
    queries.clear()
    _ = [post.thread for post in thread.posts]
    queries.assert_count(0, because="each post's thread is the thread already loaded")


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_a_post_comes_with_its_thread_in_the_same_select(session: Session, queries: Any) -> None:
    require("Post.thread")
    data = seed(session)
    queries.clear()
    posts = session.scalars(select(relationship_options.Post)).unique().all()
    titles = {post.id: post.thread.title for post in posts}
    queries.assert_count(
        1,
        because="Post.thread is lazy='joined': the thread is fetched by a JOIN in the posts' own SELECT, "
        "so reading post.thread afterwards sends nothing",
    )
    assert sorted(titles.values()) == sorted(
        t["title"] for t in data["threads"].values() for _ in t["positions"]
    ), "each post's thread should be its own thread"


@pytest.mark.task(3)
@pytest.mark.parametrize("forums", [2, 5], ids=["2 forums", "5 forums"])
def test_forums_load_threads_by_selectin_and_moderators_by_subquery(
    session: Session, queries: Any, forums: int
) -> None:
    require("Forum.threads", "Forum.moderators")
    data = seed(session, forums, forums)
    queries.clear()
    loaded = session.scalars(select(relationship_options.Forum)).all()
    for forum in loaded:
        assert sorted(t.title for t in forum.threads) == sorted(data["forums"][forum.id]["titles"])
        assert sorted(m.name for m in forum.moderators) == sorted(data["forums"][forum.id]["moderators"])
    queries.assert_count(
        3,
        because=f"{forums} forums: one SELECT of the forums, ONE for all their threads (selectin) and ONE for all "
        "their moderators (subquery), whatever the number of forums; lazy loading would send one per forum",
    )
    first, *rest = queries.statements
    assert "threads" not in first.sql and "moderators" not in first.sql, (
        "the forums' own SELECT should not join threads or moderators (that would be lazy='joined'): "
        + first.sql
    )
    threads_sql = next((s.sql for s in rest if "FROM threads" in s.sql), "")
    assert " IN " in threads_sql.upper() and "JOIN" not in threads_sql.upper(), (
        "Forum.threads should be loaded by lazy='selectin': SELECT ... FROM threads WHERE threads.forum_id "
        f"IN (...). It was: {threads_sql or '(no SELECT FROM threads)'}"
    )
    moderators_sql = next((s.sql for s in rest if "moderators" in s.sql), "")
    assert "JOIN" in moderators_sql.upper() and "(SELECT" in moderators_sql.upper().replace(
        "( SELECT", "(SELECT"
    ), (
        "Forum.moderators should be loaded by lazy='subquery': the moderators joined to the forums' query "
        f"repeated as a subquery. It was: {moderators_sql or '(no SELECT of moderators)'}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_thread_forum_refuses_to_load_lazily(session: Session) -> None:
    require("Thread.forum")
    data = seed(session)
    thread = session.get(relationship_options.Thread, next(iter(data["threads"])))
    try:
        forum = thread.forum
    except InvalidRequestError as error:
        # lazy="raise" and lazy="raise_on_sql" both refuse here (the forum is not in the session).
        assert "lazy='raise" in str(error), f"expected the lazy='raise' refusal, got: {error}"
    else:
        pytest.fail(
            f"reading thread.forum quietly loaded {forum!r}: Thread.forum should be lazy='raise', so that every "
            "hidden query becomes an error and the code that needs the forum asks for it (joinedload, "
            "selectinload)",
            pytrace=False,
        )


@pytest.mark.task(4)
def test_thread_forum_loads_when_asked_for(session: Session) -> None:
    require("Thread.forum")
    data = seed(session)
    threads = session.scalars(
        select(relationship_options.Thread).options(selectinload(relationship_options.Thread.forum))
    ).all()
    assert {t.forum.id for t in threads} == {t["forum_id"] for t in data["threads"].values()}, (
        "with selectinload(Thread.forum) the forum should be there"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("forums", [2, 5], ids=["2 forums", "5 forums"])
def test_thread_headers_pairs_forums_and_titles(session: Session, queries: Any, forums: int) -> None:
    require("Thread.forum")
    data = seed(session, forums, 10 + forums)
    queries.clear()
    got = relationship_options.thread_headers(session)
    expected = sorted((data["forums"][t["forum_id"]]["name"], t["title"]) for t in data["threads"].values())
    assert list(got) == expected, f"thread_headers() should return {expected}; got {got}"
    queries.assert_at_most(
        3,
        because="one query for the threads with their forums (a join, or joinedload(Thread.forum)); loading "
        "Forum objects also runs Forum's own eager loaders, still a fixed number however many threads",
    )


# -- task 5 -------------------------------------------------------------------------------------


def flush_or_explain(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as error:
        pytest.fail(
            "the database refused to delete the thread while posts still point at it: with passive_deletes "
            "the ORM leaves the posts to the database, so the foreign key posts.thread_id needs "
            f"ondelete='CASCADE'. The database said: {error.orig}",
            pytrace=False,
        )


@pytest.mark.task(5)
@pytest.mark.parametrize("seed_value", [3, 4])
def test_deleting_a_thread_is_one_delete_and_the_database_removes_its_posts(
    session: Session, queries: Any, seed_value: int
) -> None:
    require("Thread.posts")
    data = seed(session, 3, seed_value)
    thread_id = list(data["threads"])[seed_value]
    thread = session.get(relationship_options.Thread, thread_id)
    queries.clear()
    session.delete(thread)
    flush_or_explain(session)
    queries.assert_count(
        1,
        because="with passive_deletes=True and ON DELETE CASCADE the ORM sends one DELETE of the thread and "
        "lets the database remove its posts; without passive_deletes it first SELECTs the posts to delete "
        "them one by one",
    )
    expected = sorted(
        (tid, p) for tid, t in data["threads"].items() if tid != thread_id for p in t["positions"]
    )
    assert post_rows(session) == expected, "the thread's posts should be gone, and every other post stay"


@pytest.mark.task(5)
def test_deleting_a_thread_whose_posts_are_loaded_deletes_them_too(session: Session) -> None:
    require("Thread.posts")
    data = seed(session, 2, 5)
    thread_id = next(iter(data["threads"]))
    thread = session.get(relationship_options.Thread, thread_id)
    assert thread is not None
    loaded = list(thread.posts)
    session.delete(thread)
    flush_or_explain(session)
    assert all(inspect(post).deleted or inspect(post).detached for post in loaded), (
        "the loaded posts should be deleted with their thread (cascade 'delete')"
    )
    assert all(tid != thread_id for tid, _ in post_rows(session)), "the thread's posts should be gone"


@pytest.mark.task(5)
def test_a_post_removed_from_its_thread_is_deleted(session: Session) -> None:
    require("Thread.posts")
    data = seed(session, 2, 6)
    thread_id = next(iter(data["threads"]))
    thread = session.get(relationship_options.Thread, thread_id)
    assert thread is not None
    removed = thread.posts[0]
    thread.posts.remove(removed)
    try:
        session.flush()
    except IntegrityError as error:
        pytest.fail(
            f"a post taken out of thread.posts should be deleted (delete-orphan): {error.orig}", pytrace=False
        )
    expected = sorted(
        (tid, p)
        for tid, t in data["threads"].items()
        for p in t["positions"]
        if (tid, p) != (thread_id, removed.position)
    )
    assert post_rows(session) == expected, "only the removed post should be deleted"


@pytest.mark.task(5)
def test_new_posts_are_saved_with_their_thread(session: Session) -> None:
    require("Thread.posts")
    data = seed(session, 2, 7)
    thread_id = next(iter(data["threads"]))
    thread = session.get(relationship_options.Thread, thread_id)
    assert thread is not None
    thread.posts.append(relationship_options.Post(position=99, body="late reply"))
    session.flush()
    assert (thread_id, 99) in post_rows(session), "a post appended to thread.posts is saved by the flush"
