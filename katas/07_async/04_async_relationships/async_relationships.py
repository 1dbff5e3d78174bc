"""Kata 7.4: async relationships — why lazy loads fail in async code, and what to do instead.

The bookshop's models are below. They are given, except for two changes task 1 asks for: the
Base mixes in AsyncAttrs, and Author.books refuses to lazy-load (lazy="raise"). Every function
works inside the caller's AsyncSession and only reads.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, contains_eager, mapped_column, relationship, selectinload


class Base(DeclarativeBase):  # TODO (task 1): give every model `awaitable_attrs`
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")  # TODO (task 1)

    def __repr__(self) -> str:
        return f"Author(id={self.id!r}, name={self.name!r})"


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")
    reviews: Mapped[list[Review]] = relationship(back_populates="book", order_by="Review.id")

    def __repr__(self) -> str:
        return f"Book(id={self.id!r}, title={self.title!r})"


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    stars: Mapped[int]
    book: Mapped[Book] = relationship(back_populates="reviews")


async def authors_with_books(session: AsyncSession) -> list[Author]:
    """Return every Author, sorted by name, with `books` loaded: after this returns, reading
    `author.books` must not need the database. Two SELECTs at most, however many authors.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def review_count(book: Book) -> int:
    """Return how many reviews `book` has. The book was loaded by the caller, from a session that
    is still open, without its reviews: load them here, the async way.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def bibliography(session: AsyncSession) -> list[Author]:
    """Return every Author, sorted by name, with their books AND each book's reviews loaded:
    afterwards `author.books[i].reviews` needs no database. Three SELECTs at most, however many
    authors, books and reviews.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


async def books_by(session: AsyncSession, author_name: str) -> list[Book]:
    """Return the books of the author with that name, by title, each with `book.author` loaded
    (reading `book.author.name` afterwards needs no database). Two SELECTs at most; an unknown
    author has no books.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
