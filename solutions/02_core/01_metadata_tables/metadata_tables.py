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

# BEGIN SOLUTION
# One MetaData is the catalogue of the whole schema: create_all() walks it in dependency order.
metadata = MetaData()

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    # unique=True becomes a UNIQUE constraint in CREATE TABLE: the database refuses duplicates.
    Column("email", String(200), nullable=False, unique=True),
    Column("joined_on", Date, nullable=False),
)

tools = Table(
    "tools",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    # index=True: a plain (non-unique) index on this one column, named by SQLAlchemy.
    Column("category", String(50), nullable=False, index=True),
    # Money is exact: Numeric(precision, scale), never Float.
    Column("daily_fee", Numeric(6, 2), nullable=False),
    Column("available", Boolean, nullable=False),
)

loans = Table(
    "loans",
    metadata,
    Column("id", Integer, primary_key=True),
    # ForeignKey("table.column"): the column's type may be left out, it is taken from the target.
    Column("tool_id", ForeignKey("tools.id"), nullable=False),
    Column("member_id", ForeignKey("members.id"), nullable=False),
    Column("borrowed_on", Date, nullable=False),
    Column("returned_on", Date, nullable=True),  # NULL while the tool is still out
    # A multi-column index is declared with Index(), in the table or after it.
    Index("ix_loans_member_borrowed", "member_id", "borrowed_on"),
)
# END SOLUTION
# BEGIN STUB
# metadata = MetaData()
#
# # TODO (tasks 1 and 2): define the members, tools and loans tables on this metadata,
# # e.g. members = Table("members", metadata, Column("id", Integer, primary_key=True), ...)
# END STUB


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
    # BEGIN SOLUTION
    # autoload_with: the columns, keys and indexes come from the database, not from Python code.
    return Table(name, MetaData(), autoload_with=connection)
    # END SOLUTION


def reflect_legacy(connection: Connection) -> MetaData:
    """Return a new MetaData holding every table whose name starts with "legacy_", and no other table."""
    # BEGIN SOLUTION
    legacy = MetaData()
    # `only` takes a list of names or a predicate; a list would miss tables added next year.
    legacy.reflect(bind=connection, only=lambda name, _metadata: name.startswith("legacy_"))
    return legacy
    # END SOLUTION


def describe_table(connection: Connection, name: str) -> TableFacts:
    """Describe the existing table `name` with the runtime inspection API (sqlalchemy.inspect)."""
    # BEGIN SOLUTION
    # inspect(connection) gives an Inspector: plain dicts about the schema, no Table objects.
    inspector = inspect(connection)
    columns = [
        # Reflected types differ by dialect (VARCHAR vs TEXT, NUMERIC(8, 2)...);
        # python_type is what they have in common.
        ColumnFacts(column["name"], column["type"].python_type, column["nullable"])
        for column in inspector.get_columns(name)
    ]
    primary_key = inspector.get_pk_constraint(name)["constrained_columns"]
    references = {
        local: f"{fk['referred_table']}.{remote}"
        for fk in inspector.get_foreign_keys(name)
        for local, remote in zip(fk["constrained_columns"], fk["referred_columns"])
    }
    indexes = {
        str(index["name"]): [str(column) for column in index["column_names"]]
        for index in inspector.get_indexes(name)
    }
    return TableFacts(columns, primary_key, references, indexes)
    # END SOLUTION
