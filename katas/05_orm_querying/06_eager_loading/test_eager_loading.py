"""Tests for kata 5.6, eager loading. Run: pytest katas/05_orm_querying/06_eager_loading

Each test fills the shop's tables with a seeded dataset (two seeds and two sizes), calls your
function, then walks the objects as the page or export would, counting every statement: the
budgets hold whatever the number of rows, an N+1 pattern cannot fit them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session

from fixtures.recording import recorder
from fixtures.shop.models import Customer, Order, OrderLine, Product, Review
from fixtures.target import learner_module

eager_loading = learner_module(__file__, "eager_loading")

DATASETS = [(2024, {}), (11, {"customers": 35, "orders": 110, "reviews": 120})]


@pytest.fixture(params=DATASETS, ids=["seed 2024", "seed 11, larger"])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any) -> int:
    seed, sizes = request.param
    shop_builder(seed, **sizes)
    return int(seed)


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query: no ORM object loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


def ordered_by_the_database(queries: Any, what: str) -> None:
    """SQLite reads the shop's tables in id order (the id is the rowid), so a list 'by id' comes out right
    without an ORDER BY: check the first SELECT (the function's own, before the loaders') asked for it."""
    main = " ".join(queries.sql[0].split()) if queries.sql else ""
    while re.search(r"\([^()]*\)", main):  # its own clauses, not a subquery's
        main = re.sub(r"\([^()]*\)", "", main)
    assert re.search(r"\bORDER BY\b", main, re.IGNORECASE), (
        f"{what} should come by id because the SELECT says so (order_by(...)): without an ORDER BY the rows come in "
        f"whatever order the database reads them, by chance the id order here.\n{queries.listing()}"
    )


def ids(objects: Any) -> list[Any]:
    return [getattr(o, "id", o) for o in objects]


def by(items: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        grouped[item[key]].append(item)
    return grouped


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_orders_with_customers_fits_two_statements(session: Session, shop_rows: int, queries: Any) -> None:
    customers = {c["id"]: c["name"] for c in rows(session, Customer)}
    expected = [
        (o["id"], customers[o["customer_id"]]) for o in sorted(rows(session, Order), key=lambda o: o["id"])
    ]
    with queries.budget(
        2, because="the orders and their customers: a join, or one SELECT ... IN for the customers"
    ):
        orders = eager_loading.orders_with_customers(session)
        got = [(o.id, o.customer.name) for o in orders]
    assert got == expected, (
        f"orders_with_customers() should return every order by id, with its customer: expected {expected[:3]}..., "
        f"got {got[:3]}... ({len(expected)} expected, {len(got)} got)"
    )
    ordered_by_the_database(queries, "orders_with_customers(): the orders")


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_customers_with_orders_and_lines_fits_three_statements(
    session: Session, shop_rows: int, queries: Any
) -> None:
    orders_of = by(rows(session, Order), "customer_id")
    lines_of = by(rows(session, OrderLine), "order_id")
    expected = {
        c["id"]: sorted(
            (o["id"], sorted(line["quantity"] for line in lines_of[o["id"]])) for o in orders_of[c["id"]]
        )
        for c in rows(session, Customer)
    }
    with queries.budget(
        3, because="customers, their orders, the orders' lines: one statement per level at most"
    ):
        customers = eager_loading.customers_with_orders_and_lines(session)
        got = {
            c.id: sorted((o.id, sorted(line.quantity for line in o.lines)) for o in c.orders)
            for c in customers
        }
    assert ids(customers) == sorted(expected), (
        f"every customer, by id: expected {sorted(expected)}, got {ids(customers)}"
    )
    ordered_by_the_database(queries, "customers_with_orders_and_lines(): the customers")
    assert got == expected, "each customer's orders and each order's lines should be the ones in the database"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("category", ["Tea", "Kitchen"])
def test_products_with_reviews_and_authors_fit_three_statements(
    session: Session, shop_rows: int, queries: Any, category: str
) -> None:
    names = {c["id"]: c["name"] for c in rows(session, Customer)}
    reviews_of = by(rows(session, Review), "product_id")
    expected = {
        p["id"]: sorted((r["id"], names[r["customer_id"]]) for r in reviews_of[p["id"]])
        for p in rows(session, Product)
        if p["category"] == category
    }
    with queries.budget(
        3, because="products, their reviews, the reviews' authors: one statement per level at most"
    ):
        products = eager_loading.products_with_reviews(session, category)
        got = {p.id: sorted((r.id, r.customer.name) for r in p.reviews) for p in products}
    assert ids(products) == sorted(expected), (
        f"the {category} products, by id: expected {sorted(expected)}, got {ids(products)}"
    )
    ordered_by_the_database(queries, "products_with_reviews(): the products")
    assert got == expected, (
        "each product's reviews, with each review's author, should be the ones in the database"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("which", ["first", "most lines", "last"])
def test_order_page_loads_lines_and_products_but_not_the_customer(
    session: Session, shop_rows: int, queries: Any, which: str
) -> None:
    lines = rows(session, OrderLine)
    lines_of = by(lines, "order_id")
    several = sorted(oid for oid, its in lines_of.items() if len(its) >= 2)  # an N+1 shows from two lines on
    order_id = {
        "first": several[0],
        "most lines": max(several, key=lambda oid: (len(lines_of[oid]), -oid)),
        "last": several[-1],
    }[which]
    products = {p["id"]: p["name"] for p in rows(session, Product)}
    expected = sorted((line["id"], products[line["product_id"]]) for line in lines_of[order_id])
    with queries.budget(3, because="the order, its lines, their products, however many lines"):
        order = eager_loading.order_page(session, order_id)
        assert order is not None and order.id == order_id, (
            f"order_page({order_id}) should return order {order_id}, got {order!r}"
        )
        got = sorted((line.id, line.product.name) for line in order.lines)
    assert got == expected, f"order {order_id}'s lines and their products: expected {expected}, got {got}"
    assert "customer" in inspect(order).unloaded, (
        "the order page does not show the customer: order.customer should stay unloaded (lazy), not be loaded "
        "eagerly with the rest. Eager-load what the page reads, nothing more"
    )
    missing = eager_loading.order_page(session, 100_000)
    assert missing is None, (
        f"there is no order 100000: order_page(100000) should return None, got {missing!r}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_orders_for_export_loads_the_lines_in_two_statements(
    session: Session, shop_rows: int, queries: Any
) -> None:
    lines_of = by(rows(session, OrderLine), "order_id")
    expected = {o["id"]: sorted(line["quantity"] for line in lines_of[o["id"]]) for o in rows(session, Order)}
    with queries.budget(2, because="the orders, then their lines in one SELECT ... IN"):
        orders = eager_loading.orders_for_export(session)
        got = {o.id: sorted(line.quantity for line in o.lines) for o in orders}
    assert ids(orders) == sorted(expected), (
        f"every order, by id: expected {sorted(expected)[:10]}..., got {ids(orders)[:10]}..."
    )
    ordered_by_the_database(queries, "orders_for_export(): the orders")
    assert got == expected, "each order's lines should be the ones in the database"


@pytest.mark.task(5)
@pytest.mark.parametrize("path", ["order.customer", "line.product"])
def test_orders_for_export_raises_on_any_other_lazy_load(
    session: Session, shop_rows: int, queries: Any, path: str
) -> None:
    # An empty identity map: a many-to-one whose target is already in the session is found there
    # without SQL, which would hide a missing raiseload() on the lines.
    session.expunge_all()
    orders = eager_loading.orders_for_export(session)
    order = next(o for o in orders if o.lines)
    queries.clear()
    try:
        if path == "order.customer":
            value = order.customer
        else:
            value = order.lines[0].product
    except InvalidRequestError:
        value = None
    else:
        pytest.fail(
            f"reading {path} loaded {value!r} with a lazy load ({queries.count} statement(s)); the export asked for "
            "every relationship it does not load to raise instead: a top-level raiseload('*') is the default for every "
            "relationship of the query that no other option names, the lines' included (or chain it after the "
            "loader: selectinload(Order.lines).raiseload('*'))",
            pytrace=False,
        )
    queries.assert_count(0, because=f"reading {path} should raise without sending SQL")
