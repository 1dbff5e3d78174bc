"""Kata 8.4: autogenerate — the models, a naming convention, what autogenerate compares, a revision.

The recipe site's models are given below (do not change the tables). recipes_migrations/env.py
gives their MetaData to autogenerate.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, ForeignKey, MetaData, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BEGIN SOLUTION
# Every constraint and index gets a predictable name: autogenerate writes it into the migration,
# and a later migration (or SQLite's batch mode) can drop or alter it by that name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING_CONVENTION)
# END SOLUTION
# BEGIN STUB
# metadata = MetaData()  # TODO: a naming convention (see README, task 1)
# END STUB


class Base(DeclarativeBase):
    metadata = metadata


class Recipe(Base):
    __tablename__ = "recipes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(server_default=text("30"))
    notes: Mapped[str | None] = mapped_column(Text)


class Ingredient(Base):
    __tablename__ = "ingredients"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipe_id: Mapped[int] = mapped_column(ForeignKey("recipes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    grams: Mapped[int]


def schema_changes(connection: Connection, target: MetaData) -> list[str]:
    """What autogenerate would change to make the database match `target`, one line per change,
    sorted. The lines (T a table, C a column, I an index):

        "add table T", "remove table T", "add column T.C", "remove column T.C",
        "change type of T.C", "change nullable of T.C", "change server default of T.C",
        "add index I", "remove index I"

    Column types and server defaults are compared too. Other kinds of change may be listed in
    any wording. Only reads the database.
    """
    # BEGIN SOLUTION
    def describe(change: tuple[Any, ...]) -> str:
        kind = change[0]
        verb = kind.split("_")[0]  # add / remove / modify
        if kind in ("add_table", "remove_table"):
            return f"{verb} table {change[1].name}"
        if kind in ("add_column", "remove_column"):  # (kind, schema, table name, Column)
            return f"{verb} column {change[2]}.{change[3].name}"
        if kind in ("add_index", "remove_index"):
            return f"{verb} index {change[1].name}"
        modified = {"modify_type": "type", "modify_nullable": "nullable", "modify_default": "server default"}
        if kind in modified:  # (kind, schema, table name, column name, info, old, new)
            return f"change {modified[kind]} of {change[2]}.{change[3]}"
        return repr(change)

    # compare_type is on by default; compare_server_default is not: a changed DEFAULT would go unseen.
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    lines = []
    for diff in compare_metadata(context, target):
        # The changes of one column come grouped in a list; every other change is a tuple.
        for change in diff if isinstance(diff, list) else [diff]:
            lines.append(describe(change))
    return sorted(lines)
    # END SOLUTION


def autogenerate(config: Config, message: str) -> str:
    """Write a new revision whose upgrade() makes the database match the models, as
    `alembic revision --autogenerate -m <message>` does; return the new revision's id."""
    # BEGIN SOLUTION
    script = command.revision(config, message=message, autogenerate=True)
    assert script is not None and not isinstance(script, list)
    return script.revision
    # END SOLUTION
