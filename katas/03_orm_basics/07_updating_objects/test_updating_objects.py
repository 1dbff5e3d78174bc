"""Tests for kata 3.7, updating objects. Run: pytest katas/03_orm_basics/07_updating_objects

The products table is created (from the tests' own copy of the schema) and filled inside the
test's transaction. The lost-update test of task 4 uses a real engine and two sessions.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, event, insert, select, update
from sqlalchemy.orm import Session

from fixtures.target import learner_module

updating_objects = learner_module(__file__, "updating_objects")

# The tests' own copy of the schema (the same as the given model), to create and fill the table.
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
)
PRODUCTS = [
    dict(zip(("sku", "name", "category", "price_cents", "stock"), row))
    for row in [
        ("TEA-1", "Green tea", "Tea", 450, 20),
        ("TEA-2", "Black tea", "Tea", 399, 0),
        ("TEA-3", "Oolong", "Tea", 1001, 5),
        ("COF-1", "House blend", "Coffee", 890, 12),
        ("COF-2", "Decaf", "Coffee", 999, 3),
        ("MUG-1", "Mug", "Kitchen", 1200, 8),
    ]
]
PRICE = {p["sku"]: p["price_cents"] for p in PRODUCTS}


@pytest.fixture
def shop(connection: Connection, session: Session) -> Session:
    """The products above, inside the test's rolled-back transaction, and a session on them."""
    schema.create_all(connection)
    connection.execute(insert(products), PRODUCTS)
    return session


@pytest.fixture
def shop_engine(engine: Engine) -> Engine:
    """The same products committed for real (wiped after the test)."""
    with engine.begin() as connection:
        schema.create_all(connection)
        connection.execute(insert(products), PRODUCTS)
    return engine


def load(session: Session, sku: str) -> Any:
    return session.scalars(select(updating_objects.Product).where(updating_objects.Product.sku == sku)).one()


def stored_prices(session: Session | Connection) -> dict[str, int]:
    return {
        row.sku: row.price_cents for row in session.execute(select(products.c.sku, products.c.price_cents))
    }


def committed_in(queries: Any) -> bool:
    return any(s.sql.lstrip().upper().startswith(("RELEASE", "COMMIT")) for s in queries.all_statements)


# -- task 1: reprice ------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(("sku", "price"), [("TEA-1", 500), ("MUG-1", 999), ("COF-2", 0)])
def test_reprice_changes_the_attribute_and_leaves_the_flush_to_the_caller(
    shop: Session, queries: Any, sku: str, price: int
) -> None:
    old = updating_objects.reprice(shop, sku, price)
    assert old == PRICE[sku], (
        f"reprice({sku!r}, {price}) should return the old price {PRICE[sku]}, got {old!r}"
    )
    assert not queries.matching(r"^\s*UPDATE") and not committed_in(queries), (
        "reprice() should only change the attribute: no flush, no commit (the UPDATE waits in the session "
        "until the caller's next flush):\n" + queries.listing()
    )
    product = next((p for p in shop.dirty if getattr(p, "sku", None) == sku), None)
    assert product is not None, (
        f"after reprice() the product {sku} should be in session.dirty (changed, not flushed)"
    )
    assert product.price_cents == price, f"the product object should now have price_cents {price}"
    queries.clear()
    shop.flush()
    updates = queries.matching(r"^\s*UPDATE")
    assert len(updates) == 1 and "name" not in updates[0].sql.split("WHERE")[0], (
        "the caller's flush should send one UPDATE that sets only price_cents (the ORM writes only the "
        f"columns that changed):\n{queries.listing()}"
    )
    with queries.paused():
        assert stored_prices(shop)[sku] == price, (
            f"after the flush the table should hold the new price {price}"
        )


@pytest.mark.task(1)
def test_reprice_of_an_unknown_sku_changes_nothing(shop: Session) -> None:
    assert updating_objects.reprice(shop, "NOPE-1", 100) is None, (
        "reprice() of an unknown sku should return None"
    )
    assert not shop.dirty, (
        f"nothing should be changed in the session, but it has dirty objects {list(shop.dirty)}"
    )


# -- task 2: pending_changes ----------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "changes",
    [
        {"price_cents": 500},
        {"price_cents": 480, "name": "Sencha"},
        {"stock": 19, "category": "Green tea", "sku": "TEA-9"},
    ],
    ids=["one attribute", "two attributes", "three attributes"],
)
def test_pending_changes_reports_old_and_new_values(shop: Session, changes: dict[str, Any]) -> None:
    product = load(shop, "TEA-1")
    before = {key: getattr(product, key) for key in changes}
    for key, value in changes.items():
        setattr(product, key, value)
    got = updating_objects.pending_changes(product)
    expected = {key: (before[key], value) for key, value in changes.items()}
    assert got == expected, (
        f"after changing {sorted(changes)}, pending_changes() should return {{attribute: (old, new)}} for exactly "
        f"those attributes: expected {expected}, got {got}"
    )


@pytest.mark.task(2)
def test_pending_changes_ignores_unchanged_and_flushed_values(shop: Session) -> None:
    product = load(shop, "COF-1")
    assert updating_objects.pending_changes(product) == {}, "a product just loaded has no pending changes"
    product.price_cents = 890  # the value it already has
    assert updating_objects.pending_changes(product) == {}, (
        "setting price_cents to the value it already had is not a change: the attribute's history shows it "
        "as unchanged"
    )
    product.price_cents = 950
    shop.flush()
    assert updating_objects.pending_changes(product) == {}, (
        "after a flush the change is in the database: the history starts again, and nothing is pending"
    )


# -- task 3: apply_discount -----------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("category", "percent"), [("Tea", 10), ("Tea", 15), ("Coffee", 50), ("Garden", 20)])
def test_apply_discount_updates_the_rows_and_the_loaded_objects(
    shop: Session, queries: Any, category: str, percent: int
) -> None:
    loaded = {p.sku: p for p in shop.scalars(select(updating_objects.Product))}  # the session holds them all
    queries.clear()
    changed = updating_objects.apply_discount(shop, category, percent)
    sent = list(queries.statements)
    expected = {
        p["sku"]: p["price_cents"] * (100 - percent) // 100 if p["category"] == category else p["price_cents"]
        for p in PRODUCTS
    }
    count = sum(1 for p in PRODUCTS if p["category"] == category)
    assert changed == count, (
        f"apply_discount({category!r}, {percent}) changed {count} products, returned {changed!r}"
    )
    with queries.paused():
        in_table = stored_prices(shop)
    assert in_table == expected, (
        f"the table should hold the discounted prices of {category} (price * (100 - {percent}) // 100, rounded "
        f"down) and the other prices unchanged: expected {expected}, got {in_table}"
    )
    in_session = {sku: p.price_cents for sku, p in loaded.items()}
    assert in_session == expected, (
        "the Product objects the session already held should show the new prices too: the UPDATE must "
        "synchronize the session (synchronize_session='evaluate', 'fetch' or 'auto'; False leaves them stale). "
        f"Expected {expected}, the objects say {in_session}"
    )
    assert [s.sql.split(None, 1)[0].upper() for s in sent] == ["UPDATE"] and not sent[0].executemany, (
        "one UPDATE ... WHERE category = ... should change all the products of the category in the database, "
        f"not a SELECT and an UPDATE per product:\n{queries.listing()}"
    )


# -- task 4: add_stock ----------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("sku", "quantity"), [("TEA-2", 12), ("MUG-1", 1)])
def test_add_stock_adds_to_the_stock(shop: Session, sku: str, quantity: int) -> None:
    product = load(shop, sku)
    before = product.stock
    updating_objects.add_stock(shop, product.id, quantity)
    shop.flush()
    stored = shop.execute(select(products.c.stock).where(products.c.sku == sku)).scalar_one()
    assert stored == before + quantity, (
        f"the stock of {sku} should be {before} + {quantity}, the table has {stored}"
    )
    assert product.stock == before + quantity, (
        f"reading product.stock afterwards should give the new stock {before + quantity}, got {product.stock!r}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(("theirs", "ours"), [(5, 3), (-2, 10)])
def test_add_stock_loses_no_update_when_the_session_copy_is_stale(
    shop_engine: Engine, theirs: int, ours: int
) -> None:
    with Session(shop_engine, expire_on_commit=False) as session:
        product = load(session, "TEA-1")  # the till loaded the product earlier: stock 20
        product_id, before = product.id, product.stock
        session.commit()  # (its copy stays in the session, not refreshed)
        # Meanwhile the warehouse changes the stock in its own transaction.
        with shop_engine.begin() as warehouse:
            warehouse.execute(
                update(products).where(products.c.id == product_id).values(stock=products.c.stock + theirs)
            )
        updating_objects.add_stock(session, product_id, ours)
        session.commit()
    with shop_engine.connect() as connection:
        stock = connection.execute(select(products.c.stock).where(products.c.id == product_id)).scalar_one()
    expected = before + theirs + ours
    assert stock == expected, (
        f"the stock was {before}; the warehouse added {theirs}, then add_stock() added {ours}: it should be "
        f"{expected}, it is {stock}. Computing `product.stock + {ours}` in Python uses this session's stale copy "
        "and overwrites the warehouse's change (a lost update); let the database add: stock = stock + :quantity"
    )


@pytest.mark.task(4)
def test_add_stock_loses_no_update_that_lands_between_its_read_and_its_write(
    connection: Connection, shop: Session
) -> None:
    """The warehouse adds 5 just before add_stock()'s UPDATE, after anything add_stock() read."""
    product = load(shop, "TEA-1")
    product_id, before = product.id, product.stock
    landed = False

    def warehouse(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        nonlocal landed
        if not landed and statement.lstrip().upper().startswith("UPDATE PRODUCTS"):
            landed = True
            cursor.execute(f"UPDATE products SET stock = stock + 5 WHERE id = {int(product_id)}")

    event.listen(connection, "before_cursor_execute", warehouse)
    try:
        updating_objects.add_stock(shop, product_id, 3)
        shop.flush()
    finally:
        event.remove(connection, "before_cursor_execute", warehouse)
    stock = shop.execute(select(products.c.stock).where(products.c.id == product_id)).scalar_one()
    assert landed, "add_stock() should send an UPDATE of the product"
    assert stock == before + 5 + 3, (
        f"the stock was {before}; the warehouse added 5 just before add_stock()'s UPDATE, and add_stock() added 3: "
        f"it should be {before + 8}, it is {stock}. Re-reading the stock (refresh, a SELECT) and writing back a "
        "number computed in Python still loses a change that lands in between; let the UPDATE compute it: "
        "stock = stock + :quantity"
    )
