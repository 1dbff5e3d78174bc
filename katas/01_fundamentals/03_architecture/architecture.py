"""Kata 1.3: architecture — Engine, Connection, Session, MetaData and the declarative base, and how
each one leads to the others.

    Engine ──connect()──> Connection ──(bind)──> Session ──> your objects
      │                                                         │
      └── knows the database          MetaData <── Table <── mapper (inspect)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

metadata = MetaData()


class Base(DeclarativeBase):
    pass  # TODO (task 1): the models' tables must land in `metadata` above, next to the Core tables


# A Core table: no class, just columns, registered in `metadata`.
shelves = Table(
    "shelves",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", String(50), nullable=False),
)


# An ORM model: its Table is made from the class and registered in Base.metadata.
class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    born: Mapped[int | None]


@dataclass
class Trace:
    """Where an ORM object sits in the architecture."""

    session: Session | None  # the Session that holds the object, if any
    connection: Connection | None  # the Connection that Session runs its SQL on
    engine: Engine | None  # the Engine behind that Connection
    table: Table  # the Table the object's class is mapped to
    metadata: MetaData  # the MetaData that Table belongs to


def create_schema(connection: Connection) -> list[str]:
    """Create every table of `metadata` (Core and ORM alike) on this connection, in its transaction;
    return the sorted names of all the tables the database now has."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def open_session(connection: Connection) -> Session:
    """A new ORM Session that runs its SQL on this very connection (and inside its transaction)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def engine_behind(session: Session) -> Engine | None:
    """The Engine a session gets its connections from, whether it was bound to an Engine or to a
    Connection; None when the session is bound to nothing."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def trace(obj: object) -> Trace:
    """Follow an ORM object (such as an Author) to its Session, Connection, Engine, Table and MetaData.
    An object in no session has None for session, connection and engine."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def missing_columns(connection: Connection) -> dict[str, set[str]]:
    """For each table of `metadata`, the names of its columns that the database does not have (all of
    them when the table itself is missing). Tables the database has in full are left out."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
