"""The bookshop's migration environment: every Alembic command runs this script.

It decides which database to migrate and how, and gives autogenerate the models to compare
the database with. (`alembic init` writes a generic one; this is the project's own.)
"""

from __future__ import annotations

import os

# alembic_setup is the project's models: alembic.ini's `prepend_sys_path = %(here)s` puts the
# project folder on sys.path, as running `alembic` from the project folder would.
import alembic_setup
from alembic import context
from sqlalchemy import Connection, MetaData, engine_from_config, pool

config = context.config

URL_VARIABLE = "BOOKSHOP_DATABASE_URL"

target_metadata: MetaData | None = None  # TODO: the models' MetaData, for autogenerate


def database_url() -> str:
    """The URL of the database to migrate: $BOOKSHOP_DATABASE_URL when it is set (servers, CI),
    else the `sqlalchemy.url` option of alembic.ini (a developer's machine)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: write the SQL for database_url()'s dialect, connect to nothing."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def run_migrations_online() -> None:
    """Run the migrations on a live connection.

    When the caller passes a Connection in `config.attributes["connection"]` (a test, an app
    migrating at start-up), use it, inside the caller's transaction. Otherwise connect to
    database_url() and close the connection afterwards. On SQLite, autogenerate must write
    "batch" operations (SQLite cannot ALTER a column); it must notice column type changes.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
