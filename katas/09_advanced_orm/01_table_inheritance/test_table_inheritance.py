"""Tests for kata 9.1, table inheritance. Run: pytest katas/09_advanced_orm/01_table_inheritance"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, insert, inspect, select
from sqlalchemy.orm import Session

from fixtures.target import learner_module

table_inheritance = learner_module(__file__, "table_inheritance")

# The tests' own description of the tables the models should create: used to seed rows and read
# them back with Core, whatever the models do.
schema = MetaData()
employees = Table(
    "employees",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100)),
    Column("type", String(20)),
    Column("budget_cents", Integer),
    Column("language", String(50)),
)
payments = Table(
    "payments",
    schema,
    Column("id", Integer, primary_key=True),
    Column("amount_cents", Integer),
    Column("kind", String(20)),
)
card_payments = Table(
    "card_payments", schema, Column("id", ForeignKey("payments.id"), primary_key=True), Column("last4", String(4))
)
bank_transfers = Table(
    "bank_transfers", schema, Column("id", ForeignKey("payments.id"), primary_key=True), Column("iban", String(34))
)
email_notifications = Table(
    "email_notifications",
    schema,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(100)),
    Column("body", String(500)),
    Column("subject", String(200)),
)
sms_notifications = Table(
    "sms_notifications",
    schema,
    Column("id", Integer, primary_key=True),
    Column("recipient", String(100)),
    Column("body", String(500)),
    Column("sender_id", String(11)),
)

STAFF = [
    {"id": 1, "name": "Ada", "type": "engineer", "budget_cents": None, "language": "Python"},
    {"id": 2, "name": "Bo", "type": "manager", "budget_cents": 500_000, "language": None},
    {"id": 3, "name": "Cy", "type": "employee", "budget_cents": None, "language": None},
    {"id": 4, "name": "Di", "type": "engineer", "budget_cents": None, "language": "Rust"},
    {"id": 5, "name": "Ed", "type": "manager", "budget_cents": 120_000, "language": None},
]
CLASS_OF_TYPE = {"employee": "Employee", "manager": "Manager", "engineer": "Engineer"}
PAYMENTS = [  # (id, amount, kind, detail)
    (1, 1500, "card", "4242"),
    (2, 99_000, "transfer", "DE89370400440532013000"),
    (3, 250, "card", "0005"),
    (4, 7000, "transfer", "FR1420041010050500013M02606"),
    (5, 1200, "card", "3000"),
    (6, 800, "payment", None),
]
CLASS_OF_KIND = {"card": "CardPayment", "transfer": "BankTransfer", "payment": "Payment"}


def make_tables(session: Session) -> None:
    """Create the learner's tables (inside the test, so a broken model fails the test, not its set-up)."""
    table_inheritance.Base.metadata.create_all(session.connection())
    # Configure the mappers now, as an application does before its first query: an AbstractConcreteBase
    # is mapped (its UNION built) only then, and without this a test run alone would depend on an
    # earlier test having configured them.
    table_inheritance.Base.registry.configure()


def require_columns(session: Session, table: str, columns: set[str], task: int) -> None:
    """Fail with a sentence (not a driver error) when the learner's tables cannot take the seed rows."""
    found = column_names(session, table) if table in table_names(session) else set()
    missing = columns - found
    if missing:
        pytest.fail(
            f"the models should create the table {table} with the columns {sorted(columns)} (task {task}); "
            f"it is missing {sorted(missing)}",
            pytrace=False,
        )


def seed_staff(session: Session) -> None:
    require_columns(session, "employees", {"id", "name", "type", "budget_cents", "language"}, 1)
    session.execute(insert(employees), STAFF)


def seed_payments(session: Session) -> None:
    require_columns(session, "payments", {"id", "amount_cents", "kind"}, 2)
    require_columns(session, "card_payments", {"id", "last4"}, 2)
    require_columns(session, "bank_transfers", {"id", "iban"}, 2)
    session.execute(insert(payments), [{"id": i, "amount_cents": a, "kind": k} for i, a, k, _ in PAYMENTS])
    session.execute(insert(card_payments), [{"id": i, "last4": d} for i, _, k, d in PAYMENTS if k == "card"])
    session.execute(insert(bank_transfers), [{"id": i, "iban": d} for i, _, k, d in PAYMENTS if k == "transfer"])


def table_names(session: Session) -> set[str]:
    return set(inspect(session.connection()).get_table_names())


def column_names(session: Session, table: str) -> set[str]:
    return {c["name"] for c in inspect(session.connection()).get_columns(table)}


def kinds_of(objects: Any) -> list[tuple[Any, str]]:
    return [(getattr(o, "id", None), type(o).__name__) for o in objects]


def assert_ordered_by_the_database(queries: Any, what: str) -> None:
    """SQLite reads these tables in id order whatever the query says (the id is the rowid), so a
    missing ORDER BY passes on the data: check the statement asked for the order."""
    sql = " ".join(queries.sql[-1].split())
    assert re.search(r"\bORDER BY\b[^()]*$", sql, re.IGNORECASE), (
        f"{what} should come by id because the SELECT says so (order_by(...)): without an ORDER BY the rows "
        f"come in whatever order the database reads them, by chance the id order on SQLite.\n{queries.listing()}"
    )


# -- task 1: single table ---------------------------------------------------------------------


@pytest.mark.task(1)
def test_single_table_hierarchy_is_one_employees_table(session: Session) -> None:
    make_tables(session)
    m = table_inheritance
    assert m.Manager.__table__ is m.Employee.__table__ and m.Engineer.__table__ is m.Employee.__table__, (
        "single-table inheritance keeps Manager and Engineer in Employee's table: the subclasses must "
        "not declare a __tablename__ of their own"
    )
    tables = table_names(session)
    assert "employees" in tables and not {"managers", "engineers"} & tables, (
        f"expected one table, employees, for the staff hierarchy; the database has {sorted(tables)}"
    )
    columns = column_names(session, "employees")
    assert {"id", "name", "type", "budget_cents", "language"} <= columns, (
        "the employees table should hold every class's columns (type, budget_cents, language): "
        f"it has {sorted(columns)}"
    )


@pytest.mark.task(1)
def test_saving_staff_stores_the_discriminator_of_each_class(session: Session) -> None:
    make_tables(session)
    m = table_inheritance
    session.add_all(
        [
            m.Manager(name="Mo", budget_cents=90_000),
            m.Engineer(name="Eli", language="Go"),
            m.Employee(name="Pat"),
        ]
    )
    session.flush()
    rows = {r.name: (r.type, r.budget_cents, r.language) for r in session.execute(select(employees))}
    expected = {"Mo": ("manager", 90_000, None), "Eli": ("engineer", None, "Go"), "Pat": ("employee", None, None)}
    assert rows == expected, (
        "each object should become one row of employees whose `type` names its class "
        f"('manager', 'engineer', 'employee'): expected {expected}, got {rows}"
    )


@pytest.mark.task(1)
def test_querying_employees_returns_managers_and_engineers(session: Session) -> None:
    make_tables(session)
    seed_staff(session)
    m = table_inheritance
    got = kinds_of(session.scalars(select(m.Employee).order_by(m.Employee.id)))
    expected = [(row["id"], CLASS_OF_TYPE[row["type"]]) for row in STAFF]
    assert got == expected, (
        "select(Employee) is polymorphic: each row comes back as the class its `type` names. "
        f"Expected (id, class) {expected}, got {got}"
    )
    bo = session.get(m.Employee, 2)
    assert getattr(bo, "budget_cents", None) == 500_000, "Bo, a manager, should have his budget_cents loaded"


@pytest.mark.task(1)
def test_querying_a_subclass_returns_only_its_rows(session: Session, queries: Any) -> None:
    make_tables(session)
    seed_staff(session)
    m = table_inheritance
    queries.clear()
    managers = session.scalars(select(m.Manager).order_by(m.Manager.id)).all()
    assert [x.name for x in managers] == ["Bo", "Ed"], (
        "select(Manager) on a single table must add WHERE type IN ('manager') by itself: expected "
        f"Bo and Ed, got {[x.name for x in managers]}"
    )
    engineers = session.scalars(select(m.Engineer).order_by(m.Engineer.id)).all()
    assert [(x.name, x.language) for x in engineers] == [("Ada", "Python"), ("Di", "Rust")], (
        f"select(Engineer) should return Ada and Di with their languages, got {[(x.name, x.language) for x in engineers]}"
    )


# -- task 2: joined tables --------------------------------------------------------------------


@pytest.mark.task(2)
def test_joined_hierarchy_has_a_parent_table_and_one_per_subclass(session: Session) -> None:
    make_tables(session)
    tables = table_names(session)
    assert {"payments", "card_payments", "bank_transfers"} <= tables, (
        f"joined inheritance: payments, card_payments and bank_transfers should exist; the database has {sorted(tables)}"
    )
    assert column_names(session, "card_payments") == {"id", "last4"}, (
        "card_payments should hold only the subclass's own columns (id, last4): amount_cents and kind "
        f"live in payments. It has {sorted(column_names(session, 'card_payments'))}"
    )
    assert column_names(session, "bank_transfers") == {"id", "iban"}, (
        f"bank_transfers should have exactly id and iban, it has {sorted(column_names(session, 'bank_transfers'))}"
    )
    for table in ("card_payments", "bank_transfers"):
        keys = inspect(session.connection()).get_foreign_keys(table)
        assert any(k["referred_table"] == "payments" and k["constrained_columns"] == ["id"] for k in keys), (
            f"{table}.id should be a foreign key to payments.id: the child row and its parent row are one payment"
        )


@pytest.mark.task(2)
def test_saving_payments_writes_the_parent_and_the_child_row(session: Session) -> None:
    make_tables(session)
    m = table_inheritance
    card = m.CardPayment(amount_cents=1999, last4="1111")
    transfer = m.BankTransfer(amount_cents=50_000, iban="NL91ABNA0417164300")
    session.add_all([card, transfer])
    session.flush()
    parents = {r.id: (r.amount_cents, r.kind) for r in session.execute(select(payments))}
    assert parents == {card.id: (1999, "card"), transfer.id: (50_000, "transfer")}, (
        "each payment should have its row in payments, with kind 'card' or 'transfer': got " + str(parents)
    )
    cards = {r.id: r.last4 for r in session.execute(select(card_payments))}
    transfers = {r.id: r.iban for r in session.execute(select(bank_transfers))}
    assert cards == {card.id: "1111"} and transfers == {transfer.id: "NL91ABNA0417164300"}, (
        "each payment should also have a row, with the same id, in its subclass's table: "
        f"card_payments {cards}, bank_transfers {transfers}"
    )


@pytest.mark.task(2)
def test_querying_payments_returns_each_as_its_subclass(session: Session) -> None:
    make_tables(session)
    seed_payments(session)
    m = table_inheritance
    got = kinds_of(session.scalars(select(m.Payment).order_by(m.Payment.id)))
    expected = [(i, CLASS_OF_KIND[k]) for i, _, k, _ in PAYMENTS]
    assert got == expected, f"select(Payment) should return each payment as its subclass: expected {expected}, got {got}"
    cards = session.scalars(select(m.CardPayment).order_by(m.CardPayment.id)).all()
    assert [(c.id, c.amount_cents, c.last4) for c in cards] == [(1, 1500, "4242"), (3, 250, "0005"), (5, 1200, "3000")], (
        "select(CardPayment) should join payments to card_payments and return only the card payments, "
        f"with the parent's amount_cents: got {[(c.id, c.amount_cents, c.last4) for c in cards]}"
    )


# -- task 3: concrete tables ------------------------------------------------------------------


@pytest.mark.task(3)
def test_concrete_hierarchy_has_one_complete_table_per_class(session: Session) -> None:
    make_tables(session)
    tables = table_names(session)
    assert {"email_notifications", "sms_notifications"} <= tables and "notifications" not in tables, (
        "concrete inheritance: email_notifications and sms_notifications, and no table for the abstract "
        f"Notification; the database has {sorted(tables)}"
    )
    assert column_names(session, "email_notifications") == {"id", "recipient", "body", "subject"}, (
        "email_notifications should be complete on its own (id, recipient, body, subject), got "
        f"{sorted(column_names(session, 'email_notifications'))}"
    )
    assert column_names(session, "sms_notifications") == {"id", "recipient", "body", "sender_id"}, (
        "sms_notifications should be complete on its own (id, recipient, body, sender_id), got "
        f"{sorted(column_names(session, 'sms_notifications'))}"
    )
    for table in ("email_notifications", "sms_notifications"):
        assert not inspect(session.connection()).get_foreign_keys(table), (
            f"{table} should not refer to another table: concrete tables share no rows"
        )


@pytest.mark.task(3)
def test_querying_notifications_returns_both_kinds(session: Session) -> None:
    make_tables(session)
    require_columns(session, "email_notifications", {"id", "recipient", "body", "subject"}, 3)
    require_columns(session, "sms_notifications", {"id", "recipient", "body", "sender_id"}, 3)
    session.execute(
        insert(email_notifications),
        [
            {"id": 1, "recipient": "ada@example.com", "body": "Hi", "subject": "Welcome"},
            {"id": 2, "recipient": "bo@example.com", "body": "Bye", "subject": "Farewell"},
        ],
    )
    session.execute(
        insert(sms_notifications), [{"id": 1, "recipient": "+3312345678", "body": "Code 1234", "sender_id": "SHOP"}]
    )
    m = table_inheritance
    got = sorted(
        (type(n).__name__, n.id, n.recipient, getattr(n, "subject", None) or getattr(n, "sender_id", None))
        for n in session.scalars(select(m.Notification))
    )
    expected = [
        ("EmailNotification", 1, "ada@example.com", "Welcome"),
        ("EmailNotification", 2, "bo@example.com", "Farewell"),
        ("SmsNotification", 1, "+3312345678", "SHOP"),
    ]
    assert got == expected, (
        "select(Notification) on an abstract concrete base should read both tables (a UNION) and return "
        f"each row as its class, ids overlapping or not: expected {expected}, got {got}"
    )
    emails = session.scalars(select(m.EmailNotification).order_by(m.EmailNotification.id)).all()
    assert [e.subject for e in emails] == ["Welcome", "Farewell"], (
        "select(EmailNotification) should read only email_notifications"
    )


@pytest.mark.task(3)
def test_saving_notifications_writes_only_their_own_table(session: Session) -> None:
    make_tables(session)
    m = table_inheritance
    session.add_all(
        [
            m.EmailNotification(recipient="cy@example.com", body="Report", subject="Monthly"),
            m.SmsNotification(recipient="+4470000", body="Ping", sender_id="BOT"),
        ]
    )
    session.flush()
    emails = [tuple(r) for r in session.execute(select(email_notifications.c.recipient, email_notifications.c.subject))]
    sms = [tuple(r) for r in session.execute(select(sms_notifications.c.recipient, sms_notifications.c.sender_id))]
    assert emails == [("cy@example.com", "Monthly")] and sms == [("+4470000", "BOT")], (
        f"each notification should be one row in its own table: email_notifications {emails}, sms_notifications {sms}"
    )


# -- task 4: with_polymorphic -----------------------------------------------------------------


@pytest.mark.task(4)
def test_payments_with_details_loads_subclass_columns_in_one_query(session: Session, queries: Any) -> None:
    make_tables(session)
    seed_payments(session)
    queries.clear()
    result = table_inheritance.payments_with_details(session)
    details = [(p.id, type(p).__name__, getattr(p, "last4", None) or getattr(p, "iban", None)) for p in result]
    expected = [(i, CLASS_OF_KIND[k], d) for i, _, k, d in PAYMENTS]
    assert details == expected, f"expected every payment as (id, class, last4 or iban) {expected}, got {details}"
    queries.assert_count(
        1,
        because="with_polymorphic(Payment, [CardPayment, BankTransfer]) loads last4 and iban in the same "
        "SELECT (outer joins to both child tables); without it each card or transfer loads its own "
        "columns with one more SELECT when they are first read",
    )
    assert_ordered_by_the_database(queries, "payments_with_details()")


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("text", "ids"),
    [("4242", [1]), ("3000", [2, 5]), ("0005", [3]), ("M02606", [4]), ("9999", []), ("0440", []), ("42", [])],
    ids=[
        "a card",
        "a card and an iban",
        "leading zeros",
        "an iban",
        "nothing",
        "inside an iban but not at its end",
        "the end of a card number but not all of it",
    ],
)
def test_find_payments_filters_on_subclass_columns_in_one_query(
    session: Session, queries: Any, text: str, ids: list[int]
) -> None:
    make_tables(session)
    seed_payments(session)
    queries.clear()
    found = table_inheritance.find_payments(session, text)
    got = [(p.id, type(p).__name__) for p in found]
    expected = [(i, CLASS_OF_KIND[k]) for i, _, k, _ in PAYMENTS if i in ids]
    assert got == expected, (
        f"find_payments({text!r}) should return the card payments with last4 == {text!r} and the transfers "
        f"whose iban ends with it, by id: expected {expected}, got {got} (a card matches only its whole last4; "
        "an iban matches only at its end, not anywhere inside)"
    )
    queries.assert_count(
        1, because="the database filters on last4 and iban itself: one SELECT through with_polymorphic(...)"
    )
    assert_ordered_by_the_database(queries, f"find_payments({text!r})")
    assert any(text in str(value) for value in queries.values_sent()), (
        f"the SELECT should carry {text!r} as a bound parameter of its WHERE: the database filters on the "
        "subclass columns, rather than Python filtering every payment after loading them all"
    )
