"""Kata 8.5: running migrations — up and down to any target, stamping, merging two heads, SQL scripts.

The warehouse's migration environment is given in `warehouse_migrations/` (do not change it).
Every function gets a Config that is ready to use: its script_location is set and, except for
sql_for(), a connection is shared through config.attributes["connection"].
"""

from __future__ import annotations

import io

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def go_to(config: Config, target: str) -> None:
    """Bring the database to `target`, upgrading or downgrading as needed.

    `target` is "head", "base", a revision id (or a unique prefix of one), or a step relative to
    where the database is: "+2" (two revisions up), "-1" (one down).
    """
    # BEGIN SOLUTION
    if target == "base" or target.startswith("-"):
        command.downgrade(config, target)
        return
    if target == "head" or target.startswith("+"):
        command.upgrade(config, target)
        return
    # A revision id: downgrade when it is below where the database is, else upgrade.
    script = ScriptDirectory.from_config(config)
    destination = script.get_revision(target)
    assert destination is not None, f"no revision {target!r}"
    current = MigrationContext.configure(config.attributes["connection"]).get_current_revision()
    below = (
        {rev.revision for rev in script.iterate_revisions(current, "base")} if current is not None else set()
    )
    if destination.revision in below and destination.revision != current:
        command.downgrade(config, destination.revision)
    else:
        command.upgrade(config, destination.revision)
    # END SOLUTION


def stamp_existing(config: Config) -> None:
    """The database already has the newest schema (it was made with metadata.create_all(), before
    the project used Alembic): record that it is at the head, without running any migration."""
    # BEGIN SOLUTION
    # stamp writes alembic_version only; upgrade would try to CREATE tables that exist.
    command.stamp(config, "head")
    # END SOLUTION


def merge_heads(config: Config, message: str) -> str:
    """Two developers each added a revision on top of the same one: the environment has two
    heads. Write a merge revision that joins them (as `alembic merge heads -m <message>`), and
    return its id."""
    # BEGIN SOLUTION
    script = command.merge(config, revisions="heads", message=message)
    assert script is not None
    return script.revision
    # END SOLUTION


def sql_for(config: Config, start: str, end: str) -> str:
    """The SQL that upgrading from revision `start` to revision `end` would run, without
    connecting to any database (offline mode, `alembic upgrade <start>:<end> --sql`), for the
    dialect of the config's sqlalchemy.url option."""
    # BEGIN SOLUTION
    buffer = io.StringIO()
    # Offline mode writes to the config's output buffer (stdout by default).
    config.output_buffer = buffer
    # There is no database to ask where it stands: the range says where to start.
    command.upgrade(config, f"{start}:{end}", sql=True)
    return buffer.getvalue()
    # END SOLUTION
