"""Tests for kata 1.6, SQLAlchemy 2.0 style. Run: pytest katas/01_fundamentals/06_sqlalchemy_2_style

How the tests tell 1.x style from 2.0 style without reading your code: while a test runs, creating
a legacy `Query` object (what `session.query(...)` returns) raises `LegacyQueryUsed`. Everything
2.0 style — select(), Session.get(), Session.execute()/scalars(), update() — never creates one.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Query, Session

from fixtures.target import learner_module

style = learner_module(__file__, "sqlalchemy_2_style")

CREATE_TABLES = [
    "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE)",
    """CREATE TABLE books (
        id INTEGER PRIMARY KEY,
        title VARCHAR(200) NOT NULL,
        year INTEGER,
        price_cents INTEGER NOT NULL,
        author_id INTEGER NOT NULL REFERENCES authors(id)
    )""",
]
AUTHORS = [(1, "Frank Herbert"), (2, "Octavia E. Butler"), (3, "Ursula K. Le Guin"), (4, "Nobody Yet")]
BOOKS = [
    # id, title, year, price_cents, author_id
    (10, "Dune", 1965, 1099, 1),
    (11, "Dune Messiah", 1969, 899, 1),
    (12, "Children of Dune", 1976, 999, 1),
    (20, "Kindred", 1979, 1250, 2),
    (21, "Parable of the Sower", 1993, 1400, 2),
    (30, "The Dispossessed", 1974, 1150, 3),
    (31, "Unpublished Notes", None, 500, 3),
]


class LegacyQueryUsed(AssertionError):
    """Raised when the code under test builds a 1.x Query object."""


@pytest.fixture(autouse=True)
def no_legacy_query(monkeypatch: pytest.MonkeyPatch) -> None:
    """session.query(...) (and Query(...)) raise during the test: the functions must be 2.0 style."""

    def refuse(self: Query[Any], entities: Any, *args: Any, **kwargs: Any) -> None:
        raise LegacyQueryUsed(
            f"the code built a legacy Query object (session.query({_names(entities)})). "
            "Port it to 2.0 style: build select(...) / update(...) and run it with session.execute(), "
            "session.scalars() or session.scalar(); Query.get() becomes session.get(Model, pk)"
        )

    monkeypatch.setattr(Query, "__init__", refuse)


def _names(entities: Any) -> str:
    items = entities if isinstance(entities, (list, tuple)) else [entities]
    return ", ".join(getattr(e, "__name__", None) or str(e) for e in items)


def create_tables(connection: Connection) -> None:
    for ddl in CREATE_TABLES:
        connection.execute(text(ddl))
    connection.execute(text("INSERT INTO authors (id, name) VALUES (:id, :name)"), [
        {"id": i, "name": n} for i, n in AUTHORS
    ])
    connection.execute(
        text("INSERT INTO books VALUES (:id, :title, :year, :price_cents, :author_id)"),
        [dict(zip(("id", "title", "year", "price_cents", "author_id"), b)) for b in BOOKS],
    )


@pytest.fixture
def catalogue(connection: Connection, session: Session) -> Session:
    """The authors and books above, inside the test's rolled-back transaction; the session sees them."""
    create_tables(connection)
    return session


@pytest.fixture
def shop_engine(engine: Engine) -> Engine:
    """The same data committed for real, for the function that opens its own session."""
    with engine.begin() as connection:
        create_tables(connection)
    return engine


def committed(engine: Engine, sql: str) -> list[Any]:
    """What a brand-new connection sees: only committed work."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


# -- task 1: typed models ---------------------------------------------------------------------------


def is_mapped_annotation(hint: Any) -> bool:
    return typing.get_origin(hint) is Mapped


@pytest.mark.task(1)
@pytest.mark.parametrize("model_name", ["Author", "Book"])
def test_models_are_typed_declarative_classes(model_name: str) -> None:
    model = getattr(style, model_name)
    assert isinstance(model, type) and issubclass(model, DeclarativeBase), (
        f"{model_name} should derive from a `class Base(DeclarativeBase)`; declarative_base() is the 1.x "
        "way, and type checkers cannot see what it returns"
    )
    try:
        hints = typing.get_type_hints(model)
    except Exception as error:
        pytest.fail(f"the annotations of {model_name} cannot be resolved ({error}); write them as Mapped[...]")
    attributes = [attribute.key for attribute in inspect(model).attrs]
    untyped = [name for name in attributes if not is_mapped_annotation(hints.get(name))]
    assert not untyped, (
        f"{model_name}.{', '.join(untyped)}: every mapped attribute needs a Mapped[...] annotation "
        "(name: Mapped[str] = mapped_column(...)), relationships too (Mapped[list[Book]], Mapped[Author]); "
        f"attributes made by backref= have none"
    )


def inner_type(hint: Any) -> Any:
    """Mapped[X] -> X, normalised: Optional[int] and int | None compare equal, List[X] and list[X] too."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) is not Mapped or len(args) != 1:
        return hint
    inner = args[0]
    if typing.get_origin(inner) in (typing.Union, types.UnionType):
        return frozenset(typing.get_args(inner))
    if typing.get_origin(inner) is list:
        return ("list of", *typing.get_args(inner))
    return inner


@pytest.mark.task(1)
def test_annotations_match_the_tables_and_the_relationships() -> None:
    book_hints = typing.get_type_hints(style.Book)
    author_hints = typing.get_type_hints(style.Author)
    found = {
        "Book.title": inner_type(book_hints.get("title")),
        "Book.year": inner_type(book_hints.get("year")),
        "Book.price_cents": inner_type(book_hints.get("price_cents")),
        "Book.author": inner_type(book_hints.get("author")),
        "Author.books": inner_type(author_hints.get("books")),
    }
    expected = {
        "Book.title": str,
        "Book.year": frozenset({int, type(None)}),
        "Book.price_cents": int,
        "Book.author": style.Author,
        "Author.books": ("list of", style.Book),
    }
    wrong = {name: found[name] for name in expected if found[name] != expected[name]}
    assert not wrong, (
        "expected Book.title: Mapped[str], Book.year: Mapped[int | None] (the column is NULLable), "
        "Book.price_cents: Mapped[int], Book.author: Mapped[Author], Author.books: Mapped[list[Book]]; "
        f"these differ: {wrong}"
    )
    columns = style.Book.__table__.c
    nullable = {name: columns[name].nullable for name in ("title", "year", "price_cents", "author_id")}
    assert nullable == {"title": False, "year": True, "price_cents": False, "author_id": False}, (
        f"only books.year may be NULL; the mapping says {nullable}"
    )


# -- task 2: looking books up -----------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("book_id", [11, 30])
def test_find_book_returns_the_book_or_none(catalogue: Session, book_id: int) -> None:
    book = style.find_book(catalogue, book_id)
    expected = next(b for b in BOOKS if b[0] == book_id)
    assert isinstance(book, style.Book) and (book.id, book.title) == expected[:2], (
        f"find_book({book_id}) should return the Book object {expected[1]!r}, got {book!r}"
    )
    missing = style.find_book(catalogue, 999)
    assert missing is None, f"no book has id 999: find_book() should return None, not {missing!r}"


@pytest.mark.task(2)
def test_find_book_uses_the_identity_map(catalogue: Session, queries) -> None:
    loaded = style.find_book(catalogue, 20)
    queries.clear()
    again = style.find_book(catalogue, 20)
    assert again is loaded, "the same primary key in the same session must give the same object"
    queries.assert_count(
        0,
        because="the book is already in the session's identity map: Session.get() answers from it, "
        "a select() by id always asks the database",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("author", "titles"),
    [
        ("Frank Herbert", ["Children of Dune", "Dune", "Dune Messiah"]),
        ("Octavia E. Butler", ["Kindred", "Parable of the Sower"]),
        ("Nobody Yet", []),
        ("Not In The Catalogue", []),
    ],
)
def test_books_by_returns_book_objects_ordered_by_title(catalogue: Session, author: str, titles: list[str]) -> None:
    books = style.books_by(catalogue, author)
    assert isinstance(books, list), f"books_by() should return a list, got {type(books).__name__}"
    assert all(isinstance(b, style.Book) for b in books), (
        f"books_by() should return Book objects (session.scalars(...)), not rows: got {books[:2]!r}"
    )
    assert [b.title for b in books] == titles, f"{author}'s books by title should be {titles}, got {[b.title for b in books]}"


# -- task 3: counting -------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("year", "expected"), [(1970, 4), (1976, 3), (1994, 0), (1900, 6)])
def test_count_books_since_counts_books_with_a_year(catalogue: Session, year: int, expected: int) -> None:
    counted = style.count_books_since(catalogue, year)
    assert counted == expected and isinstance(counted, int), (
        f"{expected} books were published in {year} or later (the one without a year does not count); "
        f"count_books_since({year}) said {counted!r}"
    )


@pytest.mark.task(3)
def test_books_per_author_includes_authors_without_books(catalogue: Session) -> None:
    counts = [tuple(row) for row in style.books_per_author(catalogue)]
    expected = [("Frank Herbert", 3), ("Nobody Yet", 0), ("Octavia E. Butler", 2), ("Ursula K. Le Guin", 2)]
    assert counts == expected, (
        f"expected (name, number of books) for every author by name, with 0 for an author without "
        f"books (an outer join): {expected}; got {counts}"
    )


# -- task 4: a bulk UPDATE --------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("author", "cents"), [("Frank Herbert", 100), ("Octavia E. Butler", -50)])
def test_raise_prices_updates_one_authors_books_in_one_statement(
    catalogue: Session, queries, author: str, cents: int
) -> None:
    author_id = next(i for i, n in AUTHORS if n == author)
    queries.clear()
    changed = style.raise_prices(catalogue, author, cents)
    expected_count = sum(1 for b in BOOKS if b[4] == author_id)
    assert changed == expected_count, f"{author} has {expected_count} books; raise_prices() returned {changed!r}"
    updates = queries.matching(r"^\s*UPDATE")
    assert len(updates) == 1 and not updates[0].executemany, (
        f"expected ONE UPDATE statement for all of {author}'s books (update(Book).where(...).values(...)), "
        f"the code sent {len(updates)}" + (" (an executemany, one row at a time)" if updates and updates[0].executemany else "")
    )
    prices = dict(catalogue.execute(text("SELECT id, price_cents FROM books")).all())
    expected = {b[0]: b[3] + (cents if b[4] == author_id else 0) for b in BOOKS}
    assert prices == expected, f"expected prices {expected} in the database, found {prices}"


@pytest.mark.task(4)
def test_raise_prices_keeps_loaded_books_up_to_date(catalogue: Session) -> None:
    dune = catalogue.get(style.Book, 10)
    assert dune is not None
    style.raise_prices(catalogue, "Frank Herbert", 200)
    assert dune.price_cents == 1299, (
        f"Dune was loaded before the update; afterwards the object says {dune.price_cents} instead of 1299. "
        "synchronize_session=False leaves loaded objects stale: the 2.0 ORM-enabled update() run with "
        "session.execute() synchronizes them by default"
    )


# -- task 5: a session of its own -------------------------------------------------------------------


@pytest.mark.task(5)
def test_add_author_with_books_commits_everything(shop_engine: Engine) -> None:
    author_id = style.add_author_with_books(shop_engine, "N. K. Jemisin", [("The Fifth Season", 1099), ("The Obelisk Gate", 1199)])
    stored = committed(shop_engine, "SELECT id, name FROM authors WHERE name = 'N. K. Jemisin'")
    assert stored and stored[0][0] == author_id, (
        f"a new connection should see the new author with the id the function returned ({author_id!r}); "
        f"it sees {stored}. Did the session commit?"
    )
    titles = committed(shop_engine, f"SELECT title, price_cents FROM books WHERE author_id = {int(author_id)} ORDER BY title")
    assert titles == [("The Fifth Season", 1099), ("The Obelisk Gate", 1199)], f"the two books should be stored, found {titles}"
    assert shop_engine.pool.checkedout() == 0, "the session should be closed: its connection back in the pool"  # type: ignore[attr-defined]


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("name", "books", "why"),
    [
        ("Octavia E. Butler", [("Fledgling", 1300)], "the author exists already"),
        ("Ann Leckie", [("Ancillary Justice", 1199), ("   ", 999)], "the second title is empty"),
    ],
    ids=["existing author", "empty title"],
)
def test_add_author_with_books_stores_nothing_and_closes_its_session_on_error(
    shop_engine: Engine, name: str, books: list[tuple[str, int]], why: str
) -> None:
    before = committed(shop_engine, "SELECT count(*) FROM authors"), committed(shop_engine, "SELECT count(*) FROM books")
    with pytest.raises(ValueError):
        style.add_author_with_books(shop_engine, name, books)
    leaked = shop_engine.pool.checkedout()  # type: ignore[attr-defined]
    assert leaked == 0, (
        f"when {why}, the function raised ValueError but left {leaked} connection(s) checked out: "
        "the session was never closed, and its transaction is still open. "
        "`with Session(engine) as session, session.begin():` closes and rolls back on an exception"
    )
    after = committed(shop_engine, "SELECT count(*) FROM authors"), committed(shop_engine, "SELECT count(*) FROM books")
    assert after == before, f"when {why}, nothing may be stored; the row counts went from {before} to {after}"
