"""Tests for kata 2.8, the Core inventory project. Run: pytest katas/02_core/08_project_core_queries"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    event,
    func,
    select,
    text,
)

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

project = learner_module(__file__, "project_core_queries")

# The tests' own copy of the schema: the database is built from this, not from your module.
schema = MetaData()
categories = Table(
    "categories", schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
)
items = Table(
    "items", schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("category_id", ForeignKey("categories.id"), nullable=False),
    Column("unit_price", Numeric(10, 2), nullable=False),
    Column("quantity", Integer, nullable=False, server_default=text("0")),
    Column("reorder_level", Integer, nullable=False, server_default=text("0")),
)
movements = Table(
    "stock_movements", schema,
    Column("id", Integer, primary_key=True),
    Column("item_id", ForeignKey("items.id"), nullable=False),
    Column("change", Integer, nullable=False),
    Column("reason", String(50), nullable=False),
    Column("moved_at", DateTime, nullable=False),
)

CATEGORIES = ["Fasteners", "Paint", "Garden"]  # Garden has no items
# sku, name, category, unit_price, quantity, reorder_level
ITEMS = [
    ("SCR-100", "Wood screws 4x40, box of 100", "Fasteners", Decimal("4.95"), 40, 50),
    ("NUT-M6", "M6 nuts, bag of 50", "Fasteners", Decimal("2.10"), 12, 12),
    ("PNT-W1", "White paint 1 l", "Paint", Decimal("12.99"), 3, 5),
    ("PNT-B1", "Blue paint 1 l", "Paint", Decimal("13.49"), 25, 5),
    ("BRS-50", "Brush 50 mm", "Paint", Decimal("0.10"), 0, 0),
]
# sku, change, reason, moved_at
MOVEMENTS = [
    ("SCR-100", +100, "delivery", datetime(2024, 3, 1, 9, 0)),
    ("SCR-100", -60, "sale", datetime(2024, 3, 5, 0, 0)),
    ("NUT-M6", +20, "delivery", datetime(2024, 2, 1, 8, 30)),
    ("NUT-M6", -8, "sale", datetime(2024, 3, 10, 16, 45)),
    ("PNT-W1", -2, "sale", datetime(2024, 3, 2, 11, 0)),
    ("PNT-W1", -1, "breakage", datetime(2024, 3, 8, 14, 0)),
    ("PNT-B1", +25, "delivery", datetime(2024, 2, 15, 10, 0)),
    ("BRS-50", -4, "sale", datetime(2024, 3, 3, 12, 0)),
    ("BRS-50", +4, "return", datetime(2024, 3, 4, 12, 0)),
]
WHEN = datetime(2024, 4, 1, 12, 0)


def seed(connection: Connection) -> None:
    connection.execute(categories.insert(), [{"name": name} for name in CATEGORIES])
    category_ids = dict(connection.execute(select(categories.c.name, categories.c.id)).all())
    connection.execute(
        items.insert(),
        [
            {"sku": sku, "name": name, "category_id": category_ids[category], "unit_price": price,
             "quantity": quantity, "reorder_level": level}
            for sku, name, category, price, quantity, level in ITEMS
        ],
    )
    item_ids = dict(connection.execute(select(items.c.sku, items.c.id)).all())
    connection.execute(
        movements.insert(),
        [{"item_id": item_ids[sku], "change": c, "reason": r, "moved_at": at} for sku, c, r, at in MOVEMENTS],
    )


@pytest.fixture
def store(connection: Connection) -> Connection:
    """Empty tables, inside the test's rolled-back transaction."""
    schema.create_all(connection, checkfirst=False)
    return connection


@pytest.fixture
def shop(store: Connection) -> Connection:
    """The hardware shop above: 3 categories, 5 items, 9 stock movements."""
    seed(store)
    return store


def item_row(connection: Connection, sku: str) -> dict[str, Any] | None:
    stmt = (
        select(items.c.sku, items.c.name, categories.c.name.label("category"), items.c.unit_price,
               items.c.quantity, items.c.reorder_level)
        .join(categories)
        .where(items.c.sku == sku)
    )
    row = connection.execute(stmt).mappings().one_or_none()
    return dict(row) if row is not None else None


def all_items(connection: Connection) -> dict[str, dict[str, Any] | None]:
    return {sku: item_row(connection, sku) for sku in connection.execute(select(items.c.sku)).scalars()}


def movement_rows(connection: Connection, sku: str | None = None) -> list[tuple[Any, ...]]:
    stmt = select(items.c.sku, movements.c.change, movements.c.reason, movements.c.moved_at).join(items)
    if sku is not None:
        stmt = stmt.where(items.c.sku == sku)
    return sorted(tuple(row) for row in connection.execute(stmt.order_by(movements.c.id)))


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("sku", "name", "category", "price", "level"),
    [
        pytest.param("HSE-15", "Garden hose 15 m", "Garden", Decimal("24.90"), 2, id="existing category"),
        pytest.param("LED-E27", "LED bulb E27", "Lighting", Decimal("3.35"), 0, id="new category"),
        pytest.param(
            "KID-01", "Children's rake", "Children's corner", Decimal("7.50"), 1, id="quotes in the names"
        ),
    ],
)
def test_add_item_stores_the_item_with_no_stock_and_returns_its_id(
    shop: Connection, queries: Any, sku: str, name: str, category: str, price: Decimal, level: int
) -> None:
    with queries.budget(3, because="look the category up, create it if missing, insert the item"):
        new_id = project.Inventory(shop).add_item(sku, name, category, price, reorder_level=level)
    stored_id = shop.execute(select(items.c.id).where(items.c.sku == sku)).scalar_one_or_none()
    assert stored_id is not None, f"add_item() did not insert an item with SKU {sku}"
    assert new_id == stored_id, f"add_item() should return the new item's id, {stored_id}; it returned {new_id!r}"
    expected = {"sku": sku, "name": name, "category": category, "unit_price": price, "quantity": 0,
                "reorder_level": level}
    assert item_row(shop, sku) == expected, (
        f"the stored item should be {expected} (a new item has no stock yet); found {item_row(shop, sku)}"
    )


@pytest.mark.task(1)
def test_add_item_creates_a_category_once_and_then_reuses_it(shop: Connection) -> None:
    inventory = project.Inventory(shop)
    inventory.add_item("LED-E27", "LED bulb E27", "Lighting", Decimal("3.35"))
    inventory.add_item("LED-GU10", "LED spot GU10", "Lighting", Decimal("4.10"))
    inventory.add_item("WSH-M6", "M6 washers, bag of 100", "Fasteners", Decimal("1.80"))
    names = sorted(shop.execute(select(categories.c.name)).scalars())
    assert names == ["Fasteners", "Garden", "Lighting", "Paint"], (
        "two items in the new category 'Lighting' and one in the existing 'Fasteners' should add exactly "
        f"one category, Lighting; the categories are now {names}"
    )
    in_lighting = sorted(
        shop.execute(select(items.c.sku).join(categories).where(categories.c.name == "Lighting")).scalars()
    )
    assert in_lighting == ["LED-E27", "LED-GU10"], f"both LED items belong to Lighting; found {in_lighting}"


@pytest.mark.task(1)
@pytest.mark.parametrize("sku", ["PNT-W1", "NUT-M6"])
def test_get_item_returns_the_item_with_its_category_name(shop: Connection, queries: Any, sku: str) -> None:
    inventory = project.Inventory(shop)
    with queries.budget(1, because="the category name comes from a join, in the same SELECT"):
        got = inventory.get_item(sku)
    _, name, category, price, quantity, level = next(i for i in ITEMS if i[0] == sku)
    expected = {"sku": sku, "name": name, "category": category, "unit_price": price, "quantity": quantity,
                "reorder_level": level}
    assert got == expected, f"get_item({sku!r}) should return {expected}, got {got!r}"
    missing = inventory.get_item("NOPE-1")
    assert missing is None, f"get_item() of an unknown SKU should return None, not {missing!r}"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "changes",
    [
        {"unit_price": Decimal("5.25")},
        {"name": "Wood screws 4x40, box of 200", "reorder_level": 20},
        {"name": "Screws", "unit_price": Decimal("0.99"), "reorder_level": 0},
    ],
    ids=["price", "name and level", "all three"],
)
def test_update_item_changes_only_the_fields_given(shop: Connection, queries: Any, changes: dict[str, Any]) -> None:
    before = all_items(shop)
    with queries.budget(1, because="one UPDATE, whose SET clause lists only the given fields"):
        found = project.Inventory(shop).update_item("SCR-100", **changes)
    assert found is True, f"update_item() of an existing item should return True, not {found!r}"
    after = all_items(shop)
    expected = {**before, "SCR-100": {**(before["SCR-100"] or {}), **changes}}
    assert after["SCR-100"] == expected["SCR-100"], (
        f"after update_item('SCR-100', {changes}) the item should be {expected['SCR-100']}; "
        f"it is {after['SCR-100']}. Fields that were not given must keep their values."
    )
    assert after == expected, "update_item() changed other items too: is the WHERE clause missing?"


@pytest.mark.task(2)
def test_update_item_reports_an_unknown_sku_and_refuses_an_empty_change(shop: Connection, queries: Any) -> None:
    inventory = project.Inventory(shop)
    before = all_items(shop)
    queries.clear()  # from here on, only your code's statements are recorded
    found = inventory.update_item("NOPE-1", unit_price=Decimal("1.00"))
    assert found is False, f"update_item() of an unknown SKU should return False, not {found!r}"
    with pytest.raises(ValueError):
        inventory.update_item("SCR-100")
    assert all_items(shop) == before, "neither call may change anything"


@pytest.mark.task(2)
def test_delete_item_removes_the_item_and_its_movements_and_nothing_else(shop: Connection, queries: Any) -> None:
    inventory = project.Inventory(shop)
    others_before = [m for m in movement_rows(shop) if m[0] != "NUT-M6"]
    with queries.budget(2, because="one DELETE for the movements, one for the item"):
        deleted = inventory.delete_item("NUT-M6")
    assert deleted is True, f"delete_item() of an existing item should return True, not {deleted!r}"
    assert item_row(shop, "NUT-M6") is None, "NUT-M6 should be gone after delete_item('NUT-M6')"
    orphans = shop.execute(
        select(func.count()).select_from(movements).where(movements.c.item_id.not_in(select(items.c.id)))
    ).scalar_one()
    assert orphans == 0, f"the deleted item's {orphans} stock movements are still there: delete them too"
    assert movement_rows(shop) == others_before, "the other items' stock movements must not change"
    assert sorted(all_items(shop)) == ["BRS-50", "PNT-B1", "PNT-W1", "SCR-100"], "only NUT-M6 may be deleted"
    again = inventory.delete_item("NUT-M6")
    assert again is False, f"deleting an item that no longer exists should return False, not {again!r}"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_record_movement_changes_the_quantity_and_logs_the_movement(shop: Connection, queries: Any) -> None:
    inventory = project.Inventory(shop)
    with queries.budget(3):
        after_delivery = inventory.record_movement("PNT-W1", 10, "delivery", WHEN)
    with queries.budget(3):
        after_sale = inventory.record_movement("PNT-W1", -13, "sale", datetime(2024, 4, 2, 9, 15))
    assert (after_delivery, after_sale) == (13, 0), (
        "PNT-W1 has 3; +10 should return the new quantity 13, then -13 should return 0; "
        f"record_movement() returned {after_delivery!r} and {after_sale!r}"
    )
    quantity = shop.execute(select(items.c.quantity).where(items.c.sku == "PNT-W1")).scalar_one()
    assert quantity == 0, f"the stored quantity of PNT-W1 should be 0 after +10 and -13, it is {quantity}"
    logged = movement_rows(shop, "PNT-W1")
    for movement in [("PNT-W1", 10, "delivery", WHEN), ("PNT-W1", -13, "sale", datetime(2024, 4, 2, 9, 15))]:
        assert movement in logged, f"the movement {movement} should be logged in stock_movements; found {logged}"


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("sku", "change", "error"),
    [("PNT-W1", -4, ValueError), ("BRS-50", -1, ValueError), ("NOPE-1", 5, LookupError)],
    ids=["more than in stock", "nothing in stock", "unknown sku"],
)
def test_record_movement_refuses_and_changes_nothing(
    shop: Connection, queries: Any, sku: str, change: int, error: type
) -> None:
    before_items, before_movements = all_items(shop), movement_rows(shop)
    queries.clear()  # from here on, only your code's statements are recorded
    with pytest.raises(error):
        project.Inventory(shop).record_movement(sku, change, "sale", WHEN)
    assert all_items(shop) == before_items, f"record_movement({sku!r}, {change}) failed, so no quantity may change"
    assert movement_rows(shop) == before_movements, (
        f"record_movement({sku!r}, {change}) failed, so no movement may be logged: check before you write"
    )


# -- tasks 4-6 ----------------------------------------------------------------------------------


def assert_rows_are_the_selects(connection: Connection, queries: Any, report: str, rows: list[tuple[Any, ...]]) -> None:
    """Run the report's one SELECT again: its rows, in its order, are what the report should return.

    Sorting, cutting or summing in Python after a SELECT that fetched more (or other) rows fails here.
    """
    __tracebackhide__ = True
    statement = queries.statements[-1]
    with queries.paused():
        answered = [tuple(row) for row in connection.exec_driver_sql(statement.sql, statement.params)]
    assert [row[0] for row in answered] == [row[0] for row in rows] and len(answered) == len(rows), (
        f"{report}() should return the rows of its SELECT as the database gives them: the SELECT answered "
        f"{len(answered)} rows starting {[row[0] for row in answered][:6]}, the function returned {len(rows)} "
        f"starting {[row[0] for row in rows][:6]}. Filtering, grouping, ordering and LIMIT are the "
        f"database's job here, not Python's:\n  {statement.sql}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("restock", "expected"),
    [
        ({}, [("SCR-100", 40, 50), ("PNT-W1", 3, 5), ("BRS-50", 0, 0), ("NUT-M6", 12, 12)]),
        ({"SCR-100": 50, "PNT-B1": 1, "BRS-50": 7}, [("PNT-B1", 1, 5), ("PNT-W1", 3, 5), ("NUT-M6", 12, 12),
                                                     ("SCR-100", 50, 50)]),
    ],
    ids=["as seeded", "after a stock count"],
)
def test_low_stock_lists_items_at_or_below_their_level_biggest_shortfall_first(
    shop: Connection, queries: Any, restock: dict[str, int], expected: list[tuple[str, int, int]]
) -> None:
    for sku, quantity in restock.items():
        shop.execute(items.update().where(items.c.sku == sku).values(quantity=quantity))
    with queries.budget(1, because="filtering and ordering are the database's job"):
        got = [tuple(row) for row in project.Inventory(shop).low_stock()]
    assert_rows_are_the_selects(shop, queries, "low_stock", got)
    assert got == expected, (
        "expected (sku, quantity, reorder_level) of the items AT or below their reorder level, "
        "biggest shortfall (reorder_level - quantity) first, ties by SKU:\n"
        f"  expected {expected}\n  got      {got}"
    )


def assert_money_equal(connection: Connection, got: list[Any], expected: list[tuple[str, Decimal]]) -> None:
    __tracebackhide__ = True
    pairs = [tuple(row) for row in got]
    assert all(isinstance(value, Decimal) for _, value in pairs), (
        f"stock values must be Decimal, never float (money must stay exact): got {pairs}"
    )
    if connection.dialect.name == "sqlite":
        # SQLite computes NUMERIC in floating point; the Numeric type rounds it back to the scale.
        pairs = [(name, value.quantize(Decimal("0.01"))) for name, value in pairs]
    assert pairs == expected, (
        "expected (category, sum of unit_price * quantity) for EVERY category ordered by name, "
        f"0 for a category without items:\n  expected {expected}\n  got      {pairs}"
    )


@pytest.mark.task(5)
def test_value_by_category_is_exact_and_lists_empty_categories(shop: Connection, queries: Any) -> None:
    with queries.budget(1, because="one SELECT with an outer join and GROUP BY, not a query per category"):
        got = project.Inventory(shop).value_by_category()
    assert_rows_are_the_selects(shop, queries, "value_by_category", [tuple(row) for row in got])
    # 4.95 * 40 + 2.10 * 12 = 223.20; Garden has nothing; 12.99 * 3 + 13.49 * 25 + 0.10 * 0 = 376.22
    assert_money_equal(shop, got, [("Fasteners", Decimal("223.20")), ("Garden", Decimal(0)),
                                   ("Paint", Decimal("376.22"))])


@pytest.mark.task(5)
@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stock=st.lists(
        st.tuples(st.sampled_from(["Fasteners", "Paint", "Garden"]),
                  st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
                  st.integers(min_value=0, max_value=500)),
        max_size=8,
    )
)
@example(stock=[("Paint", Decimal("0.10"), 3), ("Paint", Decimal("0.20"), 3), ("Garden", Decimal("9999.99"), 500)])
def test_value_by_category_matches_decimal_arithmetic(store: Connection, stock: list[tuple[str, Decimal, int]]) -> None:
    with rolled_back(store):
        store.execute(categories.insert(), [{"name": name} for name in ["Fasteners", "Paint", "Garden"]])
        ids = dict(store.execute(select(categories.c.name, categories.c.id)).all())
        if stock:
            store.execute(items.insert(), [
                {"sku": f"SKU-{n}", "name": f"item {n}", "category_id": ids[category], "unit_price": price,
                 "quantity": quantity}
                for n, (category, price, quantity) in enumerate(stock)
            ])
        expected = [
            (name, sum((price * quantity for category, price, quantity in stock if category == name), Decimal(0)))
            for name in sorted(ids)
        ]
        assert_money_equal(store, project.Inventory(store).value_by_category(), expected)


@pytest.mark.task(6)
@pytest.mark.parametrize(
    ("since", "limit", "expected"),
    [
        (datetime(2024, 3, 1), 3, [("SCR-100", 160), ("BRS-50", 8), ("NUT-M6", 8)]),
        (datetime(2024, 3, 1), 10, [("SCR-100", 160), ("BRS-50", 8), ("NUT-M6", 8), ("PNT-W1", 3)]),
        (datetime(2024, 2, 1), 2, [("SCR-100", 160), ("NUT-M6", 28)]),
        (datetime(2024, 3, 5), 5, [("SCR-100", 60), ("NUT-M6", 8), ("PNT-W1", 1)]),
        (datetime(2024, 6, 1), 3, []),
    ],
    ids=["March top 3", "March, all", "since February top 2", "from the 5th on", "nothing yet"],
)
def test_top_movers_count_units_in_and_out_most_first(
    shop: Connection, queries: Any, since: datetime, limit: int, expected: list[tuple[str, int]]
) -> None:
    with queries.budget(1, because="GROUP BY, ORDER BY and LIMIT in one SELECT"):
        got = [tuple(row) for row in project.Inventory(shop).top_movers(since, limit)]
    if queries.count:  # (an early return without a SELECT could not find anything)
        assert_rows_are_the_selects(shop, queries, "top_movers", got)
    assert got == expected, (
        f"top_movers(since={since:%Y-%m-%d %H:%M}, limit={limit}) should give (sku, units moved in AND out) "
        "for movements at or after `since`, most first, ties by SKU (a sale of 4 and a return of 4 is 8 "
        f"units moved, not 0):\n  expected {expected}\n  got      {got}"
    )


# -- every task: values are bound parameters, and the caller owns the transaction ---------------

SNEAKY_SKU = "NOPE' OR 'x' = 'x"  # a SKU typed into a search box: pasted into SQL, it matches every item


@pytest.mark.parametrize(
    ("method", "arguments", "expected"),
    [
        pytest.param("get_item", (SNEAKY_SKU,), None, marks=pytest.mark.task(1), id="get_item"),
        pytest.param("update_item", (SNEAKY_SKU,), False, marks=pytest.mark.task(2), id="update_item"),
        pytest.param("delete_item", (SNEAKY_SKU,), False, marks=pytest.mark.task(2), id="delete_item"),
        pytest.param("record_movement", (SNEAKY_SKU, 5, "delivery", WHEN), LookupError,
                     marks=pytest.mark.task(3), id="record_movement"),
    ],
)
def test_a_sku_is_a_value_never_sql(shop: Connection, method: str, arguments: tuple[Any, ...], expected: Any) -> None:
    before_items, before_movements = all_items(shop), movement_rows(shop)
    inventory = project.Inventory(shop)
    call = getattr(inventory, method)
    kwargs = {"unit_price": Decimal("0.01")} if method == "update_item" else {}
    if expected is LookupError:
        with pytest.raises(LookupError):
            call(*arguments, **kwargs)
    else:
        got = call(*arguments, **kwargs)
        assert got == expected, (
            f"{method}({SNEAKY_SKU!r}) should return {expected!r}: no item has that SKU. Got {got!r}. "
            "Is the SKU pasted into an SQL string instead of passed as a bound parameter?"
        )
    assert (all_items(shop), movement_rows(shop)) == (before_items, before_movements), (
        f"{method}({SNEAKY_SKU!r}) changed the stock although no item has that SKU: a value pasted into "
        "SQL becomes SQL"
    )


class AnotherCashier:
    """Sells 2 tins of PNT-B1 (25 in stock) through the same connection just before the code's first
    UPDATE, unless the code locked the row first (SELECT ... FOR UPDATE; SQLite drops the clause from
    the SQL, so the statement object is asked too)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sneaked = False
        self.locked = False

    def __enter__(self) -> AnotherCashier:
        event.listen(self.connection, "before_execute", self.note_lock)
        event.listen(self.connection, "before_cursor_execute", self.sell)
        return self

    def __exit__(self, *_: Any) -> None:
        event.remove(self.connection, "before_execute", self.note_lock)
        event.remove(self.connection, "before_cursor_execute", self.sell)

    def note_lock(self, _conn: Any, clauseelement: Any, *_: Any) -> None:
        if getattr(clauseelement, "_for_update_arg", None) is not None:
            self.locked = True

    def sell(self, _conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "FOR UPDATE" in statement.upper():
            self.locked = True
        if not self.sneaked and not self.locked and statement.lstrip().upper().startswith("UPDATE"):
            self.sneaked = True
            cursor.execute("UPDATE items SET quantity = quantity - 2 WHERE sku = 'PNT-B1'")


@pytest.mark.task(3)
def test_record_movement_does_not_lose_a_sale_made_meanwhile(shop: Connection) -> None:
    """Another cashier sells 2 tins between your read and your write: the stock must count both sales."""
    with AnotherCashier(shop) as other:
        returned = project.Inventory(shop).record_movement("PNT-B1", -5, "sale", WHEN)
    stored = shop.execute(select(items.c.quantity).where(items.c.sku == "PNT-B1")).scalar_one()
    expected = 25 - 2 - 5 if other.sneaked else 25 - 5
    assert (returned, stored) == (expected, expected), (
        f"PNT-B1 had 25; another cashier sold 2 just before your UPDATE, and you sold 5, so {expected} are "
        f"left. record_movement() returned {returned!r} and stored {stored!r}: a quantity computed in Python "
        "from a value read earlier overwrites the other sale. Let the database compute it "
        "(SET quantity = quantity + :change), in an UPDATE whose WHERE also checks the stock."
    )


@pytest.mark.task(3)
def test_record_movement_does_not_sell_stock_another_cashier_took_meanwhile(shop: Connection) -> None:
    """25 tins; you check that 24 are there, another cashier sells 2, then your UPDATE runs."""
    before = movement_rows(shop, "PNT-B1")
    outcome: Any
    with AnotherCashier(shop) as other:
        try:
            outcome = project.Inventory(shop).record_movement("PNT-B1", -24, "sale", WHEN)
        except ValueError:
            outcome = ValueError
    stored = shop.execute(select(items.c.quantity).where(items.c.sku == "PNT-B1")).scalar_one()
    if not other.sneaked:  # the row was locked before the other sale could land: 1 tin left
        assert (outcome, stored) == (1, 1), f"selling 24 of 25 tins leaves 1: returned {outcome!r}, stored {stored!r}"
        return
    assert (outcome, stored) == (ValueError, 23), (
        "PNT-B1 had 25; another cashier sold 2 just before your UPDATE, so only 23 are left and a sale of 24 "
        f"must raise ValueError and change nothing. record_movement() gave {outcome!r} and the stock is now "
        f"{stored!r}: the stock was checked against a value read before the UPDATE. Put the check in the "
        "UPDATE's WHERE (quantity + :change >= 0), so the database checks and changes the row together."
    )
    assert movement_rows(shop, "PNT-B1") == before, "a refused sale must not be logged as a movement"


@pytest.mark.parametrize(
    ("method", "arguments"),
    [
        pytest.param("add_item", ("LED-E27", "LED bulb E27", "Lighting", Decimal("3.35")),
                     marks=pytest.mark.task(1), id="add_item"),
        pytest.param("get_item", ("PNT-W1",), marks=pytest.mark.task(1), id="get_item"),
        pytest.param("update_item", ("PNT-W1", {"unit_price": Decimal("11.99")}), marks=pytest.mark.task(2),
                     id="update_item"),
        pytest.param("delete_item", ("NUT-M6",), marks=pytest.mark.task(2), id="delete_item"),
        pytest.param("record_movement", ("PNT-W1", 4, "delivery", WHEN), marks=pytest.mark.task(3),
                     id="record_movement"),
        pytest.param("low_stock", (), marks=pytest.mark.task(4), id="low_stock"),
        pytest.param("value_by_category", (), marks=pytest.mark.task(5), id="value_by_category"),
        pytest.param("top_movers", (datetime(2024, 3, 1),), marks=pytest.mark.task(6), id="top_movers"),
    ],
)
def test_methods_leave_the_callers_transaction_open(shop: Connection, method: str, arguments: tuple[Any, ...]) -> None:
    outer = shop.get_transaction()
    positional = [a for a in arguments if not isinstance(a, dict)]
    keywords = next((a for a in arguments if isinstance(a, dict)), {})
    getattr(project.Inventory(shop), method)(*positional, **keywords)
    assert outer is not None and outer.is_active and shop.get_transaction() is outer, (
        f"Inventory.{method}() ended the caller's transaction (connection.commit() or rollback()): the "
        "repository never commits; the caller decides whether a request's calls are kept all together or not at all"
    )
