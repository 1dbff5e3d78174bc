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
    # BEGIN SOLUTION
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200))
    joined_on: Mapped[datetime.date | None]
    # END SOLUTION
    # BEGIN STUB
    # # TODO: the model still describes the first revision; bring it up to date with the head.
    # full_name: Mapped[str] = mapped_column(String(200))
    # email: Mapped[str] = mapped_column(String(200))
    # END STUB


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
    # BEGIN SOLUTION
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    if len(heads) != 1:
        return [f"{len(heads)} heads ({', '.join(sorted(heads))}): merge them into one"]
    previous = "base"
    for revision in reversed(list(script.walk_revisions())):
        step = connection.begin_nested()
        try:
            command.upgrade(config, revision.revision)
            command.downgrade(config, previous)
            command.upgrade(config, revision.revision)
        except Exception as error:  # noqa: BLE001 - any failure of a migration is a problem to report
            # Undo the half-done step (PostgreSQL refuses every statement after an error until then).
            step.rollback()
            return [f"revision {revision.revision} ({revision.doc}) fails up/down/up: {error}"]
        step.commit()
        previous = revision.revision
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences = compare_metadata(context, metadata)
    if differences:
        return [f"the models do not match the migrated schema: {differences}"]
    return []
    # END SOLUTION
