"""Kata 1.5: connection basics — raw SQL through a Connection, results, and two ways to commit.

The bookshop keeps its stock in one table:

    books(isbn TEXT PRIMARY KEY, title TEXT, author TEXT, stock INTEGER)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text


def count_titles(connection: Connection) -> int:
    """Return how many rows the books table has."""
    # BEGIN SOLUTION
    # scalar_one(): exactly one row of one column, or an error, never a silent None.
    return int(connection.execute(text("SELECT count(*) FROM books")).scalar_one())
    # END SOLUTION


def find_book(connection: Connection, isbn: str) -> dict[str, Any] | None:
    """Return the book with this ISBN as a dict of column name -> value, or None if there is none.

    The ISBN comes from a web form: send it as a bound parameter, never inside the SQL text.
    """
    # BEGIN SOLUTION
    result = connection.execute(
        text("SELECT isbn, title, author, stock FROM books WHERE isbn = :isbn"), {"isbn": isbn}
    )
    row = result.mappings().one_or_none()
    return dict(row) if row is not None else None
    # END SOLUTION


def titles_by(connection: Connection, author: str) -> list[tuple[str, int]]:
    """Return (title, stock) pairs of one author's books, ordered by title."""
    # BEGIN SOLUTION
    result = connection.execute(
        text("SELECT title, stock FROM books WHERE author = :author ORDER BY title"), {"author": author}
    )
    return [(row.title, row.stock) for row in result]
    # END SOLUTION


def restock(engine: Engine, isbn: str, quantity: int) -> None:
    """Add `quantity` copies to a book's stock, "commit as you go": connect, execute, commit."""
    # BEGIN SOLUTION
    with engine.connect() as connection:
        connection.execute(
            text("UPDATE books SET stock = stock + :quantity WHERE isbn = :isbn"),
            {"quantity": quantity, "isbn": isbn},
        )
        # Without this the work is rolled back when the connection closes.
        connection.commit()
    # END SOLUTION


def move_stock(engine: Engine, from_isbn: str, to_isbn: str, quantity: int) -> None:
    """Move `quantity` copies from one book's stock to another's, "begin once": all or nothing.

    Raise LookupError when either ISBN is unknown, and ValueError when the first book has fewer
    than `quantity` copies. In both cases nothing may change in the database.
    """
    # BEGIN SOLUTION
    # engine.begin() commits when the block ends and rolls back if anything in it raises,
    # so every check below may run after an UPDATE without leaving half a move behind.
    with engine.begin() as connection:
        taken = connection.execute(
            text("UPDATE books SET stock = stock - :quantity WHERE isbn = :isbn"),
            {"quantity": quantity, "isbn": from_isbn},
        )
        if taken.rowcount != 1:
            raise LookupError(f"no book with ISBN {from_isbn}")
        remaining = connection.execute(
            text("SELECT stock FROM books WHERE isbn = :isbn"), {"isbn": from_isbn}
        ).scalar_one()
        if remaining < 0:
            raise ValueError(f"only {remaining + quantity} copies of {from_isbn} in stock")
        given = connection.execute(
            text("UPDATE books SET stock = stock + :quantity WHERE isbn = :isbn"),
            {"quantity": quantity, "isbn": to_isbn},
        )
        if given.rowcount != 1:
            raise LookupError(f"no book with ISBN {to_isbn}")
    # END SOLUTION
