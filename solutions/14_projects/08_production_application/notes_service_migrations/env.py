"""Alembic's environment script for the notes service: every command runs it.

When the caller already has a Connection (a test, a deploy script), it passes it in
`config.attributes["connection"]` and the migrations run on it, inside the caller's transaction
(Alembic cookbook: "Sharing a Connection across one or more programmatic migration commands").
Otherwise it builds an Engine from the `sqlalchemy.url` option.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

config = context.config

# The models' MetaData, for autogenerate; this project writes its migrations by hand.
target_metadata = None


def run_migrations_offline() -> None:
    """`--sql` mode: write the SQL out instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_on(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
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


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
