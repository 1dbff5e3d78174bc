"""Tests for kata 10.4, bulk operations. Run: pytest katas/10_optimization/04_bulk_operations

Every test runs at two sizes and counts the statements the driver received (cursor executions:
an executemany of 2,000 parameter sets is one). The same code can differ by backend: a
unit-of-work flush of new objects is batched on PostgreSQL, one INSERT per row on SQLite. So
the tests also check that no ORM object was built or loaded, which holds on both.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select, update
from sqlalchemy.orm import Session

from fixtures.target import learner_module

bulk_operations = learner_module(__file__, "bulk_operations")

schema = MetaData()
products = Table(
    "products",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), unique=True),
    Column("name", String(100)),
    Column("price_cents", Integer),
    Column("stock", Integer),
)


def feed(count: int, seed: int = 4) -> list[dict[str, Any]]:
    rng = random.Random(seed + count)
    rows = [
        {
            "sku": f"SKU-{i:05d}",
            "name": f"Product {i}",
            "price_cents": rng.randint(50, 99_999),
            "stock": rng.randint(0, 500),
        }
        for i in range(count)
    ]
    rng.shuffle(rows)
    return rows


@pytest.fixture
def empty_table(session: Session) -> Session:
    schema.create_all(session.connection())
    return session


def stocked(session: Session, count: int) -> list[dict[str, Any]]:
    """The table with `count` products (inserted by the test); their rows with ids."""
    schema.create_all(session.connection())
    session.connection().execute(insert(products), feed(count))
    return table_rows(session)


def table_rows(session: Session) -> list[dict[str, Any]]:
    return [
        dict(row) for row in session.connection().execute(select(products).order_by(products.c.id)).mappings()
    ]


class ObjectWatch:
    """Counts the ORM objects added to the session or loaded from rows while active (the identity
    map alone would not do: it holds objects weakly, and unreferenced ones vanish from it)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.added = self.loaded = 0

    def _add(self, *_: Any) -> None:
        self.added += 1

    def _load(self, *_: Any) -> None:
        self.loaded += 1

    def __enter__(self) -> ObjectWatch:
        event.listen(self.session, "transient_to_pending", self._add)
        event.listen(self.session, "loaded_as_persistent", self._load)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.session, "transient_to_pending", self._add)
        event.remove(self.session, "loaded_as_persistent", self._load)

    def assert_none(self, function: str) -> None:
        __tracebackhide__ = True
        assert self.added == 0 and self.loaded == 0, (
            f"{function} added {self.added} and loaded {self.loaded} ORM objects: a bulk operation works on the "
            "rows (lists of dicts, one statement), without building or loading an object per row"
        )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(("count", "budget"), [(250, 1), (2500, 3)], ids=["250 rows", "2500 rows"])
def test_import_products_inserts_in_a_few_statements(
    empty_table: Session, queries: Any, count: int, budget: int
) -> None:
    session = empty_table
    rows = feed(count)
    with (
        ObjectWatch(session) as objects,
        queries.budget(
            budget,
            because=f"{count} rows in one executemany (or insertmanyvalues batches of 1,000 with RETURNING)",
        ),
    ):
        inserted = bulk_operations.import_products(session, rows)
    with queries.paused():
        stored = {(r["sku"], r["name"], r["price_cents"], r["stock"]) for r in table_rows(session)}
    expected = {(r["sku"], r["name"], r["price_cents"], r["stock"]) for r in rows}
    assert stored == expected, (
        f"every row of the feed should be in the table, as given: {len(expected - stored)} missing, "
        f"{len(stored - expected)} unexpected"
    )
    assert inserted == count, (
        f"import_products() should return how many rows it inserted ({count}), not {inserted!r}"
    )
    objects.assert_none("import_products()")
    assert bulk_operations.import_products(session, []) == 0, "an empty feed inserts 0 rows"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("count", [100, 600], ids=["100 prices", "600 prices"])
def test_reprice_updates_in_one_statement(session: Session, queries: Any, count: int) -> None:
    before = stocked(session, count + 40)  # 40 products keep their price
    rng = random.Random(count)
    changed = rng.sample(before, count)
    prices = [{"id": row["id"], "price_cents": row["price_cents"] * 2 + 1} for row in changed]
    queries.clear()
    with (
        ObjectWatch(session) as objects,
        queries.budget(1, because=f"{count} prices in one UPDATE ... WHERE id = ? (an executemany)"),
    ):
        bulk_operations.reprice(session, prices)
    with queries.paused():
        after = {row["id"]: row["price_cents"] for row in table_rows(session)}
    new = {p["id"]: p["price_cents"] for p in prices}
    wrong = [
        i for i in after if after[i] != new.get(i, next(r["price_cents"] for r in before if r["id"] == i))
    ]
    assert not wrong, (
        f"products {wrong[:5]} have the wrong price after reprice(): each id gets its own new price"
    )
    objects.assert_none("reprice()")


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("count", [80, 500], ids=["80 deliveries", "500 deliveries"])
def test_restock_adds_in_the_database_in_one_statement(session: Session, queries: Any, count: int) -> None:
    before = stocked(session, count + 30)
    rng = random.Random(count + 1)
    delivered = rng.sample(before, count)
    deliveries = [{"sku": row["sku"], "quantity": rng.randint(1, 40)} for row in delivered]
    deliveries.append({"sku": "NO-SUCH-SKU", "quantity": 5})
    with queries.paused():
        # The shop's pages had loaded the products into this session earlier...
        session.scalars(select(bulk_operations.Product)).all()
        # ...then a sale of 1 of each was recorded by other code, in the database.
        session.connection().execute(update(products).values(stock=products.c.stock - 1))
    queries.clear()
    with queries.budget(
        1, because=f"{count} deliveries in one UPDATE ... SET stock = stock + ? (an executemany)"
    ):
        bulk_operations.restock(session, deliveries)
    with queries.paused():
        after = {row["sku"]: row["stock"] for row in table_rows(session)}
    added = {d["sku"]: d["quantity"] for d in deliveries}
    expected = {row["sku"]: row["stock"] - 1 + added.get(row["sku"], 0) for row in before}
    wrong = sorted(sku for sku in expected if after.get(sku) != expected[sku])
    assert not wrong, (
        f"{len(wrong)} products have the wrong stock, e.g. {wrong[0]}: expected {expected[wrong[0]]}, got "
        f"{after.get(wrong[0])}. The sale of 1 recorded after the products were loaded must be kept: add in SQL "
        "(stock = stock + :quantity), never write back a value read (or cached in the session) earlier"
    )
    assert "NO-SUCH-SKU" not in after, "an unknown SKU is ignored, not inserted"


@pytest.mark.task(3)
def test_restock_sends_the_addition_not_the_result(session: Session, queries: Any) -> None:
    before = stocked(session, 20)
    bulk_operations.restock(session, [{"sku": row["sku"], "quantity": 7} for row in before[:10]])
    updates = queries.matching(r"^\s*UPDATE")
    assert updates, "restock() sent no UPDATE"
    sent = [v for s in updates for v in s.values]
    assert 7 in sent and not any(v == row["stock"] + 7 for row in before[:10] for v in sent if v != 7), (
        "the UPDATE should carry the quantity delivered (7) and let the database add it (stock = stock + ?); "
        f"it carried {sorted(set(map(str, sent)))[:10]}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("count", [30, 300], ids=["30 products", "300 products"])
def test_delete_discontinued_in_one_statement(session: Session, queries: Any, count: int) -> None:
    before = stocked(session, count * 2)
    doomed = [row["sku"] for row in random.Random(count).sample(before, count)]
    queries.clear()
    with (
        ObjectWatch(session) as objects,
        queries.budget(1, because=f"{count} products in one DELETE ... WHERE sku IN (...)"),
    ):
        deleted = bulk_operations.delete_discontinued(session, [*doomed, "NO-SUCH-SKU"])
    with queries.paused():
        left = {row["sku"] for row in table_rows(session)}
    assert not left & set(doomed), f"{len(left & set(doomed))} of the discontinued products are still there"
    assert len(left) == count, f"{count} products should remain, {len(left)} did"
    assert deleted == count, (
        f"delete_discontinued() should return how many rows the database deleted ({count}; the unknown SKU "
        f"deletes nothing), not {deleted!r}: the result's rowcount"
    )
    objects.assert_none("delete_discontinued()")
