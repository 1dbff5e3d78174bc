"""Kata 8.1: Alembic from Python — a Config, the script directory, the database's revision, upgrade.

The library's migration environment is given in `library_migrations/` (env.py and four revisions in
`library_migrations/versions/`: do not change them). The functions below drive it through Alembic's
Python API, the same API the `alembic` command line calls.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection


def make_config(script_location: Path, connection: Connection) -> Config:
    """A Config for the migration environment in `script_location`, without an alembic.ini file.

    Commands run with it must run their migrations on `connection`, inside its current
    transaction: library_migrations/env.py uses `config.attributes["connection"]` when it is set.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def head_revision(config: Config) -> str:
    """The id of the newest revision of the environment (its single head), read from the scripts."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def revision_history(config: Config) -> list[tuple[str, str]]:
    """Every revision as (id, message), in the order they are applied: oldest (the base) first.

    The message is the revision's docstring title ("create authors"). The order follows each
    revision's `down_revision`, not the file names.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (the alembic_version table), or None for a database that
    was never migrated. Only reads: it creates no table."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def pending_revisions(config: Config, connection: Connection) -> list[str]:
    """The ids of the revisions that `upgrade head` would apply to this database, in the order it
    would apply them (an empty list when the database is up to date)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def upgrade_to(config: Config, revision: str) -> None:
    """Upgrade the database to `revision` ("head", or a revision id), as `alembic upgrade` does."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
