"""Tests for kata 10.6, caching. Run: pytest katas/10_optimization/06_caching

Every test builds its own region (a cache that outlived its test would serve the next test's
query from the last test's rows). Redis is used only when KATA_REDIS_URL is set, e.g.
KATA_REDIS_URL=redis://127.0.0.1:6379/0, with a key prefix of its own, deleted after the test.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from dogpile.cache import CacheRegion
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.orm import Session

from fixtures.target import learner_module

caching = learner_module(__file__, "caching")

schema = MetaData()
products = Table(
    "products",
    schema,
    # BIGINT: on SQLite not the rowid, so the rows stay in insertion order (ties do not come back by id).
    Column("id", BigInteger, primary_key=True),
    Column("name", String(100)),
    Column("category", String(50)),
    Column("price_cents", Integer),
)

ROWS = [
    {"id": 7, "name": "Sencha", "category": "tea", "price_cents": 900},
    {"id": 5, "name": "Assam", "category": "tea", "price_cents": 650},
    {"id": 3, "name": "Assam", "category": "tea", "price_cents": 700},
    {"id": 2, "name": "Dune", "category": "books", "price_cents": 1200},
    {"id": 9, "name": "Emma", "category": "books", "price_cents": 800},
]


@pytest.fixture
def catalogue(session: Session) -> Session:
    schema.create_all(session.connection())
    session.connection().execute(insert(products), ROWS)
    return session


def expected(category: str, rows: list[dict[str, Any]] = ROWS) -> list[tuple[int, str]]:
    return sorted(
        ((r["id"], r["name"]) for r in rows if r["category"] == category), key=lambda t: (t[1], t[0])
    )


def listing(products_found: list[Any]) -> list[tuple[int, str]]:
    return [(p.id, p.name) for p in products_found]


def cached_session(session: Session, region: Any = None) -> CacheRegion:
    region = region if region is not None else caching.build_region()
    assert isinstance(region, CacheRegion), (
        f"build_region() should return a dogpile CacheRegion, not {region!r}"
    )
    caching.install_cache(session, region)
    return region


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_build_region_stores_copies_and_expires() -> None:
    region = caching.build_region()
    assert isinstance(region, CacheRegion), (
        f"build_region() should return a dogpile CacheRegion, not {region!r}"
    )
    assert region.is_configured, "the region should be configured with a backend (region.configure(...))"
    value = ["original"]
    region.set("k", value)
    value.append("changed after caching")
    got = region.get("k")
    got.append("changed after reading")
    assert region.get("k") == ["original"], (
        "the region should store copies (the dogpile.cache.memory_pickle backend), not the live object: the "
        f"cached value changed with the caller's object, {region.get('k')}. A cache that holds the live ORM "
        "objects of one session hands out objects that session's commit() has expired"
    )
    assert region.expiration_time == 600, f"entries should expire after 600 s, not {region.expiration_time}"
    other = caching.build_region()
    assert other.get("k") is not region.get("k") and not isinstance(other.get("k"), list), (
        "each build_region() call should make a new, empty region (not one shared module-level cache)"
    )


# -- tasks 2 and 3 ------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("category", ["tea", "books"])
def test_second_call_is_served_from_the_cache(catalogue: Session, queries: Any, category: str) -> None:
    cached_session(catalogue)
    first = listing(caching.products_in_category(catalogue, category))
    queries.assert_count(1, because="the first call misses the cache and runs the SELECT")
    queries.clear()
    second = listing(caching.products_in_category(catalogue, category))
    queries.assert_count(0, because="the second call should be served from the cache, without any SQL")
    assert first == second == expected(category), (
        f"the {category} products by name then id: expected {expected(category)}, got {first} then {second}"
    )


@pytest.mark.task(2)
def test_cached_objects_survive_a_commit_and_a_new_session(catalogue: Session, queries: Any) -> None:
    cached_session(catalogue)
    caching.products_in_category(catalogue, "tea")
    catalogue.commit()  # expires every object of the session
    catalogue.close()  # and forgets them: the next call is like a new request's session
    queries.clear()
    found = caching.products_in_category(catalogue, "tea")
    names = [p.name for p in found]
    queries.assert_count(
        0,
        because="a cached result is served to a new session without SQL, and its objects' attributes are "
        "there to read (copies of the rows, merged in with load=False), not expired leftovers of the old session",
    )
    assert names == [n for _, n in expected("tea")], f"tea names: expected {expected('tea')}, got {names}"
    assert all(p in catalogue for p in found), (
        "the cached objects should be attached to the session that asked"
    )


@pytest.mark.task(2)
def test_only_statements_with_the_option_are_cached(catalogue: Session, queries: Any) -> None:
    cached_session(catalogue)
    for _ in range(2):
        catalogue.scalars(select(caching.Product).order_by(caching.Product.id)).all()
    queries.assert_count(2, because="a statement without FromCache runs every time")
    queries.clear()
    for key in ("first key", "second key", "first key"):
        statement = (
            select(caching.Product).where(caching.Product.category == "books").options(caching.FromCache(key))
        )
        catalogue.scalars(statement).all()
    queries.assert_count(2, because="two keys: two misses, then a hit on the first key")


@pytest.mark.task(3)
def test_each_category_has_its_own_entry(catalogue: Session, queries: Any) -> None:
    region = cached_session(catalogue)
    caching.products_in_category(catalogue, "tea")
    caching.products_in_category(catalogue, "books")
    queries.assert_count(2, because="two categories: two cache misses")
    assert region.get(caching.category_key("books")) is not None and region.get(
        caching.category_key("tea")
    ), "each category's list should be cached under category_key(category)"


# -- task 4 -------------------------------------------------------------------------------------


def watch_deletions(region: CacheRegion, queries: Any) -> list[int]:
    """For each deletion from the region's backend: how many commits had been sent before it
    (in these tests session.commit() sends RELEASE SAVEPOINT)."""
    seen: list[int] = []
    backend = region.backend

    def commits() -> int:
        return sum(
            1 for s in queries.all_statements if s.sql.lstrip().upper().startswith(("RELEASE", "COMMIT"))
        )

    for name in ("delete", "delete_multi"):
        original = getattr(backend, name)

        def recording(*args: Any, _original: Any = original) -> Any:
            seen.append(commits())
            return _original(*args)

        setattr(backend, name, recording)
    return seen


@pytest.mark.task(4)
def test_rename_invalidates_its_category_only(catalogue: Session, queries: Any) -> None:
    region = cached_session(catalogue)
    caching.products_in_category(catalogue, "tea")
    caching.products_in_category(catalogue, "books")
    commits_before_deletion = watch_deletions(region, queries)
    caching.rename_product(catalogue, region, 7, "Gyokuro")
    catalogue.rollback()  # rename_product() committed: a rollback now must not undo it
    assert commits_before_deletion and commits_before_deletion[0] > 0, (
        "the cache entry was deleted before the rename was committed: a page served in between would put the "
        "old row back into the cache, to stay there until it expires. Commit first, then delete the entry"
    )
    with queries.paused():
        stored = catalogue.connection().execute(select(products.c.name).where(products.c.id == 7)).scalar()
    assert stored == "Gyokuro", f"rename_product() should commit the new name; the table says {stored!r}"
    queries.clear()
    tea = listing(caching.products_in_category(catalogue, "tea"))
    renamed = [dict(r, name="Gyokuro") if r["id"] == 7 else r for r in ROWS]
    assert tea == expected("tea", renamed), (
        f"after the rename the tea list should show the new name: expected {expected('tea', renamed)}, got {tea}. "
        "Delete the category's cache entry when the write is committed"
    )
    queries.assert_count(1, because="the tea list was invalidated: one SELECT refills it")
    queries.clear()
    caching.products_in_category(catalogue, "books")
    queries.assert_count(
        0,
        because="the books list did not change: it should still be cached (invalidate one key, not the region)",
    )


# -- Redis, only when given a URL ---------------------------------------------------------------

REDIS_URL = os.environ.get("KATA_REDIS_URL")


@pytest.mark.task(1)
@pytest.mark.skipif(not REDIS_URL, reason="set KATA_REDIS_URL=redis://HOST:6379/0 to test the Redis backend")
def test_redis_region_serves_and_invalidates(catalogue: Session, queries: Any) -> None:
    import redis

    prefix = f"kata-10-6-{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(str(REDIS_URL))
    try:
        region = cached_session(catalogue, caching.build_region(str(REDIS_URL), key_prefix=prefix))
        caching.products_in_category(catalogue, "tea")
        caching.products_in_category(catalogue, "books")
        queries.clear()
        assert listing(caching.products_in_category(catalogue, "tea")) == expected("tea")
        queries.assert_count(0, because="served from Redis")
        keys = sorted(k.decode() for k in client.scan_iter(f"{prefix}*"))
        assert keys and all(k.startswith(prefix) for k in keys), (
            f"the entries should be in Redis under the prefix {prefix!r}; found {keys}"
        )
        caching.rename_product(catalogue, region, 3, "Darjeeling")
        queries.clear()
        assert (3, "Darjeeling") in listing(caching.products_in_category(catalogue, "tea"))
        queries.assert_count(1, because="the tea entry was deleted from Redis: one SELECT refills it")
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()
