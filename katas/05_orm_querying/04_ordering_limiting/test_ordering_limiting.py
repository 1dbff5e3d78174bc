"""Tests for kata 5.4, ordering and limiting. Run: pytest katas/05_orm_querying/04_ordering_limiting

Tasks 1 and 2 run on the seeded shop dataset, with a few rows added for ties and NULLs. The
pagination tasks run on rows hypothesis makes up: many sizes, page sizes, and ties, with ids
that do not follow the sort order; the pages must partition the rows, every time.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from fixtures.isolation import rolled_back
from fixtures.recording import order_by_keys, recorder
from fixtures.shop.factories import OrderFactory, ProductFactory, using_session
from fixtures.shop.models import Customer, Order, Product
from fixtures.target import learner_module

ordering_limiting = learner_module(__file__, "ordering_limiting")


@pytest.fixture
def shop_rows(shop: Any, session: Session) -> None:
    """The seeded shop, plus an order placed at the same time as the newest, and weight ties and NULLs."""
    newest = session.scalar(select(Order.placed_at).order_by(Order.placed_at.desc()).limit(1))
    with using_session(session):
        OrderFactory(customer=session.get(Customer, 1), placed_at=newest, status="paid", shipped_at=None)
        ProductFactory(sku="TIE-1", name="Twin Mug", category="Kitchen", weight_grams=750)
        ProductFactory(sku="TIE-2", name="Twin Mug", category="Kitchen", weight_grams=750)
        ProductFactory(sku="GIFT-X", name="Gift Card", category="Gifts", weight_grams=None)
    session.flush()
    session.expunge_all()


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query: no ORM object loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


def assert_ties_broken_by_id(queries: Any, what: str) -> None:
    """SQLite reads the shop's tables in id order (the id is the rowid) and sorts stably, so a missing
    tie-breaker passes on the data there: the ORDER BY sent must end with the id."""
    sent = [order_by_keys(" ".join(sql.split())) for sql in queries.sql]
    assert any(len(keys) >= 2 and re.search(r"\bid\b", keys[-1], re.IGNORECASE) for keys in sent), (
        f"{what}: the ORDER BY should end with the id, the tie-breaker (order_by(..., Model.id)). Without it, rows "
        "the other keys call equal come in whatever order the database finds them: the id order by chance on "
        f"SQLite, any order on PostgreSQL, and pages may repeat or skip rows.\n{queries.listing()}"
    )


def ids(objects: Any) -> list[Any]:
    return [getattr(o, "id", o) for o in objects]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("count", [1, 2, 7, 500])
def test_newest_orders_are_the_most_recent_newest_first(
    session: Session, shop_rows: None, queries: Any, count: int
) -> None:
    orders = rows(session, Order)
    expected = [o["id"] for o in sorted(orders, key=lambda o: (o["placed_at"], o["id"]), reverse=True)][
        :count
    ]
    queries.clear()
    got = ids(ordering_limiting.newest_orders(session, count))
    assert got == expected, (
        f"newest_orders({count}) should return the {count} most recent orders, newest first, and of two "
        f"orders placed at the same time the higher id first: expected ids {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT")
    assert re.search(r"\b(LIMIT|FETCH)\b", queries.sql[0], re.IGNORECASE), (
        f"newest_orders({count}) should let the database stop after {count} orders (.limit(count): LIMIT in "
        f"the SQL), instead of fetching every order and slicing in Python:\n{queries.listing()}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("heaviest_first", [True, False], ids=["heaviest first", "lightest first"])
def test_products_by_weight_puts_products_without_weight_last(
    session: Session, shop_rows: None, queries: Any, heaviest_first: bool
) -> None:
    products = rows(session, Product)
    weighed = sorted(
        (p for p in products if p["weight_grams"] is not None),
        key=lambda p: (-p["weight_grams"] if heaviest_first else p["weight_grams"], p["id"]),
    )
    expected = [p["id"] for p in weighed] + sorted(p["id"] for p in products if p["weight_grams"] is None)
    got = ids(ordering_limiting.products_by_weight(session, heaviest_first))
    nulls = {p["id"] for p in products if p["weight_grams"] is None}
    dialect = session.get_bind().dialect.name
    tail = got[len(got) - len(nulls) :] if nulls else []
    assert len(got) != len(expected) or sorted(tail) == sorted(nulls), (
        f"products without a weight (ids {sorted(nulls)}) should come last, in both directions. On {dialect}, "
        "NULLs sort as the "
        + (
            "smallest value (first ascending, last descending)"
            if dialect == "sqlite"
            else "largest value (last ascending, first descending)"
        )
        + f"; the other database does the opposite. Say it: .nulls_last(). Got the order {got}"
    )
    assert got == expected, (
        f"products_by_weight({heaviest_first}) should order by weight "
        f"({'descending' if heaviest_first else 'ascending'}), equal weights by id, no weight last: "
        f"expected {expected}, got {got}"
    )
    assert_ties_broken_by_id(queries, "products_by_weight() orders equal weights by id")


# -- task 3 -------------------------------------------------------------------------------------


def make_customers(session: Session, names: list[str], id_order: list[int]) -> list[int]:
    """Insert customers with these names and ids; return the ids sorted by (name, id)."""
    table = Customer.__table__
    if not names:
        return []
    session.execute(
        insert(table),  # type: ignore[arg-type]
        [
            {
                "id": cid,
                "name": name,
                "email": f"c{cid}@example.com",
                "country": "Spain",
                "signed_up": datetime.date(2024, 1, 1),
            }
            for cid, name in zip(id_order, names, strict=True)
        ],
    )
    return [cid for name, cid in sorted(zip(names, id_order, strict=True))]


@pytest.mark.task(3)
@pytest.mark.parametrize("per_page", [1, 3, 7, 20, 25])
def test_customers_page_one_starts_at_the_first_customer(
    session: Session, shop: Any, queries: Any, per_page: int
) -> None:
    expected = [c["id"] for c in sorted(rows(session, Customer), key=lambda c: (c["name"], c["id"]))]
    queries.clear()
    first = ids(ordering_limiting.customers_page(session, 1, per_page))
    assert_ties_broken_by_id(queries, "customers_page() orders by name, then id")
    assert first == expected[:per_page], (
        f"customers_page(1, {per_page}) is the FIRST page (pages count from 1): the first {per_page} customers "
        f"by name, then id: expected {expected[:per_page]}, got {first} (page 1 has OFFSET 0)"
    )
    pages = -(-len(expected) // per_page)
    beyond = ids(ordering_limiting.customers_page(session, pages + 1, per_page))
    assert beyond == [], (
        f"page {pages + 1} of {per_page} is past the last customer: expected [], got {beyond}"
    )


@pytest.mark.task(3)
def test_customers_pages_partition_the_customers(session: Session, shop_builder: Any) -> None:
    @settings(max_examples=30)
    @given(
        names=st.lists(st.sampled_from(["Ann", "Bob", "Cy", "Dee"]), max_size=23),
        per_page=st.integers(1, 6),
        data=st.data(),
    )
    def check(names: list[str], per_page: int, data: st.DataObject) -> None:
        session.expunge_all()
        with rolled_back(session):
            id_order = data.draw(st.permutations(list(range(1, len(names) + 1))))
            expected = make_customers(session, names, id_order)
            seen: list[int] = []
            pages = -(-len(expected) // per_page)
            for page in range(1, pages + 2):
                got = ids(ordering_limiting.customers_page(session, page, per_page))
                want = expected[(page - 1) * per_page : page * per_page]
                assert got == want, (
                    f"with {len(expected)} customers (names {names}, ids {id_order}) and {per_page} a page, page "
                    f"{page} should hold {want} (by name, then id; page 1 first), got {got}"
                )
                seen += got
            assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen)), (
                f"the pages together should hold every customer exactly once: got {seen}, expected {expected}"
            )

    check()


# -- task 4 -------------------------------------------------------------------------------------


BASE = datetime.datetime(2024, 3, 1, 9, 0)


def make_orders(
    session: Session, minutes: list[int], id_order: list[int]
) -> list[tuple[datetime.datetime, int]]:
    """Insert one customer and orders at BASE + minutes, with these ids; return the keys sorted."""
    session.execute(
        insert(Customer.__table__),  # type: ignore[arg-type]
        {
            "id": 1,
            "name": "Ann",
            "email": "ann@example.com",
            "country": "Spain",
            "signed_up": datetime.date(2024, 1, 1),
        },
    )
    keys = [(BASE + datetime.timedelta(minutes=m), oid) for m, oid in zip(minutes, id_order, strict=True)]
    if keys:
        session.execute(
            insert(Order.__table__),  # type: ignore[arg-type]
            [{"id": oid, "customer_id": 1, "placed_at": at, "status": "paid"} for at, oid in keys],
        )
    return sorted(keys)


def walk_keyset(session: Session, per_page: int, limit: int, queries: Any) -> list[list[Any]]:
    pages: list[list[Any]] = []
    after = None
    for _ in range(limit):
        queries.clear()
        page = list(ordering_limiting.orders_after(session, after, per_page))
        assert queries.count == 1, (
            "each page should be one SELECT whose WHERE skips what was seen, from the last key alone (no "
            f"counting of the earlier rows first):\n{queries.listing()}"
        )
        sql = " ".join(queries.sql[0].split()).upper()
        assert " LIMIT " in sql and (after is None or " WHERE " in sql), (
            "each page should be fetched by the database alone: a WHERE that starts right after the key "
            "(from the second page on) and a LIMIT of per_page, not every order fetched and then filtered "
            f"and sliced in Python:\n{queries.listing()}"
        )
        pages.append([(o.placed_at, o.id) for o in page])
        if len(page) < per_page:
            break
        after = (page[-1].placed_at, page[-1].id)
    return pages


@pytest.mark.task(4)
def test_orders_after_pages_partition_the_orders(session: Session, shop_builder: Any, queries: Any) -> None:
    @settings(max_examples=30)
    @given(
        minutes=st.lists(st.sampled_from([0, 0, 5, 60, 61, 24 * 60]), max_size=17),
        per_page=st.integers(1, 5),
        data=st.data(),
    )
    def check(minutes: list[int], per_page: int, data: st.DataObject) -> None:
        session.expunge_all()
        with rolled_back(session):
            id_order = data.draw(st.permutations(list(range(1, len(minutes) + 1))))
            expected = make_orders(session, minutes, id_order)
            pages = walk_keyset(session, per_page, len(expected) + 2, queries)
            seen = [key for page in pages for key in page]
            assert seen == expected, (
                f"walking the pages of {per_page} (each from the last key of the one before) should give every "
                f"order exactly once, in (placed_at, id) order; orders placed at the same time are told apart "
                f"by id. Expected {[i for _, i in expected]}, got pages {[[i for _, i in p] for p in pages]}"
            )
            too_long = [p for p in pages if len(p) > per_page]
            assert not too_long, f"a page should hold at most {per_page} orders: {too_long}"

    check()


@pytest.mark.task(4)
def test_orders_after_on_the_shop_starts_at_the_oldest(session: Session, shop: Any, queries: Any) -> None:
    expected = sorted((o["placed_at"], o["id"]) for o in rows(session, Order))
    pages = walk_keyset(session, 7, len(expected) + 2, queries)
    first = pages[0] if pages else []
    assert first == expected[:7], (
        f"orders_after(None, 7) is the first page: the 7 oldest orders, expected {[i for _, i in expected[:7]]}, "
        f"got {[i for _, i in first]}"
    )
    seen = [key for page in pages for key in page]
    assert seen == expected, "the pages together should hold every order once, oldest first"
