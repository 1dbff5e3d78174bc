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

metadata = MetaData()  # TODO: a naming convention (see README, task 1)


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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def autogenerate(config: Config, message: str) -> str:
    """Write a new revision whose upgrade() makes the database match the models, as
    `alembic revision --autogenerate -m <message>` does; return the new revision's id."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
