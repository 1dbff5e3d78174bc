"""Tests for kata 8.6, migration best practices. Run: pytest katas/08_alembic/06_migration_best_practices"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    Connection,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    column,
    inspect,
    table,
    text,
)

from fixtures.target import learner_module, learner_path

migration_best_practices = learner_module(__file__, "migration_best_practices")

CREATE, SPLIT, JOINED = "b70c1e2d3f4a", "d81e5f6a7b2c", "f92a3b4c5d6e"
SPLIT_FILE = "d81e5f6a7b2c_split_full_name.py"

members_v1 = table("members", column("id"), column("full_name"), column("email"))
members_v2 = table("members", column("id"), column("first_name"), column("last_name"), column("email"))

NAME_SETS = {
    "two words": ["Ada Lovelace", "Alan Turing"],
    "one word and three": ["Prince", "Grace Brewster Hopper", "Ludwig van Beethoven"],
    "quotes and hyphens": ["Miles O'Brien", "Jean-Luc Picard", "Zoë D'Arcy-Smith"],
    # The FIRST space splits, and every other space is part of the last name: split() and strip() lose them.
    "runs of spaces": ["Grace  Hopper", "Ada Lovelace  Byron", " Cher Sarkisian"],
}


def split(name: str) -> tuple[str, str]:
    first, _, last = name.partition(" ")
    return first, last


def config_for(location: Path, connection: Connection) -> Config:
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(location))
    config.attributes["connection"] = connection
    return config


def learner_config(connection: Connection) -> Config:
    return config_for(learner_path(__file__, "members_migrations"), connection)


def migrate(connection: Connection, direction: str, target: str) -> None:
    action = command.upgrade if direction == "upgrade" else command.downgrade
    try:
        action(learner_config(connection), target)
    except Exception as error:
        if isinstance(error, NotImplementedError) and not str(error):
            raise  # an unwritten stub: the harness names the function
        pytest.fail(f"`alembic {direction} {target}` failed: {type(error).__name__}: {error}", pytrace=False)


def seed(connection: Connection, names: list[str]) -> list[dict[str, Any]]:
    rows = [{"id": i + 1, "full_name": name, "email": f"member{i + 1}@club.example"} for i, name in enumerate(names)]
    connection.execute(members_v1.insert(), rows)
    return rows


def columns_of(connection: Connection) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in inspect(connection).get_columns("members")}


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("names", list(NAME_SETS.values()), ids=list(NAME_SETS))
def test_split_full_name_keeps_every_member_and_splits_their_name(connection: Connection, names: list[str]) -> None:
    migrate(connection, "upgrade", CREATE)
    rows = seed(connection, names)
    migrate(connection, "upgrade", SPLIT)
    columns = columns_of(connection)
    assert {"first_name", "last_name"} <= set(columns) and "full_name" not in columns, (
        f"after 'split full name', members should have first_name and last_name instead of full_name; it has {sorted(columns)}"
    )
    got = [dict(r) for r in connection.execute(members_v2.select().order_by(members_v2.c.id)).mappings()]
    expected = [
        {"id": r["id"], "first_name": split(r["full_name"])[0], "last_name": split(r["full_name"])[1], "email": r["email"]}
        for r in rows
    ]
    assert got == expected, (
        "every member must survive the data migration with the name split at its first space (last_name "
        "'' when there is none), and the other columns untouched:\n"
        f"expected {expected}\ngot      {got}"
    )


@pytest.mark.task(1)
def test_the_new_name_columns_are_required(connection: Connection) -> None:
    migrate(connection, "upgrade", CREATE)
    seed(connection, NAME_SETS["two words"])
    migrate(connection, "upgrade", SPLIT)
    columns = columns_of(connection)
    for name in ("first_name", "last_name"):
        info = columns.get(name)
        assert info is not None, f"members.{name} is missing after 'split full name'"
        assert not info["nullable"], (
            f"members.{name} should be NOT NULL once every row has a value (add it nullable, fill it, then "
            "make it NOT NULL: on SQLite that takes batch mode)"
        )
        assert getattr(info["type"], "length", None) == 100, f"members.{name} should be VARCHAR(100), not {info['type']}"


@pytest.mark.task(1)
def test_split_full_name_works_on_an_empty_table_and_up_to_the_head(connection: Connection) -> None:
    migrate(connection, "upgrade", SPLIT)
    migrate(connection, "downgrade", CREATE)
    seed(connection, ["Katherine Johnson"])
    migrate(connection, "upgrade", "head")
    first_last = connection.execute(text("SELECT first_name, last_name FROM members")).one()
    assert tuple(first_last) == ("Katherine", "Johnson"), (
        f"upgrading to the head with a member should split her name, found {tuple(first_last)}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("names", list(NAME_SETS.values()), ids=list(NAME_SETS))
def test_downgrade_gives_back_exactly_the_full_names(connection: Connection, names: list[str]) -> None:
    migrate(connection, "upgrade", CREATE)
    rows = seed(connection, names)
    migrate(connection, "upgrade", SPLIT)
    migrate(connection, "downgrade", CREATE)
    columns = columns_of(connection)
    assert set(columns) == {"id", "full_name", "email"}, (
        f"after downgrading 'split full name', members should be (id, full_name, email) again, not {sorted(columns)}"
    )
    assert not columns["full_name"]["nullable"], "members.full_name should be NOT NULL again, as 'create members' made it"
    got = [dict(r) for r in connection.execute(members_v1.select().order_by(members_v1.c.id)).mappings()]
    assert got == rows, f"up then down must give back exactly the members there were:\nexpected {rows}\ngot      {got}"


@pytest.mark.task(2)
def test_downgrade_keeps_members_who_joined_after_the_split(connection: Connection) -> None:
    migrate(connection, "upgrade", SPLIT)
    connection.execute(
        members_v2.insert(),
        [
            {"id": 1, "first_name": "Mae", "last_name": "Jemison", "email": "mae@club.example"},
            {"id": 2, "first_name": "Cher", "last_name": "", "email": "cher@club.example"},
        ],
    )
    migrate(connection, "downgrade", CREATE)
    names = connection.execute(text("SELECT full_name FROM members ORDER BY id")).scalars().all()
    assert names == ["Mae Jemison", "Cher"], (
        "members added after the split get a full name from first and last name, joined by one space "
        f"(no trailing space when last_name is ''): expected ['Mae Jemison', 'Cher'], got {names}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_the_model_matches_the_schema_at_the_head(environment: Path, connection: Connection) -> None:
    command.upgrade(config_for(environment, connection), "head")  # with the tests' own "split full name"
    differences = compare_metadata(MigrationContext.configure(connection), migration_best_practices.Base.metadata)
    assert not differences, (
        "the Member model should describe the members table exactly as `upgrade head` leaves it (names, "
        f"types, nullability); autogenerate would still change: {differences}"
    )


# -- task 4 -------------------------------------------------------------------------------------

# The tests' own copy of a schema-only "split full name", so task 4 does not depend on tasks 1-2.
HEALTHY_SPLIT = '''"""split full name

Revision ID: d81e5f6a7b2c
Revises: b70c1e2d3f4a
"""
import sqlalchemy as sa
from alembic import op

revision = "d81e5f6a7b2c"
down_revision = "b70c1e2d3f4a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("first_name", sa.String(100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("last_name", sa.String(100), nullable=False, server_default=""))
        batch_op.drop_column("full_name")
    with op.batch_alter_table("members") as batch_op:
        batch_op.alter_column("first_name", server_default=None, existing_type=sa.String(100))
        batch_op.alter_column("last_name", server_default=None, existing_type=sa.String(100))


def downgrade():
    with op.batch_alter_table("members") as batch_op:
        batch_op.add_column(sa.Column("full_name", sa.String(200), nullable=False, server_default=""))
        batch_op.drop_column("first_name")
        batch_op.drop_column("last_name")
    with op.batch_alter_table("members") as batch_op:
        batch_op.alter_column("full_name", server_default=None, existing_type=sa.String(200))
'''


def revision_file(rev: str, down: str, upgrade: str, downgrade: str) -> str:
    return (
        f'"""fault {rev}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        f"revision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    {downgrade}\n"
    )


@pytest.fixture
def environment(tmp_path: Path) -> Path:
    """A copy of members_migrations/ with the tests' own "split full name"; faults are added to it."""
    target = tmp_path / "members_migrations"
    shutil.copytree(learner_path(__file__, "members_migrations"), target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "versions" / SPLIT_FILE).write_text(HEALTHY_SPLIT)
    return target


def head_metadata(extra: bool = False) -> MetaData:
    schema = MetaData()
    columns = [
        Column("id", Integer, primary_key=True),
        Column("email", String(200), nullable=False),
        Column("first_name", String(100), nullable=False),
        Column("last_name", String(100), nullable=False),
        Column("joined_on", Date),
    ]
    if extra:
        columns.append(Column("nickname", String(50)))
    Table("members", schema, *columns)
    return schema


def problems_in(environment: Path, connection: Connection, metadata: MetaData) -> list[str]:
    problems = migration_best_practices.migration_problems(config_for(environment, connection), connection, metadata)
    assert isinstance(problems, list), f"migration_problems() should return a list of sentences, not {problems!r}"
    return problems


@pytest.mark.task(4)
def test_a_healthy_environment_has_no_problems(environment: Path, connection: Connection) -> None:
    problems = problems_in(environment, connection, head_metadata())
    assert problems == [], f"this environment has one head, reversible revisions and matching models: expected [], got {problems}"


@pytest.mark.task(4)
def test_two_heads_are_a_problem(environment: Path, connection: Connection) -> None:
    (environment / "versions" / "ab12cd34ef56_fault.py").write_text(
        revision_file("ab12cd34ef56", SPLIT, 'op.add_column("members", sa.Column("nickname", sa.String(50)))',
                      'op.drop_column("members", "nickname")')
    )
    problems = problems_in(environment, connection, head_metadata())
    assert problems and any("ab12cd34ef56" in p and JOINED in p for p in problems), (
        "a colleague's revision also comes after 'split full name': there are two heads, "
        f"{JOINED} and ab12cd34ef56. The problems should name them; got {problems}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("rev", ["0d0e0a0d0b01", "0d0e0a0d0b02"])
def test_a_downgrade_that_does_not_undo_its_upgrade_is_a_problem(environment: Path, connection: Connection, rev: str) -> None:
    (environment / "versions" / f"{rev}_fault.py").write_text(
        revision_file(rev, JOINED, 'op.add_column("members", sa.Column("nickname", sa.String(50)))', "pass")
    )
    problems = problems_in(environment, connection, head_metadata(extra=True))
    assert problems and any(rev in p for p in problems), (
        f"revision {rev} adds members.nickname and its downgrade() does nothing: going up, down and up "
        f"again fails. The problems should name {rev}; got {problems}"
    )
    try:
        connection.execute(text("SELECT 1"))  # the connection must still be usable
    except Exception as error:  # noqa: BLE001 - any failure is reported as one sentence
        pytest.fail(
            f"after migration_problems() the connection is unusable ({type(error).__name__}: {error}). On "
            "PostgreSQL a failed statement aborts the transaction: run each step in a savepoint "
            "(connection.begin_nested()) and roll it back when the step fails.",
            pytrace=False,
        )


@pytest.mark.task(4)
def test_a_failing_migration_is_a_problem_and_the_connection_stays_usable(
    environment: Path, connection: Connection, queries: Any
) -> None:
    rev = "0f0a0i0l0e01"
    (environment / "versions" / f"{rev}_fault.py").write_text(
        revision_file(rev, JOINED, 'op.execute("UPDATE no_such_table SET x = 1")', "pass")
    )
    queries.clear()
    problems = problems_in(environment, connection, head_metadata())
    assert problems and any(rev in p for p in problems), f"revision {rev} fails to upgrade: the problems should name it; got {problems}"
    sent = [" ".join(s.sql.split()).upper() for s in queries.all_statements]
    assert any(sql.startswith("SAVEPOINT") for sql in sent) and any(sql.startswith("ROLLBACK TO SAVEPOINT") for sql in sent), (
        "the failing step should run in a savepoint that is rolled back (connection.begin_nested(), then "
        "rollback()): no SAVEPOINT / ROLLBACK TO SAVEPOINT was sent. SQLite carries on after a failed statement, "
        "so the connection looks fine here; on PostgreSQL the whole transaction would be aborted."
    )
    try:
        connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure is reported as one sentence
        pytest.fail(
            f"after migration_problems() the connection is unusable ({type(error).__name__}: {error}). On "
            "PostgreSQL a failed statement aborts the transaction: run each step in a savepoint "
            "(connection.begin_nested()) and roll it back when the step fails.",
            pytrace=False,
        )


@pytest.mark.task(4)
def test_models_that_do_not_match_the_head_are_a_problem(environment: Path, connection: Connection) -> None:
    problems = problems_in(environment, connection, head_metadata(extra=True))
    assert problems, (
        "the metadata given has members.nickname, which no migration creates: autogenerate would add it, "
        "so the models and the migrations disagree. That is a problem to report; got []"
    )
