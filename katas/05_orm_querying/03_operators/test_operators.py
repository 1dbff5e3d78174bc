"""Tests for kata 5.3, operators. Run: pytest katas/05_orm_querying/03_operators

Each test fills the shop's tables with a seeded dataset (two seeds), adds a few products with
awkward names (a "%", a "_", lower and upper case), and works out the expected rows in Python
from the raw rows, read with plain Core queries.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fixtures.recording import recorder
from fixtures.shop.factories import ProductFactory, using_session
from fixtures.shop.models import Customer, Order, Product, Review
from fixtures.target import learner_module

operators = learner_module(__file__, "operators")

SEEDS = [2024, 11]
AWKWARD_NAMES = [
    "Tea 50% Off",
    "Tea 500g Tin",
    "Mint_Tea Sampler",
    "MintXTea Bag",
    "organic honey",
    "ORGANIC Syrup",
]


@pytest.fixture(params=SEEDS, ids=[f"seed {seed}" for seed in SEEDS])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any, session: Session) -> int:
    """The shop dataset of one seed plus the products of AWKWARD_NAMES; returns the seed."""
    shop_builder(request.param)
    with using_session(session):
        for number, name in enumerate(AWKWARD_NAMES, start=1):
            ProductFactory(sku=f"ODD-{number}", name=name, category="Gifts")
    session.flush()
    session.expunge_all()
    return int(request.param)


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query: no ORM object loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


def ids(objects: Any) -> list[Any]:
    return [getattr(o, "id", o) for o in objects]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "categories",
    [["Tea"], ["Tea", "Books", "Coffee"], [], ["Garden"], ["tea"]],
    ids=["one", "three", "none", "unknown", "wrong case"],
)
def test_products_in_categories_uses_one_in_list(
    session: Session, shop_rows: int, queries: Any, categories: list[str]
) -> None:
    expected = sorted(p["id"] for p in rows(session, Product) if p["category"] in categories)
    queries.clear()
    got = ids(operators.products_in_categories(session, list(categories)))
    assert got == expected, (
        f"products_in_categories({categories}) should return the products of those categories (exact "
        f"names: = and IN compare case included), ordered by id: expected {expected}, got {got}"
    )
    queries.assert_at_most(1, because="one SELECT ... WHERE category IN (...), not one query per category")


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "term",
    ["tea", "TEA", "Organic", "50%", "_Tea", "0g", "' OR 1=1 --"],
    ids=["lower", "upper", "mixed", "a percent sign", "an underscore", "plain", "a quote"],
)
def test_search_names_ignores_case_and_takes_wildcards_literally(
    session: Session, shop_rows: int, queries: Any, term: str
) -> None:
    expected = sorted(p["id"] for p in rows(session, Product) if term.lower() in p["name"].lower())
    queries.clear()
    got = ids(operators.search_names(session, term))
    names = {p["id"]: p["name"] for p in rows(session, Product)}
    wrong = sorted(names[i] for i in set(got) ^ set(expected) if i in names)
    hint = ""
    if "%" in term or "_" in term:
        hint = (
            " In LIKE, % and _ are wildcards: a visitor's '50%' must find '50%' only, not '500g' "
            "(escape them: autoescape=True)."
        )
    assert got == expected, (
        f"search_names({term!r}) should return the products whose name contains {term!r} ignoring case, "
        f"ordered by id: expected {expected}, got {got}; wrongly in or out: {wrong}.{hint}"
    )
    sql = " ".join(queries.sql)
    plain_like = re.search(r"\bLIKE\b", sql, re.IGNORECASE) and not re.search(
        r"\bILIKE\b|\b(lower|upper)\s*\(", sql, re.IGNORECASE
    )
    assert not plain_like, (
        "a plain LIKE ignores case on SQLite only (for ASCII letters): on PostgreSQL, LIKE '%tea%' does not "
        "find 'Green Tea'. Ask for case-insensitivity explicitly: ilike() or icontains(), which SQLAlchemy "
        f"renders as ILIKE on PostgreSQL and lower(...) LIKE lower(...) on SQLite:\n{queries.listing()}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("prefix", ["Organic", "organic", "ORGANIC", "Tea 5", "Mint_", "Classic"])
def test_names_starting_with_respects_case_on_every_database(
    session: Session, shop_rows: int, prefix: str
) -> None:
    expected = sorted(p["id"] for p in rows(session, Product) if p["name"].startswith(prefix))
    got = ids(operators.names_starting_with(session, prefix))
    names = {p["id"]: p["name"] for p in rows(session, Product)}
    wrong = sorted(names[i] for i in set(got) ^ set(expected) if i in names)
    dialect = session.get_bind().dialect.name
    assert got == expected, (
        f"names_starting_with({prefix!r}) should return the products whose name starts with exactly "
        f"{prefix!r}, case included, ordered by id: expected {expected}, got {got}; wrongly in or out: "
        f"{wrong}. (On {dialect}: LIKE ignores case on SQLite, not on PostgreSQL; and _ in LIKE is a "
        "wildcard.)"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("has_phone", [True, False])
def test_customers_by_phone_tests_for_null(session: Session, shop_rows: int, has_phone: bool) -> None:
    expected = sorted(c["id"] for c in rows(session, Customer) if (c["phone"] is not None) == has_phone)
    got = ids(operators.customers_by_phone(session, has_phone))
    assert got == expected, (
        f"customers_by_phone({has_phone}) should return the customers whose phone "
        f"{'IS NOT NULL' if has_phone else 'IS NULL'}, ordered by id: expected {expected}, got {got} "
        "(phone = NULL is never true in SQL: use is_(None) / is_not(None), or == None which renders IS NULL)"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize(("rank", "days"), [(10, 3), (30, 0), (45, 20), (0, 400)])
def test_orders_placed_between_includes_the_whole_last_day(
    session: Session, shop_rows: int, queries: Any, rank: int, days: int
) -> None:
    orders = rows(session, Order)
    last_day = sorted(o["placed_at"] for o in orders)[rank].date()  # an order was placed that day
    first_day = last_day - datetime.timedelta(days=days)
    expected = sorted(o["id"] for o in orders if first_day <= o["placed_at"].date() <= last_day)
    queries.clear()
    got = ids(operators.orders_placed_between(session, first_day, last_day))
    assert got == expected, (
        f"orders_placed_between({first_day}, {last_day}) should return every order placed on those days, "
        f"{last_day} included until 23:59:59 (placed_at BETWEEN ... AND '{last_day}' stops at its midnight): "
        f"expected {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT")


# -- task 6 -------------------------------------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize("rating", [5, 4, 1])
def test_products_rated_lists_each_product_once(
    session: Session, shop_rows: int, queries: Any, rating: int
) -> None:
    expected = sorted({r["product_id"] for r in rows(session, Review) if r["rating"] == rating})
    queries.clear()
    got = ids(operators.products_rated(session, rating))
    assert got == expected, (
        f"products_rated({rating}) should return each product with at least one {rating}-star review, once, "
        f"ordered by id: expected {expected}, got {got} (a JOIN repeats a product for each matching review; "
        "Product.reviews.any(...) is an EXISTS)"
    )
    queries.assert_count(
        1, because="one SELECT with an EXISTS subquery, not a lazy load of each product's reviews"
    )


# -- task 7 -------------------------------------------------------------------------------------


@pytest.mark.task(7)
@pytest.mark.parametrize("country", ["France", "Germany", "Portugal", "Atlantis"])
def test_orders_from_country_follows_the_customer(
    session: Session, shop_rows: int, queries: Any, country: str
) -> None:
    lives_there = {c["id"] for c in rows(session, Customer) if c["country"] == country}
    expected = sorted(o["id"] for o in rows(session, Order) if o["customer_id"] in lives_there)
    queries.clear()
    got = ids(operators.orders_from_country(session, country))
    assert got == expected, (
        f"orders_from_country({country!r}) should return the orders whose customer lives in {country}, "
        f"ordered by id: expected {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT (Order.customer.has(...) or a join), not one per order")
    assert country in queries.values_sent(), f"the country should be a bound parameter:\n{queries.listing()}"


# -- every task: the database sorts ---------------------------------------------------------------


def _order_by_id_calls() -> list[Any]:
    day = datetime.date(2024, 1, 1)
    calls = [
        (1, "products_in_categories", lambda s: operators.products_in_categories(s, ["Tea", "Books"])),
        (2, "search_names", lambda s: operators.search_names(s, "tea")),
        (3, "names_starting_with", lambda s: operators.names_starting_with(s, "Organic")),
        (4, "customers_by_phone", lambda s: operators.customers_by_phone(s, True)),
        (
            5,
            "orders_placed_between",
            lambda s: operators.orders_placed_between(s, day, day.replace(year=2030)),
        ),
        (6, "products_rated", lambda s: operators.products_rated(s, 5)),
        (7, "orders_from_country", lambda s: operators.orders_from_country(s, "France")),
    ]
    return [pytest.param(call, id=name, marks=pytest.mark.task(task)) for task, name, call in calls]


@pytest.mark.parametrize("call", _order_by_id_calls())
def test_every_list_is_sorted_by_the_database(
    session: Session, shop_rows: int, queries: Any, call: Any
) -> None:
    queries.clear()
    call(session)
    unsorted = [
        sql
        for sql in queries.sql
        if not re.search(r"\bORDER BY\b.*\bid\b", " ".join(sql.split()), re.IGNORECASE)
    ]
    assert queries.sql and not unsorted, (
        "every list is ordered by id, and only an ORDER BY guarantees an order: without one the rows come "
        "back in whatever order the database finds them (often the id order on a small table, by luck). "
        f"Add .order_by(<Model>.id). The SQL sent:\n{queries.listing()}"
    )
