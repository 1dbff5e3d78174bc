"""Tests for kata 2.5, insert statements. Run: pytest katas/02_core/05_insert_statements"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    false,
    insert,
    select,
    text,
    update,
)

from fixtures.target import learner_module

insert_statements = learner_module(__file__, "insert_statements")

# The tests' own copy of the schema (the same as in insert_statements.py), to create the tables.
schema = MetaData()
products = Table(
    "products",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("discontinued", Boolean, nullable=False, server_default=false()),
)
archived_products = Table(
    "archived_products",
    schema,
    Column("sku", String(20), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("reason", String(100), nullable=False),
)

SHELF = [
    {"sku": "PEN-01", "name": "Fountain pen", "price_cents": 2500, "discontinued": False},
    {"sku": "INK-07", "name": "Blue ink", "price_cents": 450, "discontinued": True},
    {"sku": "NB-A5", "name": "Notebook A5", "price_cents": 350, "discontinued": False},
    {"sku": "PEN-02", "name": "Ballpoint", "price_cents": 120, "discontinued": True},
    {"sku": "KITE-1", "name": "Kids' kite", "price_cents": 1900, "discontinued": False},
]


def customers_table(status_default: str, points_default: int) -> Table:
    """customers, with server defaults chosen by the test (the DBA may change them any day)."""
    return Table(
        "customers",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("email", String(200), nullable=False, unique=True),
        Column("name", String(100), nullable=False),
        Column("status", String(20), nullable=False, server_default=status_default),
        Column("loyalty_points", Integer, nullable=False, server_default=text(str(points_default))),
    )


@pytest.fixture
def shop(connection: Connection) -> Connection:
    """products (with the five products above) and archived_products (empty)."""
    schema.create_all(connection)
    connection.execute(insert(products), SHELF)
    return connection


@pytest.fixture
def empty_shop(connection: Connection) -> Connection:
    """products and archived_products, both empty."""
    schema.create_all(connection)
    return connection


def stored_products(connection: Connection) -> dict[int, tuple[str, str, int]]:
    rows = connection.execute(select(products.c.id, products.c.sku, products.c.name, products.c.price_cents))
    return {row.id: (row.sku, row.name, row.price_cents) for row in rows}


def inserts(queries: Any) -> list[Any]:
    return queries.matching(r"^\s*INSERT\b")


def price_list(count: int, start: int = 0) -> list[tuple[str, str, int]]:
    """A supplier's price list; skus deliberately not in sorted order."""
    return [
        (f"SUP-{(i * 7919) % 1000:03}", f"Supplier item {i}", 100 + 37 * i)
        for i in range(start, start + count)
    ]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("sku", "name", "price"),
    [("ERA-3", "Eraser", 90), ("KITE-2", "Kids' stunt kite", 3450)],
    ids=["eraser", "kite"],
)
def test_add_product_stores_the_row_and_returns_its_id(
    shop: Connection, queries: Any, sku: str, name: str, price: int
) -> None:
    before = stored_products(shop)
    queries.clear()
    new_id = insert_statements.add_product(shop, sku, name, price)
    statements = queries.count
    after = stored_products(shop)
    assert isinstance(new_id, int), f"add_product() should return the new id as an int, not {new_id!r}"
    assert set(after) - set(before) == {new_id}, (
        f"add_product() returned {new_id!r}, but the row it inserted has the id "
        f"{sorted(set(after) - set(before))}: return the key the database gave the new row"
    )
    assert after[new_id] == (sku, name, price), (
        f"the new row should hold ({sku!r}, {name!r}, {price}), the database has {after[new_id]}"
    )
    assert statements == 1, (
        f"add_product() sent {statements} statements; the new key comes back with the INSERT itself "
        "(result.inserted_primary_key, or RETURNING): no need to ask again with a SELECT"
    )


@pytest.mark.task(1)
def test_add_product_gives_each_product_its_own_id(shop: Connection) -> None:
    first = insert_statements.add_product(shop, "ERA-3", "Eraser", 90)
    second = insert_statements.add_product(shop, "RUL-30", "Ruler 30 cm", 240)
    stored = stored_products(shop)
    assert first != second, f"two new products should get two different ids, both got {first!r}"
    assert (stored.get(first), stored.get(second)) == (
        ("ERA-3", "Eraser", 90),
        ("RUL-30", "Ruler 30 cm", 240),
    ), f"the ids returned ({first!r}, {second!r}) should be those of the eraser and the ruler"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("status", "points"), [("active", 0), ("pending", 100)], ids=["defaults", "other defaults"]
)
def test_register_customer_returns_the_row_with_the_database_defaults(
    connection: Connection, queries: Any, status: str, points: int
) -> None:
    customers = customers_table(status, points)
    customers.create(connection)
    connection.execute(insert(customers).values(email="first@example.com", name="First"))
    queries.clear()
    got = insert_statements.register_customer(connection, "ada@example.com", "Ada O'Hara")
    stored = (
        connection.execute(select(customers).where(customers.c.email == "ada@example.com")).mappings().one()
    )
    assert isinstance(got, dict), f"register_customer() should return a dict, not {type(got).__name__}"
    assert got == dict(stored), (
        f"register_customer() should return the row as the database stored it: {dict(stored)}, got {got}. "
        f"The database's defaults here are status={status!r} and loyalty_points={points}: "
        "ask the database for them, do not guess them in Python"
    )
    assert (stored["status"], stored["loyalty_points"]) == (status, points), (
        f"the new customer was stored with status={stored['status']!r} and loyalty_points="
        f"{stored['loyalty_points']}, but the database's defaults here are {status!r} and {points}: "
        "leave those two columns out of the INSERT so the database fills them in"
    )


@pytest.mark.task(2)
def test_register_customer_gets_the_row_back_in_one_statement(connection: Connection, queries: Any) -> None:
    customers_table("active", 0).create(connection)
    queries.clear()
    insert_statements.register_customer(connection, "grace@example.com", "Grace")
    queries.assert_count(
        1, because="the INSERT can hand the stored row back itself with RETURNING: no SELECT afterwards"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("count", [1, 40])
def test_import_price_list_inserts_every_row(shop: Connection, count: int) -> None:
    rows = price_list(count)
    insert_statements.import_price_list(shop, rows)
    stored = set(stored_products(shop).values())
    missing = [row for row in rows if row not in stored]
    assert not missing, f"{len(missing)} of the {count} rows were not inserted, for example {missing[:3]}"
    assert len(stored) == len(SHELF) + count, (
        f"the table should now hold the {len(SHELF)} products it had and the {count} new ones, it holds {len(stored)}"
    )


@pytest.mark.task(3)
def test_import_price_list_is_one_execute_not_a_loop(empty_shop: Connection, queries: Any) -> None:
    insert_statements.import_price_list(empty_shop, price_list(30))
    sent = inserts(queries)
    assert len(sent) == 1, (
        f"30 rows were imported with {len(sent)} INSERT statements. Pass the whole list of parameter "
        "dicts to ONE connection.execute(insert(products), rows) call (an executemany) instead of "
        f"executing once per row:\n{queries.listing()}"
    )


@pytest.mark.task(3)
def test_import_of_an_empty_price_list_inserts_nothing(shop: Connection) -> None:
    insert_statements.import_price_list(shop, [])
    count = len(stored_products(shop))
    assert count == len(SHELF), (
        f"an empty price list should insert nothing; the table has {count} rows, not {len(SHELF)}"
    )


# -- task 4 -------------------------------------------------------------------------------------


def as_dicts(rows: list[tuple[str, str, int]]) -> list[dict[str, Any]]:
    return [{"sku": sku, "name": name, "price_cents": price} for sku, name, price in rows]


@pytest.mark.task(4)
@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_add_products_returns_the_ids_in_the_order_of_the_rows(shop: Connection, order: str) -> None:
    rows = as_dicts(price_list(9))
    if order == "reversed":
        rows.reverse()
    ids = insert_statements.add_products(shop, rows)
    stored = stored_products(shop)
    assert len(ids) == len(rows), (
        f"add_products() got {len(rows)} rows and should return {len(rows)} ids, not {len(ids)}"
    )
    got = [stored.get(i, ("?",))[0] for i in ids]
    expected = [row["sku"] for row in rows]
    assert got == expected, (
        "the i-th id should be the id of rows[i]; looking the returned ids up gives the skus "
        f"{got}, the rows were {expected}"
    )
    assert all(stored[i] == (r["sku"], r["name"], r["price_cents"]) for i, r in zip(ids, rows)), (
        "every row should be stored with its sku, name and price"
    )


@pytest.mark.task(4)
def test_add_products_is_one_execute_call(shop: Connection, queries: Any) -> None:
    rows = as_dicts(price_list(12))
    insert_statements.add_products(shop, rows)
    sent = inserts(queries)
    # SQLAlchemy may split one executemany into several INSERTs (on SQLite, with
    # sort_by_parameter_order, one per row); those are flagged as parts of an executemany.
    one_call = len(sent) == 1 or (len(sent) > 0 and all(s.executemany for s in sent))
    assert one_call, (
        f"12 rows were inserted with {len(sent)} separate single-row INSERTs: pass the list of dicts to "
        f"ONE connection.execute() call, with RETURNING for the ids:\n{queries.listing()}"
    )
    reads = queries.matching(r"^\s*SELECT\b")
    assert not reads, (
        f"the ids should come back with the INSERT (RETURNING), not from a SELECT afterwards:\n{queries.listing()}"
    )


@pytest.mark.task(4)
def test_add_products_with_no_rows_returns_no_ids(shop: Connection) -> None:
    ids = insert_statements.add_products(shop, [])
    assert list(ids) == [], f"no rows, no ids: expected [], got {ids!r}"
    assert len(stored_products(shop)) == len(SHELF), "no rows should be inserted"


# -- task 5 -------------------------------------------------------------------------------------


def archived(connection: Connection) -> set[tuple[str, str, int, str]]:
    return {tuple(row) for row in connection.execute(select(archived_products))}


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("discontinued", "reason"),
    [
        ({"INK-07", "PEN-02"}, "end of line"),
        ({"KITE-1"}, "Kids' range: supplier gone"),
        (set(), "spring cleaning"),
    ],
    ids=["ink and ballpoint", "the kite", "nothing discontinued"],
)
def test_archive_discontinued_copies_them_with_the_reason(
    shop: Connection, queries: Any, discontinued: set[str], reason: str
) -> None:
    shop.execute(update(products).values(discontinued=products.c.sku.in_(discontinued)))
    queries.clear()
    count = insert_statements.archive_discontinued(shop, reason)
    expected = {(p["sku"], p["name"], p["price_cents"], reason) for p in SHELF if p["sku"] in discontinued}
    got = archived(shop)
    assert got == expected, (
        f"archived_products should hold the discontinued products {sorted(discontinued)} with the reason "
        f"{reason!r}: expected {sorted(expected)}, got {sorted(got)}"
    )
    assert count == len(expected), (
        f"archive_discontinued() should return how many rows it copied ({len(expected)}), not {count!r}. "
        + ("PostgreSQL reports -1 for an INSERT's rowcount unless you ask for it. " if count == -1 else "")
    )
    assert len(stored_products(shop)) == len(SHELF), "archiving copies: the products themselves must stay"


@pytest.mark.task(5)
def test_archive_discontinued_is_one_insert_select(shop: Connection, queries: Any) -> None:
    reason = "O'Brien's supplier stopped"
    insert_statements.archive_discontinued(shop, reason)
    sent = queries.statements
    assert len(sent) == 1 and re.search(
        r"^\s*INSERT\b.*\bSELECT\b", sent[0].sql, re.IGNORECASE | re.DOTALL
    ), (
        "the copy should be ONE statement, INSERT INTO archived_products ... SELECT ... FROM products "
        "(insert().from_select()), so the rows never travel to Python and back. The code sent:\n"
        + queries.listing()
    )
    assert "supplier stopped" not in sent[0].sql and reason in sent[0].values, (
        f"the reason {reason!r} should travel as a bound parameter (literal(reason) in the SELECT), "
        f"not be pasted into the SQL text:\n{queries.listing()}"
    )
