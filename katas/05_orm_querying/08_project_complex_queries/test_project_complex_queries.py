"""Tests for kata 5.8, the reports project. Run: pytest katas/05_orm_querying/08_project_complex_queries

Each test fills the shop's tables with a seeded dataset (two seeds, the second one larger) and
works out every figure in Python from the raw rows; each report must fit in one statement.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fixtures.recording import recorder
from fixtures.shop.factories import OrderFactory, OrderLineFactory, ProductFactory, using_session
from fixtures.shop.models import Customer, Order, OrderLine, Product, Review
from fixtures.target import learner_module

project = learner_module(__file__, "project_complex_queries")

DATASETS = [(2024, {}), (11, {"customers": 35, "orders": 110, "reviews": 120})]
COUNTED = ("paid", "shipped")
CENT = Decimal("0.01")


@pytest.fixture(params=DATASETS, ids=["seed 2024", "seed 11, larger"])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any) -> int:
    seed, sizes = request.param
    shop_builder(seed, **sizes)
    return int(seed)


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query: no ORM object loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


def counted_lines(session: Session) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(line, order) pairs of the counted orders."""
    orders = {o["id"]: o for o in rows(session, Order)}
    return [
        (line, orders[line["order_id"]])
        for line in rows(session, OrderLine)
        if orders[line["order_id"]]["status"] in COUNTED
    ]


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def computed_in_sql(queries: Any, what: str, *needed: str) -> None:
    """The one statement does the work: a SELECT that fetches the rows for a Python loop fits the
    budget too, so the aggregate (or the filter) must be in the SQL sent."""
    sql = " ".join(queries.sql[-1].split())
    missing = [word for word in needed if not re.search(word, sql, re.IGNORECASE)]
    assert not missing, (
        f"the database should do the work ({what}); the SQL sent lacks {[m.replace(chr(92), '') for m in missing]}: "
        "fetching the rows and adding, counting, filtering or cutting them in Python is not the lesson (and reads "
        f"every row of a table that only grows).\n{queries.listing()}"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("limit", [1, 5, 1000])
def test_top_customers_are_the_biggest_spenders(
    session: Session, shop_rows: int, queries: Any, limit: int
) -> None:
    spent: dict[int, Decimal] = defaultdict(Decimal)
    orders: dict[int, set[int]] = defaultdict(set)
    for line, order in counted_lines(session):
        spent[order["customer_id"]] += line["quantity"] * Decimal(line["unit_price"])
        orders[order["customer_id"]].add(order["id"])
    customers = {c["id"]: c for c in rows(session, Customer)}
    ranking = sorted(spent, key=lambda cid: (-spent[cid], cid))[:limit]
    expected = [
        (customers[c]["name"], customers[c]["email"], len(orders[c]), money(spent[c])) for c in ranking
    ]
    with queries.budget(1, because="one SELECT with joins, GROUP BY, ORDER BY and LIMIT"):
        report = project.top_customers(session, limit)
    got = [(t.name, t.email, t.orders, money(t.spent)) for t in report]
    computed_in_sql(queries, "sum() per customer, and the LIMIT", r"\bsum\s*\(", r"\bLIMIT\b")
    order_by = re.search(r"\bORDER BY\b(.*)$", " ".join(queries.sql[-1].split()), re.IGNORECASE)
    assert order_by and re.search(r"id\b", order_by.group(1), re.IGNORECASE), (
        "two customers who spent the same amount should come lower customer id first, and only an ORDER BY "
        "guarantees that: end the ORDER BY with the customer's id (without it the order of ties is whatever "
        f"the database's grouping left). The SQL sent:\n{queries.listing()}"
    )
    assert got == expected, (
        f"top_customers({limit}) should list (name, email, counted orders, spent) of the {limit} customers who spent "
        "the most on paid or shipped orders, most first, ties by customer id; each order counts once however many "
        f"lines it has (count(distinct ...)). Expected {expected[:3]}..., got {got[:3]}... "
        f"({len(expected)} expected, {len(got)} got)"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("year", [2024, 2023])
def test_monthly_revenue_has_twelve_months(session: Session, shop_rows: int, queries: Any, year: int) -> None:
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    orders: dict[int, set[int]] = defaultdict(set)
    for line, order in counted_lines(session):
        if order["placed_at"].year == year:
            month = order["placed_at"].month
            revenue[month] += line["quantity"] * Decimal(line["unit_price"])
            orders[month].add(order["id"])
    expected = [(f"{year}-{m:02d}", len(orders[m]), money(revenue[m])) for m in range(1, 13)]
    with queries.budget(1, because="one SELECT grouped by month; the empty months are filled in Python"):
        report = project.monthly_revenue(session, year)
    got = [(r.month, r.orders, money(r.revenue)) for r in report]
    computed_in_sql(queries, "sum() and count() per month", r"\bsum\s*\(", r"\bcount\s*\(")
    assert got == expected, (
        f"monthly_revenue({year}) should give the 12 months of {year} as 'YYYY-MM', in order, with the paid or "
        f"shipped orders placed that month and their revenue (0 for a month without any): expected {expected}, "
        f"got {got}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_never_sold_lists_products_without_a_counted_line(
    session: Session, shop_rows: int, queries: Any
) -> None:
    customer = session.get(Customer, 2)
    with using_session(session):
        for status in ("cancelled", "pending"):
            product = ProductFactory(sku=f"ONLY-{status.upper()}", name="Rare Tea", category="Tea")
            order = OrderFactory(customer=customer, status=status)
            OrderLineFactory(order=order, product=product)
    session.flush()
    session.expunge_all()
    sold = {line["product_id"] for line, _ in counted_lines(session)}
    products = rows(session, Product)
    expected = sorted(p["sku"] for p in products if p["id"] not in sold)
    only_uncounted = sorted(
        p["sku"]
        for p in products
        if p["id"] not in sold and p["id"] in {line["product_id"] for line in rows(session, OrderLine)}
    )
    with queries.budget(1, because="one SELECT ... WHERE NOT EXISTS (or an outer join)"):
        got = list(project.never_sold(session))
    computed_in_sql(
        queries,
        "leave out the sold products in the statement: NOT EXISTS, NOT IN, an outer join ... IS NULL, EXCEPT or HAVING",
        r"\bNOT\b|\bIS NULL\b|\bEXCEPT\b|\bHAVING\b",
    )
    assert got == expected, (
        f"never_sold() should return the sorted skus of the products on no line of a paid or shipped order "
        f"(those only on pending or cancelled orders, {only_uncounted}, were never sold either): expected "
        f"{expected}, got {got}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("category", ["Tea", "Kitchen", "Gifts"])
def test_product_performance_does_not_multiply_lines_by_reviews(
    session: Session, shop_rows: int, queries: Any, category: str
) -> None:
    units: dict[int, int] = defaultdict(int)
    revenue: dict[int, Decimal] = defaultdict(Decimal)
    for line, _ in counted_lines(session):
        units[line["product_id"]] += line["quantity"]
        revenue[line["product_id"]] += line["quantity"] * Decimal(line["unit_price"])
    ratings: dict[int, list[int]] = defaultdict(list)
    for review in rows(session, Review):
        ratings[review["product_id"]].append(review["rating"])
    expected = [
        (
            p["sku"],
            units[p["id"]],
            money(revenue[p["id"]]),
            len(ratings[p["id"]]),
            round(float(Fraction(sum(ratings[p["id"]]), len(ratings[p["id"]]))), 6)
            if ratings[p["id"]]
            else None,
        )
        for p in sorted(rows(session, Product), key=lambda p: p["sku"])
        if p["category"] == category
    ]
    with queries.budget(1, because="one SELECT: products outer-joined to two aggregated subqueries"):
        report = project.product_performance(session, category)
    computed_in_sql(queries, "sum() of the units and revenue, count() of the reviews", r"\bsum\s*\(", r"\bcount\s*\(")
    got = [
        (
            r.sku,
            r.units_sold,
            money(r.revenue),
            r.reviews,
            round(float(r.average_rating), 6) if r.average_rating is not None else None,
        )
        for r in report
    ]
    assert got == expected, (
        f"product_performance({category!r}) should give, by sku: units sold and revenue on paid or shipped orders "
        "(0 without), number of reviews and average rating (None without). Joining lines and reviews to the "
        "products in one go repeats each line once per review, and inflates every sum: aggregate each in its own "
        f"subquery. Expected {expected[:3]}..., got {got[:3]}..."
    )


@pytest.mark.task(2)
def test_monthly_revenue_buckets_orders_at_month_boundaries(
    session: Session, shop_rows: int, queries: Any
) -> None:
    customer = session.get(Customer, 1)
    product = session.get(Product, 1)
    placed = [
        (datetime.datetime(2025, 1, 31, 23, 59, 59), "paid", 2, Decimal("10.00")),
        (datetime.datetime(2025, 2, 1, 0, 0, 0), "shipped", 1, Decimal("5.00")),
        (datetime.datetime(2025, 2, 28, 12, 0, 0), "shipped", 3, Decimal("1.10")),
        (datetime.datetime(2025, 3, 15, 9, 0, 0), "cancelled", 4, Decimal("9.00")),
        (datetime.datetime(2025, 4, 1, 9, 0, 0), "pending", 1, Decimal("7.00")),
        (datetime.datetime(2025, 12, 31, 18, 30, 0), "paid", 1, Decimal("3.00")),
        (datetime.datetime(2026, 1, 1, 0, 0, 0), "paid", 1, Decimal("99.00")),
    ]
    with using_session(session):
        for at, status, quantity, price in placed:
            order = OrderFactory(customer=customer, placed_at=at, status=status)
            OrderLineFactory(order=order, product=product, quantity=quantity, unit_price=price)
    session.flush()
    session.expunge_all()
    queries.clear()
    report = project.monthly_revenue(session, 2025)
    got = [(r.month, r.orders, money(r.revenue)) for r in report if r.orders or r.revenue]
    expected = [
        ("2025-01", 1, Decimal("20.00")),
        ("2025-02", 2, Decimal("8.30")),
        ("2025-12", 1, Decimal("3.00")),
    ]
    assert got == expected, (
        "in 2025 only these orders exist: paid on Jan 31 at 23:59:59 (2 x 10.00), shipped on Feb 1 at midnight "
        "(1 x 5.00) and on Feb 28 (3 x 1.10), one cancelled in March, one pending in April, one paid on Dec 31 at 18:30 (1 x 3.00: the year's "
        "last day counts whole), and one paid in 2026. "
        f"Expected the months with revenue to be {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT grouped by month")
