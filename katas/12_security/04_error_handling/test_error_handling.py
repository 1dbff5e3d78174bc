"""Tests for kata 12.4, error handling. Run: pytest katas/12_security/04_error_handling

Every error here is a real one, raised by the database: a duplicate key, a missing parent row, a
lock held by another connection, a table that is not there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog
from fixtures.target import learner_module

eh = learner_module(__file__, "error_handling")

metadata = MetaData()
accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(200), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("credits", Integer, nullable=False, default=0),
    CheckConstraint("credits >= 0", name="credits_not_negative"),
)
orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("accounts.id"), nullable=False),
)
# Words a message-sniffing classifier would trip over, in the data of the failing statement.
TRAP = "unique check foreign key not null"

# Names a message-sniffing classifier would trip over: SQLite's message names the column
# ("NOT NULL constraint failed: trap_rules.<column>") or the CHECK constraint, and names are the
# schema author's choice. Each kind's message holds every other kind's words, whatever the order.
TRAP_COLUMN = "UNIQUE FOREIGN KEY NOT NULL CHECK"
trap_metadata = MetaData()
trap_rules = Table(
    "trap_rules",
    trap_metadata,
    Column("id", Integer, primary_key=True),
    Column(TRAP_COLUMN, String(50), nullable=False, unique=True),
    Column("amount", Integer, nullable=False),
    CheckConstraint("amount >= 0", name="NOT NULL UNIQUE FOREIGN KEY"),
)


@pytest.fixture
def db(connection: Connection, session: Session) -> Session:
    # Created on the connection before the session begins, so a session rollback keeps them.
    metadata.create_all(connection)
    connection.execute(insert(accounts), [{"email": "ana@example.com", "name": "Ana", "credits": 5}])
    return session


def real_error(connection: Connection, statement: Any, params: Any = None) -> DBAPIError:
    """Run a statement the database refuses, inside a savepoint, and return the error it raised."""
    try:
        with connection.begin_nested():
            connection.execute(statement, params)
    except DBAPIError as error:
        return error
    raise AssertionError(f"the database accepted {statement}")


def violations(connection: Connection) -> dict[str, DBAPIError]:
    return {
        "unique": real_error(connection, insert(accounts), {"email": "ana@example.com", "name": TRAP}),
        "foreign_key": real_error(connection, insert(orders), {"account_id": 999}),
        "not_null": real_error(connection, insert(accounts), {"email": TRAP, "name": None}),
        "check": real_error(
            connection, insert(accounts), {"email": "zed@example.com", "name": TRAP, "credits": -1}
        ),
        "other": real_error(connection, text("SELECT * FROM no_such_table_here")),
    }


def fail_with_a_lasting_operational_error(connection: Connection) -> None:
    """Raise a real OperationalError that no retry will cure."""
    if connection.dialect.name == "sqlite":
        connection.execute(text("SELECT * FROM no_such_table_here"))  # "no such table"
    else:
        # SQLSTATE 55000 (object not in prerequisite state): currval() before any nextval().
        connection.execute(text("CREATE TEMPORARY SEQUENCE kata_sequence"))
        connection.execute(text("SELECT currval('kata_sequence')"))


def lasting_error(connection: Connection) -> DBAPIError:
    try:
        with connection.begin_nested():
            fail_with_a_lasting_operational_error(connection)
    except OperationalError as error:
        return error
    raise AssertionError("the statement should have failed")


def account_emails(connection: Connection) -> list[str]:
    return list(connection.scalars(select(accounts.c.email).order_by(accounts.c.email)))


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("kind", ["unique", "foreign_key", "not_null", "check", "other"])
def test_classify_reads_the_drivers_own_error(db: Session, connection: Connection, kind: str) -> None:
    error = violations(connection)[kind]
    got = eh.classify(error)
    assert got == kind, (
        f"classify() should say {kind!r} for this real error, got {got!r}.\n  error.orig: {type(error.orig).__module__}."
        f"{type(error.orig).__name__}: {str(error.orig).strip()[:160]}\nLook at error.orig: psycopg errors have "
        "`.sqlstate` (23505 unique ...); sqlite3 errors have `.sqlite_errorname` (SQLITE_CONSTRAINT_UNIQUE ...). "
        "The full message also quotes the statement's values, which may contain any word."
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("kind", ["unique", "not_null", "check"])
def test_classify_is_not_fooled_by_names_in_the_message(connection: Connection, kind: str) -> None:
    trap_metadata.create_all(connection)
    connection.execute(insert(trap_rules), {TRAP_COLUMN: "taken", "amount": 1})
    values = {
        "unique": {TRAP_COLUMN: "taken", "amount": 1},
        "not_null": {TRAP_COLUMN: None, "amount": 1},
        "check": {TRAP_COLUMN: "new", "amount": -1},
    }[kind]
    error = real_error(connection, insert(trap_rules), values)
    got = eh.classify(error)
    assert got == kind, (
        f"classify() should say {kind!r} for this real error, got {got!r}. The driver's message is\n  "
        f"{str(error.orig).strip().splitlines()[0]}\nand it names a column and a constraint whose names hold the "
        "words of every other kind (names are the schema author's choice). Read the code, not the words: "
        "`.sqlstate` (psycopg) or `.sqlite_errorname` (sqlite3) of error.orig."
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_create_account_adds_and_flushes(db: Session, connection: Connection) -> None:
    account = eh.create_account(db, "ben@example.com", "Ben", 3)
    assert account.id is not None, "create_account should flush, so the account has its id"
    assert account_emails(connection) == ["ana@example.com", "ben@example.com"], (
        "Ben's account should be stored"
    )


@pytest.mark.task(2)
def test_a_duplicate_email_raises_duplicate_account_and_keeps_earlier_work(
    db: Session, connection: Connection
) -> None:
    eh.create_account(db, "ben@example.com", "Ben")
    with pytest.raises(eh.DuplicateAccount) as raised:
        eh.create_account(db, "ana@example.com", "Another Ana")
    error = raised.value
    cause_shown = isinstance(error.__cause__, IntegrityError) or (
        isinstance(error.__context__, IntegrityError) and not error.__suppress_context__
    )
    assert cause_shown, (
        "DuplicateAccount should be raised from the IntegrityError (raise ... from error), so the cause stays "
        "visible in the traceback (`from None` hides it: that is kata 12.3's choice for personal data, not this one's)"
    )
    try:
        eh.create_account(db, "cy@example.com", "Cy")
    except PendingRollbackError:
        pytest.fail(
            "after DuplicateAccount the session refused to go on (PendingRollbackError): the failed INSERT should "
            "have run in a savepoint (session.begin_nested())",
            pytrace=False,
        )
    emails = account_emails(connection)
    assert emails == ["ana@example.com", "ben@example.com", "cy@example.com"], (
        f"Ben (added before the refusal) and Cy (after it) should both be stored, found {emails}: only the failed "
        "INSERT may be undone"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("name", "credits", "rule"),
    [(None, 0, "NOT NULL name"), ("Dee", -1, "CHECK credits >= 0")],
    ids=["not-null", "check"],
)
def test_other_refusals_are_not_reported_as_duplicates(
    db: Session, connection: Connection, name: str | None, credits: int, rule: str
) -> None:
    with pytest.raises(IntegrityError) as raised:
        eh.create_account(db, "dee@example.com", name, credits)  # type: ignore[arg-type]
    assert not isinstance(raised.value, eh.DuplicateAccount), "that is not a duplicate"
    kind = eh.classify(raised.value) if hasattr(eh, "classify") else None
    assert kind != "unique", f"the database refused the row for {rule}, got {kind!r}"
    eh.create_account(db, "eve@example.com", "Eve")
    assert account_emails(connection) == ["ana@example.com", "eve@example.com"], (
        "after the refusal the session should go on (savepoint)"
    )


@pytest.mark.task(2)
def test_a_duplicate_is_not_mistaken_for_anything_else_by_message(db: Session) -> None:
    # A plain `except IntegrityError` that always means "duplicate" fails the test above; here the
    # name carries words that fool a classifier reading the message text.
    with pytest.raises(eh.DuplicateAccount):
        eh.create_account(db, "ana@example.com", TRAP)
    with pytest.raises(IntegrityError) as raised:
        eh.create_account(db, "unique@example.com", TRAP, -5)
    assert not isinstance(raised.value, eh.DuplicateAccount), (
        "negative credits break a CHECK rule; the words 'unique' in the email and name must not make it a duplicate"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_count_accounts_recovers_a_session_left_after_a_failed_flush(db: Session, queries: QueryLog) -> None:
    db.execute(insert(eh.Account), [{"email": "ben@example.com", "name": "Ben"}])
    db.commit()
    db.add(eh.Account(email="ana@example.com", name="Duplicate"))
    with pytest.raises(IntegrityError):
        db.flush()
    queries.clear()
    try:
        count = eh.count_accounts(db)
    except PendingRollbackError:
        pytest.fail(
            "count_accounts raised PendingRollbackError: the session must be rolled back (session.rollback()) "
            "before it can be used again after a failed flush",
            pytrace=False,
        )
    assert count == 2, f"Ana and Ben are committed, so the count should be 2, got {count}"
    assert eh.count_accounts(db) == 2, "the session should be usable again afterwards"


@pytest.mark.task(3)
def test_count_accounts_lets_other_errors_through(
    db: Session, connection: Connection, queries: QueryLog
) -> None:
    # The table disappears before the session's transaction begins: no rollback brings it back.
    connection.execute(orders.delete())
    metadata.drop_all(connection)
    queries.clear()
    with pytest.raises(DBAPIError) as raised:
        eh.count_accounts(db)
    assert not isinstance(raised.value, PendingRollbackError), "the missing table is the error to report"
    selects = [s.sql for s in queries.statements if s.sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, (
        f"a missing table is not a PendingRollbackError: it should propagate after one SELECT, without a "
        f"rollback and a second try (catching Exception, or DBAPIError, is too wide); the SQL sent:\n{queries.listing()}"
    )


@pytest.mark.task(3)
def test_count_accounts_on_a_healthy_session_sends_one_select(db: Session, queries: QueryLog) -> None:
    queries.clear()
    assert eh.count_accounts(db) == 1, "one account (Ana) is stored"
    queries.assert_count(1, because="a healthy session needs no rollback and no retry: one SELECT count(*)")
    sql = queries.statements[0].sql.lower()
    assert "count(" in sql, (
        f"the database should do the counting (SELECT count(*) ...), not Python over every row; the SQL sent: {sql}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.fixture
def shop(engine: Engine) -> Engine:
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(accounts), [{"id": 1, "email": "ana@example.com", "name": "Ana", "credits": 5}])
    return engine


def short_lock_wait(connection: Connection) -> None:
    """Give up waiting for a lock after 50 ms (instead of seconds), so the tests stay fast."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA busy_timeout = 50")
    else:
        connection.exec_driver_sql("SET LOCAL lock_timeout = '50ms'")


class LockHolder:
    """Another connection that updates account 1 and keeps its transaction (and the lock) open."""

    def __init__(self, engine: Engine) -> None:
        self.connection = engine.connect()
        self.transaction = self.connection.begin()
        self.connection.execute(
            update(accounts).where(accounts.c.id == 1).values(credits=accounts.c.credits + 100)
        )

    def release(self) -> None:
        if self.transaction.is_active:
            self.transaction.rollback()
        self.connection.close()


def add_credit_work(
    attempts: list[int], release_before: int | None, holder: LockHolder
) -> Callable[[Connection], int]:
    def work(connection: Connection) -> int:
        attempts.append(len(attempts) + 1)
        if release_before is not None and len(attempts) == release_before:
            holder.release()
        short_lock_wait(connection)
        connection.execute(update(accounts).where(accounts.c.id == 1).values(credits=accounts.c.credits + 1))
        return int(connection.scalar(select(accounts.c.credits).where(accounts.c.id == 1)))

    return work


@pytest.mark.task(4)
def test_is_transient_tells_a_lock_timeout_from_a_broken_rule(shop: Engine) -> None:
    holder = LockHolder(shop)
    try:
        with pytest.raises(OperationalError) as raised, shop.begin() as conn:
            short_lock_wait(conn)
            conn.execute(update(accounts).values(credits=0))
    finally:
        holder.release()
    locked = raised.value
    assert eh.is_transient(locked) is True, (
        f"a lock wait that timed out is transient (try again later): {str(locked.orig).strip()[:120]}"
    )
    with shop.connect() as conn:
        errors = violations(conn)
        errors["lasting OperationalError"] = lasting_error(conn)
        for kind, error in errors.items():
            assert eh.is_transient(error) is False, (
                f"a {kind} error ({type(error).__name__}: {str(error.orig).strip()[:100]}) will fail the same way "
                "every time: it is not transient"
            )


@pytest.mark.task(4)
def test_run_with_retries_succeeds_once_the_lock_is_gone(shop: Engine) -> None:
    holder = LockHolder(shop)
    attempts: list[int] = []
    try:
        result = eh.run_with_retries(
            shop, add_credit_work(attempts, release_before=2, holder=holder), attempts=3
        )
    finally:
        holder.release()
    assert attempts == [1, 2], (
        f"the first try meets the lock, the second (after it is released) succeeds; tries: {attempts}"
    )
    assert result == 6, f"the work's result (credits 5 + 1) should be returned, got {result!r}"
    with shop.connect() as conn:
        credits = conn.scalar(select(accounts.c.credits))
    assert credits == 6, f"the successful try should be committed once: credits should be 6, got {credits}"


@pytest.mark.task(4)
@pytest.mark.parametrize("attempts_allowed", [1, 3])
def test_run_with_retries_gives_up_after_the_bound(shop: Engine, attempts_allowed: int) -> None:
    holder = LockHolder(shop)
    attempts: list[int] = []
    try:
        with pytest.raises(OperationalError):
            eh.run_with_retries(
                shop, add_credit_work(attempts, release_before=None, holder=holder), attempts=attempts_allowed
            )
    finally:
        holder.release()
    assert len(attempts) == attempts_allowed, (
        f"with attempts={attempts_allowed} the work should run exactly {attempts_allowed} time(s) and then the "
        f"last error should propagate; it ran {len(attempts)} time(s)"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("failure", ["duplicate", "lasting-operational-error"])
def test_run_with_retries_does_not_retry_errors_that_will_happen_again(shop: Engine, failure: str) -> None:
    attempts: list[int] = []

    def work(connection: Connection) -> None:
        attempts.append(1)
        if failure == "duplicate":
            connection.execute(insert(accounts), {"email": "ana@example.com", "name": "Again"})
        else:
            fail_with_a_lasting_operational_error(connection)

    with pytest.raises(DBAPIError) as raised:
        eh.run_with_retries(shop, work, attempts=3)
    assert len(attempts) == 1, (
        f"{type(raised.value).__name__} ({str(raised.value.orig).strip()[:80]}) is not transient: retrying only "
        f"repeats it; the work should run once, it ran {len(attempts)} times"
    )
