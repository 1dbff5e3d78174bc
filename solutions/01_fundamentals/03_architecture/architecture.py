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

# BEGIN SOLUTION
metadata = MetaData()


class Base(DeclarativeBase):
    # One MetaData for the Core tables and the ORM models alike: create_all() then sees them all.
    metadata = metadata


# END SOLUTION
# BEGIN STUB
# metadata = MetaData()
#
#
# class Base(DeclarativeBase):
#     pass  # TODO (task 1): the models' tables must land in `metadata` above, next to the Core tables
#
#
# END STUB
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
    # BEGIN SOLUTION
    # Passing the Connection (not an Engine) keeps the DDL inside the caller's transaction.
    metadata.create_all(connection)
    # MetaData knows what Python declared; the Inspector asks the database what it has.
    return sorted(inspect(connection).get_table_names())
    # END SOLUTION


def open_session(connection: Connection) -> Session:
    """A new ORM Session that runs its SQL on this very connection (and inside its transaction)."""
    # BEGIN SOLUTION
    return Session(bind=connection)
    # END SOLUTION


def engine_behind(session: Session) -> Engine | None:
    """The Engine a session gets its connections from, whether it was bound to an Engine or to a
    Connection; None when the session is bound to nothing."""
    # BEGIN SOLUTION
    bind = session.bind  # get_bind() would raise UnboundExecutionError for an unbound session
    if bind is None:
        return None
    # A Connection is not an Engine, but it knows the Engine it came from.
    return bind.engine if isinstance(bind, Connection) else bind
    # END SOLUTION


def trace(obj: object) -> Trace:
    """Follow an ORM object (such as an Author) to its Session, Connection, Engine, Table and MetaData.
    An object in no session has None for session, connection and engine."""
    # BEGIN SOLUTION
    state = inspect(obj)  # InstanceState: the ORM's bookkeeping for this one object
    table = state.mapper.local_table  # the mapper links the class to its Table
    assert isinstance(table, Table)
    session = state.session
    connection = session.connection() if session is not None else None
    return Trace(
        session=session,
        connection=connection,
        engine=connection.engine if connection is not None else None,
        table=table,
        metadata=table.metadata,
    )
    # END SOLUTION


def missing_columns(connection: Connection) -> dict[str, set[str]]:
    """For each table of `metadata`, the names of its columns that the database does not have (all of
    them when the table itself is missing). Tables the database has in full are left out."""
    # BEGIN SOLUTION
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    missing: dict[str, set[str]] = {}
    for table in metadata.sorted_tables:
        declared = {column.name for column in table.columns}
        if table.name in existing:
            declared -= {column["name"] for column in inspector.get_columns(table.name)}
        if declared:
            missing[table.name] = declared
    return missing
    # END SOLUTION
