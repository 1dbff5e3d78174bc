"""Tests for kata 2.2, column types. Run: pytest katas/02_core/02_column_types"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Connection, Float, Table, Text, exc, func, insert, inspect, select

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

column_types = learner_module(__file__, "column_types")

TASK_OF = {
    "amount": 1, "fx_rate": 1, "account": 2, "memo": 2, "cleared": 2, "kind": 2,
    "public_id": 3, "details": 3, "posted_at": 4,
}


@pytest.fixture
def ledger(connection: Connection) -> Connection:
    """The test's connection; on PostgreSQL its session time zone is not UTC, as on many servers."""
    if connection.dialect.name == "postgresql":
        # Asia/Kolkata is UTC+05:30: a timestamptz comes back converted to the session's zone.
        connection.exec_driver_sql("SET LOCAL TIME ZONE 'Asia/Kolkata'")
    return connection


def entries_table(connection: Connection, *needed: str) -> Table:
    """The learner's entries table, created in the test database, after checking its columns exist."""
    table = column_types.entries
    assert isinstance(table, Table), "column_types.entries should be a sqlalchemy Table"
    missing = [name for name in needed if name not in table.c]
    assert not missing, (
        f"entries has no column {missing[0]!r} yet (task {TASK_OF[missing[0]]}); "
        f"it has {[c.name for c in table.columns]}"
    )
    column_types.metadata.create_all(connection)
    return table


def a_row(table: Table, **values: Any) -> dict[str, Any]:
    """A valid entry for the columns the table has so far, with `values` on top."""
    base: dict[str, Any] = {
        "account": "DE44500105175407324931",
        "amount": Decimal("12.50"),
        "kind": column_types.EntryKind.CREDIT,
        "posted_at": datetime(2024, 6, 30, 23, 59, tzinfo=timezone.utc),
    }
    base.update(values)
    return {name: value for name, value in base.items() if name in table.c}


def insert_and_read(connection: Connection, table: Table, column: str, **values: Any) -> Any:
    """Insert one entry and read `column` of it back from the database."""
    new_id = connection.execute(insert(table).values(a_row(table, **values))).inserted_primary_key[0]
    return connection.execute(select(table.c[column]).where(table.c.id == new_id)).scalar_one()


def reflected(connection: Connection, column: str) -> dict[str, Any]:
    """The column as the database reports it."""
    return {c["name"]: dict(c) for c in inspect(connection).get_columns("entries")}[column]


NULLABLE = {
    "amount": False, "fx_rate": False, "account": False, "memo": True, "cleared": False, "kind": False,
    "public_id": False, "details": True, "posted_at": False,
}


@pytest.mark.parametrize(
    "column", [pytest.param(name, marks=pytest.mark.task(TASK_OF[name]), id=name) for name in NULLABLE]
)
def test_required_columns_are_not_null_and_optional_ones_are(ledger: Connection, column: str) -> None:
    entries_table(ledger, column)
    nullable = reflected(ledger, column)["nullable"]
    assert nullable is NULLABLE[column], (
        f"entries.{column} should be "
        + ("optional (NULL allowed)" if NULLABLE[column] else "NOT NULL: pass nullable=False to Column()")
        + f"; the database says nullable={nullable!r}"
    )


# -- task 1: exact money, approximate rates ----------------------------------------------------

MONEY = st.decimals(
    min_value=Decimal("-9999999999.99"), max_value=Decimal("9999999999.99"),
    places=2, allow_nan=False, allow_infinity=False,
)


@pytest.mark.task(1)
def test_amount_is_a_not_null_numeric_with_12_digits_and_2_decimals(ledger: Connection) -> None:
    entries_table(ledger, "amount")
    amount = reflected(ledger, "amount")
    kind = amount["type"]
    assert kind.python_type is Decimal, (
        f"entries.amount is {kind!r} in the database, which gives {kind.python_type.__name__} values: "
        "money needs an exact type, Numeric, whose values are Decimal"
    )
    assert (getattr(kind, "precision", None), getattr(kind, "scale", None)) == (12, 2), (
        f"entries.amount should be Numeric(12, 2) (up to 9,999,999,999.99); the database has {kind!r}"
    )
    assert amount["nullable"] is False, "an entry without an amount makes no sense: nullable=False"


@pytest.mark.task(1)
def test_amounts_come_back_exactly_as_decimals(ledger: Connection) -> None:
    table = entries_table(ledger, "amount")

    @given(amount=MONEY)
    def round_trip(amount: Decimal) -> None:
        with rolled_back(ledger):
            back = insert_and_read(ledger, table, "amount", amount=amount)
        assert isinstance(back, Decimal) and back == amount, (
            f"stored the amount {amount} and read back {back!r}: money must come back as the exact "
            "Decimal it was. A Float column keeps a binary approximation (Numeric keeps the digits)."
        )

    round_trip()


SMALL_AMOUNTS = st.lists(
    st.decimals(min_value=Decimal("-999999.99"), max_value=Decimal("999999.99"), places=2), min_size=1, max_size=30
)


@pytest.mark.task(1)
def test_the_sum_of_many_amounts_is_exact(ledger: Connection) -> None:
    table = entries_table(ledger, "amount")

    @given(amounts=SMALL_AMOUNTS)
    def sums(amounts: list[Decimal]) -> None:
        with rolled_back(ledger):
            ledger.execute(insert(table), [a_row(table, amount=amount) for amount in amounts])
            total = ledger.execute(select(func.sum(table.c.amount))).scalar_one()
        assert isinstance(total, Decimal) and total == sum(amounts), (
            f"SUM(amount) of {len(amounts)} entries should be exactly {sum(amounts)}, got {total!r}: "
            "a month of 0.10s must add up to the cent"
        )

    sums()


@pytest.mark.task(1)
def test_fx_rate_is_a_double_precision_float(ledger: Connection) -> None:
    table = entries_table(ledger, "fx_rate")
    kind = reflected(ledger, "fx_rate")["type"]
    assert isinstance(kind, Float) and getattr(kind, "precision", None) in (None, 53), (
        f"entries.fx_rate should be a Float (double precision); the database has {kind!r}"
    )

    @given(rate=st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False))
    def round_trip(rate: float) -> None:
        with rolled_back(ledger):
            back = insert_and_read(ledger, table, "fx_rate", fx_rate=rate)
        assert isinstance(back, float) and back == rate, (
            f"stored the exchange rate {rate!r} and read back {back!r}: a rate is a measurement, a Python "
            "float, and a double-precision Float column gives back exactly the float you stored"
        )

    round_trip()


@pytest.mark.task(1)
def test_fx_rate_defaults_to_one(ledger: Connection) -> None:
    table = entries_table(ledger, "fx_rate")
    back = insert_and_read(ledger, table, "fx_rate")
    assert back == 1.0, f"an entry inserted without fx_rate should get the default 1.0, got {back!r}"


# -- task 2: text, flags and kinds -------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300)


@pytest.mark.task(2)
def test_account_is_a_not_null_string_of_34(ledger: Connection) -> None:
    entries_table(ledger, "account")
    account = reflected(ledger, "account")
    length = getattr(account["type"], "length", None)
    assert account["type"].python_type is str and length == 34, (
        f"entries.account holds an IBAN, at most 34 characters: String(34); the database has {account['type']!r}"
    )
    assert account["nullable"] is False, "every entry belongs to an account: account is NOT NULL"


@pytest.mark.task(2)
def test_memo_is_text_of_any_length(ledger: Connection) -> None:
    table = entries_table(ledger, "memo")
    kind = reflected(ledger, "memo")["type"]
    assert isinstance(kind, Text), (
        f"entries.memo should be Text, which has no length limit; the database has {kind!r}"
    )
    long_memo = "Reconciled against statement 2024-06. " * 400
    back = insert_and_read(ledger, table, "memo", memo=long_memo)
    assert back == long_memo, "a memo of 15,000 characters should come back whole"
    assert insert_and_read(ledger, table, "memo") is None, "memo is optional: without one it is NULL"

    @given(memo=TEXT)
    def round_trip(memo: str) -> None:
        with rolled_back(ledger):
            back = insert_and_read(ledger, table, "memo", memo=memo)
        assert back == memo, f"the memo {memo!r} came back as {back!r}"

    round_trip()


@pytest.mark.task(2)
@pytest.mark.parametrize("cleared", [True, False])
def test_cleared_is_a_real_boolean(ledger: Connection, cleared: bool) -> None:
    table = entries_table(ledger, "cleared")
    back = insert_and_read(ledger, table, "cleared", cleared=cleared)
    assert back is cleared, (
        f"stored cleared={cleared} and read back {back!r}: a Boolean column gives True/False, "
        "not 1/0 or 't'/'f'"
    )


@pytest.mark.task(2)
def test_cleared_defaults_to_false(ledger: Connection) -> None:
    table = entries_table(ledger, "cleared")
    back = insert_and_read(ledger, table, "cleared")
    assert back is False, f"a new entry is not cleared yet: cleared should default to False, got {back!r}"
    assert reflected(ledger, "cleared")["nullable"] is False, "cleared is yes or no, never unknown: NOT NULL"


@pytest.mark.task(2)
@pytest.mark.parametrize("kind_name", ["DEBIT", "CREDIT"])
def test_kind_comes_back_as_an_entrykind_member(ledger: Connection, kind_name: str) -> None:
    table = entries_table(ledger, "kind")
    kind = column_types.EntryKind[kind_name]
    back = insert_and_read(ledger, table, "kind", kind=kind)
    assert back is kind, (
        f"stored {kind} and read back {back!r}: Enum(EntryKind) gives EntryKind members back, "
        "not the strings stored in the database"
    )


@pytest.mark.task(2)
def test_kind_refuses_a_value_outside_entrykind(ledger: Connection) -> None:
    table = entries_table(ledger, "kind")
    try:
        with ledger.begin_nested():  # PostgreSQL aborts the transaction on an error: use a savepoint
            back = insert_and_read(ledger, table, "kind", kind="refund")
    except (LookupError, exc.StatementError):
        return
    pytest.fail(f"the kind 'refund' was stored and read back as {back!r}: kind should only accept EntryKind")


# -- task 3: identifiers and documents ---------------------------------------------------------

JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


@pytest.mark.task(3)
def test_public_id_is_generated_as_a_random_uuid(ledger: Connection) -> None:
    table = entries_table(ledger, "public_id")
    first = insert_and_read(ledger, table, "public_id")
    second = insert_and_read(ledger, table, "public_id")
    assert isinstance(first, uuid.UUID) and first.version == 4, (
        f"an entry inserted without public_id should get a random uuid.UUID (uuid4) from the column "
        f"default; got {first!r}"
    )
    assert first != second, f"two entries got the same public_id {first}: call uuid.uuid4 for each row"


@pytest.mark.task(3)
def test_public_id_round_trips_and_is_unique(ledger: Connection) -> None:
    table = entries_table(ledger, "public_id")
    given_id = uuid.uuid4()
    back = insert_and_read(ledger, table, "public_id", public_id=given_id)
    assert back == given_id and isinstance(back, uuid.UUID), (
        f"stored public_id {given_id} and read back {back!r}: a Uuid column gives uuid.UUID objects"
    )
    with pytest.raises(exc.IntegrityError), ledger.begin_nested():
        ledger.execute(insert(table).values(a_row(table, public_id=given_id)))
        pytest.fail(f"a second entry with public_id {given_id} was accepted: public_id must be unique")
    assert reflected(ledger, "public_id")["nullable"] is False, "every entry has a public_id: NOT NULL"


@pytest.mark.task(3)
def test_details_round_trip_as_json_documents(ledger: Connection) -> None:
    table = entries_table(ledger, "details")
    kind = reflected(ledger, "details")["type"]
    assert isinstance(kind, JSON), (
        f"entries.details should be a JSON column, which the database can read into; it has {kind!r}"
    )
    assert insert_and_read(ledger, table, "details") is None, "details is optional: without it, it is NULL"

    @given(details=st.dictionaries(TEXT, JSON_VALUE, max_size=5))
    def round_trip(details: dict[str, Any]) -> None:
        with rolled_back(ledger):
            back = insert_and_read(ledger, table, "details", details=details)
        assert back == details, (
            f"stored the document {details!r} and read back {back!r}: a JSON column gives back dicts, "
            "lists, strings, numbers, booleans and None as they went in"
        )

    round_trip()


# -- task 4: instants in time ------------------------------------------------------------------

OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
AWARE = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1), timezones=OFFSETS)


@pytest.mark.task(4)
def test_posted_at_comes_back_as_the_same_instant_in_utc(ledger: Connection) -> None:
    table = entries_table(ledger, "posted_at")

    @given(posted_at=AWARE)
    def round_trip(posted_at: datetime) -> None:
        with rolled_back(ledger):
            back = insert_and_read(ledger, table, "posted_at", posted_at=posted_at)
        assert isinstance(back, datetime) and back.tzinfo is not None, (
            f"stored {posted_at.isoformat()} and read back {back!r}: it should come back timezone-aware. "
            "SQLite keeps no time zone, and gives back naive datetimes."
        )
        assert back == posted_at, (
            f"stored {posted_at.isoformat()} and read back {back.isoformat()}: that is another instant"
        )
        assert back.utcoffset() == timedelta(0), (
            f"stored {posted_at.isoformat()} and read back {back.isoformat()}: the right instant, but it "
            "should be given in UTC whatever the database session's time zone is (PostgreSQL converts to it)"
        )

    round_trip()


@pytest.mark.task(4)
def test_the_database_orders_posted_at_by_instant(ledger: Connection) -> None:
    table = entries_table(ledger, "posted_at")
    tokyo, new_york = timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))
    # Wall-clock order is the opposite of the real order: 09:00 in Tokyo is midnight UTC.
    moments = {
        "tokyo": datetime(2024, 6, 1, 9, 0, tzinfo=tokyo),
        "utc": datetime(2024, 6, 1, 1, 0, tzinfo=timezone.utc),
        "new york": datetime(2024, 5, 31, 21, 0, tzinfo=new_york),
    }
    for moment in moments.values():
        ledger.execute(insert(table).values(a_row(table, posted_at=moment)))
    back = ledger.execute(select(table.c.posted_at).order_by(table.c.posted_at)).scalars().all()
    expected = sorted(moments.values())
    assert back == expected, (
        "ORDER BY posted_at should sort by the real instant (Tokyo 09:00 = 00:00 UTC, then 01:00 UTC, "
        f"then New York 21:00 = 02:00 UTC); got {[b.isoformat() for b in back]}"
    )


@pytest.mark.task(4)
def test_posted_at_refuses_naive_datetimes(ledger: Connection) -> None:
    table = entries_table(ledger, "posted_at")
    naive = datetime(2024, 6, 30, 10, 0)
    try:
        with ledger.begin_nested():
            back = insert_and_read(ledger, table, "posted_at", posted_at=naive)
    except (ValueError, TypeError, exc.StatementError):
        return
    pytest.fail(
        f"a naive datetime (10:00, but where?) was stored and read back as {back!r}: refuse it with "
        "ValueError in process_bind_param, instead of guessing its time zone"
    )
