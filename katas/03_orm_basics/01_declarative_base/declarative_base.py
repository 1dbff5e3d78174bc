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

# TODO (task 1): the 1.x way. Make it `class Base(DeclarativeBase)` with a type_annotation_map.
Base = declarative_base()


class Author(Base):
    """TODO (task 2): the authors table."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)


class Book(Base):
    """TODO (task 3): the books table."""

    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
