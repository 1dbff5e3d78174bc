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


# TODO (tasks 3-4): an allow-list: the public names and the columns they stand for.
PUBLIC_COLUMNS: dict[str, Any] = {}


def titles_by_author(connection: Connection, author: str) -> list[str]:
    """Return the titles of the books by exactly this author, ordered by title."""
    # TODO (task 1): injectable! The author's name is pasted into the SQL text.
    statement = text(f"SELECT title FROM books WHERE author = '{author}' ORDER BY title")
    return list(connection.scalars(statement))


def search_titles(connection: Connection, fragment: str) -> list[str]:
    """Return the titles that contain `fragment`, ignoring the case of ASCII letters, ordered by title.

    `%` and `_` in the fragment are ordinary characters, not wildcards.
    """
    # TODO (task 2): injectable, and % or _ in the fragment act as wildcards.
    statement = text(
        f"SELECT title FROM books WHERE lower(title) LIKE lower('%{fragment}%') ORDER BY title"
    )
    return list(connection.scalars(statement))


def books_sorted(connection: Connection, sort: str, descending: bool = False) -> list[str]:
    """Return every title, ordered by the public column `sort` (title, author, price or year).

    `descending` reverses that order; ties are always broken by title, ascending. Any other
    `sort` raises `UnknownSortKey` before any SQL is sent.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def book_rows(connection: Connection, columns: Sequence[str]) -> list[dict[str, Any]]:
    """Return one dict per book, ordered by title, with exactly the requested public columns.

    The keys are the public names (title, author, price, year); only those columns are selected.
    An unknown name raises `UnknownColumn`, an empty list `ValueError`, before any SQL is sent.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
