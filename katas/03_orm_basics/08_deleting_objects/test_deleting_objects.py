"""Tests for kata 3.8, deleting objects. Run: pytest katas/03_orm_basics/08_deleting_objects

The tables are created (from the tests' own copy of the schema) and filled inside the test's
transaction. Foreign keys are enforced on both databases: on SQLite the pack's connections run
`PRAGMA foreign_keys = ON` (SQLite ignores foreign keys without it).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

deleting_objects = learner_module(__file__, "deleting_objects")

# The tests' own copy of the schema (the same as the given models), to create and fill the tables.
schema = MetaData()
categories = Table(
    "categories",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
)
products = Table(
    "products",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("discontinued", Boolean, nullable=False),
    Column("category_id", ForeignKey("categories.id")),
)
orders = Table(
    "orders",
    schema,
    Column("id", Integer, primary_key=True),
    Column("customer", String(100), nullable=False),
)
order_lines = Table(
    "order_lines",
    schema,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("product_id", ForeignKey("products.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
)

CATEGORIES = [(1, "Tea"), (2, "Coffee"), (3, "Seasonal")]
PRODUCTS = [
    # id, sku, name, discontinued, category_id
    (1, "TEA-1", "Green tea", False, 1),
    (2, "TEA-2", "Black tea", True, 1),  # discontinued, but ordered
    (3, "TEA-3", "Smoky tea", True, 1),
    (4, "COF-1", "House blend", False, 2),
    (5, "COF-2", "Decaf", True, 2),
    (6, "XMAS-1", "Spiced tea", True, 3),
    (7, "MUG-1", "Mug", False, None),
]
ORDERS = [(1, "Ana"), (2, "Ben"), (3, "Cy")]
LINES = [
    # id, order_id, product_id, quantity
    (1, 1, 1, 2),
    (2, 1, 2, 1),
    (3, 1, 7, 1),
    (4, 2, 4, 1),
    (5, 2, 1, 3),
]
SKU = {p[0]: p[1] for p in PRODUCTS}


@pytest.fixture
def shop(connection: Connection, session: Session) -> Session:
    """The rows above, inside the test's rolled-back transaction, and a session on them."""
    schema.create_all(connection)
    connection.execute(insert(categories), [dict(zip(("id", "name"), r)) for r in CATEGORIES])
    keys = ("id", "sku", "name", "discontinued", "category_id")
    connection.execute(insert(products), [dict(zip(keys, r)) for r in PRODUCTS])
    connection.execute(insert(orders), [dict(zip(("id", "customer"), r)) for r in ORDERS])
    connection.execute(
        insert(order_lines), [dict(zip(("id", "order_id", "product_id", "quantity"), r)) for r in LINES]
    )
    return session


def skus(session: Session) -> set[str]:
    return set(session.execute(select(products.c.sku)).scalars())


def line_ids(session: Session) -> set[int]:
    return set(session.execute(select(order_lines.c.id)).scalars())


def order_ids(session: Session) -> set[int]:
    return set(session.execute(select(orders.c.id)).scalars())


def explain_integrity_error(call: Any, because: str) -> Any:
    try:
        return call()
    except IntegrityError as error:
        message = f"{because} The database said: {error.orig}"
    pytest.fail(message, pytrace=False)


# -- the harness ----------------------------------------------------------------------------


@pytest.mark.task(1)
def test_foreign_keys_are_enforced_and_an_unknown_sku_deletes_nothing(shop: Session) -> None:
    if shop.get_bind().dialect.name == "sqlite":
        assert shop.execute(text("PRAGMA foreign_keys")).scalar() == 1, (
            "the pack runs SQLite with foreign keys on"
        )
    with pytest.raises(IntegrityError), shop.begin_nested():
        shop.execute(insert(order_lines).values(id=99, order_id=42, product_id=1, quantity=1))
    deleted = deleting_objects.delete_product(shop, "MUG-9")
    assert deleted is False, f"delete_product() of an unknown sku should return False, got {deleted!r}"


# -- task 1: session.delete -----------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("sku", ["TEA-3", "XMAS-1", "COF-2"])
def test_delete_product_deletes_it(shop: Session, sku: str) -> None:
    product = shop.scalars(select(deleting_objects.Product).where(deleting_objects.Product.sku == sku)).one()
    assert deleting_objects.delete_product(shop, sku) is True, f"delete_product({sku!r}) should return True"
    assert sku not in skus(shop), f"after delete_product({sku!r}) and its flush, the row should be gone"
    assert skus(shop) == {p[1] for p in PRODUCTS} - {sku}, "no other product should be deleted"
    state = inspect(product)
    assert state.deleted or state.detached, (
        "the Product object the session held should now be marked deleted (session.delete() + flush), "
        f"not {'persistent' if state.persistent else 'pending'}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("sku", ["TEA-1", "TEA-2", "MUG-1"])
def test_delete_product_of_an_ordered_product_is_refused_by_the_foreign_key(
    shop: Session, queries: Any, sku: str
) -> None:
    queries.clear()
    with pytest.raises(IntegrityError):
        returned = deleting_objects.delete_product(shop, sku)
        if queries.matching(r"^\s*DELETE\b"):
            # The DELETE went out, so the database refused it: the error was caught on the way.
            why = (
                f"the DELETE was sent and refused by the database, but delete_product() returned {returned!r} "
                "instead of letting the IntegrityError reach the caller: do not catch it (not even in a "
                "savepoint); the caller decides what a refused delete means"
            )
        else:
            why = "no DELETE was sent: flush after session.delete(), so the database can refuse it now"
        pytest.fail(
            f"{sku} appears in order lines: deleting it must fail with the database's IntegrityError (the foreign "
            f"key order_lines.product_id protects the order history); {why}.\n{queries.listing()}",
            pytrace=False,
        )


# -- task 2: bulk delete --------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("also_discontinued", "unordered", "expected"),
    [
        (set(), set(), {3, 5, 6}),
        ({4, 7}, set(), {3, 5, 6}),
        ({7}, {7}, {3, 5, 6, 7}),
        ({1, 4}, {4}, {3, 4, 5, 6}),
    ],
    ids=["as seeded", "two ordered ones discontinued", "mug discontinued and its line gone", "blend too"],
)
def test_purge_discontinued_deletes_the_unordered_ones_in_one_statement(
    shop: Session, queries: Any, also_discontinued: set[int], unordered: set[int], expected: set[int]
) -> None:
    shop.execute(update(products).where(products.c.id.in_(also_discontinued)).values(discontinued=True))
    shop.execute(order_lines.delete().where(order_lines.c.product_id.in_(unordered)))
    # The session holds every product (this dict keeps them alive: the identity map holds only weak references).
    held = {p.id: p for p in shop.scalars(select(deleting_objects.Product))}
    queries.clear()
    count = explain_integrity_error(
        lambda: deleting_objects.purge_discontinued(shop),
        because="purge_discontinued() tried to delete a product that was ordered (order_lines still point at "
        "it): leave out the products that appear in order_lines (NOT EXISTS / NOT IN a subquery).",
    )
    sent = [s.sql.split(None, 1)[0].upper() for s in queries.statements]
    with queries.paused():
        remaining = skus(shop)
        still_found = sorted(SKU[i] for i in expected if held[i] in shop)
    want = {p[1] for p in PRODUCTS} - {SKU[i] for i in expected}
    assert remaining == want, f"expected the products {sorted(want)} to remain, found {sorted(remaining)}"
    assert count == len(expected), (
        f"purge_discontinued() deleted {len(expected)} products and should say so, not {count!r}"
    )
    assert sent == ["DELETE"], (
        "one DELETE ... WHERE discontinued AND NOT EXISTS (...) should do it, not a SELECT and a DELETE per "
        f"product:\n{queries.listing()}"
    )
    assert not still_found, (
        f"the session still holds the deleted products {still_found} as if they existed (session.get() would "
        "return these stale objects): "
        "the DELETE should synchronize the session (synchronize_session 'auto' or 'fetch', not False)"
    )


# -- task 3: cascades -----------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("order_id", "its_lines"), [(1, {1, 2, 3}), (2, {4, 5}), (3, set())])
def test_delete_order_deletes_its_lines_too(shop: Session, order_id: int, its_lines: set[int]) -> None:
    deleted = explain_integrity_error(
        lambda: deleting_objects.delete_order(shop, order_id),
        because="deleting an order without its lines fails: the ORM tried to keep the lines by setting their "
        "order_id to NULL, which the column does not allow. Give Order.lines the cascade 'all, delete-orphan'.",
    )
    assert deleted is True, f"delete_order({order_id}) should return True, got {deleted!r}"
    assert not shop.deleted, (
        f"delete_order() should flush: right after it returns, {sorted(map(repr, shop.deleted))} are still "
        "only marked for deletion in the session"
    )
    assert order_ids(shop) == {1, 2, 3} - {order_id}, f"order {order_id} (and only it) should be deleted"
    assert line_ids(shop) == {line[0] for line in LINES} - its_lines, (
        f"the lines {sorted(its_lines)} of order {order_id} should be deleted with it, and the others kept; "
        f"the lines left are {sorted(line_ids(shop))}"
    )
    assert deleting_objects.delete_order(shop, 424242) is False, (
        "delete_order() of an unknown id should return False"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(("order_id", "sku", "line_id"), [(1, "TEA-2", 2), (2, "TEA-1", 5), (1, "MUG-1", 3)])
def test_remove_line_deletes_the_orphan(shop: Session, order_id: int, sku: str, line_id: int) -> None:
    removed = explain_integrity_error(
        lambda: deleting_objects.remove_line(shop, order_id, sku),
        because="a line taken out of order.lines became an orphan, and the ORM tried to keep it by setting its "
        "order_id to NULL; with the cascade 'delete-orphan' on Order.lines it is deleted instead.",
    )
    assert removed is True, f"remove_line({order_id}, {sku!r}) should return True"
    assert not (shop.dirty or shop.deleted), (
        "remove_line() should flush: right after it returns, the session should have no pending changes, but it "
        f"still holds {sorted(map(repr, shop.dirty | set(shop.deleted)))}"
    )
    assert line_ids(shop) == {line[0] for line in LINES} - {line_id}, (
        f"the line {line_id} ({sku} in order {order_id}) should be deleted, the other lines kept; lines left: "
        f"{sorted(line_ids(shop))}"
    )
    assert deleting_objects.remove_line(shop, 3, sku) is False, (
        "order 3 has no lines: remove_line() should return False"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(("order_id", "its_lines"), [(1, {1, 2, 3}), (2, {4, 5})])
def test_order_lines_cascade_deletes_lines_with_the_order_and_orphans(
    shop: Session, order_id: int, its_lines: set[int]
) -> None:
    Order = deleting_objects.Order
    order = shop.get(Order, order_id)
    assert order is not None
    orphan = order.lines[0]
    order.lines.remove(orphan)
    explain_integrity_error(
        shop.flush,
        because="a line taken out of order.lines, then a flush: without the cascade 'delete-orphan' on "
        "Order.lines the ORM tries to keep the line by setting its order_id to NULL.",
    )
    assert orphan.id not in line_ids(shop), (
        "a line taken out of order.lines should be deleted at the next flush, whoever removes it: that is the "
        "model's cascade ('delete-orphan' on Order.lines), not something each function does by hand"
    )
    shop.delete(order)
    explain_integrity_error(
        shop.flush,
        because="session.delete(order) then a flush: without the cascade 'all' (which includes 'delete') on "
        "Order.lines the ORM tries to keep the lines by setting their order_id to NULL.",
    )
    assert not line_ids(shop) & its_lines, (
        "session.delete(order) should delete the order's lines with it, by the model's cascade on Order.lines "
        f"('all, delete-orphan'), for any code that deletes an order; lines left: {sorted(line_ids(shop) & its_lines)}"
    )


# -- task 4: deleting without a cascade -----------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("name", "category_id"), [("Tea", 1), ("Coffee", 2), ("Seasonal", 3)])
def test_delete_category_keeps_its_products_without_a_category(
    shop: Session, name: str, category_id: int
) -> None:
    deleted = explain_integrity_error(
        lambda: deleting_objects.delete_category(shop, name),
        because="the category's products still point at it (the foreign key products.category_id). "
        "session.delete() of the loaded Category lets the ORM set their category_id to NULL first.",
    )
    assert deleted is True, f"delete_category({name!r}) should return True"
    assert set(shop.execute(select(categories.c.name)).scalars()) == {c[1] for c in CATEGORIES} - {name}, (
        f"the category {name!r} (and only it) should be deleted"
    )
    rows = {r.sku: r.category_id for r in shop.execute(select(products.c.sku, products.c.category_id))}
    expected = {p[1]: (None if p[4] == category_id else p[4]) for p in PRODUCTS}
    assert rows == expected, (
        f"every product should stay; those of {name!r} without a category (category_id NULL): expected "
        f"{expected}, got {rows}"
    )
    assert deleting_objects.delete_category(shop, "Garden") is False, "an unknown category: False"
