"""Tests for kata 11.3, factory libraries. Run: pytest katas/11_testing/03_factory_libraries"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog
from fixtures.target import learner_module

factory_libraries = learner_module(__file__, "factory_libraries")


def start(session: Session) -> Any:
    """Make the given models' tables in the test's transaction and bind the learner's factories."""
    kata = factory_libraries
    kata.Base.metadata.create_all(session.connection())
    kata.bind_factories(session)
    return kata


def rows(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def made(what: str, make: Callable[[], Any]) -> Any:
    """Run a factory call; a broken unique constraint becomes a sentence instead of a traceback."""
    try:
        return make()
    except IntegrityError as error:
        pytest.fail(
            f"{what} broke a constraint of the database: {error.orig}. Two objects got the same value "
            "where the schema wants them unique (a fixed value where a Sequence belongs, or a second row "
            "where get-or-create should have found the first).",
            pytrace=False,
        )
    except RuntimeError as error:
        if "session" in str(error).lower():
            pytest.fail(
                f"{what}: factory_boy found no session ({error}). The factories must look the session up "
                "when they create (Meta.sqlalchemy_session_factory), after bind_factories(session).",
                pytrace=False,
            )
        raise


def commits_sent(queries: QueryLog) -> list[str]:
    # The harness's session turns a commit into RELEASE SAVEPOINT.
    return [s.sql for s in queries.all_statements if s.sql.lstrip().upper().startswith(("RELEASE", "COMMIT"))]


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_an_author_is_flushed_into_the_bound_session_and_not_committed(
    session: Session, queries: QueryLog
) -> None:
    kata = start(session)
    queries.clear()
    author = made("AuthorFactory()", lambda: kata.AuthorFactory())
    assert isinstance(author, kata.Author), f"AuthorFactory() should make an Author, it made {author!r}"
    assert author in session, "the author should be in the session given to bind_factories()"
    assert author.id is not None and not session.new, (
        "the author should be FLUSHED (sqlalchemy_session_persistence = 'flush'): it has its id, and nothing "
        "waits in session.new"
    )
    inserts = queries.matching(r"^\s*INSERT INTO authors")
    assert len(inserts) == 1, f"one INSERT INTO authors expected, got {len(inserts)}:\n{queries.listing()}"
    assert not commits_sent(queries), (
        "the factory committed (persistence 'commit'): a factory for tests flushes and leaves the transaction "
        f"to the test. Sent: {commits_sent(queries)}"
    )


@pytest.mark.task(1)
def test_authors_get_sequence_names_and_matching_unique_emails(session: Session) -> None:
    kata = start(session)
    authors = made("AuthorFactory.create_batch(25)", lambda: kata.AuthorFactory.create_batch(25))
    names = [a.name for a in authors]
    assert all(re.fullmatch(r"Author \d+", name) for name in names), (
        f"names should come from a Sequence, 'Author 1', 'Author 2', ...; got {names[:5]}"
    )
    assert len(set(names)) == 25, f"25 authors should have 25 different names, got {len(set(names))}"
    for author in authors:
        expected = author.name.lower().replace(" ", ".") + "@example.com"
        assert author.email == expected, (
            f"the email is made from the name (a LazyAttribute): {author.name!r} -> {expected!r}, got {author.email!r}"
        )
    given = made("AuthorFactory(name='Ursula Le Guin')", lambda: kata.AuthorFactory(name="Ursula Le Guin"))
    assert given.email == "ursula.le.guin@example.com", (
        f"the email follows the name even when the test gives the name: expected 'ursula.le.guin@example.com', got {given.email!r}"
    )
    assert rows(session, kata.Author) == 26


@pytest.mark.task(1)
def test_build_makes_an_author_without_the_database(session: Session, queries: QueryLog) -> None:
    kata = start(session)
    queries.clear()
    author = kata.AuthorFactory.build()
    assert isinstance(author, kata.Author) and author.name and author.email, (
        f"AuthorFactory.build() should make an Author with its name and email, got {author!r}"
    )
    assert author not in session and queries.count == 0, (
        f"build() makes the object only: not added to the session, no SQL (sent {queries.count} statement(s))"
    )


@pytest.mark.task(1)
def test_the_factories_follow_a_new_binding(connection: Connection, session: Session) -> None:
    kata = start(session)
    made("AuthorFactory()", lambda: kata.AuthorFactory())
    with Session(bind=connection, join_transaction_mode="create_savepoint") as other:
        kata.bind_factories(other)
        author = made("AuthorFactory() after a new bind_factories()", lambda: kata.AuthorFactory())
        book = made("BookFactory() after a new bind_factories()", lambda: kata.BookFactory())
        publisher = made(
            "PublisherFactory() after a new bind_factories()", lambda: kata.PublisherFactory(name="Tor")
        )
        for what, obj in (("AuthorFactory", author), ("BookFactory", book), ("PublisherFactory", publisher)):
            assert obj in other and obj not in session, (
                f"after bind_factories(other_session), {what} should create in the other session: each test binds "
                "its own session, so the factories must look it up at every create, not once"
            )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_a_book_comes_with_a_new_author_and_the_default_publisher(session: Session) -> None:
    kata = start(session)
    book = made("BookFactory()", lambda: kata.BookFactory())
    assert isinstance(book, kata.Book) and book.id is not None, (
        f"BookFactory() should make a flushed Book, got {book!r}"
    )
    assert isinstance(book.author, kata.Author) and book.author.id is not None, (
        "the book's author should be made by a SubFactory(AuthorFactory), flushed with it"
    )
    assert book.publisher is not None and book.publisher.name == "Northwind Press", (
        f"the book's publisher should be the default one, 'Northwind Press'; got {book.publisher!r}"
    )
    assert isinstance(book.title, str) and book.title.strip(), f"a book needs a title, got {book.title!r}"
    assert (rows(session, kata.Author), rows(session, kata.Book)) == (1, 1)


@pytest.mark.task(2)
def test_a_given_author_is_used_and_nested_values_reach_the_subfactory(session: Session) -> None:
    kata = start(session)
    author = made("AuthorFactory()", lambda: kata.AuthorFactory())
    books = made(
        "BookFactory.create_batch(3, author=author)", lambda: kata.BookFactory.create_batch(3, author=author)
    )
    assert all(b.author is author for b in books) and rows(session, kata.Author) == 1, (
        "BookFactory(author=author) should use that author and make no other: "
        f"{rows(session, kata.Author)} authors in the table"
    )
    named = made(
        "BookFactory(author__name='Octavia Butler')", lambda: kata.BookFactory(author__name="Octavia Butler")
    )
    assert named.author.name == "Octavia Butler" and named.author.email == "octavia.butler@example.com", (
        "author__name=... should reach the SubFactory (and the email follow the name); got "
        f"{named.author.name!r} / {named.author.email!r}"
    )


@pytest.mark.task(2)
def test_isbns_are_unique_13_digit_strings(session: Session) -> None:
    kata = start(session)
    books = made("BookFactory.create_batch(30)", lambda: kata.BookFactory.create_batch(30))
    isbns = [b.isbn for b in books]
    assert all(isinstance(i, str) and len(i) == 13 and i.isdigit() for i in isbns), (
        f"each isbn should be a string of 13 digits (a Sequence); got {isbns[:3]}"
    )
    assert len(set(isbns)) == 30, f"30 books need 30 different isbns, got {len(set(isbns))}"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("overrides", [{}, {"books__title": "Earthsea"}], ids=["defaults", "books__title"])
def test_an_author_with_books_owns_three_books(session: Session, overrides: dict[str, str]) -> None:
    kata = start(session)
    call = f"AuthorWithBooksFactory(**{overrides})"
    author = made(call, lambda: kata.AuthorWithBooksFactory(**overrides))
    assert isinstance(author, kata.Author), f"{call} should make an Author, got {author!r}"
    books = session.scalars(select(kata.Book).order_by(kata.Book.id)).all()
    assert len(books) == 3, f"{call} should make 3 books, it made {len(books)}"
    assert {b.author_id for b in books} == {author.id} and rows(session, kata.Author) == 1, (
        f"{call}: the books should belong to this author (factory_related_name='author'), not each to a new "
        f"author of its own; there are {rows(session, kata.Author)} authors"
    )
    assert len(author.books) == 3, f"author.books should list the 3 books, it has {len(author.books)}"
    if overrides:
        titles = [b.title for b in books]
        assert titles == ["Earthsea"] * 3, f"books__title=... should reach every related book, got {titles}"


# -- task 4 -------------------------------------------------------------------------------------

WITHDRAWN = dt.date(2020, 1, 31)


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("traits", "expected"),
    [
        ({}, (True, None, 0)),
        ({"out_of_print": True}, (False, WITHDRAWN, 0)),
        ({"bestseller": True}, (True, None, 250_000)),
        ({"out_of_print": True, "bestseller": True}, (False, WITHDRAWN, 250_000)),
        ({"out_of_print": False, "bestseller": False}, (True, None, 0)),
    ],
    ids=["none", "out_of_print", "bestseller", "both", "both_off"],
)
def test_traits_set_their_fields_together(
    session: Session, traits: dict[str, bool], expected: tuple[Any, ...]
) -> None:
    kata = start(session)
    book = made(f"BookFactory(**{traits})", lambda: kata.BookFactory(**traits))
    session.expire(book)  # read what was flushed, not what the object was given
    got = (book.in_print, book.withdrawn_on, book.copies_sold)
    assert got == expected, (
        f"BookFactory(**{traits}) should give (in_print, withdrawn_on, copies_sold) = {expected}, got {got}. "
        "A Trait in `class Params` sets several fields at once, and only when it is switched on."
    )


@pytest.mark.task(4)
def test_a_trait_is_not_a_column(session: Session) -> None:
    kata = start(session)
    book = kata.BookFactory.build(out_of_print=True, bestseller=True)
    for name in ("out_of_print", "bestseller"):
        assert name not in vars(book), (
            f"{name!r} reached the Book itself: a trait is a factory parameter (class Params), never a model field"
        )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_the_same_publisher_name_gives_the_same_row(session: Session, queries: QueryLog) -> None:
    kata = start(session)
    queries.clear()
    first = made("PublisherFactory()", lambda: kata.PublisherFactory())
    sql = [s.sql.lstrip().split()[0].upper() for s in queries.statements]
    assert sql[:2] == ["SELECT", "INSERT"], (
        "get-or-create looks first (a SELECT on the name), then inserts when nothing is found; the first "
        f"PublisherFactory() sent {sql}"
    )
    again = made("PublisherFactory() a second time", lambda: kata.PublisherFactory())
    tor = made("PublisherFactory(name='Tor')", lambda: kata.PublisherFactory(name="Tor"))
    tor_again = made("PublisherFactory(name='Tor') a second time", lambda: kata.PublisherFactory(name="Tor"))
    assert first.name == "Northwind Press", f"the default publisher is 'Northwind Press', got {first.name!r}"
    assert again is first and tor_again is tor and tor is not first, (
        "asking again for a name should give the same object (sqlalchemy_get_or_create=('name',)); another name "
        "another publisher"
    )
    assert rows(session, kata.Publisher) == 2


@pytest.mark.task(5)
def test_many_books_share_the_default_publisher(session: Session) -> None:
    kata = start(session)
    books = made("BookFactory.create_batch(6)", lambda: kata.BookFactory.create_batch(6))
    assert len({b.publisher_id for b in books}) == 1 and rows(session, kata.Publisher) == 1, (
        f"6 books should share one 'Northwind Press' row; there are {rows(session, kata.Publisher)} publishers"
    )
    penguin = made(
        "BookFactory(publisher__name='Penguin')", lambda: kata.BookFactory(publisher__name="Penguin")
    )
    assert penguin.publisher.name == "Penguin" and rows(session, kata.Publisher) == 2
