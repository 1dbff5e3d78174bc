"""Kata 1.1: introduction — one question asked twice, in SQLAlchemy Core and in the ORM.

The bookshop's catalogue is one table:

    books(id INTEGER PRIMARY KEY, title VARCHAR(200), author VARCHAR(200), published INTEGER)

It is described below twice: once as a Core `Table` (columns and types, nothing more) and once
as an ORM class (`Book`), whose instances are Python objects with one attribute per column.
Both descriptions are given; the functions are yours.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy
from sqlalchemy import Column, Integer, MetaData, Select, String, Table, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.expression import ClauseElement

# --- Core: a Table describes the columns; queries on it return rows (named tuples). ---------
metadata = MetaData()

books = Table(
    "books",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("author", String(200), nullable=False),
    Column("published", Integer, nullable=False),
)


# --- ORM: a mapped class describes the same table; queries on it return Book objects. -------
class Base(DeclarativeBase):
    pass


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    published: Mapped[int]


def core_books_by(author: str, since: int) -> Select[Any]:
    """Core: every column of the `books` Table for one author's books published in `since` or later,
    oldest first (books of the same year by title). Build the statement; do not run it."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def orm_books_by(author: str, since: int) -> Select[Any]:
    """ORM: the same question as core_books_by, asked about `Book` objects. Do not run it."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def compile_for(statement: ClauseElement, dialect_name: str) -> str:
    """The SQL text `statement` becomes for one dialect ("sqlite", "postgresql", "mysql"),
    with the driver's placeholders where the values go (no database connection needed)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def parse_version(text: str) -> tuple[int, int, int]:
    """(major, minor, patch) as integers from a version string such as "2.0.36" or "2.1.0b2"."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def installed_version() -> tuple[int, int, int]:
    """The installed SQLAlchemy version as (major, minor, patch)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
