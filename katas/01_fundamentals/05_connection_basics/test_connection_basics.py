"""Tests for kata 1.5, connection basics. Run: pytest katas/01_fundamentals/05_connection_basics"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, text

from fixtures.target import learner_module

connection_basics = learner_module(__file__, "connection_basics")

CREATE_BOOKS = """
CREATE TABLE books (
    isbn VARCHAR(20) PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    author VARCHAR(200) NOT NULL,
    stock INTEGER NOT NULL
)
"""
BOOKS = [
    {"isbn": "978-0-00-000001", "title": "Dune", "author": "Frank Herbert", "stock": 4},
    {"isbn": "978-0-00-000002", "title": "Children of Dune", "author": "Frank Herbert", "stock": 0},
    {"isbn": "978-0-00-000003", "title": "Dune Messiah", "author": "Frank Herbert", "stock": 2},
    {"isbn": "978-0-00-000004", "title": "Kindred", "author": "Octavia E. Butler", "stock": 7},
]
INSERT_BOOK = "INSERT INTO books (isbn, title, author, stock) VALUES (:isbn, :title, :author, :stock)"


def create_books(connection: Connection, rows: list[dict[str, object]]) -> None:
    connection.execute(text(CREATE_BOOKS))
    if rows:
        connection.execute(text(INSERT_BOOK), rows)


@pytest.fixture
def shop(connection: Connection) -> Connection:
    """The four books above, inside the test's rolled-back transaction."""
    create_books(connection, BOOKS)
    return connection


@pytest.fixture
def shop_engine(engine: Engine) -> Engine:
    """The four books above, committed for real, for the functions that manage their own transactions."""
    with engine.begin() as connection:
        create_books(connection, BOOKS)
    return engine


def assert_bound(queries: Any, function: str, **values: object) -> None:
    """Each value travelled as a bound parameter of some statement, and no string value is in the SQL text."""
    __tracebackhide__ = True
    sent = [value for statement in queries.statements for value in statement.values]
    for name, value in values.items():
        assert value in sent, (
            f"{function}() should send {name}={value!r} as a bound parameter (text('... :{name}'), "
            f"{{'{name}': {name}}}); the parameters sent were {[s.params for s in queries.statements]!r}"
        )
        if isinstance(value, str):
            pasted = [s.sql for s in queries.statements if value in s.sql]
            assert not pasted, (
                f"{function}() pasted {name}={value!r} into the SQL text instead of binding it: {pasted}"
            )


def assert_stock_computed_in_sql(queries: Any, function: str) -> None:
    """Every UPDATE of the stock works it out in SQL from the stock the row has when the UPDATE runs.

    `SELECT stock`, add in Python, `SET stock = 9`: a delivery booked by another connection between
    the SELECT and the UPDATE is overwritten and lost. `SET stock = stock + :quantity` cannot lose it.
    """
    __tracebackhide__ = True
    updates = queries.matching(r"^\s*UPDATE")
    assert updates, f"{function}() should change the stock with an UPDATE; it sent:\n{queries.listing()}"
    for statement in updates:
        assignment = re.search(r"\bSET\s+(?:\w+\.)?stock\s*=\s*(.*?)(?:\bWHERE\b|$)", statement.sql, re.IGNORECASE | re.DOTALL)
        assert assignment is not None and re.search(r"\bstock\b", assignment.group(1), re.IGNORECASE), (
            f"{function}() sent {' '.join(statement.sql.split())!r} with {statement.params!r}: the new stock was "
            "worked out in Python from a stock read earlier. If another connection changes the stock between "
            "your SELECT and this UPDATE, its change is lost. Let the database do the sum on the row as it is "
            "then: SET stock = stock + :quantity (or - :quantity)"
        )


def stock_of(engine: Engine) -> dict[str, int]:
    """Stock per ISBN as a brand-new connection sees it: only committed work is visible there."""
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT isbn, stock FROM books")).all())


@pytest.mark.task(1)
@pytest.mark.parametrize("rows", [BOOKS, BOOKS[:1], []], ids=["four books", "one book", "empty table"])
def test_count_titles_counts_the_rows_in_the_table(connection: Connection, rows: list[dict[str, object]]) -> None:
    create_books(connection, rows)
    counted = connection_basics.count_titles(connection)
    assert counted == len(rows), f"the books table has {len(rows)} rows, count_titles() said {counted!r}"
    assert isinstance(counted, int), f"count_titles() should return an int, not {type(counted).__name__}"


@pytest.mark.task(1)
def test_count_titles_fails_loudly_when_the_answer_is_not_one_row(shop: Connection) -> None:
    """The database is made to answer the count with two rows (the learner's statement, sent twice
    with UNION ALL): the Result method that insists on exactly one row raises; .scalar() and
    .first() would silently keep the first row."""

    def answer_twice(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> Any:
        if "count(" not in statement.lower():
            return statement, parameters
        sent.append(statement)
        single = statement.strip().rstrip(";")
        doubled = f"SELECT * FROM ({single}) AS first_answer UNION ALL SELECT * FROM ({single}) AS second_answer"
        return doubled, (tuple(parameters) * 2 if isinstance(parameters, (tuple, list)) else parameters)

    sent: list[str] = []
    event.listen(shop, "before_cursor_execute", answer_twice, retval=True)
    try:
        try:
            counted = connection_basics.count_titles(shop)
        except NotImplementedError:
            raise
        except Exception:  # any loud failure of the two-row answer is right; which one is the learner's choice
            if sent:
                return
            raise
    finally:
        event.remove(shop, "before_cursor_execute", answer_twice)
    assert sent, "count_titles() should let the database count: SELECT count(*) FROM books (one row, one column)"
    pytest.fail(
        f"when the count came back as two rows, count_titles() returned {counted!r} instead of failing: "
        "use the Result method that insists on exactly one row (one column), which raises when that "
        "is not so; .scalar() and .first() silently take the first row"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("wanted", BOOKS, ids=[book["title"] for book in BOOKS])
def test_find_book_returns_the_row_as_a_dict(shop: Connection, wanted: dict[str, object]) -> None:
    book = connection_basics.find_book(shop, wanted["isbn"])
    assert book == wanted, (
        "find_book() should return every column of the row as a plain dict "
        f"(column name -> value); expected {wanted}, got {book!r}"
    )
    assert type(book) is dict, (
        f"find_book() should return a plain dict, not a {type(book).__name__}: "
        "dict(row) of a mappings() row, or dict(row._mapping)"
    )


@pytest.mark.task(2)
def test_find_book_returns_none_for_an_unknown_isbn(shop: Connection) -> None:
    book = connection_basics.find_book(shop, "978-9-99-999999")
    assert book is None, f"no book has that ISBN, so find_book() should return None, not {book!r}"


@pytest.mark.task(2)
def test_find_book_sends_the_isbn_as_a_bound_parameter(shop: Connection, queries) -> None:
    hostile = "x' OR '1'='1"
    book = connection_basics.find_book(shop, hostile)
    assert book is None, (
        f"find_book({hostile!r}) returned {book!r}: the input became part of the SQL. "
        "Pass values as bound parameters (text('... WHERE isbn = :isbn'), {'isbn': isbn})."
    )
    assert_bound(queries, "find_book", isbn=hostile)
    queries.clear()
    connection_basics.find_book(shop, "978-0-00-000001")
    assert_bound(queries, "find_book", isbn="978-0-00-000001")


@pytest.mark.task(3)
def test_titles_by_returns_title_and_stock_ordered_by_title(shop: Connection, queries) -> None:
    titles = connection_basics.titles_by(shop, "Frank Herbert")
    expected = [("Children of Dune", 0), ("Dune", 4), ("Dune Messiah", 2)]
    assert [tuple(t) for t in titles] == expected, (
        f"expected Frank Herbert's (title, stock) pairs ordered by title: {expected}; got {titles!r}"
    )
    assert_bound(queries, "titles_by", author="Frank Herbert")
    kindred = connection_basics.titles_by(shop, "Octavia E. Butler")
    assert [tuple(t) for t in kindred] == [("Kindred", 7)], (
        f"Octavia E. Butler has one book here, Kindred (7 copies); titles_by() returned {kindred!r}"
    )
    assert connection_basics.titles_by(shop, "Nobody") == [], "an author without books has an empty list"


@pytest.mark.task(4)
def test_restock_commits_so_other_connections_see_it(shop_engine: Engine) -> None:
    connection_basics.restock(shop_engine, "978-0-00-000002", 5)
    stock = stock_of(shop_engine)["978-0-00-000002"]
    assert stock == 5, (
        f"after restock(+5) a new connection sees a stock of {stock}, not 5. "
        "A connection rolls back what it did not commit when it closes: call connection.commit()."
    )


@pytest.mark.task(4)
def test_restock_adds_to_the_existing_stock(shop_engine: Engine, queries) -> None:
    connection_basics.restock(shop_engine, "978-0-00-000001", 3)
    assert_bound(queries, "restock", isbn="978-0-00-000001", quantity=3)
    assert_stock_computed_in_sql(queries, "restock")
    connection_basics.restock(shop_engine, "978-0-00-000001", 1)
    stock = stock_of(shop_engine)["978-0-00-000001"]
    assert stock == 8, f"4 copies, restocked by 3 and then by 1, should make 8, not {stock}"


@pytest.mark.task(5)
def test_move_stock_moves_copies_between_books(shop_engine: Engine) -> None:
    connection_basics.move_stock(shop_engine, "978-0-00-000004", "978-0-00-000002", 3)
    stock = stock_of(shop_engine)
    assert (stock["978-0-00-000004"], stock["978-0-00-000002"]) == (4, 3), (
        f"moving 3 copies from Kindred (7) to Children of Dune (0) should leave 4 and 3, "
        f"a new connection sees {stock['978-0-00-000004']} and {stock['978-0-00-000002']}"
    )


@pytest.mark.task(5)
def test_move_stock_may_move_every_copy_a_book_has(shop_engine: Engine, queries) -> None:
    try:
        connection_basics.move_stock(shop_engine, "978-0-00-000003", "978-0-00-000002", 2)
    except ValueError as error:
        pytest.fail(
            f"moving all 2 copies of a book that has 2 is not overselling, but move_stock() raised {error!r}"
        )
    stock = stock_of(shop_engine)
    assert (stock["978-0-00-000003"], stock["978-0-00-000002"]) == (0, 2), (
        "Dune Messiah has exactly 2 copies, so moving 2 of them is allowed and leaves 0 and 2; "
        f"a new connection sees {stock['978-0-00-000003']} and {stock['978-0-00-000002']}"
    )
    assert_bound(queries, "move_stock", from_isbn="978-0-00-000003", to_isbn="978-0-00-000002", quantity=2)
    assert_stock_computed_in_sql(queries, "move_stock")


@pytest.mark.task(5)
def test_move_stock_refuses_to_oversell_and_changes_nothing(shop_engine: Engine) -> None:
    before = stock_of(shop_engine)
    with pytest.raises(ValueError):
        connection_basics.move_stock(shop_engine, "978-0-00-000003", "978-0-00-000001", 3)
    assert stock_of(shop_engine) == before, (
        "moving 3 copies of a book that has 2 must raise ValueError and leave every stock as it was"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("missing", ["from", "to"])
def test_move_stock_to_or_from_an_unknown_book_changes_nothing(shop_engine: Engine, missing: str) -> None:
    before = stock_of(shop_engine)
    known, unknown = "978-0-00-000004", "978-9-99-999999"
    source, destination = (unknown, known) if missing == "from" else (known, unknown)
    with pytest.raises(LookupError):
        connection_basics.move_stock(shop_engine, source, destination, 1)
    assert stock_of(shop_engine) == before, (
        "a move involving an unknown ISBN must raise LookupError and change nothing: "
        "do both UPDATEs in one transaction (engine.begin()), so an error rolls back the first one"
    )
