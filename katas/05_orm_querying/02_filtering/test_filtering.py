"""Tests for kata 5.2, filtering. Run: pytest katas/05_orm_querying/02_filtering

Each test fills the shop's tables with a seeded dataset (two seeds) and works out the expected
rows in Python from the raw rows, read with plain Core queries.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fixtures.recording import order_by_keys, recorder
from fixtures.shop.factories import CATEGORIES, ProductFactory, using_session
from fixtures.shop.models import Customer, Product
from fixtures.target import learner_module

filtering = learner_module(__file__, "filtering")

SEEDS = [2024, 11]


@pytest.fixture(params=SEEDS, ids=[f"seed {seed}" for seed in SEEDS])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any, session: Session) -> int:
    """The shop dataset of one seed, plus a gift card on sale (no weight); returns the seed."""
    shop_builder(request.param)
    with using_session(session):
        ProductFactory(
            sku="GIFT-NEW", name="New Gift Card", category="Gifts", weight_grams=None, discontinued=False
        )
    session.flush()
    session.expunge_all()
    return int(request.param)


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


def was_bound(value: Any, values: list[Any]) -> bool:
    """Whether `value` is among the bound values (a Decimal may travel as a float on SQLite)."""
    return any(v == value or (isinstance(v, float) and Decimal(str(v)) == value) for v in values)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("low_rank", "high_rank"),
    [(5, 20), (10, 10), (0, 3), (20, 5)],
    ids=["a range", "one price", "cheapest", "empty"],
)
def test_price_between_includes_both_ends(
    session: Session, shop_rows: int, queries: Any, low_rank: int, high_rank: int
) -> None:
    products = rows(session, Product)
    prices = sorted(p["price"] for p in products)
    low, high = prices[low_rank], prices[high_rank]  # prices that exist: the ends must be included
    expected = [
        p["id"] for p in sorted(products, key=lambda p: (p["price"], p["id"])) if low <= p["price"] <= high
    ]
    queries.clear()
    got = ids(filtering.price_between(session, low, high))
    assert got == expected, (
        f"price_between({low}, {high}) should return the products costing from {low} to {high}, both "
        f"included (>= and <=), cheapest first then by id: expected ids {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT with both conditions in its WHERE")
    assert_ties_broken_by_id(queries, "price_between() sorts cheapest first, then by id")
    assert was_bound(low, queries.values_sent()) and was_bound(high, queries.values_sent()), (
        f"low and high should be bound parameters:\n{queries.listing()}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(("country", "rank"), [("France", 10), ("Spain", 15), ("Italy", 5), ("Atlantis", 12)])
def test_customers_to_contact_takes_either_condition(
    session: Session, shop_rows: int, queries: Any, country: str, rank: int
) -> None:
    customers = rows(session, Customer)
    since = sorted(c["signed_up"] for c in customers)[rank]
    expected = sorted(c["id"] for c in customers if c["country"] == country or c["signed_up"] >= since)
    queries.clear()
    got = ids(filtering.customers_to_contact(session, country, since))
    assert got == expected, (
        f"customers_to_contact({country!r}, {since}) should return the customers living in {country} OR "
        f"signed up on {since} or later (either one is enough: or_()), ordered by id: expected {expected}, "
        f"got {got}"
    )
    assert country in queries.values_sent(), f"the country should be a bound parameter:\n{queries.listing()}"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("max_grams", [500, 1200, 0])
def test_light_and_available_keeps_products_without_a_weight(
    session: Session, shop_rows: int, max_grams: int
) -> None:
    products = rows(session, Product)
    expected = sorted(
        p["id"]
        for p in products
        if not p["discontinued"] and (p["weight_grams"] is None or p["weight_grams"] <= max_grams)
    )
    weightless = sorted(p["id"] for p in products if p["weight_grams"] is None and not p["discontinued"])
    got = ids(filtering.light_and_available(session, max_grams))
    missing = sorted(set(expected) - set(got))
    assert not (set(weightless) & set(missing)), (
        f"products without a weight (NULL weight_grams, ids {weightless}) are not heavier than {max_grams} g "
        "and should be included. In SQL, NULL > 500 is NULL (unknown), and NOT NULL is still NULL: a "
        "NOT (...) around the comparison silently drops them. Say what NULL means: weight IS NULL OR "
        f"weight <= {max_grams}. Missing: {missing}"
    )
    assert got == expected, (
        f"light_and_available({max_grams}) should return the products that are neither discontinued nor "
        f"heavier than {max_grams} g, ordered by id: expected {expected}, got {got}"
    )


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda s: filtering.price_between(s, Decimal("10.00"), Decimal("40.00")),
            id="price_between",
            marks=pytest.mark.task(1),
        ),
        pytest.param(
            lambda s: filtering.customers_to_contact(s, "France", datetime.date(2024, 1, 1)),
            id="customers_to_contact",
            marks=pytest.mark.task(2),
        ),
        pytest.param(
            lambda s: filtering.light_and_available(s, 500),
            id="light_and_available",
            marks=pytest.mark.task(3),
        ),
    ],
)
def test_the_database_does_the_filtering(session: Session, shop_rows: int, queries: Any, call: Any) -> None:
    queries.clear()
    call(session)
    unfiltered = [sql for sql in queries.sql if " WHERE " not in " ".join(sql.split()).upper()]
    assert queries.sql and not unfiltered, (
        "the conditions belong in the SQL (select(...).where(...)): fetching the whole table and keeping "
        "rows with a Python `if` reads every row over the network, every time. A SELECT without WHERE "
        f"was sent:\n{queries.listing()}"
    )


# -- task 4 -------------------------------------------------------------------------------------


COMPARE = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}


def convert(field: str, text: str) -> Any:
    if field == "price":
        return Decimal(text)
    if field == "weight_grams":
        return int(text)
    if field == "discontinued":
        return text == "true"
    return text


def expected_search(products: list[dict[str, Any]], filters: dict[str, str]) -> list[int]:
    """The search worked out in Python; as in SQL, a NULL matches no comparison."""
    result = []
    for product in products:
        keep = True
        for key, text in filters.items():
            field, _, op = key.partition("__")
            value = product[field]
            if value is None or not COMPARE[op or "eq"](value, convert(field, text)):
                keep = False
        if keep:
            result.append(product["id"])
    return sorted(result)


SEARCHES = [
    {},
    {"category": "Tea"},
    {"category__ne": "Books", "price__lt": "20"},
    {"discontinued": "true"},
    {"discontinued": "false", "category": "Gifts"},
    {"weight_grams__gte": "1000"},
    {"weight_grams__ne": "500"},
    {"price__gte": "10.50", "price__lte": "30"},
    {"price__gt": "75", "weight_grams__lt": "800"},
    {"sku": "SKU-0003"},
    {"name": "New Gift Card"},
]


@pytest.mark.task(4)
@pytest.mark.parametrize("filters", SEARCHES, ids=[",".join(f) or "no filters" for f in SEARCHES])
def test_search_products_applies_every_filter(
    session: Session, shop_rows: int, queries: Any, filters: dict[str, str]
) -> None:
    expected = expected_search(rows(session, Product), filters)
    queries.clear()
    got = ids(filtering.search_products(session, dict(filters)))
    assert got == expected, (
        f"search_products({filters}) should return the products matching every filter (a NULL weight "
        f"matches no comparison, as in SQL), ordered by id: expected {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT whatever the number of filters")


@pytest.mark.task(4)
@pytest.mark.parametrize("op", ["eq", "ne", "lt", "lte", "gt", "gte"])
@pytest.mark.parametrize("field", ["price", "weight_grams"])
def test_search_products_operators_at_an_existing_value(
    session: Session, shop: Any, field: str, op: str
) -> None:
    products = rows(session, Product)
    value = sorted(p[field] for p in products if p[field] is not None)[len(products) // 2]
    filters = {f"{field}__{op}": str(value)}
    expected = expected_search(products, filters)
    got = ids(filtering.search_products(session, filters))
    assert got == expected, (
        f"search_products({filters}): {op} compares with {value}, a value some products have, so whether "
        f"{op} includes it matters (lt <, lte <=, gt >, gte >=, eq =, ne !=). Expected {expected}, got {got}"
    )


@pytest.mark.task(4)
def test_search_products_agrees_with_python_on_generated_filters(session: Session, shop_builder: Any) -> None:
    shop_builder(7)
    recorder.log.clear()
    products = rows(session, Product)
    names = sorted({p["name"] for p in products})
    values = {
        "sku": st.integers(1, 32).map(lambda n: f"SKU-{n:04d}"),
        "name": st.sampled_from(names),
        "category": st.sampled_from((*CATEGORIES, "Garden")),
        "price": st.decimals(0, 90, places=2).map(str),
        "weight_grams": st.integers(0, 2100).map(str),
        "discontinued": st.sampled_from(("true", "false")),
    }
    keys = st.sampled_from(sorted(values)).flatmap(
        lambda field: st.tuples(
            st.just(field),
            st.sampled_from(
                ["", "eq", "ne"] if field == "discontinued" else ["", "eq", "ne", "lt", "lte", "gt", "gte"]
            ),
        )
    )

    @settings(max_examples=30)
    @given(
        st.lists(keys, max_size=3, unique_by=lambda k: k).flatmap(
            lambda chosen: st.fixed_dictionaries(
                {f"{field}__{op}" if op else field: values[field] for field, op in chosen}
            )
        )
    )
    def check(filters: dict[str, str]) -> None:
        got = ids(filtering.search_products(session, dict(filters)))
        expected = expected_search(products, filters)
        assert got == expected, (
            f"search_products({filters}) should return the products matching every filter, ordered by id: "
            f"expected {expected}, got {got}"
        )

    check()


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "filters",
    [
        {"category": "Tea' OR '1' = '1"},
        {"name": "x'); DELETE FROM products; --"},
        {"sku__ne": "' OR 1=1 --", "category": "Nope"},
    ],
    ids=["or 1=1", "a second statement", "a comment"],
)
def test_search_products_binds_the_users_values(
    session: Session, shop: Any, queries: Any, filters: dict[str, str]
) -> None:
    before = len(rows(session, Product))
    queries.clear()
    got = ids(filtering.search_products(session, dict(filters)))
    assert got == [], (
        f"no product matches {filters}: the user's text is one value to compare with, never SQL. Got {got}, "
        "so the text was pasted into the SQL (an f-string, or text() with the value in it)"
    )
    sent = queries.values_sent()
    unbound = [text for text in filters.values() if text not in sent]
    assert not unbound, (
        f"the user's values should travel as bound parameters; these were pasted into the SQL: {unbound}\n"
        f"{queries.listing()}"
    )
    with recorder.log.paused():
        after = session.scalar(select(func.count()).select_from(Product))
    assert after == before, "the products table lost rows: a user's value ran as SQL"


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "key",
    [
        "colour",
        "id",
        "price__like",
        "category__eq__x",
        "discontinued__lt",
        "1=1 OR name",
        "metadata",
        "lines",
        "__class__",
        "__init__",
    ],
)
def test_search_products_refuses_unknown_fields_and_operators(
    session: Session, shop: Any, queries: Any, key: str
) -> None:
    queries.clear()
    try:
        result = filtering.search_products(session, {key: "1"})
    except ValueError:
        result = None
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 — any other error is the learner's to see, in words
        pytest.fail(
            f"search_products({{{key!r}: '1'}}) should raise ValueError (an unknown field or operator), "
            f"not {type(error).__name__}: {error}",
            pytrace=False,
        )
    assert result is None, (
        f"search_products({{{key!r}: '1'}}) should raise ValueError: only the fields {list(filtering.SEARCHABLE)} "
        f"and the operators {list(filtering.OPERATORS)} may be used (an allow-list: getattr(Product, key) "
        f"reaches far more than columns). It returned {len(result)} products instead"
    )
    queries.assert_count(0, because="bad input is refused before any SQL is sent")


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "filters",
    [
        {"price__lt": "cheap"},
        {"weight_grams": "1.5"},
        {"discontinued": "maybe"},
        {"category": "Tea", "price": ""},
    ],
    ids=["price", "weight", "discontinued", "empty price"],
)
def test_search_products_refuses_values_that_do_not_convert(
    session: Session, shop: Any, queries: Any, filters: dict[str, str]
) -> None:
    queries.clear()
    try:
        filtering.search_products(session, dict(filters))
    except ValueError:
        pass
    except ArithmeticError as error:  # decimal.InvalidOperation
        pytest.fail(
            f"search_products({filters}) raised {type(error).__name__}: Decimal('cheap') raises "
            "decimal.InvalidOperation, which is not a ValueError. Catch it and raise ValueError, so the "
            "web page can answer 400 for every bad input alike",
            pytrace=False,
        )
    else:
        pytest.fail(
            f"search_products({filters}) should raise ValueError: a value does not convert", pytrace=False
        )
    queries.assert_count(
        0, because=f"{filters} has a value that is not of its field's type: ValueError, before any SQL"
    )
