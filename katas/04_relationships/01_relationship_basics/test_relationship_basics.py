"""Tests for kata 4.1, relationship basics. Run: pytest katas/04_relationships/01_relationship_basics"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from fixtures.target import learner_module

relationship_basics = learner_module(__file__, "relationship_basics")


def make_tables(session: Session) -> None:
    """The learner's tables, created inside the test's transaction."""
    relationship_basics.Base.metadata.create_all(session.connection())


def require_relationships() -> tuple[Any, Any]:
    """Author and Book, after checking that both relationship attributes exist (task 1)."""
    Author, Book = relationship_basics.Author, relationship_basics.Book
    missing = [
        f"{cls.__name__}.{name}"
        for cls, name in ((Author, "books"), (Book, "author"))
        if name not in inspect(cls).relationships
    ]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} is not a relationship yet: declare it with relationship() (task 1)",
            pytrace=False,
        )
    return Author, Book


def book_rows(session: Session) -> dict[str, Any]:
    """title -> author name (None for a book without author), read with plain SQL."""
    rows = session.execute(
        text("SELECT b.title, a.name FROM books b LEFT JOIN authors a ON a.id = b.author_id")
    )
    return {title: name for title, name in rows}


def seed(session: Session) -> tuple[Any, Any, list[Any]]:
    """Two persistent authors, Le Guin with three books and Pratchett with one, everything loaded."""
    Author, Book = require_relationships()
    le_guin = Author(name="Ursula K. Le Guin")
    pratchett = Author(name="Terry Pratchett")
    session.add_all([le_guin, pratchett])
    session.flush()
    books = [Book(title=t) for t in ("Earthsea", "The Dispossessed", "Lathe of Heaven", "Mort")]
    session.add_all(books)
    session.flush()
    session.execute(text("UPDATE books SET author_id = :a WHERE title <> 'Mort'"), {"a": le_guin.id})
    session.execute(text("UPDATE books SET author_id = :a WHERE title = 'Mort'"), {"a": pratchett.id})
    session.expire_all()
    for author in (le_guin, pratchett):
        list(author.books)  # load both lists now: the code under test must send no SQL
        for book in author.books:
            _ = book.author
    return le_guin, pratchett, sorted(le_guin.books, key=lambda b: b.title) + list(pratchett.books)


def titles(author: Any) -> list[str]:
    return sorted(book.title for book in author.books)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_books_is_a_list_and_author_is_a_single_object() -> None:
    Author, Book = require_relationships()
    books = inspect(Author).relationships["books"]
    author = inspect(Book).relationships["author"]
    assert books.uselist, "Author.books should be a collection (a list of Book): an author writes many books"
    assert not author.uselist, "Book.author should be one Author (or None), not a list"
    assert books.mapper.class_ is Book and author.mapper.class_ is Author, (
        "Author.books should hold Book objects and Book.author an Author"
    )


@pytest.mark.task(1)
def test_appending_a_book_sets_its_author_before_any_flush(queries: Any) -> None:
    Author, Book = require_relationships()
    author, book = Author(name="N. K. Jemisin"), Book(title="The Fifth Season")
    author.books.append(book)
    assert book.author is author, (
        "after author.books.append(book), book.author should already be that author, in Python, before "
        "anything is flushed: that is what back_populates does (without it the other side only changes "
        "when it is loaded again from the database)"
    )
    queries.assert_count(0, because="keeping both sides in sync is pure Python: no SQL at all")


@pytest.mark.task(1)
def test_setting_a_books_author_appends_it_to_the_authors_books(queries: Any) -> None:
    Author, Book = require_relationships()
    author = Author(name="Octavia E. Butler")
    first, second = Book(title="Kindred"), Book(title="Dawn")
    first.author = author
    second.author = author
    assert list(author.books) == [first, second], (
        "setting book.author = author should append the book to author.books at once (back_populates "
        f"on both relationships); author.books is {list(author.books)!r}"
    )
    queries.assert_count(0, because="keeping both sides in sync is pure Python: no SQL at all")


@pytest.mark.task(1)
def test_loaded_objects_stay_in_sync_without_sql(session: Session, queries: Any) -> None:
    make_tables(session)
    le_guin, pratchett, books = seed(session)
    queries.clear()
    mort = books[-1]
    mort.author = le_guin
    assert mort in le_guin.books and mort not in pratchett.books, (
        "setting book.author on a loaded book should append it to the new author's books and remove it "
        f"from the old author's books: Le Guin has {titles(le_guin)}, Pratchett has {titles(pratchett)}"
    )
    queries.assert_count(0, because="both sides are already loaded: the sync happens in Python")


@pytest.mark.task(1)
def test_the_relationship_writes_the_foreign_key_at_flush(session: Session) -> None:
    make_tables(session)
    Author, Book = require_relationships()
    author = Author(name="Ted Chiang", books=[Book(title="Exhalation")])
    session.add(author)
    session.flush()
    book = author.books[0]
    assert book.author_id == author.id, (
        "after the flush book.author_id should be the author's new id: the relationship knows which "
        f"column links them (authors.id = books.author_id); got author_id={book.author_id!r}, "
        f"author id={author.id!r}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("name", "new_titles"),
    [
        ("Ann Leckie", ["Ancillary Justice", "Ancillary Sword", "Ancillary Mercy"]),
        ("Iain M. Banks", ["Excession"]),
        ("Martha Wells", []),
    ],
    ids=["three books", "one book", "no book yet"],
)
def test_publish_saves_the_author_and_books_linked(
    session: Session, queries: Any, name: str, new_titles: list[str]
) -> None:
    make_tables(session)
    require_relationships()
    author = relationship_basics.publish(session, name, iter(new_titles))
    with queries.paused():
        rows = book_rows(session)
    assert rows == dict.fromkeys(new_titles, name), (
        f"publish() should have saved the books {new_titles} with author_id pointing at {name!r}; "
        f"the books table holds (title: author) {rows}"
    )
    assert inspect(author).persistent, "publish() should add the author to the session and flush it"
    queries.clear()
    got = [book.title for book in author.books]
    assert got == new_titles, (
        f"the returned author's books should be {new_titles}, in the order given; got {got}"
    )
    if not new_titles:
        return  # an author created without touching `books` may load the empty list: that is fine
    queries.assert_count(
        0,
        because="the author's books list was filled in Python when the books were linked through the "
        "relationship: reading it must not need a query (setting author_id by hand leaves it unloaded, and a "
        "commit instead of the flush expires it)",
    )


@pytest.mark.task(2)
def test_publish_adds_only_what_the_cascade_needs(session: Session) -> None:
    make_tables(session)
    require_relationships()
    author = relationship_basics.publish(session, "Becky Chambers", ["A Psalm for the Wild-Built"])
    assert not session.new and not session.dirty, (
        "publish() should flush: nothing may be left pending in the session afterwards"
    )
    assert all(inspect(book).persistent for book in author.books), (
        "the books should be persistent after publish(): adding the author to the session brings its "
        "books along (the save-update cascade), and the flush writes them"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("index", [0, 3], ids=["from Le Guin to Pratchett", "from Pratchett to Le Guin"])
def test_transfer_updates_both_lists_at_once_without_sql(session: Session, queries: Any, index: int) -> None:
    make_tables(session)
    le_guin, pratchett, books = seed(session)
    book = books[index]
    old, new = (le_guin, pratchett) if index < 3 else (pratchett, le_guin)
    expected_old = sorted(t for t in titles(old) if t != book.title)
    expected_new = sorted(titles(new) + [book.title])
    queries.clear()
    relationship_basics.transfer(book, new)
    assert book.author is new, f"after transfer() the book's author should be {new!r}, not {book.author!r}"
    assert (titles(old), titles(new)) == (expected_old, expected_new), (
        f"right after transfer(), before any flush, {old.name} should have {expected_old} and {new.name} "
        f"{expected_new}; they have {titles(old)} and {titles(new)}. Changing book.author_id by hand "
        "changes neither list: only the relationship keeps the objects in sync"
    )
    queries.assert_count(0, because="transfer() works on loaded objects: no query, no flush")


@pytest.mark.task(3)
def test_transfer_is_saved_by_the_next_flush(session: Session) -> None:
    make_tables(session)
    _le_guin, pratchett, books = seed(session)
    relationship_basics.transfer(books[1], pratchett)
    session.flush()
    rows = book_rows(session)
    assert rows[books[1].title] == "Terry Pratchett" and rows["Earthsea"] == "Ursula K. Le Guin", (
        f"after transfer() and a flush, the database should show the book under its new author; (title: "
        f"author) {rows}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_retire_unlinks_the_book_on_both_sides_without_sql(session: Session, queries: Any) -> None:
    make_tables(session)
    le_guin, _pratchett, books = seed(session)
    book = books[2]
    queries.clear()
    relationship_basics.retire(book)
    assert book.author is None, f"after retire() the book should have no author, not {book.author!r}"
    assert book not in le_guin.books, (
        f"after retire() the book should be gone from its author's books; they are {titles(le_guin)}"
    )
    queries.assert_count(0, because="retire() works on loaded objects: no query, no flush")


@pytest.mark.task(4)
def test_a_retired_book_keeps_its_row_with_no_author(session: Session) -> None:
    make_tables(session)
    _le_guin, _pratchett, books = seed(session)
    relationship_basics.retire(books[0])
    session.flush()
    rows = book_rows(session)
    assert books[0].title in rows, (
        "retire() should keep the book: its row must still exist after the flush (unlinking is not deleting)"
    )
    expected = {
        "Earthsea": None,
        "Lathe of Heaven": "Ursula K. Le Guin",
        "The Dispossessed": "Ursula K. Le Guin",
        "Mort": "Terry Pratchett",
    }
    expected[books[0].title] = None
    assert rows == expected, (
        f"after retire() and a flush, only that book should have no author (author_id NULL); (title: author) {rows}"
    )


@pytest.mark.task(4)
def test_retiring_a_book_without_author_does_nothing(queries: Any) -> None:
    _Author, Book = require_relationships()
    book = Book(title="Anonymous pamphlet")
    relationship_basics.retire(book)
    assert book.author is None, "a book without an author stays without one"
    queries.assert_count(0, because="retire() sends no SQL")
