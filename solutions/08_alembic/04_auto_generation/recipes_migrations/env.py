"""The recipe site's migration environment: every Alembic command runs this script.

Migrations run on `config.attributes["connection"]` when the caller passes one (inside the
caller's transaction), else on a connection to the `sqlalchemy.url` option.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

# The models live in the project folder, next to this one (alembic.ini's prepend_sys_path does
# this in a project that has an ini file).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import auto_generation

config = context.config
target_metadata = auto_generation.Base.metadata


def include_object(object: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Should autogenerate consider this table, column, index or constraint?

    The database also holds tables that this app does not manage (the accounting system's
    `legacy_` tables): a table that exists only in the database is left alone, never dropped.
    Everything else is compared as usual.
    """
    # BEGIN SOLUTION
    # reflected and no counterpart in the models: a table someone else owns.
    return not (type_ == "table" and reflected and compare_to is None)
    # END SOLUTION


def run_migrations_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=True,  # SQLite: alter columns by copying the table
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    shared = config.attributes.get("connection")
    if shared is not None:
        run_migrations_on(shared)
        return
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        run_migrations_on(connection)


run_migrations_online()
