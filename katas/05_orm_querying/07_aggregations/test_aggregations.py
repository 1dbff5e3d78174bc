"""Tests for kata 5.7, aggregations. Run: pytest katas/05_orm_querying/07_aggregations

Each test fills the shop's tables with a seeded dataset (two seeds) plus three products whose
prices tie, and works out the expected figures in Python from the raw rows; every function must
do its work in one statement.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fixtures.recording import order_by_keys, recorder
from fixtures.shop.factories import ProductFactory, using_session
from fixtures.shop.models import Customer, Order, OrderLine, Product, Review
from fixtures.target import learner_module

aggregations = learner_module(__file__, "aggregations")

SEEDS = [2024, 11]


@pytest.fixture(params=SEEDS, ids=[f"seed {seed}" for seed in SEEDS])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any, session: Session) -> int:
    """The shop dataset of one seed, plus three expensive teas: two at the same price."""
    shop_builder(request.param)
    with using_session(session):
        for sku, price in (("TOP-1", "999.99"), ("TOP-2", "999.99"), ("TOP-3", "999.98")):
            ProductFactory(sku=sku, name="Imperial Tea", category="Tea", price=Decimal(price))
    session.flush()
    session.expunge_all()
    return int(request.param)


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query: no ORM object loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


def one_statement(queries: Any, what: str, *needed: str) -> None:
    queries.assert_count(1, because=f"{what}: the database groups and aggregates in one statement")
    sql = " ".join(queries.sql[0].split())
    missing = [word for word in needed if not re.search(word, sql, re.IGNORECASE)]
    assert not missing, (
        f"the database should do the work ({what}); the SQL sent lacks {[m.replace(chr(92), '') for m in missing]}: "
        "counting, filtering groups, sorting or ranking the rows in Python reads every row and is not the "
        f"lesson.\n{queries.listing()}"
    )


def sorted_in_sql(queries: Any, what: str, keys: int) -> None:
    """The order, ties included, comes from the statement's ORDER BY: SQLite hands back groups and
    ties in key or rowid order, so a missing tie-break (or a Python sort) would pass on the data."""
    sent = order_by_keys(" ".join(queries.sql[0].split()))
    assert len(sent) >= keys, (
        f"sort in the database, ties included: the statement's ORDER BY should have {keys} keys ({what}), it has "
        f"{sent or 'none'}. Without the tie-break, equal values come in whatever order the grouping left "
        f"(here the id order by chance; on PostgreSQL, any order).\n{queries.listing()}"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_orders_per_status_counts_each_status(session: Session, shop_rows: int, queries: Any) -> None:
    expected = dict(Counter(o["status"] for o in rows(session, Order)))
    queries.clear()
    got = dict(aggregations.orders_per_status(session))
    assert got == expected, (
        f"orders_per_status() should count the orders of each status: expected {expected}, got {got}"
    )
    one_statement(queries, "SELECT status, count(...) ... GROUP BY status", r"\bGROUP BY\b", r"\bcount\s*\(")


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_order_counts_include_customers_without_orders(
    session: Session, shop_rows: int, queries: Any
) -> None:
    counts = Counter(o["customer_id"] for o in rows(session, Order))
    customers = rows(session, Customer)
    expected = [
        (c["email"], counts[c["id"]]) for c in sorted(customers, key=lambda c: (-counts[c["id"]], c["id"]))
    ]
    queries.clear()
    got = [tuple(row) for row in aggregations.order_counts(session)]
    idle = {email: n for email, n in got if email in {e for e, c in expected if c == 0}}
    assert not idle or set(idle.values()) == {0}, (
        f"customers without orders should count 0, got {idle}: count(*) counts the outer join's one row of NULLs "
        "for them; count(Order.id) counts only real orders"
    )
    assert got == expected, (
        "order_counts() should return (email, number of orders) for every customer, those without orders with 0 "
        f"(an outer join keeps them), most orders first, then by customer id: expected {expected[:3]}... "
        f"{expected[-2:]}, got {got[:3]}... {got[-2:]} ({len(expected)} expected, {len(got)} got)"
    )
    one_statement(queries, "customers LEFT OUTER JOIN orders, GROUP BY the customer", r"\bcount\s*\(")
    sorted_in_sql(queries, "the number of orders descending, then the customer id", 2)


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_revenue_per_category_sums_the_lines_of_orders_not_cancelled(
    session: Session, shop_rows: int, queries: Any
) -> None:
    category = {p["id"]: p["category"] for p in rows(session, Product)}
    live = {o["id"] for o in rows(session, Order) if o["status"] != "cancelled"}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for line in rows(session, OrderLine):
        if line["order_id"] in live:
            revenue[category[line["product_id"]]] += line["quantity"] * Decimal(line["unit_price"])
    expected = sorted(revenue.items(), key=lambda item: (-item[1], item[0]))
    queries.clear()
    got = [(name, Decimal(str(value))) for name, value in aggregations.revenue_per_category(session)]
    close = len(got) == len(expected) and all(
        g[0] == e[0] and abs(g[1] - e[1]) < Decimal("0.01") for g, e in zip(got, expected, strict=True)
    )
    assert close, (
        "revenue_per_category() should sum quantity * unit_price per category over the lines of orders that are "
        f"not cancelled, highest first: expected {expected}, got {got}"
    )
    one_statement(queries, "lines JOIN products JOIN orders, WHERE not cancelled, GROUP BY category", r"\bsum\s*\(")
    sorted_in_sql(queries, "the revenue descending, then the category", 2)


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("min_reviews", [1, 3, 5])
def test_well_reviewed_keeps_products_with_enough_reviews(
    session: Session, shop_rows: int, queries: Any, min_reviews: int
) -> None:
    ratings: dict[int, list[int]] = defaultdict(list)
    for review in rows(session, Review):
        ratings[review["product_id"]].append(review["rating"])
    exact = {pid: Fraction(sum(r), len(r)) for pid, r in ratings.items() if len(r) >= min_reviews}
    expected = [
        (pid, len(ratings[pid]), float(avg))
        for pid, avg in sorted(exact.items(), key=lambda i: (-i[1], i[0]))
    ]
    queries.clear()
    returned = list(aggregations.well_reviewed(session, min_reviews))
    not_float = [row for row in returned if not isinstance(row[2], float)]
    assert not not_float, (
        "the average should be a float (PostgreSQL's avg() of an integer column is a numeric, read back as a "
        f"Decimal: convert it, or cast the column to Float first); got {not_float[:2]}"
    )
    got = [(pid, n, float(avg)) for pid, n, avg in returned]
    close = len(got) == len(expected) and all(
        g[:2] == e[:2] and abs(g[2] - e[2]) < 1e-9 for g, e in zip(got, expected, strict=True)
    )
    assert close, (
        f"well_reviewed({min_reviews}) should return (product id, reviews, average rating) of the products with at "
        f"least {min_reviews} reviews (HAVING count(...) >= {min_reviews}), best average first, then by id: "
        f"expected {expected[:4]}... ({len(expected)}), got {got[:4]}... ({len(got)})"
    )
    one_statement(queries, "GROUP BY product ... HAVING", r"\bGROUP BY\b", r"\bHAVING\b", r"\bORDER BY\b")
    sorted_in_sql(queries, "the average descending, then the product id", 2)


# -- task 5 -------------------------------------------------------------------------------------


def expected_ranks(products: list[dict[str, Any]]) -> list[tuple[int, int]]:
    result = []
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for product in products:
        by_category[product["category"]].append(product)
    for category in sorted(by_category):
        prices = [p["price"] for p in by_category[category]]
        ranked = [
            (1 + sum(1 for other in prices if other > p["price"]), p["id"]) for p in by_category[category]
        ]
        result += [(pid, rank) for rank, pid in sorted(ranked)]
    return result


@pytest.mark.task(5)
def test_price_ranks_rank_within_each_category_with_ties(
    session: Session, shop_rows: int, queries: Any
) -> None:
    products = rows(session, Product)
    expected = expected_ranks(products)
    queries.clear()
    got = [tuple(row) for row in aggregations.price_ranks(session)]
    top = {p["id"] for p in products if p["sku"].startswith("TOP-")}
    got_top = sorted(rank for pid, rank in got if pid in top)
    assert got_top == [1, 1, 3], (
        "the two teas at 999.99 share rank 1 and the one at 999.98 comes 3rd: RANK() (ROW_NUMBER() gives 1, 2, 3; "
        f"DENSE_RANK() gives 1, 1, 2). Got {got_top}"
    )
    assert got == expected, (
        "price_ranks() should rank each product by price within its category, most expensive first, ordered by "
        f"category, rank, id: expected {expected[:6]}..., got {got[:6]}... ({len(expected)} expected, {len(got)} got)"
    )
    one_statement(
        queries, "a window function, rank() OVER (PARTITION BY category ORDER BY price DESC)", r"\bOVER\s*\("
    )
    sorted_in_sql(queries, "the category, the rank, then the product id", 3)
