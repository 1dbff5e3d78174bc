"""Kata 3.1: the declarative base — one Base class for the bookshop's models, and two models on it.

The tables the models must describe (the tests create them from your Base's metadata):

    authors(id INTEGER PRIMARY KEY, name VARCHAR(200) NOT NULL UNIQUE, email VARCHAR(200) NULL,
            bio <unbounded text> NULL)
    books(id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, price NUMERIC(10, 2) NOT NULL,
          published_at TIMESTAMP WITH TIME ZONE NULL, author_id INTEGER NOT NULL REFERENCES authors(id))
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, declarative_base, mapped_column  # noqa: F401 (the stub uses it)

# BEGIN SOLUTION


class Base(DeclarativeBase):
    """The bookshop's declarative base: every model derives from it and shares its MetaData."""

    # Python type in Mapped[...] -> SQL type, once for every model: no String(200) on each column.
    type_annotation_map = {
        str: String(200),
        Decimal: Numeric(10, 2),  # money: exact, two decimal places
        datetime: DateTime(timezone=True),  # aware datetimes (TIMESTAMP WITH TIME ZONE on PostgreSQL)
    }


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)  # Mapped[str], no Optional: NOT NULL
    email: Mapped[str | None]  # "| None": NULL allowed; the type comes from the map
    bio: Mapped[str | None] = mapped_column(Text)  # an explicit type overrides the map


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    price: Mapped[Decimal]
    published_at: Mapped[datetime | None]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


# END SOLUTION
# BEGIN STUB
# # TODO (task 1): the 1.x way. Make it `class Base(DeclarativeBase)` with a type_annotation_map.
# Base = declarative_base()
#
#
# class Author(Base):
#     """TODO (task 2): the authors table."""
#
#     __tablename__ = "authors"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
#
#
# class Book(Base):
#     """TODO (task 3): the books table."""
#
#     __tablename__ = "books"
#
#     id: Mapped[int] = mapped_column(primary_key=True)
# END STUB
