"""Tests for kata 3.5, creating objects. Run: pytest katas/03_orm_basics/05_creating_objects

The tables are created (from the tests' own copy of the schema) and seeded with one customer,
Ana, inside the test's transaction. In this fixture the session runs inside a savepoint: a
`session.commit()` shows up as RELEASE SAVEPOINT, which is how the tests notice a commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

creating_objects = learner_module(__file__, "creating_objects")

# The tests' own copy of the schema (the same as the given models), to create the tables.
schema = MetaData()
customers = Table(
    "customers",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("email", String(200), nullable=False, unique=True),
    Column("loyalty_points", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
orders = Table(
    "orders",
    schema,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("status", String(20), nullable=False, server_default="open"),
)


@pytest.fixture
def shop(connection: Connection, session: Session) -> Session:
    """The tables and one customer (Ana, ana@example.org), inside the test's rolled-back transaction."""
    schema.create_all(connection)
    connection.execute(insert(customers), {"name": "Ana", "email": "ana@example.org", "loyalty_points": 7})
    return session


def committed_in(queries: Any) -> bool:
    return any(s.sql.lstrip().upper().startswith("RELEASE") for s in queries.all_statements)


def customer_rows(connection: Connection | Session) -> dict[str, dict[str, Any]]:
    return {row["email"]: dict(row) for row in connection.execute(select(customers)).mappings()}


def inserts(queries: Any) -> list[Any]:
    return queries.matching(r"^\s*INSERT")


# -- task 1: create_customer ----------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(("name", "email"), [("Ben", "ben@example.org"), ("Cy O'Neil", "cy@example.org")])
def test_create_customer_flushes_and_knows_the_generated_values(
    shop: Session, queries: Any, name: str, email: str
) -> None:
    customer = creating_objects.create_customer(shop, name, email)
    assert inspect(customer).persistent, (
        "create_customer() should add the customer and flush: it is then persistent, its row INSERTed; "
        f"got a {'pending' if inspect(customer).pending else 'transient'} object"
    )
    queries.clear()
    generated = (customer.id, customer.loyalty_points, customer.created_at)
    assert queries.count == 0, (
        "after create_customer() the id, the default loyalty_points and the server's created_at should already "
        "be loaded (the flush brings them back); reading them sent:\n" + queries.listing()
    )
    assert isinstance(generated[0], int) and generated[1] == 0 and isinstance(generated[2], datetime), (
        f"expected an integer id, loyalty_points 0 and a created_at datetime, got {generated}"
    )
    with queries.paused():
        row = customer_rows(shop).get(email)
    assert row is not None and row["id"] == customer.id and row["name"] == name, (
        f"the customers table should have {name}'s row, with the object's id, in the current transaction: {row}"
    )


@pytest.mark.task(1)
def test_create_customer_leaves_the_commit_to_the_caller(shop: Session, queries: Any) -> None:
    customer = creating_objects.create_customer(shop, "Ben", "ben@example.org")
    assert not committed_in(queries), "create_customer() should not commit: the caller owns the transaction"
    shop.rollback()  # the caller changes its mind
    assert inspect(customer).transient, (
        "after the caller's rollback, the customer that was only flushed should be transient again "
        f"(not stored), but it is {'persistent' if inspect(customer).persistent else 'detached'}"
    )
    assert "ben@example.org" not in customer_rows(shop), (
        "after the caller's rollback, Ben's row should be gone"
    )


# -- task 2: import_customers ---------------------------------------------------------------

names = st.text(
    st.characters(min_codepoint=32, max_codepoint=0x24F, exclude_categories=("Cs",)), min_size=1, max_size=30
)
local_parts = st.text("abcdefghijklmnopqrstuvwxyz0123456789._", min_size=1, max_size=12)
people_lists = st.lists(
    st.tuples(names, local_parts.map(lambda local: f"{local}@example.com")),
    max_size=12,
    unique_by=lambda p: p[1],
)


@pytest.mark.task(2)
@given(people=people_lists)
def test_import_customers_stores_everyone_in_one_flush(
    shop: Session, queries: Any, people: list[tuple[str, str]]
) -> None:
    flushes: list[int] = []

    def count_flush(*_: Any) -> None:
        flushes.append(1)

    event.listen(shop, "after_flush", count_flush)
    try:
        with rolled_back(shop):
            queries.clear()
            ids = creating_objects.import_customers(shop, people)
            sent = inserts(queries)
            with queries.paused():
                rows = customer_rows(shop)
            expected = {email: name for name, email in people}
            assert dict(ids).keys() == expected.keys(), (
                f"import_customers() should return {{email: id}} for the {len(people)} customers given; "
                f"got the emails {sorted(dict(ids))}"
            )
            wrong = {
                e: (rows.get(e, {}).get("id"), i) for e, i in ids.items() if rows.get(e, {}).get("id") != i
            }
            assert not wrong, (
                f"the returned ids should be those of the stored rows (email: (stored, returned)): {wrong}"
            )
            assert all(rows[e]["name"] == n for e, n in expected.items()), (
                "every customer should be stored with its name"
            )
            assert len(flushes) <= 1, (
                f"{len(people)} customers should be added together (add_all) and sent in ONE flush, not flushed "
                f"one by one: the session flushed {len(flushes)} times"
            )
            if shop.get_bind().dialect.name == "postgresql":
                assert len(sent) <= 1, (
                    f"on PostgreSQL one flush sends the {len(people)} customers as ONE batched INSERT ... "
                    f"RETURNING; sent {len(sent)}:\n" + queries.listing(5)
                )
            assert not committed_in(queries), (
                "import_customers() should not commit: the caller owns the transaction"
            )
    finally:
        event.remove(shop, "after_flush", count_flush)


# -- task 3: open_first_order ---------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("total_cents", [450, 12990])
def test_open_first_order_links_the_order_to_the_new_customer(
    shop: Session, queries: Any, total_cents: int
) -> None:
    order = creating_objects.open_first_order(shop, "Ben", "ben@example.org", total_cents)
    assert not committed_in(queries), "open_first_order() should not commit: the caller owns the transaction"
    assert inspect(order).persistent, "open_first_order() should flush: the order is then persistent"
    queries.clear()
    known = (order.id, order.customer_id, order.status)
    assert queries.count == 0 and isinstance(known[0], int), (
        "the returned order's id, customer_id and status should be known after the flush, without more SQL; "
        f"got {known}, and reading them sent:\n{queries.listing()}"
    )
    with queries.paused():
        ben = customer_rows(shop).get("ben@example.org")
        stored = shop.execute(select(orders).where(orders.c.id == order.id)).mappings().one_or_none()
    assert ben is not None, "open_first_order() should store the new customer too"
    assert stored is not None and stored["customer_id"] == ben["id"] == order.customer_id, (
        f"the order should belong to the new customer (id {ben['id']}): the stored order is {stored}, "
        f"order.customer_id is {order.customer_id}"
    )
    assert stored["total_cents"] == total_cents and order.status == "open", (
        f"the order should have total_cents {total_cents} and the table's default status 'open', got "
        f"{stored['total_cents']} and {order.status!r}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(("name", "email"), [("Ben", "ben@example.org"), ("Dee O'Hara", "dee@example.org")])
def test_open_first_order_navigates_both_ways(shop: Session, name: str, email: str) -> None:
    order = creating_objects.open_first_order(shop, name, email, 990)
    customer = order.customer
    assert customer is not None and (customer.name, customer.email) == (name, email), (
        f"order.customer should be the new customer {name} <{email}>, got {customer!r}"
    )
    assert isinstance(customer.id, int) and customer.id == order.customer_id, (
        "the customer should have its id, the one stored in order.customer_id"
    )
    assert order in customer.orders, "the new order should be among customer.orders"


# -- task 4: register_if_new ----------------------------------------------------------------


@pytest.mark.task(4)
def test_register_if_new_creates_a_new_customer(shop: Session) -> None:
    customer = creating_objects.register_if_new(shop, "Ben", "ben@example.org")
    assert customer is not None and inspect(customer).persistent and isinstance(customer.id, int), (
        f"register_if_new() with a new email should return the flushed customer, got {customer!r}"
    )
    assert "ben@example.org" in customer_rows(shop), "Ben should be stored"


@pytest.mark.task(4)
@pytest.mark.parametrize("flush_first", [False, True], ids=["callers work pending", "callers work flushed"])
def test_register_if_new_refusal_keeps_the_callers_other_work(
    shop: Session, queries: Any, flush_first: bool
) -> None:
    # The caller is in the middle of something: a customer added (maybe flushed), not committed.
    cy = creating_objects.Customer(name="Cy", email="cy@example.org")
    shop.add(cy)
    if flush_first:
        shop.flush()
    queries.clear()
    refused = creating_objects.register_if_new(shop, "Ana again", "ana@example.org")
    assert refused is None, f"register_if_new() with Ana's email should return None, got {refused!r}"
    assert cy in shop and not inspect(cy).transient, (
        "a refused email should not undo the caller's other work: Cy, added before the call, should still be "
        "in the session. session.rollback() throws away the whole transaction; a savepoint "
        "(session.begin_nested()) rolls back only the failed INSERT"
    )
    shop.flush()
    rows = customer_rows(shop)
    assert set(rows) == {"ana@example.org", "cy@example.org"} and rows["ana@example.org"]["name"] == "Ana", (
        f"after the refusal the table should hold Ana (unchanged) and Cy, and nothing else: {sorted(rows)}"
    )
    assert not committed_in(queries), "register_if_new() should not commit"


@pytest.mark.task(4)
def test_register_if_new_lets_the_database_decide_when_someone_registers_meanwhile(
    connection: Connection, shop: Session
) -> None:
    """Another request registers the same email between any check you make and your INSERT."""
    raced = False

    def another_request(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        nonlocal raced
        if not raced and statement.lstrip().upper().startswith("INSERT INTO CUSTOMERS"):
            raced = True
            cursor.execute("INSERT INTO customers (name, email, loyalty_points) VALUES ('Dee', 'dee@example.org', 0)")

    event.listen(connection, "before_cursor_execute", another_request)
    try:
        try:
            got = creating_objects.register_if_new(shop, "Dee too", "dee@example.org")
        except IntegrityError as error:
            pytest.fail(
                "someone registered dee@example.org just before your INSERT, and the IntegrityError came out of "
                "register_if_new(): checking first (a SELECT) cannot see a registration that lands after the "
                "check. Let the database's unique constraint decide: flush inside a savepoint and catch the "
                f"IntegrityError. The database said: {str(error.orig).splitlines()[0]}"
            )
    finally:
        event.remove(connection, "before_cursor_execute", another_request)
    assert raced, "register_if_new() should send the customer's INSERT (flush)"
    assert got is None, (
        f"dee@example.org was taken by the time the INSERT ran: register_if_new() should return None, not {got!r}"
    )


@pytest.mark.task(4)
def test_register_if_new_lets_errors_other_than_a_taken_email_through(shop: Session) -> None:
    # A database nobody migrated: no customers table. A bug to report, not a taken email.
    shop.execute(text("DROP TABLE orders"))
    shop.execute(text("DROP TABLE customers"))
    try:
        got = creating_objects.register_if_new(shop, "Ben", "ben@example.org")
    except IntegrityError as error:
        pytest.fail(f"a missing table is not a taken email, yet an IntegrityError came out: {error.orig}")
    except DBAPIError:
        return
    pytest.fail(
        f"register_if_new() returned {got!r} although the customers table does not exist: only a refused "
        "INSERT (IntegrityError) means the email is taken. Catch IntegrityError, not Exception or "
        "DBAPIError, and let every other error reach the caller."
    )
