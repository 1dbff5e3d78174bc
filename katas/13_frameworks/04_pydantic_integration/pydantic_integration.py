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


class ReviewOut(BaseModel):
    """A review as the API shows it: its stars and its text (not its id, nor its book_id)."""

    # TODO (task 1)


class BookOut(BaseModel):
    """A book: id, title, year and its reviews (a list of ReviewOut)."""

    # TODO (task 1)


class AuthorOut(BaseModel):
    """An author: id, name and their books (a list of BookOut)."""

    # TODO (task 1)


# -- task 2: the catalogue, without lazy loads ------------------------------------------------------


def catalogue(session: Session) -> list[AuthorOut]:
    """Every author as an AuthorOut, by name (ties by id), with their books and the books' reviews
    (in the order the relationships give). At most 3 statements, however many rows there are.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 3: schemas read from rows --------------------------------------------------------------------


class AuthorSummary(BaseModel):
    """One row of the authors' report: id, name, how many books, and the average of the stars of
    all their books' reviews (None when there is no review)."""

    # TODO (task 3)


def author_summaries(session: Session) -> list[AuthorSummary]:
    """An AuthorSummary per author (also those without books), by name, ties by id: ONE SELECT that
    counts and averages in the database."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# -- task 4: an SQLModel model beside the SQLAlchemy ones -----------------------------------------------

class HeroModel(SQLModel):  # TODO (task 4): a registry of its own
    """The base of this module's SQLModel tables."""


class Hero(HeroModel, table=True):
    """The `heroes` table: id, name (1 to 50 characters), age (0 to 150, or None)."""

    __tablename__ = "heroes"

    id: int | None = Field(default=None, primary_key=True)
    # TODO (task 4): name and age


class HeroCreate(BaseModel):
    """What a client sends: a name (stripped, then 1 to 50 characters), an age (0 to 150, or None)."""

    # TODO (task 4)


class HeroRead(SQLModel):
    """What the API answers: id, name, age."""

    # TODO (task 4)


def create_hero(session: Session, data: dict[str, Any]) -> HeroRead:
    """Validate `data` as a HeroCreate (a pydantic ValidationError goes to the caller, and nothing is
    stored), add the Hero, flush, and return it as a HeroRead."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
