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


# TODO: the association table book_authors


class Publisher(Base):
    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: name; books


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: name; books


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: isbn, title, year, publisher_id; publisher, authors, loans


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: name, email; loans


class Loan(Base):
    __tablename__ = "loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: book_id, member_id, borrowed_on, returned_on; book, member


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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def books_by(session: Session, author: str) -> list[str]:
    """Titles of that author's books, oldest first (then by title); one statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def catalogue(session: Session) -> list[CatalogueEntry]:
    """Every book, sorted by title, with its publisher, authors and availability; at most four statements."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def borrow(session: Session, isbn: str, email: str, today: datetime.date) -> Loan:
    """Lend the book to the member: a new open loan, flushed and returned.

    LookupError for an unknown isbn or email; ValueError when the book is already out.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def return_book(session: Session, isbn: str, today: datetime.date) -> Loan:
    """Close the book's open loan (returned_on = today), flush, and return it; LookupError if it is not out."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def remove_book(session: Session, isbn: str) -> None:
    """Delete the book, its author links and its loans; authors, publisher and members stay. Flush.

    LookupError for an unknown isbn.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def history(session: Session, email: str) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """The member's loans as (title, borrowed_on, returned_on), oldest first; at most two statements."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
