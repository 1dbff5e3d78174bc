"""Tests for kata 8.1, Alembic introduction. Run: pytest katas/08_alembic/01_alembic_introduction"""

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
from sqlalchemy import Connection, inspect

from fixtures.target import learner_module, learner_path

alembic_introduction = learner_module(__file__, "alembic_introduction")

# The given environment, in the order its revisions apply: (id, message, tables after it).
REVISIONS = [
    ("c47e1a9b2f10", "create authors", {"authors"}),
    ("5e0d3b7a8c21", "create books", {"authors", "books"}),
    ("a91f6c0e4d77", "index book titles", {"authors", "books"}),
    ("0b3c9d2e5f48", "add loans", {"authors", "books", "loans"}),
]
IDS = [rev for rev, _, _ in REVISIONS]
HEAD = IDS[-1]


@pytest.fixture
def environment(tmp_path: Path) -> Path:
    """A copy of the kata's library_migrations/ folder: tests that add revisions write them there."""
    target = tmp_path / "library_migrations"
    shutil.copytree(learner_path(__file__, "library_migrations"), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def config_for(location: Path, connection: Connection) -> Config:
    """The tests' own Config (tasks 2-4 do not depend on the learner's make_config)."""
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(location))
    config.attributes["connection"] = connection
    return config


def add_revisions(location: Path, connection: Connection, count: int) -> list[tuple[str, str]]:
    """Write `count` empty revisions on top of the head (in the copy), as `alembic revision` does."""
    config = config_for(location, connection)
    added = []
    for number in range(count):
        rev_id, message = f"fe{number}d1c2b3a4", f"extra change {number + 1}"
        command.revision(config, message=message, rev_id=rev_id)
        added.append((rev_id, message))
    return added


def stamp(location: Path, connection: Connection, revision: str | None) -> None:
    if revision is not None:
        command.stamp(config_for(location, connection), revision)


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def database_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_make_config_points_at_the_given_migration_environment(environment: Path, connection: Connection) -> None:
    config = alembic_introduction.make_config(environment, connection)
    assert isinstance(config, Config), f"make_config() should return an alembic.config.Config, not {config!r}"
    where = Path(ScriptDirectory.from_config(config).dir).resolve()
    assert where == environment.resolve(), (
        f"the Config's script_location should be the folder it was given ({environment}), not {where}: "
        "set it with config.set_main_option('script_location', ...)"
    )


@pytest.mark.task(1)
def test_make_config_shares_the_connection_so_upgrade_runs_inside_the_callers_transaction(
    environment: Path, connection: Connection
) -> None:
    outer = connection.get_transaction()
    config = alembic_introduction.make_config(environment, connection)
    # A savepoint of the test's own: what runs on this connection is undone with it, what another
    # connection committed is not.
    savepoint = connection.begin_nested()
    try:
        command.upgrade(config, "head")
    except Exception as error:  # noqa: BLE001 - any failure of the command is reported as one sentence
        pytest.fail(
            "`alembic upgrade head` with your Config failed: "
            f"{type(error).__name__}: {error}. library_migrations/env.py runs the migrations on "
            "config.attributes['connection'] when it is set; without it, it looks for a "
            "sqlalchemy.url option (there is none) to open its own connection.",
            pytrace=False,
        )
    assert table_names(connection) == REVISIONS[-1][2], (
        "after `upgrade head` the given connection should see the tables authors, books and loans: "
        f"the migrations must run on it. It sees {sorted(table_names(connection))}"
    )
    assert database_revision(connection) == HEAD, "the database should be at the head revision after upgrade"
    assert outer is not None and outer.is_active and connection.get_transaction() is outer, (
        "the migrations should run inside the caller's transaction (Alembic leaves a transaction that "
        "was already begun to its owner), not commit it"
    )
    savepoint.rollback()
    assert not table_names(connection), (
        "rolling back the caller's transaction should undo the upgrade, but the tables "
        f"{sorted(table_names(connection))} are still there: the migrations ran on another connection "
        "that committed them. Put the caller's connection in config.attributes['connection'] "
        "instead of giving the Config a sqlalchemy.url."
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("extra", [0, 1, 2], ids=["as given", "one more revision", "two more revisions"])
def test_head_revision_is_the_newest_revision(environment: Path, connection: Connection, extra: int) -> None:
    added = add_revisions(environment, connection, extra)
    expected = added[-1][0] if added else HEAD
    head = alembic_introduction.head_revision(config_for(environment, connection))
    assert head == expected, (
        f"the head of this environment is {expected!r} (the revision no other revision names as its "
        f"down_revision), got {head!r}. Read it from the scripts: ScriptDirectory.from_config(config)"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("extra", [0, 2], ids=["as given", "two more revisions"])
def test_revision_history_runs_from_the_base_to_the_head_following_down_revision(
    environment: Path, connection: Connection, extra: int
) -> None:
    added = add_revisions(environment, connection, extra)
    expected = [(rev, message) for rev, message, _ in REVISIONS] + added
    history = alembic_introduction.revision_history(config_for(environment, connection))
    assert [tuple(item) for item in history] == expected, (
        "revision_history() should list (id, message) of every revision, oldest first, following the "
        "chain of down_revision (the file names are not in that order). Expected:\n"
        + "\n".join(f"  {item}" for item in expected)
        + "\ngot:\n" + "\n".join(f"  {item}" for item in history)
    )


@pytest.mark.task(2)
def test_head_and_history_read_the_scripts_not_the_database(
    environment: Path, connection: Connection, queries: Any
) -> None:
    config = config_for(environment, connection)
    alembic_introduction.head_revision(config)
    alembic_introduction.revision_history(config)
    assert queries.count == 0, (
        "the head and the history are facts about the revision scripts, not about the database: "
        f"no statement should be sent, got:\n{queries.listing()}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("at", IDS, ids=[message for _, message, _ in REVISIONS])
def test_current_revision_is_what_the_database_was_stamped_with(
    environment: Path, connection: Connection, at: str
) -> None:
    stamp(environment, connection, at)
    got = alembic_introduction.current_revision(connection)
    assert got == at, (
        f"the alembic_version table says the database is at {at!r}; current_revision() returned {got!r}"
    )


@pytest.mark.task(3)
def test_current_revision_of_a_database_never_migrated_is_none_and_creates_nothing(connection: Connection) -> None:
    got = alembic_introduction.current_revision(connection)
    assert got is None, f"a database without an alembic_version table is at no revision: expected None, got {got!r}"
    assert not set(inspect(connection).get_table_names()), (
        "current_revision() should only read: it created "
        f"{sorted(inspect(connection).get_table_names())} (upgrade or stamp would create alembic_version)"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("at", [None, *IDS], ids=["never migrated", *(message for _, message, _ in REVISIONS)])
def test_pending_revisions_are_the_ones_upgrade_head_would_apply_in_order(
    environment: Path, connection: Connection, at: str | None
) -> None:
    stamp(environment, connection, at)
    expected = IDS[IDS.index(at) + 1 :] if at is not None else IDS
    pending = alembic_introduction.pending_revisions(config_for(environment, connection), connection)
    assert list(pending) == expected, (
        f"a database at {at!r} still needs {expected} (in the order they are applied: oldest first), "
        f"got {pending!r}"
    )


@pytest.mark.task(4)
def test_pending_revisions_include_revisions_added_later(environment: Path, connection: Connection) -> None:
    stamp(environment, connection, HEAD)
    added = add_revisions(environment, connection, 2)
    pending = alembic_introduction.pending_revisions(config_for(environment, connection), connection)
    assert list(pending) == [rev for rev, _ in added], (
        f"two revisions were added on top of the head the database is at: expected {[r for r, _ in added]}, "
        f"got {pending!r}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("index", [0, 1, 3], ids=["first", "second", "head by id"])
def test_upgrade_to_applies_the_migrations_up_to_that_revision(
    environment: Path, connection: Connection, index: int
) -> None:
    target, _, tables = REVISIONS[index]
    alembic_introduction.upgrade_to(config_for(environment, connection), target)
    assert database_revision(connection) == target, (
        f"after upgrade_to({target!r}) the database should be at {target!r}, not {database_revision(connection)!r}"
    )
    assert table_names(connection) == tables, (
        f"after upgrade_to({target!r}) the tables should be {sorted(tables)}, found {sorted(table_names(connection))}"
    )


@pytest.mark.task(4)
def test_upgrade_to_head_continues_from_where_the_database_is(environment: Path, connection: Connection) -> None:
    command.upgrade(config_for(environment, connection), IDS[1])
    alembic_introduction.upgrade_to(config_for(environment, connection), "head")
    assert database_revision(connection) == HEAD and table_names(connection) == REVISIONS[-1][2], (
        "upgrade_to('head') from the second revision should apply the last two: expected the head "
        f"{HEAD!r} and the tables authors, books, loans; got {database_revision(connection)!r} and "
        f"{sorted(table_names(connection))}"
    )
    indexes = {index["name"] for index in inspect(connection).get_indexes("books")}
    assert "ix_books_title" in indexes, "the revision 'index book titles' should have created ix_books_title"
