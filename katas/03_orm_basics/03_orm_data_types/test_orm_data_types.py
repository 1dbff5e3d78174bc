"""Tests for kata 3.3, data types in the ORM. Run: pytest katas/03_orm_basics/03_orm_data_types

The tests create the tables from your `Base.metadata` at the start of each test (inside the
test's rolled-back transaction), store orders through a real Session, forget them
(`expunge_all()`) and load them again, so what they check is what the database gave back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import JSON, DateTime, Enum, Numeric, String, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import RelationshipDirection, Session

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

orm_data_types = learner_module(__file__, "orm_data_types")

PLACED = datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def make_tables(session: Session) -> None:
    """Create the learner's tables inside the test's transaction (in the test body, never a fixture)."""
    orm_data_types.Base.metadata.create_all(session.connection())


def new_order(**overrides: Any) -> Any:
    require(orm_data_types, "Order", "customer", "total", "placed_at", *overrides, task="tasks 1-3")
    values: dict[str, Any] = {"customer": "Ana", "total": Decimal("12.50"), "placed_at": PLACED}
    values.update(overrides)
    return orm_data_types.Order(**values)


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


def reload(session: Session, order: Any) -> Any:
    """Store the order, forget every object, and load it again from the database."""
    session.add(order)
    try:
        session.flush()
    except IntegrityError as error:
        said = str(error.orig)
    else:
        order_id = order.id
        session.expunge_all()
        return session.get(orm_data_types.Order, order_id)
    pytest.fail(
        "storing an order that gives only customer, total and placed_at (and what the test names) was refused: "
        "status should default to OrderStatus.NEW and details to {}, and note may be NULL. "
        f"The database said: {said}",
        pytrace=False,
    )


def column(name: str) -> Any:
    table = getattr(orm_data_types.Order, "__table__", None)
    assert table is not None, "Order is not mapped to a table yet (does it derive from Base?)"
    assert name in table.c, f"Order should map a column {name!r}; its columns are {list(table.c.keys())}"
    return table.c[name]


# -- task 1: nullability and column types ----------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("name", "nullable", "sql_type", "expected"),
    [
        ("customer", False, String, "a String(100)"),
        ("note", True, String, "unbounded text (Text)"),
        ("total", False, Numeric, "Numeric(12, 2)"),
        ("placed_at", False, DateTime, "DateTime(timezone=True)"),
        ("status", False, Enum, "an Enum of OrderStatus"),
        ("details", False, JSON, "JSON"),
    ],
)
def test_columns_have_the_right_type_and_nullability(
    name: str, nullable: bool, sql_type: type, expected: str
) -> None:
    col = column(name)
    assert col.nullable is nullable, (
        f"orders.{name} should be {'NULL' if nullable else 'NOT NULL'}: in a Mapped[...] annotation, "
        "`| None` (or Optional[...]) makes a column NULL-able, its absence makes it NOT NULL"
    )
    assert isinstance(col.type, sql_type), f"orders.{name} should be {expected}, not {col.type!r}"
    if name == "customer":
        assert col.type.length == 100, f"orders.customer should be String(100), not {col.type!r}"
    if name == "note":
        assert col.type.length is None, f"orders.note is free text of any length, not {col.type!r}"
    if name == "total":
        assert col.type.scale == 2 and col.type.precision == 12 and col.type.asdecimal, (
            f"orders.total should be Numeric(12, 2), giving Decimal values, not {col.type!r}"
        )
    if name == "placed_at":
        assert col.type.timezone, "orders.placed_at should be DateTime(timezone=True)"
    if name == "status":
        assert col.type.enum_class is orm_data_types.OrderStatus, (
            "orders.status should be an Enum of OrderStatus"
        )


# -- task 2: exact money, aware datetimes, enums ---------------------------------------------


@pytest.mark.task(2)
@given(total=st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2))
@settings(max_examples=25)
def test_totals_come_back_as_exactly_the_same_decimal(session: Session, total: Decimal) -> None:
    make_tables(session)
    with rolled_back(session):
        order = reload(session, new_order(total=total))
        assert isinstance(order.total, Decimal) and order.total == total, (
            f"a total of {total} should come back as exactly Decimal('{total}'), got {order.total!r}: "
            "Numeric with scale 2 keeps money exact, where Float would round it"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "placed_at",
    [PLACED, datetime(2025, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))],
    ids=["UTC", "UTC+05:30"],
)
def test_placed_at_keeps_its_timezone_on_postgresql_and_loses_it_on_sqlite(
    session: Session, placed_at: datetime
) -> None:
    make_tables(session)
    order = reload(session, new_order(placed_at=placed_at))
    if session.get_bind().dialect.name == "postgresql":
        assert order.placed_at.tzinfo is not None and order.placed_at == placed_at, (
            f"on PostgreSQL, DateTime(timezone=True) is TIMESTAMP WITH TIME ZONE: {placed_at.isoformat()} "
            f"should come back as an aware datetime for the same instant, got {order.placed_at!r}"
        )
    else:
        # SQLite stores the wall-clock time as text and drops the offset: store UTC times there.
        assert order.placed_at == placed_at.replace(tzinfo=None), (
            f"on SQLite the datetime comes back naive with the same wall-clock time "
            f"({placed_at.replace(tzinfo=None)}), got {order.placed_at!r}"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("status", ["PAID", "SHIPPED", "CANCELLED"])
def test_status_is_stored_by_name_and_loaded_as_the_enum(session: Session, status: str) -> None:
    make_tables(session)
    member = orm_data_types.OrderStatus[status]
    order = reload(session, new_order(status=member))
    stored = session.execute(text("SELECT status FROM orders WHERE id = :id"), {"id": order.id}).scalar_one()
    assert stored == status, (
        f"OrderStatus.{status} should be stored as its name {status!r} (what Mapped[OrderStatus] does by "
        f"default), the table holds {stored!r}"
    )
    assert order.status is member, (
        f"the loaded order's status should be OrderStatus.{status}, got {order.status!r}"
    )


@pytest.mark.task(2)
def test_a_new_order_is_new_and_may_have_no_note(session: Session) -> None:
    make_tables(session)
    order = reload(session, new_order())
    assert order.status is orm_data_types.OrderStatus.NEW, (
        f"an order created without a status should be OrderStatus.NEW, got {order.status!r}"
    )
    assert order.note is None, f"an order without a note should load with note None, got {order.note!r}"


# -- task 3: JSON ---------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "details",
    [None, {"gift": True, "wrap": "red"}, {"coupon": {"code": "TEA10", "percent": 10}, "tags": ["a", "b"]}],
    ids=["not given", "flat", "nested"],
)
def test_details_round_trip_as_json(session: Session, details: dict[str, Any] | None) -> None:
    make_tables(session)
    order = reload(session, new_order() if details is None else new_order(details=details))
    expected = {} if details is None else details
    assert order.details == expected, (
        f"details should come back as the same dict ({expected}; an empty dict when the code does not say), "
        f"got {order.details!r}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(("key", "value"), [("gift", True), ("wrap", "blue"), ("gift", {"to": "Ben"})])
def test_set_detail_is_saved(session: Session, key: str, value: Any) -> None:
    make_tables(session)
    order = reload(session, new_order(details={"gift": False}))
    order_id = order.id
    orm_data_types.set_detail(order, key, value)
    session.commit()
    session.expunge_all()
    again = session.get(orm_data_types.Order, order_id)
    expected = {"gift": False, key: value}
    assert again.details == expected, (
        f"after set_detail(order, {key!r}, {value!r}) and a commit, the stored details should be {expected}, "
        f"got {again.details}. Changing the dict in place is invisible to a plain JSON column: assign a new "
        "dict, or make the column MutableDict.as_mutable(JSON)"
    )


@pytest.mark.task(3)
def test_orders_created_without_details_do_not_share_one_dict(session: Session) -> None:
    make_tables(session)
    first = new_order(customer="Ana")
    session.add(first)
    session.flush()
    orm_data_types.set_detail(first, "gift", True)
    session.commit()
    second = new_order(customer="Ben")
    session.add(second)
    session.flush()
    second_id = second.id
    session.expunge_all()
    again = session.get(orm_data_types.Order, second_id)
    assert again.details == {}, (
        f"a second order created without details should be stored with {{}}, got {again.details!r}: the first "
        "order's set_detail() changed the dict the second order started from. default={} is ONE dict shared by "
        "every row; default=dict makes a new one each time"
    )


# -- task 4: a relationship's annotation ----------------------------------------------------


@pytest.mark.task(4)
def test_order_lines_is_a_collection_and_line_order_a_single_object() -> None:
    relationships = inspect(orm_data_types.Order).relationships
    assert "lines" in relationships, "Order should have a relationship `lines`"
    lines = relationships["lines"]
    assert lines.uselist and lines.direction is RelationshipDirection.ONETOMANY, (
        "Order.lines should be a one-to-many collection: annotate it Mapped[list[OrderLine]]"
    )
    back = inspect(orm_data_types.OrderLine).relationships
    assert (
        "order" in back
        and not back["order"].uselist
        and back["order"].direction is RelationshipDirection.MANYTOONE
    ), "OrderLine.order should be a single Order (many-to-one): annotate it Mapped[Order]"
    order_id = orm_data_types.OrderLine.__table__.c.order_id
    assert [fk.target_fullname for fk in order_id.foreign_keys] == ["orders.id"] and not order_id.nullable, (
        "order_lines.order_id should be a NOT NULL foreign key to orders.id"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("skus", [["TEA-1"], ["TEA-1", "MUG-2", "COF-3"]], ids=["one line", "three lines"])
def test_lines_added_to_an_order_are_stored_with_it(session: Session, skus: list[str]) -> None:
    make_tables(session)
    order = new_order()
    line = require(orm_data_types, "OrderLine", "sku", "quantity", task="task 4")
    require(orm_data_types, "Order", "lines", task="task 4")
    lines = [line(sku=sku, quantity=i + 1) for i, sku in enumerate(skus)]
    for line in lines:
        order.lines.append(line)
    assert all(line.order is order for line in lines), (
        "appending a line to order.lines should set line.order too, before any flush (back_populates on both sides)"
    )
    again = reload(session, order)
    stored = sorted((line.sku, line.quantity) for line in again.lines)
    assert stored == sorted((sku, i + 1) for i, sku in enumerate(skus)), (
        f"the order's lines should be stored with it (their order_id set by the flush), got {stored}"
    )
