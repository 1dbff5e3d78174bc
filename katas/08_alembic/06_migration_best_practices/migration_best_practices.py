"""Kata 8.6: migration best practices — the club's model, and a health check for any migration environment.

The migration environment is members_migrations/ (its data migration, "split full name", is
yours to write). The model below must describe the schema at the newest revision.
"""

from __future__ import annotations

import datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Member(Base):
    """A club member, as the table is after `upgrade head`."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO: the model still describes the first revision; bring it up to date with the head.
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))


def migration_problems(config: Config, connection: Connection, metadata: MetaData) -> list[str]:
    """Check a migration environment the way a CI job (or pytest-alembic) does, on `connection`,
    and return the problems found, one sentence each ([] when all is well):

    1. there is exactly one head (else report the heads, and check nothing more);
    2. from the base up, every revision goes up, back down to the revision before it, and up
       again without an error (else report that revision's id, and check nothing more);
    3. at the head, `metadata` matches the migrated schema (compare_metadata finds nothing).

    A failing migration must not spoil the connection for what follows: run each step in a
    savepoint (`connection.begin_nested()`). The config shares `connection` with env.py.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
