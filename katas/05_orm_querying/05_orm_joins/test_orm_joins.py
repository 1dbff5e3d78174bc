"""Tests for kata 5.5, ORM joins. Run: pytest katas/05_orm_querying/05_orm_joins

Each test fills the shop's tables with a seeded dataset (two seeds) and works out the expected
rows in Python from the raw rows, read with plain Core queries.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from fixtures.recording import recorder
from fixtures.shop.models import Customer, Order, OrderLine, Product, Review
from fixtures.target import learner_module

orm_joins = learner_module(__file__, "orm_joins")

SEEDS = [2024, 11]


@pytest.fixture(params=SEEDS, ids=[f"seed {seed}" for seed in SEEDS])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any) -> int:
    shop_builder(request.param)
    return int(request.param)


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query: no ORM object loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


def ids(objects: Any) -> list[Any]:
    return [getattr(o, "id", o) for o in objects]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("status", ["paid", "shipped", "cancelled", "lost"])
def test_orders_with_customer_names_pairs_each_order_with_its_customer(
    session: Session, shop_rows: int, queries: Any, status: str
) -> None:
    names = {c["id"]: c["name"] for c in rows(session, Customer)}
    expected = [
        (o["id"], names[o["customer_id"]])
        for o in sorted(rows(session, Order), key=lambda o: o["id"])
        if o["status"] == status
    ]
    queries.clear()
    got = [tuple(row) for row in orm_joins.orders_with_customer_names(session, status)]
    assert got == expected, (
        f"orders_with_customer_names({status!r}) should pair each {status} order with its customer's name, by "
        f"order id: expected {expected[:4]}..., got {got[:4]}... ({len(expected)} expected, {len(got)} got)"
    )
    queries.assert_count(
        1, because="one SELECT joining orders to customers, not a lazy load of each order's customer"
    )


# -- task 2 -------------------------------------------------------------------------------------


def bought(session: Session) -> dict[int, set[int]]:
    """customer id -> ids of the products they ordered."""
    order_customer = {o["id"]: o["customer_id"] for o in rows(session, Order)}
    result: dict[int, set[int]] = defaultdict(set)
    for line in rows(session, OrderLine):
        result[order_customer[line["order_id"]]].add(line["product_id"])
    return result


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "who", ["the first customer", "the best customer", "a customer without orders", "nobody"]
)
def test_products_bought_by_lists_each_product_once(
    session: Session, shop_rows: int, queries: Any, who: str
) -> None:
    customers = sorted(rows(session, Customer), key=lambda c: c["id"])
    purchases = bought(session)
    counts = {c["id"]: len(purchases.get(c["id"], ())) for c in customers}
    pick = {
        "the first customer": customers[0]["id"],
        "the best customer": max(counts, key=lambda i: (counts[i], -i)),
        "a customer without orders": min((i for i in counts if counts[i] == 0), default=None),
        "nobody": None,
    }[who]
    email = next((c["email"] for c in customers if c["id"] == pick), "nobody@example.com")
    expected = sorted(purchases.get(pick, set())) if pick is not None else []
    queries.clear()
    got = ids(orm_joins.products_bought_by(session, email))
    assert got == expected, (
        f"products_bought_by({email!r}) should return each product that customer ordered, once, by id: "
        f"expected {expected}, got {got} (a product on two orders comes twice from the join: distinct())"
    )
    queries.assert_count(1, because="one SELECT joining products, lines, orders and customers")


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_verified_reviews_are_by_customers_who_ordered_the_product(
    session: Session, shop_rows: int, queries: Any
) -> None:
    order_rows = {o["id"]: o for o in rows(session, Order)}
    pairs = {
        (order_rows[line["order_id"]]["customer_id"], line["product_id"])
        for line in rows(session, OrderLine)
        if order_rows[line["order_id"]]["status"] != "cancelled"
    }
    reviews = rows(session, Review)
    expected = sorted(r["id"] for r in reviews if (r["customer_id"], r["product_id"]) in pairs)
    queries.clear()
    got = ids(orm_joins.verified_reviews(session))
    assert got == expected, (
        "verified_reviews() should return, once each and by id, the reviews whose author ordered that product "
        "in an order that is not cancelled (ON orders.customer_id = reviews.customer_id AND status != "
        f"'cancelled', then ON order_lines.order_id = orders.id AND order_lines.product_id = reviews.product_id): "
        f"expected {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT with explicit ON clauses")


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_customer_orders_keeps_customers_without_orders(
    session: Session, shop_rows: int, queries: Any
) -> None:
    orders_of: dict[int, list[int]] = defaultdict(list)
    for o in rows(session, Order):
        orders_of[o["customer_id"]].append(o["id"])
    expected: list[tuple[str, int | None]] = []
    for c in sorted(rows(session, Customer), key=lambda c: c["id"]):
        expected += [(c["name"], oid) for oid in sorted(orders_of[c["id"]])] or [(c["name"], None)]
    queries.clear()
    got = [tuple(row) for row in orm_joins.customer_orders(session)]
    idle = [name for name, oid in expected if oid is None]
    assert got == expected, (
        "customer_orders() should list (name, order id) for every order, by customer id then order id, and keep "
        f"the customers who never ordered ({idle}) once, with None: an inner JOIN drops them, a LEFT OUTER JOIN "
        f"keeps them. Expected {len(expected)} rows, got {len(got)}; first differences: "
        f"{[(e, g) for e, g in zip(expected, got) if e != g][:3]}"
    )
    queries.assert_count(1, because="one SELECT with an outer join")


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_referrals_across_countries_compares_two_customers(
    session: Session, shop_rows: int, queries: Any
) -> None:
    customers = {c["id"]: c for c in rows(session, Customer)}
    expected = [
        (customers[c["referrer_id"]]["name"], c["name"])
        for c in sorted(customers.values(), key=lambda c: c["id"])
        if c["referrer_id"] is not None and customers[c["referrer_id"]]["country"] != c["country"]
    ]
    queries.clear()
    got = [tuple(row) for row in orm_joins.referrals_across_countries(session)]
    assert got == expected, (
        "referrals_across_countries() should return (referrer's name, customer's name) for the customers "
        "referred by someone from another country, by customer id; the referrer is a second Customer in the "
        f"same query: aliased(Customer). Expected {expected}, got {got}"
    )
    queries.assert_count(1, because="one SELECT joining customers to themselves")


# -- task 6 -------------------------------------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize("category", ["Tea", "Kitchen", "Garden"])
def test_orders_with_lines_in_loads_only_those_lines_in_one_select(
    session: Session, shop_rows: int, queries: Any, category: str
) -> None:
    in_category = {p["id"] for p in rows(session, Product) if p["category"] == category}
    lines_of: dict[int, list[int]] = defaultdict(list)
    for line in rows(session, OrderLine):
        if line["product_id"] in in_category:
            lines_of[line["order_id"]].append(line["id"])
    expected = {oid: sorted(lids) for oid, lids in lines_of.items()}
    queries.clear()
    orders = list(orm_joins.orders_with_lines_in(session, category))
    statements = queries.count
    assert ids(orders) == sorted(expected), (
        f"orders_with_lines_in({category!r}) should return each order with a {category} line once, by id: "
        f"expected {sorted(expected)}, got {ids(orders)} (the join returns an order once per matching line: "
        ".unique())"
    )
    not_loaded = [o.id for o in orders if "lines" in inspect(o).unloaded]
    assert not not_loaded, (
        f"order.lines should come loaded with the orders (contains_eager(Order.lines) on the joined lines); "
        f"not loaded for orders {not_loaded[:5]}"
    )
    queries.clear()
    got = {o.id: sorted(line.id for line in o.lines) for o in orders}
    queries.assert_count(0, because="reading order.lines after the query should not go back to the database")
    wrong = {oid: (got[oid], expected[oid]) for oid in expected if got.get(oid) != expected[oid]}
    assert not wrong, (
        f"each order's lines should be ONLY its {category} lines, the ones the join kept (contains_eager fills "
        "the collection from the joined rows; selectinload/joinedload would load every line). Wrong "
        f"(order: (got, expected)): {dict(list(wrong.items())[:3])}"
    )
    assert statements == 1, f"orders_with_lines_in() should send one SELECT, it sent {statements}"
