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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def stamp_existing(config: Config) -> None:
    """The database already has the newest schema (it was made with metadata.create_all(), before
    the project used Alembic): record that it is at the head, without running any migration."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def merge_heads(config: Config, message: str) -> str:
    """Two developers each added a revision on top of the same one: the environment has two
    heads. Write a merge revision that joins them (as `alembic merge heads -m <message>`), and
    return its id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def sql_for(config: Config, start: str, end: str) -> str:
    """The SQL that upgrading from revision `start` to revision `end` would run, without
    connecting to any database (offline mode, `alembic upgrade <start>:<end> --sql`), for the
    dialect of the config's sqlalchemy.url option."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
