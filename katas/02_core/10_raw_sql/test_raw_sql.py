"""Tests for kata 2.10, raw SQL. Run: pytest katas/02_core/10_raw_sql"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    TextClause,
    event,
    exc,
    insert,
    select,
)
from sqlalchemy.sql.selectable import TextualSelect

from fixtures.isolation import rolled_back
from fixtures.recording import Statement
from fixtures.target import learner_module

raw_sql = learner_module(__file__, "raw_sql")

# The tests' own description of the table: the fixtures never depend on the learner's file.
schema = MetaData()
invoices = Table(
    "invoices",
    schema,
    # BIGINT, not INTEGER: on SQLite the id is then not the rowid, and the rows lie in the table in
    # insertion order (newest id first, see db), so a tie on the date without "id" shows there too.
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("customer", String(100), nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("issued", Date, nullable=False),
    Column("status", String(10), nullable=False),
    Column("note", String(500), nullable=True),
)

# Ids are large and not in date order, so that neither "ORDER BY id" alone nor ids pasted into
# the SQL text go unnoticed. O'Brien's quote breaks any statement built with an f-string.
INVOICES = [
    (70001, "Acme Ltd", Decimal("120.50"), date(2024, 1, 15), "open"),
    (70002, "Acme Ltd", Decimal("99.99"), date(2024, 2, 1), "paid"),
    (70003, "Globex", Decimal("1500.00"), date(2024, 4, 20), "open"),
    (70004, "Acme Ltd", Decimal("42.10"), date(2024, 3, 5), "open"),
    (70005, "O'Brien & Sons", Decimal("10.00"), date(2024, 3, 5), "void"),
    (70006, "O'Brien & Sons", Decimal("75.25"), date(2024, 4, 1), "open"),
    (70007, "Globex", Decimal("0.10"), date(2024, 2, 10), "open"),
    (70008, "Initech", Decimal("300.00"), date(2024, 5, 2), "paid"),
]
IDS = [row[0] for row in INVOICES]
HOSTILE = "x' OR '1'='1"

# Hostile text for hypothesis: anything a person can type (quotes, ;, --, %, :name, newlines,
# any script), except NUL, which PostgreSQL refuses to store in a VARCHAR.
any_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
# No shrinking: the messages show the whole example, and shrinking would re-run the database work.
EXAMPLES = settings(max_examples=25, phases=(Phase.explicit, Phase.reuse, Phase.generate))


@pytest.fixture
def db(connection: Connection) -> Connection:
    """The invoices table with the rows above, inside the test's rolled-back transaction."""
    schema.create_all(connection)
    # Inserted newest id first: a query that forgets its ORDER BY gets them in that order on PostgreSQL.
    connection.execute(
        insert(invoices),
        [{"id": i, "customer": c, "amount": a, "issued": d, "status": s} for i, c, a, d, s in reversed(INVOICES)],
    )
    return connection


def statuses(connection: Connection) -> dict[int, str]:
    return {i: s for i, s in connection.execute(select(invoices.c.id, invoices.c.status))}


def notes(connection: Connection) -> dict[int, str | None]:
    return {i: n for i, n in connection.execute(select(invoices.c.id, invoices.c.note))}


@contextmanager
def driver_log(connection: Connection) -> Iterator[list[tuple[str, Any, bool]]]:
    """(SQL, parameters, compiled by SQLAlchemy?) of each statement the connection sends."""
    log: list[tuple[str, Any, bool]] = []

    def listener(_conn: Any, _cursor: Any, statement: str, parameters: Any, context: Any, _many: bool) -> None:
        log.append((statement, parameters, context.compiled is not None))

    event.listen(connection, "before_cursor_execute", listener)
    try:
        yield log
    finally:
        event.remove(connection, "before_cursor_execute", listener)


def run_statement(connection: Connection, statement: Any) -> list[int]:
    """What the scheduler does: execute the statement with no parameters of its own."""
    __tracebackhide__ = True
    try:
        return list(connection.execute(statement).scalars())
    except exc.StatementError as error:
        pytest.fail(
            "running the statement with connection.execute(statement) alone failed: "
            f"{type(error.orig or error).__name__}: {str(error.orig or error).splitlines()[0]}. "
            "The values must be attached to the statement itself: text(...).bindparams(name=value).",
            pytrace=False,
        )


# -- task 1 ---------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("customer", "before", "expected"),
    [
        ("Acme Ltd", date(2024, 3, 1), [70001]),
        ("Acme Ltd", date(2024, 12, 31), [70001, 70004]),
        ("Globex", date(2024, 12, 31), [70003, 70007]),
        ("O'Brien & Sons", date(2024, 12, 31), [70006]),
        ("Initech", date(2024, 12, 31), []),
        ("Acme Ltd", date(2024, 1, 15), []),
    ],
    ids=["Acme before March", "Acme any time", "Globex", "O'Brien", "Initech (none open)", "before is strict"],
)
def test_open_invoices_statement_runs_without_parameters(
    db: Connection, customer: str, before: date, expected: list[int]
) -> None:
    statement = raw_sql.open_invoices_statement(customer, before)
    assert isinstance(statement, (TextClause, TextualSelect)), (
        f"open_invoices_statement() should return a text() construct, not {type(statement).__name__}"
    )
    ids = run_statement(db, statement)
    assert ids == expected, (
        f"the open invoices of {customer!r} issued strictly before {before} are {expected}, "
        f"ordered by id; the statement returned {ids!r}"
    )


@pytest.mark.task(1)
def test_open_invoices_statement_binds_values_instead_of_pasting_them(db: Connection, queries: Any) -> None:
    ids = run_statement(db, raw_sql.open_invoices_statement(HOSTILE, date(2030, 1, 1)))
    assert ids == [], f"no customer is called {HOSTILE!r}, yet the statement returned {ids!r}: it became SQL"
    ids = run_statement(db, raw_sql.open_invoices_statement("O'Brien & Sons", date(2030, 1, 1)))
    assert ids == [70006], f"O'Brien & Sons has one open invoice, 70006; got {ids!r}"
    for statement in queries.statements:
        assert "'1'='1" not in statement.sql and "Brien" not in statement.sql, (
            "the customer's name was pasted into the SQL text; attach it with .bindparams() "
            f"so that it travels as a parameter. SQL sent:\n{statement.sql}"
        )
        assert date(2030, 1, 1).isoformat() not in statement.sql, (
            f"the date was pasted into the SQL text; bind it too. SQL sent:\n{statement.sql}"
        )


@pytest.mark.task(1)
@given(customer=any_text)
@EXAMPLES
def test_open_invoices_statement_finds_any_customer(db: Connection, queries: Any, customer: str) -> None:
    with rolled_back(db):
        db.execute(
            insert(invoices),
            {"id": 1, "customer": customer, "amount": Decimal("1.00"), "issued": date(2020, 6, 1), "status": "open"},
        )
        queries.clear()
        ids = run_statement(db, raw_sql.open_invoices_statement(customer, date(2020, 6, 2)))
        assert ids == [1], f"invoice 1 belongs to customer {customer!r} and is open; the statement returned {ids!r}"
        assert customer in queries.statements[-1].values, (
            f"the customer {customer!r} should travel as a bound parameter; "
            f"the parameters sent were {queries.statements[-1].params!r}"
        )


# -- task 2 ---------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_invoices_since_returns_typed_rows(db: Connection) -> None:
    rows = raw_sql.invoices_since(db, date(2024, 3, 5))
    ids = [row.id for row in rows]
    assert ids == [70004, 70005, 70006, 70003, 70008], (
        "invoices issued on or after 2024-03-05, ordered by issued date then id, are "
        f"70004 and 70005 (both 2024-03-05), 70006, 70003, 70008; got {ids!r}"
    )
    row = rows[0]
    assert type(row.amount) is Decimal and row.amount == Decimal("42.10"), (
        f"amount should come back as Decimal('42.10'), got {row.amount!r} ({type(row.amount).__name__}). "
        "SQLite has no decimal type: declare the result column with text(...).columns(amount=Numeric(10, 2))"
    )
    assert type(row.issued) is date and row.issued == date(2024, 3, 5), (
        f"issued should come back as datetime.date(2024, 3, 5), got {row.issued!r} ({type(row.issued).__name__}). "
        "SQLite stores a DATE as text: declare the result column with .columns(issued=Date)"
    )
    status = raw_sql.InvoiceStatus.OPEN
    assert row.status is status, (
        f"status should come back as {status!r}, got {row.status!r} ({type(row.status).__name__}). "
        "No driver knows your enum, on any database: declare the column with .columns(status=STATUS)"
    )
    assert (row.id, row.customer) == (70004, "Acme Ltd") and type(row.id) is int, (
        f"id and customer should be 70004 and 'Acme Ltd', got {row.id!r} and {row.customer!r}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("since", [date(2024, 1, 1), date(2024, 2, 2), date(2024, 4, 20), date(2024, 5, 3)], ids=str)
def test_invoices_since_filters_and_orders(db: Connection, since: date) -> None:
    rows = raw_sql.invoices_since(db, since)
    got = [(row.id, row.amount, row.issued, row.status) for row in rows]
    want = [
        (i, a, d, raw_sql.InvoiceStatus(s))
        for i, _, a, d, s in sorted(INVOICES, key=lambda r: (r[3], r[0]))
        if d >= since
    ]
    assert got == want, (
        f"invoices issued on or after {since}, ordered by issued date then id, as typed "
        f"(id, amount, issued, status) rows: {want}; got {got}"
    )


# -- task 3 ---------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("customer", "expected"),
    [("Acme Ltd", 2), ("Globex", 2), ("O'Brien & Sons", 1), ("Initech", 0), (HOSTILE, 0)],
    ids=["Acme", "Globex", "O'Brien", "Initech", "hostile"],
)
def test_open_invoice_count_counts_open_invoices(db: Connection, customer: str, expected: int) -> None:
    count = raw_sql.open_invoice_count(db, customer)
    assert count == expected and type(count) is int, (
        f"{customer!r} has {expected} open invoice(s); open_invoice_count() said {count!r}"
    )


@pytest.mark.task(3)
def test_open_invoice_count_sends_driver_sql_with_a_parameter(db: Connection) -> None:
    with driver_log(db) as sent:
        raw_sql.open_invoice_count(db, "O'Brien & Sons")
    assert len(sent) == 1, f"expected one statement, the function sent {len(sent)}: {[s[0] for s in sent]}"
    sql, parameters, compiled = sent[0]
    assert not compiled, (
        "the statement went through SQLAlchemy's compiler (text() or select()); this task is about "
        "Connection.exec_driver_sql(), which hands your SQL string to the driver as it is. "
        f"SQL sent:\n{sql}"
    )
    assert "Brien" not in sql and "O'Brien & Sons" in Statement(sql, parameters, False).values, (
        f"the customer should be a parameter in the driver's own placeholder style "
        f"({db.dialect.paramstyle!r} on {db.dialect.name}), not part of the SQL. SQL sent:\n{sql}\n"
        f"parameters: {parameters!r}"
    )
    db.execute(insert(invoices), [{"id": 80000 + n, "customer": "O'Brien & Sons", "amount": Decimal("1.00"),
                                   "issued": date(2024, 6, 1), "status": "open"} for n in range(3)])
    answered = db.exec_driver_sql(sql, parameters).all()
    assert len(answered) == 1, (
        f"the statement sent answers {len(answered)} rows for a customer with 4 open invoices: let the "
        f"database count (SELECT count(*) ...), one row, instead of fetching the invoices to count them "
        f"in Python. SQL sent:\n{sql}"
    )


# -- task 4 ---------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_mark_paid_changes_only_open_invoices_in_one_statement(db: Connection, queries: Any) -> None:
    before = statuses(db)
    queries.clear()
    changed = raw_sql.mark_paid(db, [70001, 70002, 70005, 70007, 99999])
    queries.assert_count(1, because="a bulk change is ONE UPDATE ... WHERE id IN (...), not one UPDATE per id")
    assert changed == 2, (
        "of 70001 (open), 70002 (paid), 70005 (void), 70007 (open) and 99999 (no such invoice), "
        f"two were open and became paid: mark_paid() should return 2, got {changed!r}"
    )
    expected = {**before, 70001: "paid", 70007: "paid"}
    after = statuses(db)
    assert after == expected, f"only 70001 and 70007 should become paid; statuses are now {after}"


@pytest.mark.task(4)
def test_mark_paid_binds_the_ids(db: Connection, queries: Any) -> None:
    queries.clear()
    raw_sql.mark_paid(db, [70003, 70006])
    assert queries.statements, "mark_paid() sent no statement at all"
    statement = queries.statements[0]
    assert "70003" not in statement.sql and "70006" not in statement.sql, (
        "the ids were pasted into the SQL text. Use one expanding parameter: "
        f"text('... IN :ids').bindparams(bindparam('ids', expanding=True)). SQL sent:\n{statement.sql}"
    )
    assert {70003, 70006} <= set(statement.values), (
        f"the ids should travel as bound parameters; the parameters sent were {statement.params!r}"
    )


@pytest.mark.task(4)
def test_mark_paid_with_no_ids_changes_nothing(db: Connection) -> None:
    before = statuses(db)
    changed = raw_sql.mark_paid(db, [])
    assert changed == 0, f"an empty list of ids changes nothing: mark_paid([]) should return 0, got {changed!r}"
    assert statuses(db) == before, "mark_paid([]) changed some statuses"


@pytest.mark.task(4)
@given(chosen=st.lists(st.sampled_from([*IDS, 99998, 99999]), max_size=10))
@EXAMPLES
def test_mark_paid_for_any_list_of_ids(db: Connection, queries: Any, chosen: list[int]) -> None:
    with rolled_back(db):
        before = statuses(db)
        queries.clear()
        changed = raw_sql.mark_paid(db, chosen)
        queries.assert_at_most(1, because="a bulk change is ONE UPDATE, whatever the number of ids")
        now_paid = {i for i in chosen if before.get(i) == "open"}
        assert changed == len(now_paid), (
            f"mark_paid({chosen}) should change the open ones, {sorted(now_paid)}, and return "
            f"{len(now_paid)}; it returned {changed!r}"
        )
        expected = {i: ("paid" if i in now_paid else s) for i, s in before.items()}
        assert statuses(db) == expected, f"after mark_paid({chosen}) only {sorted(now_paid)} should become paid"


# -- task 5 ---------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_set_notes_stores_hostile_text_as_it_is(db: Connection, queries: Any) -> None:
    wanted = {
        70001: "Robert'); DROP TABLE invoices;--",
        70003: "50% off: see :customer and %(note)s, then ?",
        70006: 'He said "pay later"\\ \n -- fine',
    }
    queries.clear()
    raw_sql.set_notes(db, wanted)
    queries.assert_count(1, because="several rows, one statement: pass a list of parameter sets (executemany)")
    for text_ in wanted.values():
        assert text_ not in queries.statements[0].sql, (
            f"the note {text_!r} was pasted into the SQL text; it must be a bound parameter. "
            f"SQL sent:\n{queries.statements[0].sql}"
        )
    stored = notes(db)
    expected = {i: wanted.get(i) for i in IDS}
    assert stored == expected, f"the notes should be stored exactly as typed, others left NULL: {expected}; got {stored}"


@pytest.mark.task(5)
def test_set_notes_with_nothing_to_do_sends_nothing(db: Connection, queries: Any) -> None:
    queries.clear()
    raw_sql.set_notes(db, {})
    queries.assert_count(
        0, because="an empty mapping is nothing to do; execute(stmt, []) would run the UPDATE without values"
    )
    assert set(notes(db).values()) == {None}, "set_notes({}) should change no note"


@pytest.mark.task(5)
@given(wanted=st.dictionaries(st.sampled_from(IDS), any_text, min_size=1, max_size=5))
@EXAMPLES
def test_set_notes_for_any_text(db: Connection, queries: Any, wanted: dict[int, str]) -> None:
    with rolled_back(db):
        queries.clear()
        raw_sql.set_notes(db, wanted)
        queries.assert_count(1, because="several rows, one statement: pass a list of parameter sets (executemany)")
        sent = queries.statements[0].values
        missing = [text_ for text_ in wanted.values() if text_ not in sent]
        assert not missing, (
            f"these notes did not travel as bound parameters: {missing!r}; parameters sent: "
            f"{queries.statements[0].params!r}"
        )
        stored = notes(db)
        expected = {i: wanted.get(i) for i in IDS}
        assert stored == expected, f"set_notes({wanted!r}) should store exactly those notes; the table has {stored}"
