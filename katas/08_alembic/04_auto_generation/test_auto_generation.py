"""Tests for kata 8.4, auto-generation. Run: pytest katas/08_alembic/04_auto_generation"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)

from fixtures.target import learner_module, learner_path

auto_generation = learner_module(__file__, "auto_generation")

FIRST = "5a7c3e9b1d24"  # the given revision "create recipes"
KNOWN = ("add table", "remove table", "add column", "remove column", "change ", "add index", "remove index")


@pytest.fixture(autouse=True)
def fresh_imports() -> Iterator[None]:
    """env.py puts the kata folder on sys.path and imports the models: undo it after each test."""
    saved = list(sys.path)
    sys.modules.pop("auto_generation", None)
    yield
    sys.path[:] = saved
    sys.modules.pop("auto_generation", None)


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    """A copy of the versions folder: the revisions autogenerate writes go there, not into the kata."""
    target = tmp_path / "versions"
    shutil.copytree(learner_path(__file__, "recipes_migrations/versions"), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def config_for(connection: Connection, versions: Path) -> Config:
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(learner_path(__file__, "recipes_migrations")))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(versions))
    config.attributes["connection"] = connection
    return config


def database_schema(
    connection: Connection,
    *,
    tables: tuple[str, ...] = ("recipes", "ingredients"),
    title: Any = None,
    title_nullable: bool = False,
    minutes_default: str = "30",
    notes: bool = True,
    legacy_column: bool = False,
    index: str = "recipe_id",
    legacy_table: str = "",
) -> None:
    """Create a database schema: the models' (as the target below), or a variation of it."""
    schema = MetaData()
    if "recipes" in tables:
        columns = [
            Column("id", Integer, primary_key=True),
            Column("slug", String(80), nullable=False),
            Column("title", title if title is not None else String(200), nullable=title_nullable),
            Column("minutes", Integer, server_default=text(minutes_default), nullable=False),
        ]
        if notes:
            columns.append(Column("notes", Text))
        if legacy_column:
            columns.append(Column("legacy", Integer))
        Table("recipes", schema, *columns, UniqueConstraint("slug", name="uq_recipes_slug"))
    if "ingredients" in tables:
        ingredients = Table(
            "ingredients",
            schema,
            Column("id", Integer, primary_key=True),
            Column("recipe_id", ForeignKey("recipes.id"), nullable=False),
            Column("name", String(100), nullable=False),
            Column("grams", Integer, nullable=False),
        )
        if index == "recipe_id":
            Index("ix_ingredients_recipe_id", ingredients.c.recipe_id)
        elif index:
            Index("ix_ingredients_name", ingredients.c.name)
    if legacy_table:
        Table(legacy_table, schema, Column("id", Integer, primary_key=True), Column("total", Integer))
    schema.create_all(connection)


def target_metadata() -> MetaData:
    """The tests' own copy of the models' tables (so task 2 does not depend on task 1)."""
    schema = MetaData()
    Table(
        "recipes",
        schema,
        Column("id", Integer, primary_key=True),
        Column("slug", String(80), nullable=False),
        Column("title", String(200), nullable=False),
        Column("minutes", Integer, server_default=text("30"), nullable=False),
        Column("notes", Text),
        UniqueConstraint("slug", name="uq_recipes_slug"),
    )
    ingredients = Table(
        "ingredients",
        schema,
        Column("id", Integer, primary_key=True),
        Column("recipe_id", ForeignKey("recipes.id"), nullable=False),
        Column("name", String(100), nullable=False),
        Column("grams", Integer, nullable=False),
    )
    Index("ix_ingredients_recipe_id", ingredients.c.recipe_id)
    return schema


def remaining_differences(connection: Connection, metadata: MetaData) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
    return compare_metadata(context, metadata)


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_the_models_constraints_and_indexes_get_conventional_names(connection: Connection) -> None:
    auto_generation.Base.metadata.create_all(connection)
    inspector = inspect(connection)
    names = {
        "primary key of recipes": inspector.get_pk_constraint("recipes")["name"],
        "unique slug": next((u["name"] for u in inspector.get_unique_constraints("recipes")), None),
        "foreign key ingredients.recipe_id": next((f["name"] for f in inspector.get_foreign_keys("ingredients")), None),
        "index on ingredients.recipe_id": next((i["name"] for i in inspector.get_indexes("ingredients")), None),
    }
    expected = {
        "primary key of recipes": "pk_recipes",
        "unique slug": "uq_recipes_slug",
        "foreign key ingredients.recipe_id": "fk_ingredients_recipe_id_recipes",
        "index on ingredients.recipe_id": "ix_ingredients_recipe_id",
    }
    wrong = {what: (names[what], name) for what, name in expected.items() if names[what] != name}
    assert not wrong, (
        "with the naming convention of the README, the database should report these names; wrong "
        f"(got, expected): {wrong}. Without a convention the database invents names (or none), and a "
        "later migration cannot drop the constraint by name."
    )


# -- task 2 -------------------------------------------------------------------------------------

CASES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "empty database": (
        {"tables": ()},
        ["add index ix_ingredients_recipe_id", "add table ingredients", "add table recipes"],
    ),
    "up to date": ({}, []),
    "a column added, one removed": (
        {"notes": False, "legacy_column": True},
        ["add column recipes.notes", "remove column recipes.legacy"],
    ),
    "a type change": ({"title": String(100)}, ["change type of recipes.title"]),
    "a text column that should be VARCHAR": ({"title": Text()}, ["change type of recipes.title"]),
    "a nullability change": ({"title_nullable": True}, ["change nullable of recipes.title"]),
    "two changes of one column": (
        {"title": String(100), "title_nullable": True},
        ["change nullable of recipes.title", "change type of recipes.title"],
    ),
    "a server default change": ({"minutes_default": "45"}, ["change server default of recipes.minutes"]),
    "an index replaced": (
        {"index": "name"},
        ["add index ix_ingredients_recipe_id", "remove index ix_ingredients_name"],
    ),
    "an extra table": ({"legacy_table": "legacy_orders"}, ["remove table legacy_orders"]),
}


@pytest.mark.task(2)
@pytest.mark.parametrize("case", list(CASES))
def test_schema_changes_lists_what_autogenerate_would_do(connection: Connection, case: str) -> None:
    variation, expected = CASES[case]
    database_schema(connection, **variation)
    got = auto_generation.schema_changes(connection, target_metadata())
    listed = sorted(line for line in got if line.startswith(KNOWN))
    assert listed == expected, (
        f"{case}: the database differs from the target by {expected or 'nothing'}; schema_changes() "
        f"returned {list(got)}. (Types need compare_type, server defaults need compare_server_default.)"
    )


@pytest.mark.task(2)
def test_schema_changes_only_reads(connection: Connection) -> None:
    database_schema(connection, tables=("recipes",), notes=False)
    auto_generation.schema_changes(connection, target_metadata())
    assert tables(connection) == {"recipes"} and "alembic_version" not in inspect(connection).get_table_names(), (
        "schema_changes() compares; it should create nothing (no table, no alembic_version): the "
        f"database now has {sorted(inspect(connection).get_table_names())}"
    )
    columns = {c["name"] for c in inspect(connection).get_columns("recipes")}
    assert "notes" not in columns, "schema_changes() should not add the missing column: it only reports it"


# -- task 3 -------------------------------------------------------------------------------------


def generate_and_upgrade(connection: Connection, versions: Path) -> None:
    """`alembic revision --autogenerate`, then `alembic upgrade head`, with the learner's env.py."""
    config = config_for(connection, versions)
    command.revision(config, message="catch up with the models", autogenerate=True)
    command.upgrade(config, "head")


@pytest.mark.task(3)
@pytest.mark.parametrize("other", ["legacy_orders", "ledger_entries"])
def test_autogenerate_leaves_tables_it_does_not_manage_alone(connection: Connection, versions: Path, other: str) -> None:
    database_schema(connection, tables=(), legacy_table=other)
    connection.execute(text(f"INSERT INTO {other} (id, total) VALUES (1, 990), (2, 1250)"))
    command.upgrade(config_for(connection, versions), "head")  # the given revision: create recipes
    generate_and_upgrade(connection, versions)
    assert {"recipes", "ingredients"} <= tables(connection), "the generated revision should create the models' tables"
    assert other in tables(connection), (
        f"{other} belongs to another system: the autogenerated migration dropped it (autogenerate "
        "proposes to drop every table the models do not have, unless include_object says to skip it)"
    )
    count = connection.execute(text(f"SELECT count(*) FROM {other}")).scalar_one()
    assert count == 2, f"{other}'s rows must be untouched, found {count} of 2"


@pytest.mark.task(3)
def test_autogenerate_still_removes_columns_the_models_dropped(connection: Connection, versions: Path) -> None:
    database_schema(connection, legacy_column=True, legacy_table="legacy_orders")
    MigrationContext.configure(connection).stamp(ScriptDirectory.from_config(config_for(connection, versions)), "head")
    generate_and_upgrade(connection, versions)
    columns = {c["name"] for c in inspect(connection).get_columns("recipes")}
    assert "legacy" not in columns, (
        "recipes.legacy is no longer in the models: the autogenerated migration should drop it. "
        "include_object should skip only whole tables that exist in the database alone, and compare "
        "everything else (columns, indexes) as usual"
    )
    assert "legacy_orders" in tables(connection), "legacy_orders is not the app's: it must stay"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_autogenerate_on_an_empty_database_writes_the_first_revision(connection: Connection, versions: Path) -> None:
    for path in versions.glob("*.py"):
        if path.name != "__init__.py":
            path.unlink()  # a project without any revision yet
    config = config_for(connection, versions)
    revision = auto_generation.autogenerate(config, "initial schema")
    script = ScriptDirectory.from_config(config)
    written = script.get_revision(revision)
    assert written is not None and script.get_heads() == [revision], (
        f"autogenerate() should return the id of the revision it wrote ({script.get_heads()}), got {revision!r}"
    )
    assert written.doc == "initial schema", f"the revision's message should be 'initial schema', not {written.doc!r}"
    command.upgrade(config, "head")
    assert tables(connection) == {"recipes", "ingredients"}, (
        f"upgrading with the generated revision should create recipes and ingredients, found {sorted(tables(connection))}"
    )
    left = remaining_differences(connection, auto_generation.Base.metadata)
    assert not left, f"after the generated revision, the database should match the models; differences: {left}"


@pytest.mark.task(4)
def test_autogenerate_on_top_of_the_first_revision_catches_up_and_keeps_the_rows(
    connection: Connection, versions: Path
) -> None:
    config = config_for(connection, versions)
    command.upgrade(config, "head")
    connection.execute(text("INSERT INTO recipes (id, slug, title) VALUES (1, 'dal', 'Red lentil dal'), (2, 'pho', 'Pho')"))
    revision = auto_generation.autogenerate(config, "ingredients and notes")
    script = ScriptDirectory.from_config(config)
    written = script.get_revision(revision)
    assert written is not None and written.down_revision == FIRST, (
        f"the new revision should come after the head, {FIRST!r} ('create recipes'); it says {getattr(written, 'down_revision', None)!r}"
    )
    command.upgrade(config, "head")
    left = remaining_differences(connection, auto_generation.Base.metadata)
    assert not left, (
        "after the generated revision, the database should match the models (the ingredients table, "
        f"recipes.notes, and recipes.title widened to VARCHAR(200)); differences left: {left}"
    )
    titles = connection.execute(text("SELECT title FROM recipes ORDER BY id")).scalars().all()
    assert titles == ["Red lentil dal", "Pho"], f"the recipes must survive the migration, found {titles}"
    command.downgrade(config, FIRST)
    title_type = {c["name"]: c["type"] for c in inspect(connection).get_columns("recipes")}["title"]
    assert tables(connection) == {"recipes"} and getattr(title_type, "length", None) == 100, (
        "the generated downgrade() should bring the schema back to 'create recipes' (no ingredients, "
        f"title VARCHAR(100)); found tables {sorted(tables(connection))}, title {title_type}"
    )
