"""Tests for kata 2.6, update and delete. Run: pytest katas/02_core/06_update_delete"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from fixtures.target import learner_module

update_delete = learner_module(__file__, "update_delete")

# The tests' own copy of the schema (the same as in update_delete.py), to create the tables.
schema = MetaData()
products = Table(
    "products",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("category", String(50), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    Column("discontinued", Boolean, nullable=False),
)
orders = Table(
    "orders",
    schema,
    # BIGINT, not INTEGER: on SQLite the id is then not the rowid, so the orders can lie in the
    # table in another order than their ids (see the shop fixture), as they may on PostgreSQL.
    Column("id", BigInteger, primary_key=True),
    Column("customer", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_cents", Integer, nullable=False),
)
order_lines = Table(
    "order_lines",
    schema,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
)

PRODUCT_COLUMNS = ("id", "sku", "name", "category", "price_cents", "stock", "discontinued")
PRODUCTS = [
    dict(zip(PRODUCT_COLUMNS, row))
    for row in [
        (1, "TEA-1", "Green tea", "Tea", 450, 20, False),
        (2, "TEA-2", "Black tea", "Tea", 390, 0, False),
        (3, "TEA-9", "Smoky tea", "Tea", 520, 0, True),
        (4, "COF-1", "House blend", "Coffee", 890, 12, False),
        (5, "COF-2", "Decaf", "Coffee", 930, 0, True),
        (6, "COF-3", "Espresso", "Coffee", 990, 4, True),
        (7, "MUG-1", "Mug", "Kitchen", 1200, 8, False),
        # A quote in a value: SQL built with f-strings breaks on it (or does something else entirely).
        (8, "BOX-1", "Tasting box", "Chef's picks", 2500, 3, False),
        (9, "BOX-2", "Old tasting box", "Chef's picks", 2200, 5, True),
    ]
]
# total_cents as stored: stale for the open orders, what was charged for the others.
ORDERS = [
    dict(zip(("id", "customer", "status", "total_cents"), row))
    for row in [
        (1, "Ana", "open", 0),
        (2, "Ben", "paid", 1780),
        (3, "Cy", "open", 999),
        (4, "Dee", "cancelled", 450),
        (5, "Eve", "shipped", 3000),
        (6, "Fay", "open", 500),
        (7, "Gus", "paid", 900),
        (8, "Hal", "cancelled", 0),
    ]
]
LINES = [
    dict(zip(("id", "order_id", "product_id", "quantity", "unit_price_cents"), row))
    for row in [
        (1, 1, 1, 2, 450),
        (2, 1, 7, 1, 1200),
        (3, 2, 4, 2, 890),
        (4, 3, 4, 1, 890),
        (5, 3, 2, 3, 390),
        (6, 4, 1, 1, 450),
        (7, 5, 7, 2, 1200),
        (8, 7, 4, 1, 900),
    ]
]


@pytest.fixture
def shop(connection: Connection) -> Connection:
    """The products, orders and order lines above, inside the test's rolled-back transaction."""
    schema.create_all(connection)
    connection.execute(insert(products), PRODUCTS)
    # Newest first: a scan of the table (and an UPDATE ... RETURNING without a sort) meets the
    # orders in descending id order, on SQLite too.
    connection.execute(insert(orders), list(reversed(ORDERS)))
    connection.execute(insert(order_lines), LINES)
    return connection


def product_rows(connection: Connection) -> dict[str, dict[str, Any]]:
    return {row["sku"]: dict(row) for row in connection.execute(select(products)).mappings()}


def order_rows(connection: Connection) -> dict[int, dict[str, Any]]:
    return {row["id"]: dict(row) for row in connection.execute(select(orders)).mappings()}


def line_ids(connection: Connection) -> set[int]:
    return set(connection.execute(select(order_lines.c.id)).scalars())


def set_status(connection: Connection, status: str, order_ids: set[int]) -> None:
    if order_ids:
        connection.execute(update(orders).where(orders.c.id.in_(order_ids)).values(status=status))


def call_or_explain(function: Any, connection: Connection, because: str) -> Any:
    """Call the learner's function; turn an IntegrityError into one readable sentence."""
    try:
        return function(connection)
    except IntegrityError as error:
        message = f"{because} The database said: {error.orig}"
    pytest.fail(message, pytrace=False)


def kinds(queries: Any) -> list[str]:
    return [s.sql.split(None, 1)[0].upper() for s in queries.statements]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("category", "cents"),
    [("Tea", 50), ("Coffee", 125), ("Kitchen", -200), ("Chef's picks", 75)],
    ids=["tea", "coffee", "kitchen", "a quote in the category"],
)
def test_raise_prices_changes_only_that_categorys_products_still_sold(
    shop: Connection, category: str, cents: int
) -> None:
    changed = update_delete.raise_prices(shop, category, cents)
    expected = {
        p["sku"]: p["price_cents"] + (cents if p["category"] == category and not p["discontinued"] else 0)
        for p in PRODUCTS
    }
    got = {sku: row["price_cents"] for sku, row in product_rows(shop).items()}
    wrong = {sku: (got[sku], expected[sku]) for sku in expected if got[sku] != expected[sku]}
    assert not wrong, (
        f"raise_prices({category!r}, {cents}) should add {cents} cents to the {category} products that "
        "are not discontinued, and leave every other product alone (a missing WHERE condition changes "
        f"them all). Wrong prices (got, expected): {wrong}"
    )
    count = sum(1 for p in PRODUCTS if p["category"] == category and not p["discontinued"])
    assert changed == count, (
        f"raise_prices() changed {count} products and should return {count}, not {changed!r}"
    )


@pytest.mark.task(1)
def test_raise_prices_is_one_update_computed_by_the_database(shop: Connection, queries: Any) -> None:
    update_delete.raise_prices(shop, "Tea", 10)
    assert kinds(queries) == ["UPDATE"], (
        "raise_prices() should send exactly one UPDATE whose SET computes the new price from the old one "
        "(price_cents = price_cents + :cents), not read the prices first and write them back row by row:\n"
        + queries.listing()
    )


@pytest.mark.task(1)
def test_raise_prices_of_an_unknown_category_changes_nothing(shop: Connection) -> None:
    # A category typed by a user: it must be a bound parameter, never pasted into the SQL.
    changed = update_delete.raise_prices(shop, "Garden' OR 'x' = 'x", 100)
    assert changed == 0, (
        "no product is in the category \"Garden' OR 'x' = 'x\" (it is one value, passed as a bound "
        f"parameter, not SQL): expected 0 changed, got {changed!r}"
    )
    got = {sku: row["price_cents"] for sku, row in product_rows(shop).items()}
    assert got == {p["sku"]: p["price_cents"] for p in PRODUCTS}, "no price should change"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("skus", "newly"),
    [
        (["TEA-1", "COF-2", "NOPE-1"], 1),
        (["TEA-1", "TEA-2", "MUG-1"], 3),
        (["COF-3", "TEA-9"], 0),
        ([], 0),
        (["COF-1", "NOPE') OR ('x' = 'x"], 1),
    ],
    ids=["mixed", "three on sale", "already discontinued", "none", "a sku typed by a user"],
)
def test_discontinue_counts_only_the_newly_discontinued(
    shop: Connection, skus: list[str], newly: int
) -> None:
    count = update_delete.discontinue(shop, skus)
    assert count == newly, (
        f"discontinue({skus}) should return {newly}: only products that exist and were not yet "
        f"discontinued count. Got {count!r}"
    )
    got = {sku: row["discontinued"] for sku, row in product_rows(shop).items()}
    expected = {p["sku"]: bool(p["discontinued"] or p["sku"] in skus) for p in PRODUCTS}
    wrong = sorted(sku for sku in expected if bool(got[sku]) != expected[sku])
    assert not wrong, (
        f"after discontinue({skus}) exactly the listed products (and those discontinued before) should be "
        f"discontinued; wrong flag on {wrong}"
    )


@pytest.mark.task(2)
def test_discontinue_is_one_update(shop: Connection, queries: Any) -> None:
    update_delete.discontinue(shop, ["TEA-1", "TEA-2", "MUG-1", "NOPE-1"])
    assert kinds(queries) == ["UPDATE"], (
        "discontinue() should send one UPDATE for all the skus (sku IN (...)), and count with its "
        f"rowcount, not loop over the skus:\n{queries.listing()}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("paid", "open_"),
    [({2, 7}, {1, 3, 6}), ({1, 2, 3, 7}, {6}), (set(), {1, 2, 3, 6, 7})],
    ids=["two", "four", "none"],
)
def test_ship_paid_orders_ships_them_and_returns_their_ids(
    shop: Connection, queries: Any, paid: set[int], open_: set[int]
) -> None:
    # One order at a time, highest id first: on PostgreSQL the updated rows then lie in that order
    # on disk, and an UPDATE ... RETURNING without sorting returns them in that order too.
    for order_id in sorted(paid, reverse=True):
        set_status(shop, "paid", {order_id})
    set_status(shop, "open", open_)
    before = order_rows(shop)
    queries.clear()
    shipped = update_delete.ship_paid_orders(shop)
    assert list(shipped) == sorted(paid), (
        f"ship_paid_orders() should return the ids of the orders it shipped, ascending: {sorted(paid)}, got {shipped!r}"
    )
    after = order_rows(shop)
    expected = {i: ("shipped" if i in paid else row["status"]) for i, row in before.items()}
    got = {i: row["status"] for i, row in after.items()}
    assert got == expected, (
        f"only the paid orders should become 'shipped': expected statuses {expected}, got {got}"
    )


@pytest.mark.task(3)
def test_ship_paid_orders_is_one_statement(shop: Connection, queries: Any) -> None:
    update_delete.ship_paid_orders(shop)
    assert kinds(queries) == ["UPDATE"], (
        "one UPDATE ... RETURNING id both ships the orders and says which ones; a SELECT first "
        f"could also miss an order paid between the two statements:\n{queries.listing()}"
    )


# -- task 4 -------------------------------------------------------------------------------------


def expected_totals(lines: list[dict[str, Any]]) -> dict[int, int]:
    totals = {}
    for order in ORDERS:
        if order["status"] == "open":
            totals[order["id"]] = sum(
                line["quantity"] * line["unit_price_cents"]
                for line in lines
                if line["order_id"] == order["id"]
            )
        else:
            totals[order["id"]] = order["total_cents"]
    return totals


@pytest.mark.task(4)
@pytest.mark.parametrize("extra_line", [False, True], ids=["as seeded", "after adding a line"])
def test_recalculate_totals_sums_the_lines_of_open_orders(
    shop: Connection, queries: Any, extra_line: bool
) -> None:
    lines = list(LINES)
    if extra_line:
        added = {"id": 9, "order_id": 3, "product_id": 7, "quantity": 4, "unit_price_cents": 1150}
        shop.execute(insert(order_lines), added)
        lines.append(added)
        queries.clear()
    updated = call_or_explain(
        update_delete.recalculate_totals,
        shop,
        because="recalculate_totals() tried to store NULL as a total: the SUM over an order without lines "
        "is NULL, not 0 (coalesce(...) turns it into 0).",
    )
    expected = expected_totals(lines)
    got = {i: row["total_cents"] for i, row in order_rows(shop).items()}
    wrong = {i: (got[i], expected[i]) for i in expected if got[i] != expected[i]}
    assert not wrong, (
        "every open order's total should be the sum of quantity * unit_price_cents of its own lines "
        "(0 without lines); the other orders keep what they were charged. Wrong totals "
        f"(order id: (got, expected)): {wrong}"
    )
    open_orders = sum(1 for o in ORDERS if o["status"] == "open")
    assert updated == open_orders, (
        f"{open_orders} open orders were recalculated: expected {open_orders}, got {updated!r}"
    )


@pytest.mark.task(4)
def test_recalculate_totals_is_one_correlated_update(shop: Connection, queries: Any) -> None:
    try:
        update_delete.recalculate_totals(shop)
    except IntegrityError:
        pass  # the test above explains that one
    assert kinds(queries) == ["UPDATE"], (
        "recalculate_totals() should be ONE UPDATE whose SET uses a correlated scalar subquery "
        "(SELECT sum(...) FROM order_lines WHERE order_lines.order_id = orders.id), not a SELECT of the "
        f"lines and one UPDATE per order:\n{queries.listing()}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("also_cancelled", [set(), {3, 6}], ids=["as seeded", "two more cancelled"])
def test_purge_cancelled_orders_deletes_them_and_their_lines(
    shop: Connection, queries: Any, also_cancelled: set[int]
) -> None:
    set_status(shop, "cancelled", also_cancelled)
    queries.clear()
    cancelled = {o["id"] for o in ORDERS if o["status"] == "cancelled"} | also_cancelled
    deleted = call_or_explain(
        update_delete.purge_cancelled_orders,
        shop,
        because="the database refused to delete orders that still have lines (the foreign key "
        "order_lines.order_id): delete the lines of the cancelled orders first.",
    )
    remaining_orders = set(order_rows(shop))
    assert remaining_orders == {o["id"] for o in ORDERS} - cancelled, (
        f"the cancelled orders {sorted(cancelled)} (and only those) should be deleted; the orders left are "
        f"{sorted(remaining_orders)}"
    )
    expected_lines = {line["id"] for line in LINES if line["order_id"] not in cancelled}
    assert line_ids(shop) == expected_lines, (
        f"the lines of the cancelled orders should go with them, and every other line stay: expected the lines "
        f"{sorted(expected_lines)}, found {sorted(line_ids(shop))}"
    )
    assert deleted == len(cancelled), (
        f"purge_cancelled_orders() deleted {len(cancelled)} orders and should return {len(cancelled)}, "
        f"not {deleted!r} (count orders, not lines)"
    )


@pytest.mark.task(5)
def test_purge_cancelled_orders_sends_one_delete_per_table(shop: Connection, queries: Any) -> None:
    set_status(shop, "cancelled", {1, 3, 6})
    queries.clear()
    update_delete.purge_cancelled_orders(shop)
    assert kinds(queries) == ["DELETE", "DELETE"], (
        "two statements are enough whatever the number of cancelled orders: one DELETE of their lines "
        "(WHERE order_id IN (SELECT ...)), then one DELETE of the orders, not one DELETE per order:\n"
        + queries.listing()
    )


# -- task 6 -------------------------------------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize(
    ("stock_changes", "dead"),
    [
        ({}, ["COF-2", "TEA-9"]),
        ({"COF-3": 0, "TEA-2": 0}, ["COF-2", "COF-3", "TEA-9"]),
        ({"COF-2": 3, "TEA-9": 1}, []),
    ],
    ids=["as seeded", "espresso sold out", "restocked"],
)
def test_remove_dead_stock_deletes_them_and_returns_their_skus(
    shop: Connection, queries: Any, stock_changes: dict[str, int], dead: list[str]
) -> None:
    for sku, stock in stock_changes.items():
        shop.execute(update(products).where(products.c.sku == sku).values(stock=stock))
    queries.clear()
    removed = update_delete.remove_dead_stock(shop)
    assert list(removed) == dead, (
        "remove_dead_stock() should return the sorted skus of the discontinued products with no stock: "
        f"expected {dead}, got {removed!r}"
    )
    remaining = sorted(product_rows(shop))
    expected = sorted(p["sku"] for p in PRODUCTS if p["sku"] not in dead)
    assert remaining == expected, (
        "only discontinued products with stock 0 should be deleted (Black tea has no stock but is still "
        f"sold; Espresso is discontinued but has stock): expected {expected} to remain, got {remaining}"
    )


@pytest.mark.task(6)
def test_remove_dead_stock_is_one_statement(shop: Connection, queries: Any) -> None:
    update_delete.remove_dead_stock(shop)
    assert kinds(queries) == ["DELETE"], (
        "one DELETE ... RETURNING sku deletes the rows and says which ones, in one round trip:\n"
        + queries.listing()
    )


# -- every task: the caller owns the transaction ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args"),
    [
        pytest.param("raise_prices", ("Tea", 10), marks=pytest.mark.task(1), id="raise_prices"),
        pytest.param("discontinue", (["TEA-1"],), marks=pytest.mark.task(2), id="discontinue"),
        pytest.param("ship_paid_orders", (), marks=pytest.mark.task(3), id="ship_paid_orders"),
        pytest.param("recalculate_totals", (), marks=pytest.mark.task(4), id="recalculate_totals"),
        pytest.param("purge_cancelled_orders", (), marks=pytest.mark.task(5), id="purge_cancelled_orders"),
        pytest.param("remove_dead_stock", (), marks=pytest.mark.task(6), id="remove_dead_stock"),
    ],
)
def test_functions_leave_the_callers_transaction_open(shop: Connection, name: str, args: tuple[Any, ...]) -> None:
    outer = shop.get_transaction()
    getattr(update_delete, name)(shop, *args)
    assert outer is not None and outer.is_active and shop.get_transaction() is outer, (
        f"{name}() ended the caller's transaction (connection.commit() or rollback()): the caller owns "
        "it and decides, after this and maybe other changes, whether to commit them all or none"
    )
