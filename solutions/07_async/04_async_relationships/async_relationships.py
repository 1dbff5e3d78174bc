"""Kata 7.4: async relationships — why lazy loads fail in async code, and what to do instead.

The bookshop's models are below. They are given, except for two changes task 1 asks for: the
Base mixes in AsyncAttrs, and Author.books refuses to lazy-load (lazy="raise"). Every function
works inside the caller's AsyncSession and only reads.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, contains_eager, mapped_column, relationship, selectinload


# BEGIN SOLUTION
# AsyncAttrs adds `obj.awaitable_attrs.<name>`: an awaitable that loads the attribute if needed.
class Base(AsyncAttrs, DeclarativeBase):
    pass


# END SOLUTION
# BEGIN STUB
# class Base(DeclarativeBase):  # TODO (task 1): give every model `awaitable_attrs`
#     pass
# END STUB


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # BEGIN SOLUTION
    # lazy="raise": touching an unloaded `books` raises at once, in sync and async code alike,
    # naming the attribute, instead of emitting a hidden query (MissingGreenlet in async code).
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id", lazy="raise")
    # END SOLUTION
    # BEGIN STUB
    # books: Mapped[list[Book]] = relationship(back_populates="author", order_by="Book.id")  # TODO (task 1)
    # END STUB

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
    # BEGIN SOLUTION
    # selectinload: one more SELECT ... WHERE books.author_id IN (...) for all the authors at once.
    statement = select(Author).options(selectinload(Author.books)).order_by(Author.name)
    return list(await session.scalars(statement))
    # END SOLUTION


async def review_count(book: Book) -> int:
    """Return how many reviews `book` has. The book was loaded by the caller, from a session that
    is still open, without its reviews: load them here, the async way.
    """
    # BEGIN SOLUTION
    # `book.reviews` would be a lazy load: a hidden query that async code cannot run
    # (MissingGreenlet). Awaiting awaitable_attrs runs the same load, with the await visible.
    reviews = await book.awaitable_attrs.reviews
    return len(reviews)
    # END SOLUTION


async def bibliography(session: AsyncSession) -> list[Author]:
    """Return every Author, sorted by name, with their books AND each book's reviews loaded:
    afterwards `author.books[i].reviews` needs no database. Three SELECTs at most, however many
    authors, books and reviews.
    """
    # BEGIN SOLUTION
    statement = (
        select(Author)
        # A loader path: authors -> books -> reviews, one SELECT ... IN per level.
        .options(selectinload(Author.books).selectinload(Book.reviews))
        .order_by(Author.name)
    )
    return list(await session.scalars(statement))
    # END SOLUTION


async def books_by(session: AsyncSession, author_name: str) -> list[Book]:
    """Return the books of the author with that name, by title, each with `book.author` loaded
    (reading `book.author.name` afterwards needs no database). Two SELECTs at most; an unknown
    author has no books.
    """
    # BEGIN SOLUTION
    statement = (
        select(Book)
        .join(Book.author)  # the join filters by the author's name...
        .where(Author.name == author_name)
        .options(contains_eager(Book.author))  # ...and its columns fill book.author: one SELECT
        .order_by(Book.title)
    )
    return list(await session.scalars(statement))
    # END SOLUTION
