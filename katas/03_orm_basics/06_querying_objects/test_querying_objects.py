"""Tests for kata 3.6, querying objects. Run: pytest katas/03_orm_basics/06_querying_objects

The tables are created (from the tests' own copy of the schema) and filled inside the test's
transaction; some tests generate other catalogues with hypothesis.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import BigInteger, Column, Connection, ForeignKey, Integer, MetaData, String, Table, delete, event, insert
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Query, Session

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

querying_objects = learner_module(__file__, "querying_objects")

# The tests' own copy of the schema (the same as the given models), to create and fill the tables.
schema = MetaData()
authors = Table(
    "authors",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)
books = Table(
    "books",
    schema,
    # BIGINT, not INTEGER: on SQLite the id is then not the rowid, so the rows lie in the table in
    # insertion order (not id order) there too, and a missing "then id" shows on both backends.
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("isbn", String(13), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("year", Integer),
    Column("price_cents", Integer, nullable=False),
    Column("author_id", ForeignKey("authors.id"), nullable=False),
)

AUTHORS = [(1, "Frank Herbert"), (2, "Octavia E. Butler"), (3, "Ursula K. Le Guin"), (4, "Nobody Yet")]
# Inserted out of title order on purpose: a query without ORDER BY returns them in another order.
BOOKS = [
    # id, isbn, title, year, price_cents, author_id
    (12, "9780441172719", "Dune", 1965, 1099, 1),
    (11, "9780441104024", "Children of Dune", 1976, 999, 1),
    (10, "9780593098233", "Dune Messiah", 1969, 899, 1),
    (21, "9780446675505", "Parable of the Sower", 1993, 1400, 2),
    (20, "9780807083697", "Kindred", 1979, 1250, 2),
    (31, "9780061054884", "The Dispossessed", 1974, 1150, 3),
    (30, "9780441478125", "The Left Hand of Darkness", 1969, 1150, 3),
    (32, "9780000000001", "Unpublished Notes", None, 500, 3),
    (22, "9780000000002", "Notes", None, 700, 2),
    (33, "9780000000003", "Notes", 2001, 650, 3),
]


def fill(
    connection: Connection | Session, authors_rows: list[tuple[int, str]], book_rows: list[tuple[Any, ...]]
) -> None:
    if authors_rows:
        connection.execute(insert(authors), [{"id": i, "name": n} for i, n in authors_rows])
    if book_rows:
        keys = ("id", "isbn", "title", "year", "price_cents", "author_id")
        connection.execute(insert(books), [dict(zip(keys, row)) for row in book_rows])


@pytest.fixture
def shop(connection: Connection, session: Session) -> Session:
    """The catalogue above, inside the test's rolled-back transaction, and a session on it."""
    schema.create_all(connection)
    fill(connection, AUTHORS, BOOKS)
    return session


def titles(found: Any) -> list[str]:
    return [book.title for book in found]


# -- task 1: find_book ----------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("book_id", [10, 21, 33])
def test_find_book_returns_the_book_with_that_id(shop: Session, book_id: int) -> None:
    book = querying_objects.find_book(shop, book_id)
    expected = next(row for row in BOOKS if row[0] == book_id)
    assert book is not None and (book.id, book.title) == (book_id, expected[2]), (
        f"find_book({book_id}) should return the book {expected[2]!r}, got {book!r}"
    )
    assert querying_objects.find_book(shop, 999) is None, "find_book() of an unknown id should return None"


@pytest.mark.task(1)
def test_find_book_uses_the_identity_map(shop: Session, queries: Any) -> None:
    first = querying_objects.find_book(shop, 20)
    queries.clear()
    again = querying_objects.find_book(shop, 20)
    assert again is first, "the same session should give back the very same Book object for the same id"
    queries.assert_count(
        0,
        because="a book the session already holds is found in its identity map: Session.get() sends no SQL "
        "for it, a SELECT ... WHERE id = ... always does",
    )


# -- task 2: books_by -----------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("Frank Herbert", ["Children of Dune", "Dune", "Dune Messiah"]),
        (
            "Ursula K. Le Guin",
            ["Notes", "The Dispossessed", "The Left Hand of Darkness", "Unpublished Notes"],
        ),
        ("Nobody Yet", []),
        ("Frank Herbert' OR '1'='1", []),
        ("frank herbert", []),
    ],
    ids=["herbert", "le guin", "no books", "a name typed by a user", "another case"],
)
def test_books_by_returns_the_authors_books_by_title(
    shop: Session, queries: Any, author: str, expected: list[str]
) -> None:
    loaded: list[Any] = []

    def on_load(target: Any, _context: Any) -> None:
        loaded.append(target)

    queries.clear()
    event.listen(querying_objects.Book, "load", on_load)
    try:
        found = querying_objects.books_by(shop, author)
    finally:
        event.remove(querying_objects.Book, "load", on_load)
    assert isinstance(found, list) and all(isinstance(b, querying_objects.Book) for b in found), (
        f"books_by() should return a list of Book objects (session.scalars(...)), got {found!r}"
    )
    assert titles(found) == expected, (
        f"books_by({author!r}) should return {expected}, ordered by title; got {titles(found)} "
        "(the name is compared exactly, as == does: another spelling or case is another author)"
    )
    queries.assert_count(
        1,
        because="one SELECT joining books to authors, filtered on the author's name, finds the books; "
        "loading books and then each book's author to filter in Python sends one query per book",
    )
    assert len(loaded) == len(expected), (
        f"books_by() loaded {len(loaded)} Book objects to return {len(expected)}: let the database filter on "
        "the author's name (WHERE authors.name = ...) instead of loading every book and filtering in Python"
    )


book_lists = st.lists(
    st.tuples(
        st.sampled_from(["Atlas", "Brine", "Cinder", "Dune", "Ember", "Notes", "Zenith"]),
        st.sampled_from([1, 2, 3]),
        st.sampled_from([350, 499, 500, 1200]),  # few prices: ties are frequent
    ),
    max_size=14,
)


@pytest.mark.task(2)
@pytest.mark.task(4)
@given(rows=book_lists)
def test_books_by_and_cheapest_book_on_any_catalogue(shop: Session, rows: list[tuple[str, int, int]]) -> None:
    with rolled_back(shop):
        shop.execute(delete(books))
        # ids fall as the rows go in: the heap's order is not the id order, so a missing "then id" shows.
        book_rows = [
            (200 - i, f"97800000{i:05d}", title, 2000, price, author)
            for i, (title, author, price) in enumerate(rows)
        ]
        fill(shop, [], book_rows)
        for author_id, name in AUTHORS[:3]:
            mine = [row for row in book_rows if row[5] == author_id]
            expected = [(row[2], row[0]) for row in sorted(mine, key=lambda r: (r[2], r[0]))]
            for function in (querying_objects.books_by, querying_objects.books_by_legacy):
                got = [(book.title, book.id) for book in function(shop, name)]
                assert got == expected, (
                    f"{function.__name__}({name!r}) over the catalogue {rows} should return {expected} "
                    f"(title, id), ordered by title, then id for books with the same title; got {got}"
                )
            cheapest = querying_objects.cheapest_book(shop, name)
            want = min(mine, key=lambda r: (r[4], r[2], r[0]), default=None)
            assert (cheapest.id if cheapest else None) == (want[0] if want else None), (
                f"cheapest_book({name!r}) over the catalogue {rows} should be "
                f"{(want[2], want[4]) if want else None} (title, price), got "
                f"{(cheapest.title, cheapest.price_cents) if cheapest else None}"
            )
        shop.expunge_all()


# -- task 3: book_titled --------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("title", "book_id"), [("Kindred", 20), ("Dune", 12)])
def test_book_titled_returns_the_one_book(shop: Session, title: str, book_id: int) -> None:
    book = querying_objects.book_titled(shop, title)
    assert isinstance(book, querying_objects.Book) and book.id == book_id, (
        f"book_titled({title!r}) should return the Book with id {book_id}, got {book!r}"
    )


@pytest.mark.task(3)
def test_book_titled_raises_when_there_is_no_such_book(shop: Session) -> None:
    try:
        got = querying_objects.book_titled(shop, "Dune Chronicles")
    except NoResultFound:
        return
    pytest.fail(
        f"book_titled('Dune Chronicles') should raise NoResultFound (there is no such book), it returned {got!r}: "
        "scalar_one() raises it, first() and scalar() return None instead",
        pytrace=False,
    )


@pytest.mark.task(3)
def test_book_titled_raises_when_several_books_have_the_title(shop: Session) -> None:
    try:
        got = querying_objects.book_titled(shop, "Notes")
    except MultipleResultsFound:
        return
    pytest.fail(
        f"two books are titled 'Notes': book_titled('Notes') should raise MultipleResultsFound rather than pick "
        f"one, it returned {got!r}: scalar_one() checks that there is exactly one row, first() does not",
        pytrace=False,
    )


# -- task 4: cheapest_book ------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("author", "expected"),
    [("Frank Herbert", "Dune Messiah"), ("Octavia E. Butler", "Notes"), ("Nobody Yet", None)],
)
def test_cheapest_book_is_one_query_and_none_without_books(
    shop: Session, queries: Any, author: str, expected: str | None
) -> None:
    loaded: list[Any] = []

    def on_load(target: Any, _context: Any) -> None:
        loaded.append(target)

    event.listen(querying_objects.Book, "load", on_load)
    try:
        book = querying_objects.cheapest_book(shop, author)
    finally:
        event.remove(querying_objects.Book, "load", on_load)
    assert (book.title if book else None) == expected, (
        f"cheapest_book({author!r}) should return {expected!r}, got {book!r}"
    )
    queries.assert_count(1, because="one SELECT, ordered by price, finds the cheapest book")
    assert len(loaded) <= 1, (
        f"cheapest_book() loaded {len(loaded)} Book objects to return one: let the database order the books "
        "by price and send back only the first row (order_by(...).limit(1)); Result.first() alone adds no LIMIT"
    )


# -- task 5: count_books_since --------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize(("year", "expected"), [(1970, 5), (1900, 8), (2001, 1), (2002, 0)])
def test_count_books_since_counts_in_the_database(
    shop: Session, queries: Any, year: int, expected: int
) -> None:
    count = querying_objects.count_books_since(shop, year)
    assert count == expected, (
        f"count_books_since({year}) should be {expected} (books without a year do not count), got {count!r}"
    )
    queries.assert_count(1, because="one SELECT count(*) ... counts in the database")
    assert "count(" in queries.statements[0].sql.lower(), (
        "the database should count (SELECT count(*) ...), not the Python code after loading every book:\n"
        + queries.listing()
    )


# -- task 6: the legacy Query API -----------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize("author", ["Frank Herbert", "Ursula K. Le Guin", "Nobody Yet"])
def test_books_by_legacy_is_a_query_with_the_same_answer(
    shop: Session, monkeypatch: pytest.MonkeyPatch, author: str
) -> None:
    built: list[Any] = []
    original = Query.__init__

    def spy(self: Query[Any], *args: Any, **kwargs: Any) -> None:
        built.append(args)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Query, "__init__", spy)
    found = querying_objects.books_by_legacy(shop, author)
    assert built, (
        "books_by_legacy() should use the legacy API: session.query(Book)...., which builds a Query object"
    )
    expected = [
        row[2]
        for row in sorted((r for r in BOOKS if dict(AUTHORS)[r[5]] == author), key=lambda r: (r[2], r[0]))
    ]
    assert isinstance(found, list) and titles(found) == expected, (
        f"books_by_legacy({author!r}) should return the same list as books_by(): {expected}, got {found!r}"
    )
