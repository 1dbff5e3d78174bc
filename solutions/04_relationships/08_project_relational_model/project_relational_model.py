"""Kata 4.8 (project): the library's model and its operations. Everything here is yours to complete.

The tables and columns, as the tests (and the rest of the library's code) expect them:

    publishers(id, name UNIQUE)
    authors(id, name UNIQUE)
    books(id, isbn UNIQUE, title, year, publisher_id NOT NULL -> publishers)
    book_authors(book_id -> books, author_id -> authors)     one row per (book, author), never twice
    members(id, name, email UNIQUE)
    loans(id, book_id NOT NULL -> books, member_id NOT NULL -> members,
          borrowed_on DATE NOT NULL, returned_on DATE NULL)  NULL while the book is out

Every function receives a Session and flushes what it changes; none commits (the caller owns the
transaction). Query budgets are in the docstrings: they hold however many rows there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TypedDict

from sqlalchemy import Column, ForeignKey, String, Table, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


# BEGIN SOLUTION
book_authors = Table(
    "book_authors",
    Base.metadata,
    Column("book_id", ForeignKey("books.id"), primary_key=True),
    Column("author_id", ForeignKey("authors.id"), primary_key=True),
)
# END SOLUTION
# BEGIN STUB
# # TODO: the association table book_authors
# END STUB


class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # BEGIN SOLUTION
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="publisher")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: name; books
    # END STUB


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    # BEGIN SOLUTION
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(secondary=book_authors, back_populates="authors")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: name; books
    # END STUB


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    # BEGIN SOLUTION
    isbn: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id"))

    publisher: Mapped[Publisher] = relationship(back_populates="books")
    authors: Mapped[list[Author]] = relationship(
        secondary=book_authors, back_populates="books", order_by="Author.name"
    )
    # The loan history belongs to the book: it goes when the book goes.
    loans: Mapped[list[Loan]] = relationship(back_populates="book", cascade="all, delete-orphan")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: isbn, title, year, publisher_id; publisher, authors, loans
    # END STUB


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # BEGIN SOLUTION
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    loans: Mapped[list[Loan]] = relationship(back_populates="member", order_by="Loan.borrowed_on")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: name, email; loans
    # END STUB


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    # BEGIN SOLUTION
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    borrowed_on: Mapped[datetime.date]
    returned_on: Mapped[datetime.date | None]

    book: Mapped[Book] = relationship(back_populates="loans")
    member: Mapped[Member] = relationship(back_populates="loans")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: book_id, member_id, borrowed_on, returned_on; book, member
    # END STUB


class CatalogueEntry(TypedDict):
    isbn: str
    title: str
    publisher: str
    authors: list[str]  # sorted
    available: bool  # no open loan


def add_book(
    session: Session, isbn: str, title: str, year: int, publisher: str, authors: Sequence[str]
) -> Book:
    """Add a book; reuse the stored publisher and authors of those names, create the missing ones.

    Names may repeat in `authors`. Flush and return the book. At most three SELECTs.
    """
    # BEGIN SOLUTION
    names = list(dict.fromkeys(authors))
    found_publisher = session.scalars(select(Publisher).where(Publisher.name == publisher)).one_or_none()
    found = {a.name: a for a in session.scalars(select(Author).where(Author.name.in_(names)))}
    book = Book(
        isbn=isbn,
        title=title,
        year=year,
        publisher=found_publisher or Publisher(name=publisher),
        authors=[found.get(name) or Author(name=name) for name in names],
    )
    session.add(book)
    session.flush()
    return book
    # END SOLUTION


def books_by(session: Session, author: str) -> list[str]:
    """Titles of that author's books, oldest first (then by title); one statement."""
    # BEGIN SOLUTION
    return list(
        session.scalars(
            select(Book.title).join(Book.authors).where(Author.name == author).order_by(Book.year, Book.title)
        )
    )
    # END SOLUTION


def catalogue(session: Session) -> list[CatalogueEntry]:
    """Every book, sorted by title, with its publisher, authors and availability; at most four statements."""
    # BEGIN SOLUTION
    books = session.scalars(
        select(Book)
        .options(joinedload(Book.publisher), selectinload(Book.authors), selectinload(Book.loans))
        .order_by(Book.title)
    )
    return [
        CatalogueEntry(
            isbn=book.isbn,
            title=book.title,
            publisher=book.publisher.name,
            authors=sorted(a.name for a in book.authors),
            available=all(loan.returned_on is not None for loan in book.loans),
        )
        for book in books
    ]
    # END SOLUTION


def borrow(session: Session, isbn: str, email: str, today: datetime.date) -> Loan:
    """Lend the book to the member: a new open loan, flushed and returned.

    LookupError for an unknown isbn or email; ValueError when the book is already out.
    """
    # BEGIN SOLUTION
    book = session.scalars(select(Book).where(Book.isbn == isbn)).one_or_none()
    member = session.scalars(select(Member).where(Member.email == email)).one_or_none()
    if book is None or member is None:
        raise LookupError(f"no book {isbn!r}" if book is None else f"no member {email!r}")
    if any(loan.returned_on is None for loan in book.loans):
        raise ValueError(f"{book.title!r} is already out")
    loan = Loan(book=book, member=member, borrowed_on=today)
    session.add(loan)
    session.flush()
    return loan
    # END SOLUTION


def return_book(session: Session, isbn: str, today: datetime.date) -> Loan:
    """Close the book's open loan (returned_on = today), flush, and return it; LookupError if it is not out."""
    # BEGIN SOLUTION
    loan = session.scalars(
        select(Loan).join(Loan.book).where(Book.isbn == isbn, Loan.returned_on.is_(None))
    ).one_or_none()
    if loan is None:
        raise LookupError(f"{isbn!r} is not out")
    loan.returned_on = today
    session.flush()
    return loan
    # END SOLUTION


def remove_book(session: Session, isbn: str) -> None:
    """Delete the book, its author links and its loans; authors, publisher and members stay. Flush.

    LookupError for an unknown isbn.
    """
    # BEGIN SOLUTION
    book = session.scalars(select(Book).where(Book.isbn == isbn)).one_or_none()
    if book is None:
        raise LookupError(f"no book {isbn!r}")
    session.delete(book)  # the ORM deletes the book_authors rows; the cascade deletes the loans
    session.flush()
    # END SOLUTION


def history(session: Session, email: str) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """The member's loans as (title, borrowed_on, returned_on), oldest first; at most two statements."""
    # BEGIN SOLUTION
    rows = session.execute(
        select(Book.title, Loan.borrowed_on, Loan.returned_on)
        .join(Loan.book)
        .join(Loan.member)
        .where(Member.email == email)
        .order_by(Loan.borrowed_on, Loan.id)
    )
    return [(title, borrowed, returned) for title, borrowed, returned in rows]
    # END SOLUTION
