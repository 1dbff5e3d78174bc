"""Kata 12.1: SQL injection prevention — bound parameters, and allow-lists for what cannot be bound.

The model is given (do not change it). Every function takes a Core `Connection`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int]
    year: Mapped[int]


class UnknownSortKey(ValueError):
    """A sort key that is not on the allow-list (raised before any SQL is sent)."""


class UnknownColumn(ValueError):
    """A column name that is not on the allow-list (raised before any SQL is sent)."""


# BEGIN SOLUTION
# The names a caller may use, mapped to real columns: the caller's string only ever picks an
# entry here, it never reaches the SQL text.
PUBLIC_COLUMNS = {
    "title": Book.title,
    "author": Book.author,
    "price": Book.price_cents,
    "year": Book.year,
}
# END SOLUTION
# BEGIN STUB
# # TODO (tasks 3-4): an allow-list: the public names and the columns they stand for.
# PUBLIC_COLUMNS: dict[str, Any] = {}
# END STUB


def titles_by_author(connection: Connection, author: str) -> list[str]:
    """Return the titles of the books by exactly this author, ordered by title."""
    # BEGIN SOLUTION
    # :author is a bound parameter: the driver sends the value apart from the SQL text.
    statement = text("SELECT title FROM books WHERE author = :author ORDER BY title")
    return list(connection.scalars(statement, {"author": author}))
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): injectable! The author's name is pasted into the SQL text.
    # statement = text(f"SELECT title FROM books WHERE author = '{author}' ORDER BY title")
    # return list(connection.scalars(statement))
    # END STUB


def search_titles(connection: Connection, fragment: str) -> list[str]:
    """Return the titles that contain `fragment`, ignoring the case of ASCII letters, ordered by title.

    `%` and `_` in the fragment are ordinary characters, not wildcards.
    """
    # BEGIN SOLUTION
    # icontains() binds the fragment; autoescape=True escapes % and _ inside the bound value.
    statement = select(Book.title).where(Book.title.icontains(fragment, autoescape=True)).order_by(Book.title)
    return list(connection.scalars(statement))
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 2): injectable, and % or _ in the fragment act as wildcards.
    # statement = text(
    #     f"SELECT title FROM books WHERE lower(title) LIKE lower('%{fragment}%') ORDER BY title"
    # )
    # return list(connection.scalars(statement))
    # END STUB


def books_sorted(connection: Connection, sort: str, descending: bool = False) -> list[str]:
    """Return every title, ordered by the public column `sort` (title, author, price or year).

    `descending` reverses that order; ties are always broken by title, ascending. Any other
    `sort` raises `UnknownSortKey` before any SQL is sent.
    """
    # BEGIN SOLUTION
    try:
        column = PUBLIC_COLUMNS[sort]
    except KeyError:
        raise UnknownSortKey(f"cannot sort by {sort!r}; choose one of {sorted(PUBLIC_COLUMNS)}") from None
    primary = column.desc() if descending else column.asc()
    return list(connection.scalars(select(Book.title).order_by(primary, Book.title)))
    # END SOLUTION


def book_rows(connection: Connection, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Return one dict per book, ordered by title, with exactly the requested public columns.

    The keys are the public names (title, author, price, year); only those columns are selected.
    An unknown name raises `UnknownColumn`, an empty list `ValueError`, before any SQL is sent.
    """
    # BEGIN SOLUTION
    if not columns:
        raise ValueError("ask for at least one column")
    unknown = [name for name in columns if name not in PUBLIC_COLUMNS]
    if unknown:
        raise UnknownColumn(f"unknown column(s) {unknown}; choose from {sorted(PUBLIC_COLUMNS)}")
    # label() gives each selected column the public name, so the row keys are the caller's.
    statement = select(*(PUBLIC_COLUMNS[name].label(name) for name in columns)).order_by(Book.title)
    return [dict(row) for row in connection.execute(statement).mappings()]
    # END SOLUTION
