"""Kata 3.6: querying objects — Session.get, select() with scalars, scalar_one, first, and the legacy Query.

The bookshop's catalogue. The models are given (do not change them); the tests create the tables:

    authors(id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE)
    books(id INTEGER PRIMARY KEY, isbn VARCHAR(13) NOT NULL UNIQUE, title VARCHAR(200) NOT NULL,
          year INTEGER NULL, price_cents INTEGER NOT NULL, author_id INTEGER NOT NULL REFERENCES authors(id))

Titles are not unique: two authors may write books with the same title.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    isbn: Mapped[str] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None]
    price_cents: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")

    def __repr__(self) -> str:
        return f"Book(id={self.id!r}, title={self.title!r})"


def find_book(session: Session, book_id: int) -> Book | None:
    """Return the book with this primary key, or None.

    A book the session already holds is returned without any SQL.
    """
    # BEGIN SOLUTION
    # get() looks in the identity map first: a book this session has loaded costs no round trip.
    return session.get(Book, book_id)
    # END SOLUTION


def books_by(session: Session, author_name: str) -> list[Book]:
    """Return the books of the author with this name, ordered by title, then id ([] if none)."""
    # BEGIN SOLUTION
    statement = select(Book).join(Book.author).where(Author.name == author_name).order_by(Book.title, Book.id)
    # scalars(): the first column of each row, here the Book objects, instead of one-element rows.
    return list(session.scalars(statement))
    # END SOLUTION


def book_titled(session: Session, title: str) -> Book:
    """Return THE book with this title.

    Raise sqlalchemy.exc.NoResultFound if there is none, MultipleResultsFound if there are several.
    """
    # BEGIN SOLUTION
    # scalar_one(): exactly one row, or the exception that says which way it went wrong.
    return session.execute(select(Book).where(Book.title == title)).scalar_one()
    # END SOLUTION


def cheapest_book(session: Session, author_name: str) -> Book | None:
    """Return the author's cheapest book (among equally cheap ones the first by title, then id), or None."""
    # BEGIN SOLUTION
    statement = (
        select(Book)
        .join(Book.author)
        .where(Author.name == author_name)
        .order_by(Book.price_cents, Book.title, Book.id)
        .limit(1)  # LIMIT 1: the database sends one row (Result.first() adds no LIMIT by itself)
    )
    return session.scalars(statement).first()  # first(): the first row or None, never an error
    # END SOLUTION


def count_books_since(session: Session, year: int) -> int:
    """Return how many books were published in `year` or later (books without a year do not count)."""
    # BEGIN SOLUTION
    # session.scalar(): the first column of the first row, for a single value.
    return session.scalar(select(func.count()).select_from(Book).where(Book.year >= year)) or 0
    # END SOLUTION


def books_by_legacy(session: Session, author_name: str) -> list[Book]:
    """books_by() written with the legacy Query API (session.query), as older code bases do."""
    # BEGIN SOLUTION
    # The 1.x spelling of the same SELECT; still supported in 2.x ("legacy"), so you will meet it.
    return (
        session.query(Book)
        .join(Book.author)
        .filter(Author.name == author_name)
        .order_by(Book.title, Book.id)
        .all()
    )
    # END SOLUTION
