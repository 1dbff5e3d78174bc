"""Kata 1.5: connection basics — raw SQL through a Connection, results, and two ways to commit.

The bookshop keeps its stock in one table:

    books(isbn TEXT PRIMARY KEY, title TEXT, author TEXT, stock INTEGER)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text


def count_titles(connection: Connection) -> int:
    """Return how many rows the books table has."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def find_book(connection: Connection, isbn: str) -> dict[str, Any] | None:
    """Return the book with this ISBN as a dict of column name -> value, or None if there is none.

    The ISBN comes from a web form: send it as a bound parameter, never inside the SQL text.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def titles_by(connection: Connection, author: str) -> list[tuple[str, int]]:
    """Return (title, stock) pairs of one author's books, ordered by title."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def restock(engine: Engine, isbn: str, quantity: int) -> None:
    """Add `quantity` copies to a book's stock, "commit as you go": connect, execute, commit."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def move_stock(engine: Engine, from_isbn: str, to_isbn: str, quantity: int) -> None:
    """Move `quantity` copies from one book's stock to another's, "begin once": all or nothing.

    Raise LookupError when either ISBN is unknown, and ValueError when the first book has fewer
    than `quantity` copies. In both cases nothing may change in the database.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
