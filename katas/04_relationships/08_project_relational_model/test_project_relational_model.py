"""Tests for kata 4.8, the library project. Run: pytest katas/04_relationships/08_project_relational_model"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

library = learner_module(__file__, "project_relational_model")

SCHEMA = {
    "publishers": {"id", "name"},
    "authors": {"id", "name"},
    "books": {"id", "isbn", "title", "year", "publisher_id"},
    "book_authors": {"book_id", "author_id"},
    "members": {"id", "name", "email"},
    "loans": {"id", "book_id", "member_id", "borrowed_on", "returned_on"},
}
FOREIGN_KEYS = {
    ("books", "publisher_id"): "publishers.id",
    ("book_authors", "book_id"): "books.id",
    ("book_authors", "author_id"): "authors.id",
    ("loans", "book_id"): "books.id",
    ("loans", "member_id"): "members.id",
}
RELATIONSHIPS = {
    "Publisher": ["books"],
    "Author": ["books"],
    "Book": ["publisher", "authors", "loans"],
    "Member": ["loans"],
    "Loan": ["book", "member"],
}
PUBLISHERS = ["Penguin", "O'Reilly", "Tor"]
AUTHORS = ["Le Guin", "Pratchett", "Gaiman", "Jemisin", "Chiang", "Wells"]
TITLES = [
    "Anathem",
    "Binti",
    "Circe",
    "Dune",
    "Emma",
    "Feed",
    "Gideon",
    "Hyperion",
    "Ilium",
    "Jade City",
    "Kindred",
    "Lolly Willowes",
    "Mort",
    "Neuromancer",
    "Orlando",
    "Piranesi",
]
MEMBERS = [
    ("Ana", "ana@example.org"),
    ("Ben", "ben@example.org"),
    ("Cleo", "cleo@example.org"),
    ("Dev", "dev@example.org"),
]
DAY = datetime.date(2024, 3, 1)


def require_schema() -> dict[str, Any]:
    tables = library.Base.metadata.tables
    problems = []
    for name, columns in SCHEMA.items():
        if name not in tables:
            problems.append(f"there is no table {name}")
        elif not columns <= set(tables[name].c.keys()):
            problems.append(f"{name} lacks the columns {sorted(columns - set(tables[name].c.keys()))}")
    for cls_name, names in RELATIONSHIPS.items():
        missing = [n for n in names if n not in inspect(getattr(library, cls_name)).relationships]
        if missing:
            problems.append(f"{cls_name} lacks the relationships {missing}")
    if problems:
        pytest.fail("The model is not complete yet (task 1): " + "; ".join(problems), pytrace=False)
    return dict(tables)


def seed(session: Session, seed_value: int, books: int = 10) -> dict[str, Any]:
    """A library inserted with plain SQL; returns what was stored, by isbn and by email."""
    t = require_schema()
    library.Base.metadata.create_all(session.connection())
    rng = random.Random(seed_value)

    def new_id(table: str, **values: Any) -> int:
        return int(session.execute(insert(t[table]).values(**values).returning(t[table].c.id)).scalar_one())

    publisher_ids = {name: new_id("publishers", name=name) for name in PUBLISHERS}
    author_ids = {name: new_id("authors", name=name) for name in AUTHORS}
    member_ids = {email: new_id("members", name=name, email=email) for name, email in MEMBERS}
    data: dict[str, Any] = {"books": {}, "loans": []}
    for index, title in enumerate(rng.sample(TITLES, books)):
        isbn = f"978-{seed_value:02d}-{index:03d}"
        book = {
            "title": title,
            "year": rng.randint(1960, 2022),
            "publisher": rng.choice(PUBLISHERS),
            "authors": sorted(rng.sample(AUTHORS, rng.randint(1, 3))),
        }
        book_id = new_id(
            "books", isbn=isbn, title=title, year=book["year"], publisher_id=publisher_ids[book["publisher"]]
        )
        session.execute(
            insert(t["book_authors"]),
            [{"book_id": book_id, "author_id": author_ids[a]} for a in book["authors"]],
        )
        day = DAY + datetime.timedelta(days=rng.randint(0, 20))
        for _ in range(rng.randint(0, 2)):
            email = rng.choice(list(member_ids))
            returned = day + datetime.timedelta(days=rng.randint(1, 14))
            data["loans"].append((isbn, email, day, returned))
            day = returned + datetime.timedelta(days=rng.randint(0, 5))
        book["out"] = rng.random() < 0.4
        if book["out"]:
            data["loans"].append((isbn, rng.choice(list(member_ids)), day, None))
        data["books"][isbn] = book
    ids = {
        isbn: session.scalars(select(t["books"].c.id).where(t["books"].c.isbn == isbn)).one()
        for isbn in data["books"]
    }
    if data["loans"]:
        session.execute(
            insert(t["loans"]),
            [
                {"book_id": ids[isbn], "member_id": member_ids[email], "borrowed_on": on, "returned_on": back}
                for isbn, email, on, back in data["loans"]
            ],
        )
    session.expunge_all()
    return data


def rows(session: Session, table: str) -> list[tuple[Any, ...]]:
    t = library.Base.metadata.tables[table]
    columns = [c for c in t.c if c.name != "id"]
    return sorted(tuple(r) for r in session.execute(select(*columns)))


def count(session: Session, table: str) -> int:
    return len(session.execute(select(library.Base.metadata.tables[table])).all())


@contextmanager
def refused(error: type[Exception], because: str) -> Iterator[None]:
    """Like pytest.raises, with a sentence when nothing was raised."""
    try:
        yield
    except error:
        return
    pytest.fail(f"expected {error.__name__}: {because}", pytrace=False)


def selects(queries: Any) -> int:
    return len(queries.matching(r"^\s*SELECT"))


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_tables_have_the_documented_columns_and_keys() -> None:
    tables = require_schema()
    for (table, column), target in FOREIGN_KEYS.items():
        targets = {fk.target_fullname for fk in tables[table].c[column].foreign_keys}
        assert targets == {target}, (
            f"{table}.{column} should be a foreign key to {target}, not {sorted(targets)}"
        )
    required = [
        ("books", "publisher_id"),
        ("loans", "book_id"),
        ("loans", "member_id"),
        ("loans", "borrowed_on"),
    ]
    for table, column in required:
        assert not tables[table].c[column].nullable, f"{table}.{column} should be NOT NULL"
    assert tables["loans"].c.returned_on.nullable, "loans.returned_on must allow NULL: the book is still out"


@pytest.mark.task(1)
def test_objects_navigate_both_ways_before_flush(queries: Any) -> None:
    require_schema()
    penguin, le_guin = library.Publisher(name="Penguin"), library.Author(name="Le Guin")
    ana = library.Member(name="Ana", email="ana@example.org")
    book = library.Book(isbn="1", title="Earthsea", year=1968, publisher=penguin)
    book.authors.append(le_guin)
    loan = library.Loan(book=book, member=ana, borrowed_on=DAY)
    assert penguin.books == [book], "book.publisher = p should append the book to p.books (back_populates)"
    assert le_guin.books == [book], "book.authors.append(a) should append the book to a.books"
    assert book.loans == [loan] and ana.loans == [loan], (
        "Loan(book=..., member=...) should appear in book.loans and member.loans"
    )
    queries.assert_count(0, because="both sides of every relationship are kept in sync in Python")


@pytest.mark.task(1)
def test_a_whole_graph_is_saved_from_one_object(session: Session) -> None:
    require_schema()
    library.Base.metadata.create_all(session.connection())
    book = library.Book(
        isbn="978-1",
        title="Mort",
        year=1987,
        publisher=library.Publisher(name="Tor"),
        authors=[library.Author(name="Pratchett")],
    )
    library.Loan(book=book, member=library.Member(name="Ben", email="ben@example.org"), borrowed_on=DAY)
    session.add(book)
    session.flush()
    assert (
        count(session, "publishers"),
        count(session, "authors"),
        count(session, "book_authors"),
        count(session, "members"),
        count(session, "loans"),
    ) == (1, 1, 1, 1, 1), (
        "adding the book alone should save its publisher, author, author link, loan and the loan's member "
        "(the save-update cascade along every relationship)"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("table", ["book_authors", "books", "members"])
def test_the_database_refuses_duplicates(session: Session, table: str) -> None:
    seed(session, 1, 4)
    t = library.Base.metadata.tables
    first = session.execute(select(t[table])).mappings().first()
    assert first is not None
    values = {k: v for k, v in first.items() if k != "id"}
    if table == "books":
        values["title"] = "Another title"  # same isbn
    if table == "members":
        values["name"] = "Someone else"  # same email
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(t[table]).values(**values))
    # If this fails: a repeated book/author pair, isbn or member email was accepted; the schema should
    # make them unique (a composite primary key on book_authors, unique=True on isbn and email).


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("publisher", "authors"),
    [
        ("Penguin", ["Le Guin"]),
        ("Orbit", ["Jemisin", "New Writer"]),
        ("Tor", ["Gaiman", "Pratchett", "Gaiman"]),
        ("Small Beer", ["Kelly Link", "Kelly Link"]),
        ("O'Reilly", ["Chiang", "Wells", "Le Guin", "Gaiman", "Ann Leckie"]),
    ],
    ids=[
        "all stored",
        "new publisher and a new author",
        "repeated author",
        "all new, repeated",
        "five authors",
    ],
)
def test_add_book_reuses_stored_names_and_creates_the_rest(
    session: Session, queries: Any, publisher: str, authors: list[str]
) -> None:
    seed(session, 2, 4)
    before = {t: count(session, t) for t in ("publishers", "authors", "books")}
    queries.clear()
    try:
        book = library.add_book(session, "978-NEW", "Good Omens", 1990, publisher, authors)
    except IntegrityError as error:
        pytest.fail(
            "add_book() was refused by the database: it created a publisher or author whose name is already "
            f"stored (or the same author twice) instead of reusing it. The database said: {error.orig}",
            pytrace=False,
        )
    assert selects(queries) <= 3, (
        f"add_book() sent {selects(queries)} SELECTs; three are enough (the publisher, the authors with name IN "
        f"(...), and no more): not one per author.\n{queries.listing()}"
    )
    assert inspect(book).persistent and book.isbn == "978-NEW", "add_book() should flush and return the book"
    new_authors = len(set(authors) - set(AUTHORS))
    assert count(session, "publishers") == before["publishers"] + (publisher not in PUBLISHERS), (
        f"the publisher {publisher!r} should be reused if stored and created once otherwise"
    )
    assert count(session, "authors") == before["authors"] + new_authors, (
        f"authors {authors}: stored ones reused, new ones created once each"
    )
    t = library.Base.metadata.tables
    stored = sorted(
        session.scalars(
            select(t["authors"].c.name)
            .join(t["book_authors"], t["book_authors"].c.author_id == t["authors"].c.id)
            .join(t["books"], t["books"].c.id == t["book_authors"].c.book_id)
            .where(t["books"].c.isbn == "978-NEW")
        )
    )
    assert stored == sorted(set(authors)), (
        f"the new book should be linked to {sorted(set(authors))}, once each; got {stored}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("seed_value", [3, 4, 5])
def test_books_by_lists_an_authors_titles_oldest_first(
    session: Session, queries: Any, seed_value: int
) -> None:
    data = seed(session, seed_value)
    # Two more books of the first author in the same year, inserted out of title order: the tie-break shows.
    t = library.Base.metadata.tables
    publisher_id = session.scalars(select(t["publishers"].c.id)).first()
    author_id = session.scalars(select(t["authors"].c.id).where(t["authors"].c.name == AUTHORS[0])).one()
    for index, title in enumerate(["Zebra Crossings", "Aardvark Mornings"]):
        isbn = f"979-{seed_value:02d}-{index:03d}"
        book_id = session.execute(
            insert(t["books"])
            .values(isbn=isbn, title=title, year=1990, publisher_id=publisher_id)
            .returning(t["books"].c.id)
        ).scalar_one()
        session.execute(insert(t["book_authors"]).values(book_id=book_id, author_id=author_id))
        data["books"][isbn] = {"title": title, "year": 1990, "authors": [AUTHORS[0]]}
    for author in AUTHORS:
        queries.clear()
        got = library.books_by(session, author)
        expected = [
            b["title"]
            for b in sorted(data["books"].values(), key=lambda b: (b["year"], b["title"]))
            if author in b["authors"]
        ]
        assert list(got) == expected, (
            f"books_by({author!r}) should be {expected} (by year, then title); got {got}"
        )
        queries.assert_count(1, because="one SELECT joining books to their authors")


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("seed_value", "books"), [(6, 5), (7, 14)], ids=["5 books", "14 books"])
def test_catalogue_lists_every_book_within_the_budget(
    session: Session, queries: Any, seed_value: int, books: int
) -> None:
    data = seed(session, seed_value, books)
    queries.clear()
    got = library.catalogue(session)
    queries.assert_at_most(
        4,
        because=f"{books} books: one query per book for its publisher, authors or loans is the N+1 pattern; "
        "load them with the books (joinedload / selectinload)",
    )
    expected = [
        {
            "isbn": isbn,
            "title": b["title"],
            "publisher": b["publisher"],
            "authors": b["authors"],
            "available": not b["out"],
        }
        for isbn, b in sorted(data["books"].items(), key=lambda item: item[1]["title"])
    ]
    got_list = [dict(entry) for entry in got]
    assert got_list == expected, (
        "catalogue() should list every book sorted by title, with its publisher, sorted author names, and "
        f"available = no open loan.\nExpected {expected}\nGot      {got_list}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("seed_value", [8, 9])
def test_borrow_and_return_open_and_close_loans(session: Session, seed_value: int) -> None:
    data = seed(session, seed_value)
    isbn = next(i for i, b in data["books"].items() if not b["out"])
    before = count(session, "loans")
    loan = library.borrow(session, isbn, "cleo@example.org", DAY + datetime.timedelta(days=60))
    assert inspect(loan).persistent and loan.returned_on is None, (
        "borrow() should flush and return an open loan"
    )
    assert loan.book.isbn == isbn and loan.member.email == "cleo@example.org", (
        "the loan links that book and member"
    )
    assert count(session, "loans") == before + 1, "borrow() adds one loan"
    with refused(ValueError, "the book was just borrowed, it is out: borrowing it again must be refused"):
        library.borrow(session, isbn, "ana@example.org", DAY + datetime.timedelta(days=61))
    assert count(session, "loans") == before + 1, "a book that is out cannot be borrowed again: no new loan"
    back = library.return_book(session, isbn, DAY + datetime.timedelta(days=70))
    assert back.returned_on == DAY + datetime.timedelta(days=70), "return_book() should set returned_on"
    again = library.borrow(session, isbn, "ana@example.org", DAY + datetime.timedelta(days=71))
    assert again.returned_on is None and count(session, "loans") == before + 2, (
        "once returned it can be borrowed again"
    )


@pytest.mark.task(5)
def test_borrowing_a_book_that_is_out_is_refused(session: Session) -> None:
    data = seed(session, 10, 12)
    out = [i for i, b in data["books"].items() if b["out"]]
    assert out, "test data: some books are out"
    before = count(session, "loans")
    for isbn in out:
        with refused(ValueError, f"{isbn} has a loan without returned_on: it is out and cannot be borrowed"):
            library.borrow(session, isbn, "dev@example.org", DAY + datetime.timedelta(days=90))
    assert count(session, "loans") == before, "no loan should be added for books that are out"


@pytest.mark.task(5)
def test_unknown_books_and_members_and_returning_a_book_not_out(session: Session) -> None:
    data = seed(session, 11)
    isbn = next(i for i, b in data["books"].items() if not b["out"])
    with refused(LookupError, "borrow() of an isbn the library does not have"):
        library.borrow(session, "no-such-isbn", "ana@example.org", DAY)
    with refused(LookupError, "borrow() for an email that is no member's"):
        library.borrow(session, isbn, "nobody@example.org", DAY)
    with refused(LookupError, f"return_book() of {isbn}, which is not out (all its loans are returned)"):
        library.return_book(session, isbn, DAY)


# -- task 6 -------------------------------------------------------------------------------------


@pytest.mark.task(6)
@pytest.mark.parametrize("seed_value", [12, 13])
def test_remove_book_deletes_it_with_its_links_and_loans(session: Session, seed_value: int) -> None:
    data = seed(session, seed_value)
    isbn = max(
        data["books"], key=lambda i: (len(data["books"][i]["authors"]), sum(l[0] == i for l in data["loans"]))
    )
    before = {t: count(session, t) for t in ("publishers", "authors", "members")}
    try:
        library.remove_book(session, isbn)
    except IntegrityError as error:
        pytest.fail(
            "remove_book() was refused: rows still point at the book. Without a delete cascade on Book.loans "
            f"the ORM tries to set their book_id to NULL. The database said: {error.orig}",
            pytrace=False,
        )
    t = library.Base.metadata.tables
    assert isbn not in set(session.scalars(select(t["books"].c.isbn))), "the book should be deleted"
    assert count(session, "book_authors") == sum(
        len(b["authors"]) for i, b in data["books"].items() if i != isbn
    ), "the book's author links should go with it, and the others stay"
    assert count(session, "loans") == sum(1 for loan in data["loans"] if loan[0] != isbn), (
        "the book's loan history should go with it (cascade), and the others stay"
    )
    assert {tbl: count(session, tbl) for tbl in before} == before, "publishers, authors and members all stay"
    with refused(LookupError, "remove_book() of a book that no longer exists"):
        library.remove_book(session, isbn)


# -- task 7 -------------------------------------------------------------------------------------


@pytest.mark.task(7)
@pytest.mark.parametrize("seed_value", [14, 15])
def test_history_lists_a_members_loans_oldest_first(session: Session, queries: Any, seed_value: int) -> None:
    data = seed(session, seed_value, 14)
    for _name, email in MEMBERS:
        queries.clear()
        got = library.history(session, email)
        expected = [
            (data["books"][isbn]["title"], on, back) for isbn, who, on, back in data["loans"] if who == email
        ]
        got = list(got)
        assert [row[1] for row in got] == sorted(row[1] for row in got), (
            f"history({email!r}) should list the loans oldest first (by borrowed_on); got {got}"
        )
        assert sorted(got, key=repr) == sorted(expected, key=repr), (
            f"history({email!r}) should list each of the member's loans once as (title, borrowed_on, returned_on "
            f"or None), open loans included: expected {sorted(expected, key=lambda r: r[1])}, got {got}"
        )
        queries.assert_at_most(
            2, because="one query for the member's loans with their books, not one per loan"
        )
