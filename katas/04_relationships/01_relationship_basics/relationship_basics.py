"""Kata 4.1: relationship basics — `relationship()` with `back_populates`, both sides in sync.

The tables are given (authors and books, the foreign key on books.author_id). You add the two
relationship attributes, then write small functions that work through them: through the objects,
never through the id columns.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # TODO (task 1): `books`, the author's books (a list), in sync with Book.author

    def __repr__(self) -> str:
        return f"Author({self.name!r})"


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    # TODO (task 1): `author`, the book's Author (or None), in sync with Author.books

    def __repr__(self) -> str:
        return f"Book({self.title!r})"


def publish(session: Session, name: str, titles: Iterable[str]) -> Author:
    """Create an author called `name` with one book per title, add it to the session and flush.

    Link the books to the author through the relationship (not through `author_id`), and add
    only the author: the session must find the books by itself. Flush, do not commit; return
    the author.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def transfer(book: Book, new_author: Author) -> None:
    """Move `book` to `new_author`: afterwards both authors' `books` lists are right at once.

    Work on the objects only: no query, no flush (the caller flushes when it wants).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def retire(book: Book) -> None:
    """Take `book` away from its author without deleting it: the book stays, with no author.

    Work on the objects only: no query, no flush. After the caller flushes, the book's row is
    still there, with author_id NULL.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
