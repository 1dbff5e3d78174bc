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

# BEGIN SOLUTION
# What autogenerate compares the database with: the models' MetaData.
target_metadata: MetaData | None = alembic_setup.Base.metadata
# END SOLUTION
# BEGIN STUB
# target_metadata: MetaData | None = None  # TODO: the models' MetaData, for autogenerate
# END STUB


def database_url() -> str:
    """The URL of the database to migrate: $BOOKSHOP_DATABASE_URL when it is set (servers, CI),
    else the `sqlalchemy.url` option of alembic.ini (a developer's machine)."""
    # BEGIN SOLUTION
    url = os.environ.get(URL_VARIABLE) or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(f"set ${URL_VARIABLE} or sqlalchemy.url in alembic.ini")
    return url
    # END SOLUTION


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: write the SQL for database_url()'s dialect, connect to nothing."""
    # BEGIN SOLUTION
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,  # values written into the SQL: there is no driver to bind them
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()
    # END SOLUTION


def run_migrations_online() -> None:
    """Run the migrations on a live connection.

    When the caller passes a Connection in `config.attributes["connection"]` (a test, an app
    migrating at start-up), use it, inside the caller's transaction. Otherwise connect to
    database_url() and close the connection afterwards. On SQLite, autogenerate must write
    "batch" operations (SQLite cannot ALTER a column); it must notice column type changes.
    """
    # BEGIN SOLUTION
    def run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,  # the default since Alembic 1.12; said here so nobody turns it off
            # SQLite has no ALTER COLUMN: autogenerate writes `with op.batch_alter_table(...)`,
            # which copies the table. Other databases alter in place.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    shared = config.attributes.get("connection")
    if shared is not None:
        # Alembic's cookbook: "Sharing a Connection across one or more programmatic migration
        # commands". A transaction already begun stays the caller's to commit or roll back.
        run(shared)
        return
    options = config.get_section(config.config_ini_section, {})
    options["sqlalchemy.url"] = database_url()
    # NullPool: a migration run is one connection, closed when done (no pool left behind).
    connectable = engine_from_config(options, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        run(connection)
    connectable.dispose()
    # END SOLUTION


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
