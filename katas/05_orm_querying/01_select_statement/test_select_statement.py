"""Tests for kata 5.1, select statements with the ORM. Run: pytest katas/05_orm_querying/01_select_statement

Each test fills the shop's tables with a seeded dataset (two seeds, so no answer can be written
down in advance) and works out the expected answer from the raw rows, read with plain Core
queries that load no ORM objects.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Self

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from fixtures.recording import recorder
from fixtures.shop.models import Customer, Product
from fixtures.target import learner_module

select_statement = learner_module(__file__, "select_statement")

SEEDS = [2024, 11]


@pytest.fixture(params=SEEDS, ids=[f"seed {seed}" for seed in SEEDS])
def shop_rows(request: pytest.FixtureRequest, shop_builder: Any) -> int:
    """The shop dataset of one seed; returns the seed."""
    shop_builder(request.param)
    return int(request.param)


def rows(session: Session, model: Any) -> list[dict[str, Any]]:
    """A table's rows as plain dicts (a Core query on the table: no ORM object is loaded, no SQL logged)."""
    with recorder.log.paused():
        return [dict(row) for row in session.execute(select(model.__table__)).mappings()]


class LoadWatch:
    """Every object the session loads while watched (the identity map holds objects weakly, so objects
    loaded and dropped again inside the learner's function would vanish from it before we look)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.objects: list[Any] = []

    def _on_load(self, session: Session, obj: Any) -> None:
        self.objects.append(obj)

    def __enter__(self) -> Self:
        event.listen(self.session, "loaded_as_persistent", self._on_load)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.session, "loaded_as_persistent", self._on_load)

    def of(self, model: type) -> list[Any]:
        return [obj for obj in self.objects if isinstance(obj, model)]


def was_bound(value: Any, values: list[Any]) -> bool:
    """Whether `value` is among the bound values (a Decimal may travel as a float on SQLite)."""
    return any(v == value or (isinstance(v, float) and Decimal(str(v)) == value) for v in values)


def call_cheap_products(session: Session, max_price: Decimal) -> list[Any]:
    """Call the learner's cheap_products(); explain SQLite's refusal to bind a Decimal in one sentence."""
    try:
        return list(select_statement.cheap_products(session, max_price))
    except DBAPIError as error:
        if "Decimal" not in str(error.orig):
            raise
        message = (
            "SQLite's driver cannot bind a Decimal by itself (PostgreSQL's can): a parameter of a text() "
            "needs a type for SQLAlchemy to convert the value. text(...).bindparams(max_price=value) infers "
            "it from the value; with execute(statement, {...}) declare it: "
            "text(...).bindparams(bindparam('max_price', type_=Numeric(10, 2))). The driver said: "
            f"{error.orig}"
        )
    pytest.fail(message, pytrace=False)


def one_line(sql: str) -> str:
    return " ".join(sql.split())


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_all_products_returns_every_product_as_objects_by_name_then_id(
    session: Session, shop_rows: int, queries: Any
) -> None:
    expected = [p["id"] for p in sorted(rows(session, Product), key=lambda p: (p["name"], p["id"]))]
    queries.clear()
    products = list(select_statement.all_products(session))
    assert all(isinstance(p, Product) for p in products), (
        "all_products() should return Product objects (select(Product), then .scalars()), not rows "
        f"or tuples; got {[type(p).__name__ for p in products[:3]]}..."
    )
    assert [p.id for p in products] == expected, (
        f"all_products() should return all {len(expected)} products ordered by name, then by id (two "
        f"products may share a name). Expected ids {expected}, got {[p.id for p in products]}"
    )
    queries.assert_count(1, because="one SELECT reads every product")
    order_by = re.search(r"\bORDER BY\b(.*)$", one_line(queries.sql[0]), re.IGNORECASE)
    assert order_by and re.search(r"\bname\b.*\bid\b", order_by.group(1), re.IGNORECASE), (
        "the database should sort (ORDER BY name, then id): without the id in the ORDER BY, products "
        "sharing a name come back in whatever order the database finds them, which is not guaranteed; "
        f"sorting in Python is not the lesson either. The SQL sent:\n{queries.listing()}"
    )


@pytest.mark.task(1)
def test_all_products_are_objects_of_the_session(session: Session, shop_rows: int) -> None:
    products = select_statement.all_products(session)
    assert products, "all_products() returned nothing, but the shop has products"
    strangers = [
        p for p in products if not (isinstance(p, Product) and inspect(p).persistent and p in session)
    ]
    assert not strangers, (
        "the products should be loaded by the session (persistent objects in its identity map), not "
        f"built by hand from rows: {strangers[:3]}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("number", [1, 7, 30])
def test_product_by_sku_finds_that_product(session: Session, shop_rows: int, number: int) -> None:
    wanted = next(p for p in rows(session, Product) if p["id"] == number)
    product = select_statement.product_by_sku(session, wanted["sku"])
    assert isinstance(product, Product) and product.sku == wanted["sku"], (
        f"product_by_sku({wanted['sku']!r}) should return the Product with that sku, got {product!r}"
    )
    assert product.name == wanted["name"], f"that product is {wanted['name']!r}, got {product.name!r}"


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "sku",
    ["SKU-9999", "sku-0001", "SKU-0001' OR '1' = '1"],
    ids=["unknown", "wrong case", "a quote in the input"],
)
def test_product_by_sku_returns_none_without_a_match(
    session: Session, shop_rows: int, queries: Any, sku: str
) -> None:
    found = select_statement.product_by_sku(session, sku)
    assert found is None, (
        f"no product has the sku {sku!r} (= compares exactly, case included, on SQLite and PostgreSQL; "
        f"and the input is one value, bound as a parameter), so the answer is None, not {found!r}"
    )
    assert sku in queries.values_sent(), (
        f"the sku should travel as a bound parameter (where(Product.sku == sku)), not be pasted into the SQL:\n"
        f"{queries.listing()}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("customer_id", [1, 5, 20])
def test_customer_by_id_returns_that_customer(session: Session, shop_rows: int, customer_id: int) -> None:
    wanted = next(c for c in rows(session, Customer) if c["id"] == customer_id)
    customer = select_statement.customer_by_id(session, customer_id)
    assert isinstance(customer, Customer) and customer.id == customer_id, (
        f"customer_by_id({customer_id}) should return the Customer with that id, got {customer!r}"
    )
    assert customer.email == wanted["email"], (
        f"that customer's email is {wanted['email']!r}, got {customer.email!r}"
    )


@pytest.mark.task(3)
def test_customer_by_id_returns_none_for_an_unknown_id(session: Session, shop_rows: int) -> None:
    found = select_statement.customer_by_id(session, 10_000)
    assert found is None, f"there is no customer 10000: expected None, got {found!r}"


@pytest.mark.task(3)
def test_customer_by_id_asked_twice_goes_to_the_database_once(
    session: Session, shop_rows: int, queries: Any
) -> None:
    first = select_statement.customer_by_id(session, 4)
    queries.clear()
    second = select_statement.customer_by_id(session, 4)
    assert second is first, (
        "within one session, the same row is always the same object (the identity map): expected the very "
        f"object of the first call, got {second!r}"
    )
    queries.assert_count(
        0,
        because="customer 4 is already in the session's identity map after the first call; Session.get() looks "
        "there first, while a select() always asks the database again",
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_price_list_has_sku_name_and_price_of_every_product_by_sku(
    session: Session, shop_rows: int, queries: Any
) -> None:
    expected = sorted((p["sku"], p["name"], p["price"]) for p in rows(session, Product))
    queries.clear()
    got = [tuple(row) for row in select_statement.price_list(session)]
    assert got == expected, (
        "price_list() should return (sku, name, price) for every product, ordered by sku, the price as "
        f"the Decimal the column holds. Expected (first three) {expected[:3]}, got {got[:3]}"
        + ("" if len(got) == len(expected) else f"; expected {len(expected)} rows, got {len(got)}")
    )
    queries.assert_count(1, because="one SELECT of three columns")


@pytest.mark.task(4)
def test_price_list_reads_columns_and_loads_no_objects(
    session: Session, shop_rows: int, queries: Any
) -> None:
    with LoadWatch(session) as watch:
        select_statement.price_list(session)
    objects = watch.of(Product)
    assert not objects, (
        "price_list() should select the three columns (select(Product.sku, Product.name, Product.price)), "
        f"not whole Product objects (nor load_only() objects turned into tuples): {len(objects)} Product "
        "objects were loaded into the session"
    )
    sql = " ".join(queries.sql).lower()
    extra = [name for name in ("category", "weight_grams", "discontinued") if name in sql]
    assert not extra, (
        f"the SQL should read only sku, name and price; it also reads {extra}:\n{queries.listing()}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("country", ["France", "Spain", "Belgium", "Atlantis"])
def test_count_customers_counts_those_of_the_country(
    session: Session, shop_rows: int, queries: Any, country: str
) -> None:
    expected = sum(1 for c in rows(session, Customer) if c["country"] == country)
    queries.clear()
    got = select_statement.count_customers(session, country)
    assert got == expected, f"{expected} customers live in {country} (seed {shop_rows}), got {got!r}"
    assert country in queries.values_sent(), (
        f"the country should be a bound parameter, not pasted into the SQL:\n{queries.listing()}"
    )


@pytest.mark.task(5)
def test_count_customers_lets_the_database_count(session: Session, shop_rows: int, queries: Any) -> None:
    with LoadWatch(session) as watch:
        select_statement.count_customers(session, "France")
    assert not watch.of(Customer), (
        "count_customers() loaded Customer objects just to count them: let the database count "
        "(select(func.count()).select_from(Customer).where(...))"
    )
    queries.assert_count(1, because="one SELECT count(*) ... WHERE country = ?")
    assert re.search(r"\bcount\s*\(", queries.sql[0], re.IGNORECASE), (
        f"the statement should count in SQL (count(...)), not fetch the rows to count them in Python:\n"
        f"{queries.listing()}"
    )


# -- task 6 -------------------------------------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize("max_price", [Decimal("10.00"), Decimal("35.50"), Decimal("1.00")], ids=str)
def test_cheap_products_runs_the_given_sql_into_product_objects(
    session: Session, shop_rows: int, queries: Any, max_price: Decimal
) -> None:
    expected = [
        p["id"]
        for p in sorted(rows(session, Product), key=lambda p: (p["price"], p["id"]))
        if p["price"] <= max_price and not p["discontinued"]
    ]
    queries.clear()
    products = call_cheap_products(session, max_price)
    assert all(isinstance(p, Product) and inspect(p).persistent for p in products), (
        "cheap_products() should return Product objects of the session (select(Product).from_statement(...)), "
        f"not rows, nor objects built by hand; got {products[:3]}"
    )
    assert [p.id for p in products] == expected, (
        f"the given SQL returns the products on sale costing at most {max_price}, cheapest first: "
        f"expected ids {expected}, got {[p.id for p in products]}"
    )
    queries.assert_count(1, because="the given SELECT, once")


@pytest.mark.task(6)
def test_cheap_products_sends_the_sql_as_it_is_with_the_price_bound(
    session: Session, shop_rows: int, queries: Any
) -> None:
    max_price = Decimal("27.35")
    call_cheap_products(session, max_price)
    sent = [one_line(sql) for sql in queries.sql]
    given = one_line(select_statement.CHEAP_PRODUCTS_SQL)
    assert len(sent) == 1 and given.split(":max_price")[0] in sent[0], (
        "cheap_products() should run CHEAP_PRODUCTS_SQL itself (text(...) given to from_statement()), "
        f"not a select() rebuilt from it:\n{queries.listing()}"
    )
    assert "27.35" not in sent[0] and was_bound(max_price, queries.values_sent()), (
        "the price should be bound (text(...).bindparams(max_price=...)), not pasted into the SQL with an "
        f"f-string:\n{queries.listing()}"
    )
