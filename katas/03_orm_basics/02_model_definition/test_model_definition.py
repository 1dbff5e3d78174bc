"""Tests for kata 3.2, model definition. Run: pytest katas/03_orm_basics/02_model_definition

The tests create the tables from your `Base.metadata` at the start of each test (inside the
test's rolled-back transaction), then insert rows through the ORM and, for the server-side
defaults, with plain SQL that bypasses the ORM.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTable

from fixtures.target import learner_module

model_definition = learner_module(__file__, "model_definition")


def make_tables(session: Session) -> None:
    """Create the learner's tables inside the test's transaction (in the test body, never a fixture)."""
    model_definition.Base.metadata.create_all(session.connection())


def product(**overrides: Any) -> Any:
    require(model_definition, "Product", "sku", "name", "category", "price_cents", task="task 1")
    values: dict[str, Any] = {"sku": "TEA-1", "name": "Green tea", "category": "Tea", "price_cents": 450}
    values.update(overrides)
    return model_definition.Product(**values)


def require(module: Any, model_name: str, *names: str, task: str) -> Any:
    """The model class, after checking that it maps these attributes (a readable failure if not)."""
    __tracebackhide__ = True
    model = getattr(module, model_name)
    mapped = set(inspect(model).attrs.keys()) if hasattr(model, "__mapper__") else set()
    missing = [name for name in dict.fromkeys(names) if name not in mapped]
    if missing:
        pytest.fail(
            f"{model_name} does not map {', '.join(missing)} yet ({task}): this test builds {model_name} "
            "objects with them",
            pytrace=False,
        )
    return model


def refused(session: Session, obj: Any, what: str) -> None:
    """Adding obj must fail at flush; a savepoint undoes the attempt (and forgets obj)."""
    __tracebackhide__ = True
    try:
        with session.begin_nested():
            session.add(obj)
            session.flush()
    except IntegrityError:
        return
    pytest.fail(f"the database accepted {what}", pytrace=False)


def accepted(session: Session, what: str) -> None:
    """Flushing must succeed: the rows are allowed; a refusal names the rule that is too strict."""
    __tracebackhide__ = True
    try:
        session.flush()
        return
    except IntegrityError as error:
        said = str(error.orig)
    pytest.fail(f"the database refused {what}. It said: {said}", pytrace=False)


# -- task 1: table name and primary keys -----------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("skus", [["TEA-1"], ["TEA-1", "COF-7", "MUG-2"]], ids=["one", "three"])
def test_products_get_their_ids_from_the_database(session: Session, skus: list[str]) -> None:
    make_tables(session)
    products = [product(sku=sku, name=f"Product {sku}") for sku in skus]
    session.add_all(products)
    session.flush()
    ids = [p.id for p in products]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == len(ids), (
        f"products.id should be an integer primary key that the database fills in on INSERT; got ids {ids}"
    )
    assert [c.name for c in inspect(model_definition.Product).primary_key] == ["id"], (
        "Product's primary key should be the single column id"
    )


@pytest.mark.task(1)
def test_sku_is_unique(session: Session) -> None:
    make_tables(session)
    session.add(product(sku="TEA-1", name="Green tea"))
    session.flush()
    refused(
        session,
        product(sku="TEA-1", name="Black tea"),
        "two products with the same sku: products.sku should be UNIQUE",
    )


@pytest.mark.task(1)
def test_price_changes_have_a_composite_primary_key(session: Session) -> None:
    price_change = require(model_definition, "PriceChange", "product_id", "changed_on", "price_cents", task="task 1")
    keys = sorted(c.name for c in inspect(price_change).primary_key)
    assert keys == ["changed_on", "product_id"], (
        f"price_changes' primary key should be (product_id, changed_on) together, not {keys}"
    )
    make_tables(session)
    tea, coffee = (
        product(sku="TEA-1", name="Green tea"),
        product(sku="COF-1", name="Coffee", category="Coffee"),
    )
    session.add_all([tea, coffee])
    session.flush()
    day = date(2025, 5, 1)
    # The same day for two products, and two days for one product: all allowed.
    session.add_all(
        [
            price_change(product_id=tea.id, changed_on=day, price_cents=500),
            price_change(product_id=coffee.id, changed_on=day, price_cents=900),
            price_change(product_id=tea.id, changed_on=date(2025, 6, 1), price_cents=520),
        ]
    )
    accepted(session, "the same day for two products and two days for one product (only the pair is unique)")
    tea_id = tea.id
    session.expunge_all()  # else the session itself would refuse the duplicate key, before the database
    refused(
        session,
        price_change(product_id=tea_id, changed_on=day, price_cents=510),
        "two price changes for the same product on the same day: the pair is the primary key",
    )
    refused(
        session,
        price_change(product_id=424242, changed_on=day, price_cents=1),
        "a price change of a product that does not exist: product_id references products.id",
    )


# -- task 2: defaults -----------------------------------------------------------------------


@pytest.mark.task(2)
def test_stock_defaults_to_zero_when_the_code_does_not_say(session: Session) -> None:
    make_tables(session)
    tea = product()
    session.add(tea)
    session.flush()
    stored = session.execute(text("SELECT stock FROM products WHERE id = :id"), {"id": tea.id}).scalar_one()
    assert stored == 0 and tea.stock == 0, (
        f"a product created without a stock should be stored with stock 0 (got {stored!r} in the table, "
        f"{tea.stock!r} on the object): give the column a default"
    )
    assert model_definition.Product.__table__.c.stock.nullable is False, "products.stock should be NOT NULL"


@pytest.mark.task(2)
@pytest.mark.parametrize("column", ["status", "created_at"])
def test_server_defaults_are_part_of_the_table_definition(session: Session, column: str) -> None:
    table = model_definition.Product.__table__
    assert column in table.c, f"Product has no column {column!r}"
    ddl = str(CreateTable(table).compile(dialect=session.get_bind().dialect))
    line = next((ln.strip() for ln in ddl.splitlines() if ln.strip().startswith(column + " ")), "")
    assert " DEFAULT " in f" {line} ", (
        f"CREATE TABLE products should give {column} a DEFAULT, so that the database itself fills it in "
        f"(server_default=...); default=... is applied by SQLAlchemy only. The DDL says: {line!r}"
    )
    assert table.c[column].nullable is False, f"products.{column} should be NOT NULL"


@pytest.mark.task(2)
@pytest.mark.parametrize("sku", ["TEA-1", "COF-9"])
def test_server_defaults_fill_rows_inserted_without_the_orm(session: Session, sku: str) -> None:
    require(model_definition, "Product", "sku", "name", "category", "price_cents", "stock", task="tasks 1-2")
    make_tables(session)
    # Another program (a script, psql, a different service) inserts a row with plain SQL.
    try:
        with session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO products (sku, name, category, price_cents, stock) "
                    "VALUES (:sku, 'Imported', 'Misc', 100, 5)"
                ),
                {"sku": sku},
            )
    except IntegrityError as error:
        pytest.fail(
            "a plain INSERT that leaves out status and created_at was refused: the table itself has no "
            "DEFAULT for them (default=... only helps SQLAlchemy's own INSERTs; server_default=... is in "
            f"CREATE TABLE). The database said: {error.orig}",
            pytrace=False,
        )
    row = session.execute(
        text("SELECT status, created_at FROM products WHERE sku = :sku"), {"sku": sku}
    ).one()
    assert row.status == "active", (
        f"a row inserted without the ORM should get status 'active' from the table's DEFAULT, got {row.status!r}"
    )
    assert row.created_at is not None, (
        "a row inserted without the ORM should get created_at from the database's clock"
    )


@pytest.mark.task(2)
def test_orm_objects_see_the_server_defaults_after_flush(session: Session) -> None:
    make_tables(session)
    tea = product()
    session.add(tea)
    session.flush()
    # The database chose these values: the ORM loads them when they are read.
    assert tea.status == "active", (
        f"after the flush, the new product's status should be 'active', got {tea.status!r}"
    )
    assert isinstance(tea.created_at, datetime), (
        f"after the flush, created_at should be the database's timestamp, got {tea.created_at!r}"
    )


# -- task 3: __table_args__ -----------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("price", [-1, -450])
def test_a_negative_price_is_refused_by_the_database(session: Session, price: int) -> None:
    make_tables(session)
    session.add(product(price_cents=0))
    accepted(session, "a price of 0 cents (a free sample): only negative prices are forbidden")
    refused(
        session,
        product(sku="TEA-2", name="Black tea", price_cents=price),
        f"a price of {price} cents: a CHECK (price_cents >= 0) should refuse it",
    )


@pytest.mark.task(3)
def test_a_name_is_unique_within_its_category(session: Session) -> None:
    make_tables(session)
    session.add_all(
        [product(sku="TEA-1", name="Sampler"), product(sku="COF-1", name="Sampler", category="Coffee")]
    )
    accepted(session, "the name 'Sampler' in two different categories: a name is unique only within its category")
    refused(
        session,
        product(sku="TEA-2", name="Sampler"),
        "two products named 'Sampler' in the category 'Tea': (category, name) should be UNIQUE",
    )


@pytest.mark.task(3)
def test_category_is_indexed(session: Session) -> None:
    make_tables(session)
    indexes = inspect(session.connection()).get_indexes("products")
    assert any(index["column_names"] == ["category"] for index in indexes), (
        "the shop lists products by category: products.category should have an index of its own "
        f"(Index(..., 'category') in __table_args__, or index=True). Indexes found: {indexes}"
    )


# -- task 4: __repr__ -----------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("sku", "name"), [("TEA-1", "Green tea"), ("COF-42", "House blend")])
def test_repr_names_the_class_the_id_and_the_sku(session: Session, sku: str, name: str) -> None:
    make_tables(session)
    item = product(sku=sku, name=name)
    before = repr(item)
    assert "Product" in before and sku in before, (
        f"repr() of a new product should name the class and its sku, e.g. Product(id=None, sku={sku!r}, ...); "
        f"got {before}"
    )
    session.add(item)
    session.flush()
    after = repr(item)
    without_sku = after.replace(sku, "")  # so that the 1 of 'TEA-1' does not pass for id 1
    assert "Product" in after and sku in after and str(item.id) in without_sku and " object at 0x" not in after, (
        f"repr() of a stored product should show the class, its id ({item.id}) and sku ({sku!r}), not {after}"
    )
    price_change = require(model_definition, "PriceChange", "product_id", "changed_on", "price_cents", task="task 1")
    change = price_change(product_id=item.id, changed_on=date(2025, 1, 31), price_cents=999)
    shown = repr(change)
    assert "PriceChange" in shown and ("2025-01-31" in shown or "2025, 1, 31" in shown) and "999" in shown, (
        f"repr() of a price change should show the class, the day and the price, got {shown}"
    )
