"""Tests for kata 10.1, N+1. Run: pytest katas/10_optimization/01_n_plus_one

Tasks 1 and 2 are checked on code planted here, in the tests: lazy loads in a loop (an N+1),
and code that is not one (eager loading, an executemany, distinct queries). Task 3 fills the
tables at two sizes: a budget that holds for both cannot be met by one query per row.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session, selectinload

from fixtures.target import learner_module

n_plus_one = learner_module(__file__, "n_plus_one")

# The tests' own copy of the schema: set-up never runs the learner's code. BIGINT ids: on SQLite
# only an INTEGER PRIMARY KEY is the rowid, so these tables keep rows in (shuffled) insertion
# order, and rows that tie on a sort key come back in that order, not by id.
schema = MetaData()
publishers = Table(
    "publishers", schema, Column("id", BigInteger, primary_key=True), Column("name", String(100))
)
authors = Table("authors", schema, Column("id", BigInteger, primary_key=True), Column("name", String(100)))
books = Table(
    "books",
    schema,
    Column("id", BigInteger, primary_key=True),
    Column("title", String(200)),
    Column("author_id", ForeignKey("authors.id")),
    Column("publisher_id", ForeignKey("publishers.id")),
)

SIZES = {"small": (4, 3), "large": (30, 4)}  # authors, most books per author


def seed(session: Session, authors_count: int, most_books: int, rng_seed: int = 7) -> dict[str, Any]:
    """Fill the tables, in a shuffled order (ids do not follow names); return the expected report."""
    rng = random.Random(rng_seed)
    connection = session.connection()
    schema.create_all(connection)
    publisher_rows = [{"id": i, "name": f"Press {chr(64 + i)}"} for i in range(1, 5)]
    names = [f"Author {rng.choice('KLMN')}" for _ in range(authors_count)]  # repeats on purpose
    author_ids = rng.sample(range(1, 10 * authors_count + 1), authors_count)
    author_rows = [{"id": i, "name": name} for i, name in zip(author_ids, names, strict=True)]
    book_rows: list[dict[str, Any]] = []
    book_ids = iter(rng.sample(range(1, 100 * authors_count * most_books), authors_count * most_books))
    for n, author in enumerate(author_rows):
        if n % 5 == 1:
            continue  # an author without books
        for _ in range(rng.randint(1, most_books)):
            # Titles repeat within an author too: the book id breaks the tie.
            book_rows.append(
                {
                    "id": next(book_ids),
                    "title": f"Title {rng.choice('PQRS')}",
                    "author_id": author["id"],
                    "publisher_id": rng.randint(1, 4),
                }
            )
    rng.shuffle(author_rows)
    rng.shuffle(book_rows)
    connection.execute(insert(publishers), publisher_rows)
    connection.execute(insert(authors), author_rows)
    connection.execute(insert(books), book_rows)
    press = {p["id"]: p["name"] for p in publisher_rows}
    expected = [
        (
            a["name"],
            [
                (b["title"], press[b["publisher_id"]])
                for b in sorted(book_rows, key=lambda b: (b["title"], b["id"]))
                if b["author_id"] == a["id"]
            ],
        )
        for a in sorted(author_rows, key=lambda a: (a["name"], a["id"]))
    ]
    return {"expected": expected, "authors": len(author_rows), "books": len(book_rows)}


@pytest.fixture(params=sorted(SIZES), ids=lambda size: f"{size} shelf")
def shelf(request: pytest.FixtureRequest, session: Session) -> dict[str, Any]:
    return seed(session, *SIZES[request.param])


@pytest.fixture
def small_shelf(session: Session) -> dict[str, Any]:
    return seed(session, *SIZES["small"])


def counter_on(session: Session) -> Any:
    return n_plus_one.StatementCounter(session.connection())


# -- planted code, for the counter and the detector ---------------------------------------------


def planted_lazy_loop(session: Session) -> list[int]:
    """An N+1: the authors, then one SELECT for each author's books."""
    Author = n_plus_one.Author
    return [len(a.books) for a in session.scalars(select(Author).order_by(Author.id))]


def planted_get_loop(session: Session) -> list[str]:
    """An N+1 without relationships: session.get() of each book id after listing them."""
    Book = n_plus_one.Book
    ids = list(session.scalars(select(Book.id).order_by(Book.id)))
    session.expunge_all()  # get() would otherwise find them in the identity map
    return [session.get(Book, i).title for i in ids]


def planted_selectin(session: Session) -> list[int]:
    """Not an N+1: the same walk with the books eager-loaded (2 statements)."""
    Author = n_plus_one.Author
    statement = select(Author).options(selectinload(Author.books)).order_by(Author.id)
    return [len(a.books) for a in session.scalars(statement)]


def planted_distinct_queries(session: Session) -> int:
    """Not an N+1: several different queries, each once (and a few twice)."""
    Author, Book, Publisher = n_plus_one.Author, n_plus_one.Book, n_plus_one.Publisher
    total = 0
    for _ in range(2):
        total += len(session.scalars(select(Author.id)).all())
        total += len(session.scalars(select(Book.id)).all())
    total += len(session.scalars(select(Publisher.id)).all())
    return total


def planted_row_by_row_inserts(session: Session) -> None:
    """Slow, but not an N+1 of SELECTs: one INSERT per row."""
    for i in range(6):
        session.execute(insert(publishers).values(id=100 + i, name=f"New {i}"))


# -- task 1: the counter ------------------------------------------------------------------------


@pytest.mark.task(1)
def test_counter_counts_each_statement_of_a_lazy_loop(session: Session, small_shelf: dict[str, Any]) -> None:
    session.expunge_all()
    with counter_on(session) as counter:
        planted_lazy_loop(session)
    expected = 1 + small_shelf["authors"]
    assert counter.count == expected, (
        f"the planted loop sends 1 SELECT for the authors and 1 per author for their books ({expected} in all); "
        f"the counter counted {counter.count}. Count every before_cursor_execute event of the bind while the "
        "block runs"
    )
    assert counter.count == len(counter.statements), "count should be the number of statements recorded"
    assert all("SELECT" in sql.upper() for sql in counter.statements), (
        f"statements should hold the SQL text of each statement sent; got {counter.statements[:2]}"
    )


@pytest.mark.task(1)
def test_counter_counts_an_executemany_once(session: Session, small_shelf: dict[str, Any]) -> None:
    rows = [{"id": 200 + i, "name": f"Bulk {i}"} for i in range(25)]
    with counter_on(session) as counter:
        session.execute(insert(publishers), rows)  # one cursor.executemany() with 25 parameter sets
        session.execute(select(publishers.c.id)).all()
    assert counter.count == 2, (
        f"an INSERT of 25 rows in one executemany is ONE statement, plus one SELECT: 2 in all; counted "
        f"{counter.count}. A statement is a cursor execution (before_cursor_execute), not a parameter set"
    )


@pytest.mark.task(1)
def test_counter_leaves_out_transaction_control(session: Session, small_shelf: dict[str, Any]) -> None:
    with counter_on(session) as counter:
        with session.begin_nested():  # SAVEPOINT ... RELEASE SAVEPOINT
            session.execute(insert(publishers).values(id=300, name="Nested"))
        session.commit()  # in these tests: RELEASE SAVEPOINT (the test's transaction is rolled back later)
        session.execute(select(publishers.c.id)).all()
    shown = [sql.split()[0] for sql in counter.statements]
    assert counter.count == 2, (
        f"one INSERT and one SELECT were sent, besides SAVEPOINT / RELEASE SAVEPOINT; the counter counted "
        f"{counter.count} ({shown}). Transaction control is not a query: leave out statements that start with "
        "BEGIN, COMMIT, ROLLBACK, SAVEPOINT or RELEASE"
    )


@pytest.mark.task(1)
def test_counter_counts_only_inside_the_block_and_only_its_bind(
    session: Session, small_shelf: dict[str, Any]
) -> None:
    session.execute(select(authors.c.id)).all()  # before: not counted
    other = create_engine("sqlite://")
    try:
        with counter_on(session) as counter:
            session.execute(select(books.c.id)).all()
            with other.connect() as elsewhere:
                elsewhere.execute(text("SELECT 1")).all()  # another engine: not this counter's
            with session.connection().engine.connect() as sibling:
                sibling.execute(text("SELECT 2")).all()  # another connection of the same engine: neither
        session.execute(select(publishers.c.id)).all()  # after: not counted
    finally:
        other.dispose()
    assert counter.count == 1, (
        f"only the one SELECT on the given connection, inside the block, should be counted; counted "
        f"{counter.count}: {counter.statements}. Listen on the Engine or Connection you were given (not on "
        "every engine, nor every connection of its engine), from __enter__ to __exit__"
    )
    connection = session.connection()
    assert not event.contains(connection, "before_cursor_execute", counter._record) and not any(
        event.contains(connection, "before_cursor_execute", fn)
        for fn in vars(counter).values()
        if callable(fn)
    ), (
        "the counter should remove its listener in __exit__ (event.remove): a listener left behind runs forever"
    )


@pytest.mark.task(1)
def test_counter_stops_listening_when_the_block_fails(session: Session, small_shelf: dict[str, Any]) -> None:
    with pytest.raises(ZeroDivisionError), counter_on(session) as counter:
        session.execute(select(books.c.id)).all()
        raise ZeroDivisionError("the block fails")
    session.execute(select(authors.c.id)).all()
    assert counter.count == 1, (
        f"after the block ended with an error, later statements were still counted ({counter.count}): "
        "__exit__ runs on errors too; remove the listener there"
    )


# -- task 2: the detector -----------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("planted", ["lazy loop", "get loop"])
def test_detector_finds_the_planted_n_plus_one(
    session: Session, small_shelf: dict[str, Any], planted: str
) -> None:
    session.expunge_all()
    code = {"lazy loop": planted_lazy_loop, "get loop": planted_get_loop}[planted]
    with counter_on(session) as counter:
        code(session)
    found = n_plus_one.find_n_plus_one(counter.statements)
    repeats = small_shelf["authors"] if planted == "lazy loop" else small_shelf["books"]
    assert len(found) == 1, (
        f"the {planted} sends one SELECT {repeats} times: exactly one suspect expected, got {len(found)}: {found}"
    )
    sql, times = next(iter(found.items()))
    assert times == repeats and "books" in sql, (
        f"the suspect should be the SELECT on books, sent {repeats} times; got {times} times: {sql!r}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("planted", ["selectinload", "distinct queries", "row-by-row inserts"])
def test_detector_stays_quiet_on_code_without_n_plus_one(
    session: Session, small_shelf: dict[str, Any], planted: str
) -> None:
    session.expunge_all()
    code = {
        "selectinload": planted_selectin,
        "distinct queries": planted_distinct_queries,
        "row-by-row inserts": planted_row_by_row_inserts,
    }[planted]
    with counter_on(session) as counter:
        code(session)
    found = n_plus_one.find_n_plus_one(counter.statements)
    assert found == {}, (
        f"the planted code ({planted}) has no N+1: no SELECT is sent 3 times or more (INSERTs are never "
        f"suspects), yet the detector reported {found}"
    )


@pytest.mark.task(2)
def test_detector_threshold_is_inclusive_and_selects_only() -> None:
    lazy = "SELECT books.id FROM books WHERE ? = books.author_id"
    once = "SELECT authors.id FROM authors"
    insert_sql = "INSERT INTO books (title) VALUES (?)"
    statements = [once, lazy, lazy, "  select 1 ", insert_sql, insert_sql, insert_sql, insert_sql, lazy]
    statements += ["  select 1 ", "  select 1 "]
    assert n_plus_one.find_n_plus_one(statements) == {lazy: 3, "  select 1 ": 3}, (
        "with the default threshold 3, a SELECT sent exactly 3 times is a suspect (lowercase and leading "
        "spaces too), an INSERT sent 4 times is not, a SELECT sent once is not"
    )
    assert n_plus_one.find_n_plus_one(statements, threshold=4) == {}, (
        "with threshold=4 nothing here is a suspect: no SELECT was sent 4 times"
    )
    assert n_plus_one.find_n_plus_one(statements[:3], threshold=2) == {lazy: 2}, (
        "with threshold=2, the SELECT sent twice is the one suspect"
    )
    assert n_plus_one.find_n_plus_one([]) == {}, "no statements, no suspects"


# -- task 3: the fix ----------------------------------------------------------------------------


@pytest.mark.task(3)
def test_shelf_report_fits_three_statements_at_any_size(
    session: Session, shelf: dict[str, Any], queries: Any
) -> None:
    session.expunge_all()
    with queries.budget(
        3, because="the authors, their books, the books' publishers: one statement each, however many rows"
    ):
        report = n_plus_one.shelf_report(session)
    expected = shelf["expected"]
    assert report == expected, (
        "shelf_report() should list every author by name then id, each with their books as (title, publisher) "
        f"by title then book id (authors without books too):\nexpected {expected[:3]} ...\n     got {report[:3]} ..."
    )
