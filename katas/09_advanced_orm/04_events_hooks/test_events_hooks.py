"""Tests for kata 9.4, events and hooks. Run: pytest katas/09_advanced_orm/04_events_hooks"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select
from sqlalchemy.exc import SAWarning
from sqlalchemy.orm import Session

from fixtures.target import learner_module

events_hooks = learner_module(__file__, "events_hooks")

# The tests' own view of the tables, to read what was really written.
schema = MetaData()
accounts = Table(
    "accounts",
    schema,
    Column("id", Integer, primary_key=True),
    Column("owner", String(100)),
    Column("email", String(200)),
    Column("balance_cents", Integer),
    Column("status", String(20)),
    Column("created_by", String(50)),
    Column("updated_by", String(50)),
    Column("status_changed_by", String(50)),
)
audit_log = Table(
    "audit_log",
    schema,
    Column("id", Integer, primary_key=True),
    Column("table_name", String(50)),
    Column("row_id", Integer),
    Column("action", String(10)),
    Column("field", String(50)),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("actor", String(50)),
)


@contextmanager
def acting_as(actor: str) -> Iterator[None]:
    token = events_hooks.current_actor.set(actor)
    try:
        yield
    finally:
        events_hooks.current_actor.reset(token)


def flush(session: Session, commit: bool = False) -> None:
    """Flush (or commit), turning SQLAlchemy's warning about work done through the session inside a flush into a sentence."""
    try:
        session.commit() if commit else session.flush()
    except SAWarning as warning:
        problem = str(warning)
    else:
        return
    pytest.fail(
        f"SQLAlchemy warned during the flush: {problem}\nInside a flush event the session's plan is fixed: "
        "write the audit rows with the Connection the event receives (connection.execute(insert(...))), "
        "not with session.add().",
        pytrace=False,
    )


def start(session: Session) -> None:
    """Create the learner's tables, then install the learner's listeners (removed after the test)."""
    events_hooks.Base.metadata.create_all(session.connection())
    events_hooks.install_audit()


def new_account(session: Session, actor: str = "alice", **values: Any) -> Any:
    values = {"owner": "Ada", "email": "ada@example.com", "balance_cents": 1000, "status": "active", **values}
    with acting_as(actor):
        account = events_hooks.Account(**values)
        session.add(account)
        flush(session)
    return account


def audit_rows(session: Session, action: str | None = None) -> list[tuple[Any, ...]]:
    statement = select(
        audit_log.c.table_name, audit_log.c.row_id, audit_log.c.action, audit_log.c.field,
        audit_log.c.old_value, audit_log.c.new_value, audit_log.c.actor,
    ).order_by(audit_log.c.row_id, audit_log.c.field)
    if action:
        statement = statement.where(audit_log.c.action == action)
    return [tuple(r) for r in session.execute(statement)]


def account_row(session: Session, account_id: int) -> dict[str, Any]:
    return dict(session.execute(select(accounts).where(accounts.c.id == account_id)).mappings().one())


# -- task 1: before_insert / before_update ----------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("actor", ["alice", "batch-job"])
def test_before_insert_stamps_the_creator(session: Session, actor: str) -> None:
    start(session)
    account = new_account(session, actor=actor)
    row = account_row(session, account.id)
    assert (row["created_by"], row["updated_by"]) == (actor, None), (
        f"a new account should be saved with created_by={actor!r} (the current actor, set by a "
        f"before_insert listener) and no updated_by; the row has {row['created_by']!r}, {row['updated_by']!r}"
    )


@pytest.mark.task(1)
def test_before_update_stamps_who_changed_it(session: Session) -> None:
    start(session)
    account = new_account(session, actor="alice")
    with acting_as("bob"):
        account.balance_cents = 2500
        flush(session)
    row = account_row(session, account.id)
    assert (row["created_by"], row["updated_by"], row["balance_cents"]) == ("alice", "bob", 2500), (
        "after bob changes the balance, the row should say created_by='alice', updated_by='bob' (set in "
        f"before_update, so it goes into the same UPDATE): got {row['created_by']!r}, {row['updated_by']!r}"
    )


@pytest.mark.task(1)
def test_setting_the_same_values_sends_no_update(session: Session, queries: Any) -> None:
    start(session)
    account = new_account(session, actor="alice")
    queries.clear()
    with acting_as("bob"):
        account.owner = "Ada"
        account.balance_cents = 1000
        flush(session)
    updates = queries.matching(r"^\s*UPDATE")
    assert not updates, (
        "assigning an account the values it already has changes nothing: before_update still runs for "
        "it (the object is in session.dirty), but it must not stamp updated_by, which would turn nothing "
        "into an UPDATE:\n" + queries.listing()
    )
    with queries.paused():
        assert not audit_rows(session, "update"), "no audit row either: no field really changed"


# -- task 2: after_insert / after_update / after_delete ----------------------------------------


@pytest.mark.task(2)
def test_inserting_writes_one_insert_row_during_the_flush(session: Session) -> None:
    start(session)
    first = new_account(session, actor="alice")
    second = new_account(session, actor="carol", owner="Bo", email="bo@example.com")
    expected = [
        ("accounts", first.id, "insert", None, None, None, "alice"),
        ("accounts", second.id, "insert", None, None, None, "carol"),
    ]
    assert audit_rows(session) == expected, (
        "each flush that inserts an account should write one audit row (table 'accounts', its id, action "
        "'insert', no field or values, the actor), with the flush's connection, so it is in the database "
        f"when flush() returns: expected {expected}, found {audit_rows(session)}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"balance_cents": 250}, [("balance_cents", "1000", "250")]),
        ({"email": "ADA@work.example", "status": "frozen"}, [("email", "ada@example.com", "ADA@work.example"), ("status", "active", "frozen")]),
        ({"owner": "Ada L.", "balance_cents": 1000}, [("owner", "Ada", "Ada L.")]),
    ],
    ids=["balance", "email and status", "owner, and a balance set to what it was"],
)
def test_updating_writes_one_row_per_changed_field(
    session: Session, changes: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    start(session)
    account = new_account(session)
    with acting_as("bob"):
        for field, value in changes.items():
            setattr(account, field, value)
        flush(session)
    rows = audit_rows(session, "update")
    wanted = [("accounts", account.id, "update", f, old, new, "bob") for f, old, new in expected]
    assert rows == wanted, (
        "an update should write one audit row per audited field whose value really changed, with the old and "
        f"new value as text and the actor: expected {wanted}, found {rows}"
    )


@pytest.mark.task(2)
def test_updates_after_a_commit_still_know_the_old_value(session: Session) -> None:
    start(session)
    account = new_account(session)
    flush(session, commit=True)  # expires every attribute
    with acting_as("dave"):
        account.balance_cents = -50
        flush(session, commit=True)
    with acting_as("erin"):
        account.status = "closed"
        account.balance_cents = 0
        flush(session)
    rows = audit_rows(session, "update")
    expected = sorted(
        [
            ("accounts", account.id, "update", "balance_cents", "1000", "-50", "dave"),
            ("accounts", account.id, "update", "balance_cents", "-50", "0", "erin"),
            ("accounts", account.id, "update", "status", "active", "closed", "erin"),
        ],
        key=lambda r: (r[3], r[6]),
    )
    assert sorted(rows, key=lambda r: (r[3], r[6])) == expected, (
        f"two updates, each after a commit: every change should be audited with its old value: expected {expected}, "
        f"found {rows}"
    )


@pytest.mark.task(2)
def test_deleting_writes_a_delete_row(session: Session) -> None:
    start(session)
    account = new_account(session)
    account_id = account.id
    with acting_as("frank"):
        session.delete(account)
        flush(session)
    assert audit_rows(session, "delete") == [("accounts", account_id, "delete", None, None, None, "frank")], (
        f"deleting the account should write one 'delete' audit row by frank, found {audit_rows(session)}"
    )


@pytest.mark.task(2)
def test_audit_rows_roll_back_with_the_change(session: Session) -> None:
    start(session)
    account = new_account(session)
    flush(session, commit=True)
    with acting_as("mallory"):
        account.balance_cents = 10**9
        flush(session)
        session.rollback()
    assert account_row(session, account.id)["balance_cents"] == 1000, "the rolled-back change should be gone"
    assert audit_rows(session, "update") == [], (
        "the audit rows of a rolled-back change should be gone with it: write them in the flush's own "
        f"transaction (the connection the event receives). Found {audit_rows(session, 'update')}"
    )


@pytest.mark.task(2)
def test_several_accounts_in_one_flush_each_get_their_rows(session: Session) -> None:
    start(session)
    a = new_account(session, owner="A", email="a@example.com")
    b = new_account(session, owner="B", email="b@example.com")
    with acting_as("gina"):
        a.balance_cents = 1
        b.status = "frozen"
        c = events_hooks.Account(owner="C", email="c@example.com", balance_cents=0, status="active")
        session.add(c)
        flush(session)
    rows = [r for r in audit_rows(session) if r[6] == "gina"]
    expected = sorted(
        [
            ("accounts", a.id, "update", "balance_cents", "1000", "1", "gina"),
            ("accounts", b.id, "update", "status", "active", "frozen", "gina"),
            ("accounts", c.id, "insert", None, None, None, "gina"),
        ],
        key=lambda r: r[1],
    )
    assert sorted(rows, key=lambda r: r[1]) == expected, f"expected the rows {expected}, found {rows}"


# -- task 3: an attribute event ----------------------------------------------------------------


@pytest.mark.task(3)
def test_changing_the_status_stamps_it_at_once_without_sql(session: Session, queries: Any) -> None:
    start(session)
    account = new_account(session, actor="alice")
    queries.clear()
    with acting_as("henry"):
        account.status = "frozen"
    assert account.status_changed_by == "henry", (
        "assigning a new status should set status_changed_by to the current actor at once, in Python "
        f"(an attribute 'set' event), before any flush; it is {account.status_changed_by!r}"
    )
    queries.assert_count(0, because="an attribute event runs at the assignment: nothing is sent to the database")
    with acting_as("ivy"):
        flush(session)
    assert account_row(session, account.id)["status_changed_by"] == "henry", (
        "the stamp is saved with the change, and it names who changed the status (henry), not who flushed"
    )


@pytest.mark.task(3)
def test_assigning_the_same_status_is_not_a_change(session: Session) -> None:
    start(session)
    account = new_account(session, actor="alice")
    stamped_before = account.status_changed_by
    flush(session, commit=True)  # the status is expired: its old value must be known to compare
    with acting_as("jack"):
        account.status = "active"
    assert account.status_changed_by == stamped_before, (
        "assigning the status it already has is not a change: status_changed_by should stay "
        f"{stamped_before!r}, it became {account.status_changed_by!r}"
    )
    with acting_as("kim"):
        account.status = "closed"
        account.status = "closed"
    assert account.status_changed_by == "kim", "a real change by kim should be stamped 'kim'"
