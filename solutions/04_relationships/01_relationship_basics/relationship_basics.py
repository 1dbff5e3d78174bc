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
    # BEGIN SOLUTION
    # The "many" side: a list of Book, kept in sync with Book.author.
    books: Mapped[list[Book]] = relationship(back_populates="author")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `books`, the author's books (a list), in sync with Book.author
    # END STUB

    def __repr__(self) -> str:
        return f"Author({self.name!r})"


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("authors.id"))
    # BEGIN SOLUTION
    # The "one" side: one Author (or None), through author_id; back_populates names the other side.
    author: Mapped[Author | None] = relationship(back_populates="books")
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `author`, the book's Author (or None), in sync with Author.books
    # END STUB

    def __repr__(self) -> str:
        return f"Book({self.title!r})"


def publish(session: Session, name: str, titles: Iterable[str]) -> Author:
    """Create an author called `name` with one book per title, add it to the session and flush.

    Link the books to the author through the relationship (not through `author_id`), and add
    only the author: the session must find the books by itself. Flush, do not commit; return
    the author.
    """
    # BEGIN SOLUTION
    author = Author(name=name, books=[Book(title=title) for title in titles])
    session.add(author)  # the books follow: the "save-update" cascade of Author.books
    session.flush()
    return author
    # END SOLUTION


def transfer(book: Book, new_author: Author) -> None:
    """Move `book` to `new_author`: afterwards both authors' `books` lists are right at once.

    Work on the objects only: no query, no flush (the caller flushes when it wants).
    """
    # BEGIN SOLUTION
    book.author = new_author  # back_populates removes it from the old list, appends it to the new
    # END SOLUTION


def retire(book: Book) -> None:
    """Take `book` away from its author without deleting it: the book stays, with no author.

    Work on the objects only: no query, no flush. After the caller flushes, the book's row is
    still there, with author_id NULL.
    """
    # BEGIN SOLUTION
    if book.author is not None:
        book.author.books.remove(book)  # or book.author = None: the other side follows either way
    # END SOLUTION
