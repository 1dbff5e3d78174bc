"""Kata 1.6: SQLAlchemy 2.0 style — the bookshop's catalogue module, ported from 1.x.

The tables (the tests create them):

    authors(id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE)
    books(id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, year INTEGER NULL,
          price_cents INTEGER NOT NULL, author_id INTEGER NOT NULL REFERENCES authors(id))

Everything below still runs on SQLAlchemy 2.x, the way it was written for 1.3. Port it: typed
models, select(), Session.get(), update(), and sessions that close themselves. Keep every
function's name, arguments and behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Column, CursorResult, Engine, ForeignKey, Integer, String, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declarative_base, mapped_column, relationship

# TODO (task 1): 1.x-style models. Make them typed 2.0 declarative classes.
Base = declarative_base()


class Author(Base):
    __tablename__ = "authors"

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    books = relationship("Book", backref="author", order_by="Book.title")


class Book(Base):
    __tablename__ = "books"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    year = Column(Integer)
    price_cents = Column(Integer, nullable=False)
    author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)


def find_book(session: Session, book_id: int) -> Book | None:
    """Return the book with this primary key, or None.

    A book the session has already loaded is returned from its identity map, without any SQL.
    """
    # TODO (task 2): 1.x style; port it to 2.0 style.
    return session.query(Book).get(book_id)


def books_by(session: Session, author_name: str) -> list[Book]:
    """Return the books of the author with this name, ordered by title ([] for an unknown author)."""
    # TODO (task 2): 1.x style; port it to 2.0 style.
    return (
        session.query(Book)
        .join(Author)
        .filter(Author.name == author_name)
        .order_by(Book.title)
        .all()
    )


def count_books_since(session: Session, year: int) -> int:
    """Return how many books were published in `year` or later (books without a year do not count)."""
    # TODO (task 3): 1.x style; port it to 2.0 style.
    return session.query(func.count(Book.id)).filter(Book.year >= year).scalar()


def books_per_author(session: Session) -> list[tuple[str, int]]:
    """Return (author name, number of books) for every author, those without books too, by name."""
    # TODO (task 3): 1.x style; port it to 2.0 style.
    return (
        session.query(Author.name, func.count(Book.id))
        .outerjoin(Author.books)
        .group_by(Author.id, Author.name)
        .order_by(Author.name)
        .all()
    )


def raise_prices(session: Session, author_name: str, cents: int) -> int:
    """Add `cents` to the price of every book by that author, in ONE UPDATE statement.

    Return how many books were changed. Book objects the session has already loaded show the
    new prices afterwards. Do not commit: the caller decides.
    """
    # TODO (task 4): 1.x style; port it to 2.0 style.
    author_ids = session.query(Author.id).filter(Author.name == author_name)
    return (
        session.query(Book)
        .filter(Book.author_id.in_(author_ids.subquery()))
        .update({Book.price_cents: Book.price_cents + cents}, synchronize_session=False)
    )


def add_author_with_books(engine: Engine, name: str, books: Sequence[tuple[str, int]]) -> int:
    """Store a new author and their books, given as (title, price in cents); return the author's id.

    Use a session of your own on `engine`, and one transaction: all of it is committed, or none.
    ValueError when an author with that name exists already or a title is empty; then nothing
    is stored. Whatever happens, the session is closed (its connection back in the pool) when
    the function returns or raises.
    """
    # TODO (task 5): 1.x style; port it to 2.0 style.
    session = Session(bind=engine)
    if session.query(Author).filter_by(name=name).first() is not None:
        raise ValueError(f"{name} is already in the catalogue")
    author = Author(name=name)
    session.add(author)
    session.flush()
    for title, price_cents in books:
        if not title.strip():
            raise ValueError(f"a book by {name} has no title")
        session.add(Book(title=title, price_cents=price_cents, author_id=author.id))
    session.commit()
    author_id = author.id
    session.close()
    return author_id
