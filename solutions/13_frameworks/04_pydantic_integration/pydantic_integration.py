"""Kata 13.4: Pydantic models built from ORM objects and rows, and an SQLModel model beside them.

The SQLAlchemy models are given. You write the Pydantic schemas, the two queries that feed them
(without lazy loads), and the SQLModel part.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    registry,
    relationship,
    selectinload,
)
from sqlmodel import Field, SQLModel


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # Collections come in a stated order (order_by), also when loaded by selectinload or joinedload.
    books: Mapped[list[Book]] = relationship(back_populates="author", order_by="(Book.year, Book.title)")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped[Author] = relationship(back_populates="books")
    reviews: Mapped[list[Review]] = relationship(back_populates="book", order_by="Review.id")


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"))
    stars: Mapped[int]  # 1 to 5
    text: Mapped[str] = mapped_column(String(500))
    book: Mapped[Book] = relationship(back_populates="reviews")


# -- task 1: schemas read from ORM objects ----------------------------------------------------------


# BEGIN SOLUTION
class ReviewOut(BaseModel):
    """A review as the API shows it: its stars and its text (not its id, nor its book_id)."""

    model_config = ConfigDict(from_attributes=True)  # read from a Review object's attributes

    stars: int
    text: str


class BookOut(BaseModel):
    """A book: id, title, year and its reviews (a list of ReviewOut)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    year: int
    reviews: list[ReviewOut]  # nested: read from book.reviews, each item validated as a ReviewOut


class AuthorOut(BaseModel):
    """An author: id, name and their books (a list of BookOut)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    books: list[BookOut]


# END SOLUTION
# BEGIN STUB
# class ReviewOut(BaseModel):
#     """A review as the API shows it: its stars and its text (not its id, nor its book_id)."""
#
#     # TODO (task 1)
#
#
# class BookOut(BaseModel):
#     """A book: id, title, year and its reviews (a list of ReviewOut)."""
#
#     # TODO (task 1)
#
#
# class AuthorOut(BaseModel):
#     """An author: id, name and their books (a list of BookOut)."""
#
#     # TODO (task 1)
# END STUB


# -- task 2: the catalogue, without lazy loads ------------------------------------------------------


def catalogue(session: Session) -> list[AuthorOut]:
    """Every author as an AuthorOut, by name (ties by id), with their books and the books' reviews
    (in the order the relationships give). At most 3 statements, however many rows there are.
    """
    # BEGIN SOLUTION
    # Each collection that the schema reads is loaded up front, one SELECT per level (selectinload):
    # otherwise model_validate reads author.books, then book.reviews, and each read is a lazy load.
    authors = session.scalars(
        select(Author)
        .options(selectinload(Author.books).selectinload(Book.reviews))
        .order_by(Author.name, Author.id)
    )
    return [AuthorOut.model_validate(author) for author in authors]
    # END SOLUTION


# -- task 3: schemas read from rows --------------------------------------------------------------------


# BEGIN SOLUTION
class AuthorSummary(BaseModel):
    """One row of the authors' report: id, name, how many books, and the average of the stars of
    all their books' reviews (None when there is no review)."""

    model_config = ConfigDict(from_attributes=True)  # a Row's labelled columns are its attributes

    id: int
    name: str
    book_count: int
    average_stars: float | None


# END SOLUTION
# BEGIN STUB
# class AuthorSummary(BaseModel):
#     """One row of the authors' report: id, name, how many books, and the average of the stars of
#     all their books' reviews (None when there is no review)."""
#
#     # TODO (task 3)
# END STUB


def author_summaries(session: Session) -> list[AuthorSummary]:
    """An AuthorSummary per author (also those without books), by name, ties by id: ONE SELECT that
    counts and averages in the database."""
    # BEGIN SOLUTION
    rows = session.execute(
        select(
            Author.id,
            Author.name,
            # DISTINCT: joined to the reviews, a book with 3 reviews is on 3 rows.
            func.count(Book.id.distinct()).label("book_count"),
            func.avg(Review.stars).label("average_stars"),
        )
        .outerjoin(Author.books)
        .outerjoin(Book.reviews)
        .group_by(Author.id, Author.name)
        .order_by(Author.name, Author.id)
    )
    return [AuthorSummary.model_validate(row) for row in rows]
    # END SOLUTION


# -- task 4: an SQLModel model beside the SQLAlchemy ones -----------------------------------------------

# BEGIN SOLUTION
# A registry of its own: the heroes table goes into this registry's MetaData, not into Base's, nor into
# SQLModel's process-wide one (where defining the class a second time would clash).
heroes_registry = registry()


class HeroModel(SQLModel, registry=heroes_registry):
    """The base of this module's SQLModel tables."""


class Hero(HeroModel, table=True):
    """The `heroes` table: id, name (1 to 50 characters), age (0 to 150, or None)."""

    __tablename__ = "heroes"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(min_length=1, max_length=50)
    age: int | None = Field(default=None, ge=0, le=150)


class HeroCreate(BaseModel):
    """What a client sends: a name (stripped, then 1 to 50 characters), an age (0 to 150, or None)."""

    # A plain pydantic model: input checking needs no table. (On an SQLModel class, model_config works
    # too, at the price of a type: ignore; class keywords such as `extra="forbid"` are silently ignored.)
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=50)
    age: int | None = Field(default=None, ge=0, le=150)


class HeroRead(SQLModel):
    """What the API answers: id, name, age."""

    id: int
    name: str
    age: int | None


# END SOLUTION
# BEGIN STUB
# class HeroModel(SQLModel):  # TODO (task 4): a registry of its own
#     """The base of this module's SQLModel tables."""
#
#
# class Hero(HeroModel, table=True):
#     """The `heroes` table: id, name (1 to 50 characters), age (0 to 150, or None)."""
#
#     __tablename__ = "heroes"
#
#     id: int | None = Field(default=None, primary_key=True)
#     # TODO (task 4): name and age
#
#
# class HeroCreate(BaseModel):
#     """What a client sends: a name (stripped, then 1 to 50 characters), an age (0 to 150, or None)."""
#
#     # TODO (task 4)
#
#
# class HeroRead(SQLModel):
#     """What the API answers: id, name, age."""
#
#     # TODO (task 4)
# END STUB


def create_hero(session: Session, data: dict[str, Any]) -> HeroRead:
    """Validate `data` as a HeroCreate (a pydantic ValidationError goes to the caller, and nothing is
    stored), add the Hero, flush, and return it as a HeroRead."""
    # BEGIN SOLUTION
    # Hero(**data) would not validate: SQLModel's table models skip validation in the constructor.
    checked = HeroCreate.model_validate(data)
    hero = Hero.model_validate(checked.model_dump())
    session.add(hero)
    session.flush()  # assigns the id
    return HeroRead.model_validate(hero)
    # END SOLUTION
