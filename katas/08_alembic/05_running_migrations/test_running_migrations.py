"""Tests for kata 8.5, running migrations. Run: pytest katas/08_alembic/05_running_migrations"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, ForeignKey, Index, Integer, MetaData, String, Table, inspect, text

from fixtures.target import learner_module, learner_path

running_migrations = learner_module(__file__, "running_migrations")

PRODUCTS, STOCK, WEIGHT, INDEX = "7e1d0a9c3b52", "1a2be4f60d83", "c3d49b7e2f16", "4f5e8c1d7a09"
ORDER = [PRODUCTS, STOCK, WEIGHT, INDEX]
NAMES = {None: "base", PRODUCTS: "create products", STOCK: "create stock", WEIGHT: "product weight", INDEX: "index stock product"}


def config_for(location: Path, connection: Connection | None = None) -> Config:
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(location))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@pytest.fixture
def environment(tmp_path: Path) -> Path:
    """A copy of warehouse_migrations/: the tests that add revisions write them there."""
    target = tmp_path / "warehouse_migrations"
    shutil.copytree(learner_path(__file__, "warehouse_migrations"), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def at(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def schema_at(connection: Connection) -> dict[str, Any]:
    inspector = inspect(connection)
    names = set(inspector.get_table_names()) - {"alembic_version"}
    return {
        name: (
            sorted(c["name"] for c in inspector.get_columns(name)),
            sorted(str(i["name"]) for i in inspector.get_indexes(name) if not i.get("duplicates_constraint")),
        )
        for name in sorted(names)
    }


EXPECTED_SCHEMA = {
    None: {},
    PRODUCTS: {"products": (["id", "name", "sku"], [])},
    STOCK: {"products": (["id", "name", "sku"], []), "stock": (["id", "product_id", "quantity"], [])},
    WEIGHT: {
        "products": (["id", "name", "sku", "weight_grams"], []),
        "stock": (["id", "product_id", "quantity"], []),
    },
    INDEX: {
        "products": (["id", "name", "sku", "weight_grams"], []),
        "stock": (["id", "product_id", "quantity"], ["ix_stock_product_id"]),
    },
}


def start_at(config: Config, revision: str | None) -> None:
    if revision is not None:
        command.upgrade(config, revision)


# -- task 1 -------------------------------------------------------------------------------------

MOVES = [
    # (start, target, where the database must end)
    (None, "head", INDEX),
    (INDEX, "base", None),
    (None, STOCK, STOCK),
    (PRODUCTS, WEIGHT, WEIGHT),
    (INDEX, STOCK, STOCK),
    (WEIGHT, PRODUCTS, PRODUCTS),
    (STOCK, STOCK, STOCK),
    (None, "+2", STOCK),
    (PRODUCTS, "+3", INDEX),
    (INDEX, "-1", WEIGHT),
    (WEIGHT, "-2", PRODUCTS),
    (INDEX, WEIGHT[:6], WEIGHT),
]


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("start", "target", "end"),
    MOVES,
    ids=[f"from {NAMES[s]} to {t if t in ('head', 'base') or t[0] in '+-' else NAMES.get(t, t + '...')}" for s, t, _ in MOVES],
)
def test_go_to_brings_the_database_to_the_target(
    environment: Path, connection: Connection, start: str | None, target: str, end: str | None
) -> None:
    config = config_for(environment, connection)
    start_at(config, start)
    try:
        running_migrations.go_to(config_for(environment, connection), target)
    except Exception as error:
        if isinstance(error, NotImplementedError) and not str(error):
            raise  # an unwritten stub: the harness names the function
        pytest.fail(
            f"go_to({target!r}) from {NAMES[start]!r} failed: {type(error).__name__}: {error}. Going down "
            "is command.downgrade(), going up command.upgrade(): which one does this target need?",
            pytrace=False,
        )
    assert at(connection) == end, (
        f"from {NAMES[start]!r}, go_to({target!r}) should leave the database at {NAMES[end]!r} ({end}), "
        f"not at {NAMES.get(at(connection), at(connection))!r}"
    )
    assert schema_at(connection) == EXPECTED_SCHEMA[end], (
        f"at {NAMES[end]!r} the tables should be {EXPECTED_SCHEMA[end]}, found {schema_at(connection)}"
    )


@pytest.mark.task(1)
def test_go_to_where_the_database_already_is_changes_nothing(
    environment: Path, connection: Connection, queries: Any
) -> None:
    config = config_for(environment, connection)
    command.upgrade(config, WEIGHT)
    queries.clear()
    running_migrations.go_to(config_for(environment, connection), WEIGHT)
    changes = [s.sql for s in queries.statements if s.sql.split(None, 1)[0].upper() in ("CREATE", "ALTER", "DROP", "UPDATE", "INSERT", "DELETE")]
    assert not changes and at(connection) == WEIGHT, (
        f"the database is already at {NAMES[WEIGHT]!r}: go_to() should change nothing, it ran {changes}"
    )


# -- task 2 -------------------------------------------------------------------------------------


def create_all_like_before_alembic(connection: Connection) -> None:
    """The schema the head describes, made with create_all() (the project before Alembic), with rows."""
    schema = MetaData()
    products = Table(
        "products",
        schema,
        Column("id", Integer, primary_key=True),
        Column("sku", String(20), nullable=False, unique=True),
        Column("name", String(100), nullable=False),
        Column("weight_grams", Integer),
    )
    stock = Table(
        "stock",
        schema,
        Column("id", Integer, primary_key=True),
        Column("product_id", ForeignKey("products.id"), nullable=False),
        Column("quantity", Integer, nullable=False),
    )
    Index("ix_stock_product_id", stock.c.product_id)
    schema.create_all(connection)
    connection.execute(products.insert(), [{"id": 1, "sku": "BOX-S", "name": "Small box", "weight_grams": 120}])
    connection.execute(stock.insert(), [{"id": 1, "product_id": 1, "quantity": 40}])


@pytest.mark.task(2)
def test_stamp_existing_records_the_head_without_running_migrations(
    environment: Path, connection: Connection, queries: Any
) -> None:
    create_all_like_before_alembic(connection)
    queries.clear()
    try:
        running_migrations.stamp_existing(config_for(environment, connection))
    except Exception as error:
        if isinstance(error, NotImplementedError) and not str(error):
            raise  # an unwritten stub: the harness names the function
        pytest.fail(
            f"stamp_existing() failed: {type(error).__name__}: {error}. The tables exist already: running the "
            "migrations would create them a second time.",
            pytrace=False,
        )
    assert at(connection) == INDEX, (
        f"after stamp_existing() the database should be recorded at the head ({INDEX}), not {at(connection)!r}"
    )
    ddl = [s.sql for s in queries.statements if s.sql.split(None, 1)[0].upper() in ("ALTER", "DROP")]
    ddl += [s.sql for s in queries.statements if s.sql.upper().startswith("CREATE") and "alembic_version" not in s.sql]
    assert not ddl, f"stamping writes alembic_version only; no migration should run, but these did: {ddl}"
    quantity = connection.execute(text("SELECT quantity FROM stock")).scalar_one()
    assert quantity == 40, "the existing rows must be untouched"


@pytest.mark.task(2)
def test_after_stamping_new_revisions_apply_on_top(environment: Path, connection: Connection) -> None:
    create_all_like_before_alembic(connection)
    running_migrations.stamp_existing(config_for(environment, connection))
    config = config_for(environment, connection)
    script = command.revision(config, message="stock reorder level", rev_id="aa11bb22cc33")
    assert script is not None and not isinstance(script, list)
    Path(script.path).write_text(
        Path(script.path).read_text().replace(
            '    """Upgrade schema."""\n    pass',
            '    """Upgrade schema."""\n    op.add_column("stock", sa.Column("reorder_level", sa.Integer))',
        )
    )
    command.upgrade(config, "head")
    columns = {c["name"] for c in inspect(connection).get_columns("stock")}
    assert "reorder_level" in columns and at(connection) == "aa11bb22cc33", (
        "after stamping the head, `upgrade head` should run only the revision added later "
        f"(stock.reorder_level); stock has {sorted(columns)}, the database is at {at(connection)!r}"
    )


@pytest.mark.task(2)
def test_stamp_existing_records_whatever_the_head_of_the_scripts_is(environment: Path, connection: Connection) -> None:
    # An (empty) revision written on top: the head is now a revision the kata's files do not have.
    command.revision(config_for(environment, connection), message="nothing yet", rev_id="dd33ee44ff55")
    create_all_like_before_alembic(connection)
    running_migrations.stamp_existing(config_for(environment, connection))
    assert at(connection) == "dd33ee44ff55", (
        "the environment's head is now 'dd33ee44ff55' (a revision added on top): stamp_existing() should "
        f"record the head the scripts have, not a fixed id; the database is at {at(connection)!r}"
    )


# -- task 3 -------------------------------------------------------------------------------------


def add_branch(environment: Path, connection: Connection, rev_id: str, on: str) -> None:
    """A colleague's revision, written on top of `on` while the others were being written."""
    command.revision(config_for(environment, connection), message=f"hotfix {rev_id[:4]}", rev_id=rev_id, head=on, splice=True)


@pytest.mark.task(3)
@pytest.mark.parametrize("branch_point", [STOCK, WEIGHT], ids=["branch on create stock", "branch on product weight"])
def test_merge_heads_joins_two_heads_into_one(environment: Path, connection: Connection, branch_point: str) -> None:
    config = config_for(environment, connection)
    command.upgrade(config, "head")
    add_branch(environment, connection, "bb0c0ffee001", branch_point)
    assert sorted(ScriptDirectory.from_config(config).get_heads()) == sorted([INDEX, "bb0c0ffee001"])
    merge = running_migrations.merge_heads(config_for(environment, connection), "merge hotfix")
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [merge], (
        f"after merging there should be one head, the merge revision merge_heads() returned ({merge!r}); "
        f"heads: {script.get_heads()}"
    )
    written = script.get_revision(merge)
    assert written is not None and set(written.down_revision or ()) == {INDEX, "bb0c0ffee001"}, (
        "the merge revision's down_revision should name both heads, (INDEX, the colleague's), not "
        f"{getattr(written, 'down_revision', None)!r}"
    )
    assert written.doc == "merge hotfix", f"the merge revision's message should be 'merge hotfix', not {written.doc!r}"
    command.upgrade(config, "head")
    assert at(connection) == merge, (
        "`upgrade head` should now apply the colleague's revision and the merge: the database "
        f"should be at {merge!r}, it is at {at(connection)!r}"
    )


@pytest.mark.task(3)
def test_merge_heads_writes_into_the_environment_it_is_given(environment: Path, connection: Connection) -> None:
    add_branch(environment, connection, "cc0c0ffee002", PRODUCTS)
    before = {p.name for p in (environment / "versions").glob("*.py")}
    merge = running_migrations.merge_heads(config_for(environment, connection), "join the branches")
    written = {p.name for p in (environment / "versions").glob("*.py")} - before
    assert len(written) == 1 and next(iter(written)).startswith(merge), (
        f"merge_heads() should write one new revision file (named after its id, {merge!r}) into the "
        f"environment's versions/ folder; new files: {sorted(written)}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("url", "transactional"),
    [("sqlite:///warehouse.db", False), ("postgresql+psycopg://ops@db.example.com/warehouse", True)],
    ids=["sqlite", "postgresql"],
)
def test_sql_for_writes_only_the_range_for_the_configured_dialect(
    environment: Path, url: str, transactional: bool
) -> None:
    config = config_for(environment)
    config.set_main_option("sqlalchemy.url", url)
    sql = running_migrations.sql_for(config, STOCK, INDEX)
    assert isinstance(sql, str), f"sql_for() should return the SQL as a string, not {type(sql).__name__}"
    assert "weight_grams" in sql and "CREATE INDEX ix_stock_product_id" in sql, (
        "from 'create stock' to 'index stock product' the script should add products.weight_grams and "
        f"create ix_stock_product_id. It was:\n{sql}"
    )
    assert "CREATE TABLE products" not in sql and "CREATE TABLE stock" not in sql, (
        "the range starts after 'create stock': the tables exist already, the script must not create "
        f"them (offline mode cannot ask the database where it is: the range says it). It was:\n{sql}"
    )
    assert f"version_num='{INDEX}'" in sql.replace(" = ", "=").replace("= ", "="), (
        f"the script should record the new revision in alembic_version ({INDEX}). It was:\n{sql}"
    )
    assert ("BEGIN;" in sql) is transactional, (
        f"the SQL should be written for the dialect of sqlalchemy.url, {url.split(':')[0]}: "
        + ("PostgreSQL's DDL is transactional, the script is wrapped in BEGIN; ... COMMIT;" if transactional
           else "Alembic treats SQLite's DDL as non-transactional, the script has no BEGIN;")
        + f"\n{sql}"
    )
