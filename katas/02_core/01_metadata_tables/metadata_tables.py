"""Kata 2.1: MetaData and tables — describe a schema in Python, and read one back from a database.

The tool library's new system describes its tables on one MetaData (tasks 1-2). The old system
left a database nobody documented: its tables are named `legacy_*`, and you read them with
reflection instead of typing them in again (tasks 3-5).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    inspect,
)

metadata = MetaData()

# TODO (tasks 1 and 2): define the members, tools and loans tables on this metadata,
# e.g. members = Table("members", metadata, Column("id", Integer, primary_key=True), ...)


class ColumnFacts(NamedTuple):
    """One column as the database has it."""

    name: str
    python_type: type  # the Python type its values come back as: int, str, Decimal, date, bool...
    nullable: bool


class TableFacts(NamedTuple):
    """What describe_table() reports about one table."""

    columns: list[ColumnFacts]  # in the table's column order
    primary_key: list[str]  # the primary key's column names, in key order
    references: dict[str, str]  # local column name -> "other_table.other_column"
    indexes: dict[str, list[str]]  # index name -> its column names, in index order


def load_table(connection: Connection, name: str) -> Table:
    """Return a Table object for the existing table `name`, with its columns read from the database."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def reflect_legacy(connection: Connection) -> MetaData:
    """Return a new MetaData holding every table whose name starts with "legacy_", and no other table."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def describe_table(connection: Connection, name: str) -> TableFacts:
    """Describe the existing table `name` with the runtime inspection API (sqlalchemy.inspect)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
