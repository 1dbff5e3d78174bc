"""Tests for kata 8.2, Alembic setup. Run: pytest katas/08_alembic/02_alembic_setup"""

from __future__ import annotations

import io
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    inspect,
    select,
)

from fixtures.target import learner_path

HEAD = "3f9a1c2b7d10"
URL_VARIABLE = "BOOKSHOP_DATABASE_URL"


@pytest.fixture(autouse=True)
def fresh_imports() -> Iterator[None]:
    """env.py imports the models through alembic.ini's prepend_sys_path: undo it after each test."""
    saved = list(sys.path)
    sys.modules.pop("alembic_setup", None)
    yield
    sys.path[:] = saved
    sys.modules.pop("alembic_setup", None)


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    """A copy of the versions folder: revisions that autogenerate writes go there, not into the kata."""
    target = tmp_path / "versions"
    shutil.copytree(learner_path(__file__, "bookshop_migrations/versions"), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def project_config(
    tmp_path: Path, connection: Connection | None = None, versions: Path | None = None, output: io.StringIO | None = None
) -> Config:
    """The project's alembic.ini, with alembic.ini's own database moved to a file under tmp_path
    (a migration run that ignores $BOOKSHOP_DATABASE_URL lands there, not in the kata folder)."""
    config = Config(str(learner_path(__file__, "alembic.ini")), stdout=io.StringIO(), output_buffer=output)
    config.set_main_option("sqlalchemy.url", f"sqlite:///{tmp_path / 'from_alembic_ini.db'}")
    if versions is not None:
        config.set_main_option("version_locations", str(versions))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def run(step: str, action: object, *args: object, **kwargs: object) -> None:
    """Run an Alembic command; turn an error into one sentence that says which step failed."""
    try:
        action(*args, **kwargs)  # type: ignore[operator]
    except Exception as error:
        if isinstance(error, NotImplementedError) and not str(error):
            raise  # an unwritten stub: the harness names the function
        pytest.fail(f"{step} failed: {type(error).__name__}: {error}", pytrace=False)


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def old_books(connection: Connection, isbn_length: int = 20, summary: bool = True) -> Table:
    """The books table as an older version of the app made it (not as the models say), stamped at head."""
    schema = MetaData()
    columns = [
        Column("id", Integer, primary_key=True),
        Column("title", String(200), nullable=False),
        Column("isbn", String(isbn_length), nullable=False),
    ]
    if summary:
        columns.append(Column("summary", String(500)))
    books = Table("books", schema, *columns)
    schema.create_all(connection)
    return books


def stamp_head(tmp_path: Path, connection: Connection) -> None:
    """Record in alembic_version that the database is at the head (as `alembic stamp head` does)."""
    MigrationContext.configure(connection).stamp(ScriptDirectory.from_config(project_config(tmp_path)), HEAD)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_check_finds_the_migrated_database_matches_the_models(tmp_path: Path, connection: Connection) -> None:
    config = project_config(tmp_path, connection)
    run("`alembic upgrade head` on the shared connection", command.upgrade, config, "head")
    try:
        command.check(config)
    except CommandError as error:
        pytest.fail(
            f"`alembic check` compares the database with target_metadata and should find no difference "
            f"after `upgrade head`; it said: {error}. Set target_metadata to the models' MetaData "
            "(alembic_setup.Base.metadata).",
            pytrace=False,
        )


@pytest.mark.task(1)
def test_autogenerate_writes_the_column_the_models_have_and_the_database_lacks(
    tmp_path: Path, connection: Connection, versions: Path
) -> None:
    old_books(connection, summary=False)
    stamp_head(tmp_path, connection)
    config = project_config(tmp_path, connection, versions)
    run(
        "`alembic revision --autogenerate` (it needs target_metadata in env.py)",
        command.revision, config, message="add summary", autogenerate=True, rev_id="ad0000000001",
    )
    run("`alembic upgrade head` with the generated revision", command.upgrade, config, "head")
    columns = {column["name"] for column in inspect(connection).get_columns("books")}
    assert "summary" in columns, (
        "the models have books.summary and the database did not: the autogenerated revision should add "
        f"it. After upgrading with it, books has {sorted(columns)}. Is target_metadata the models' MetaData?"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_without_a_shared_connection_the_environment_variable_names_the_database(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_VARIABLE, database_url)
    run(f"`alembic upgrade head` with ${URL_VARIABLE} set", command.upgrade, project_config(tmp_path), "head")
    check = create_engine(database_url)
    try:
        with check.connect() as other:
            found, revision = tables(other), MigrationContext.configure(other).get_current_revision()
    finally:
        check.dispose()
    assert {"books", "alembic_version"} <= found and revision == HEAD, (
        f"with ${URL_VARIABLE} set, `upgrade head` should migrate (and commit) that database: it should "
        f"have books and alembic_version at {HEAD!r}; another connection finds {sorted(found)} at {revision!r}"
    )
    assert not (tmp_path / "from_alembic_ini.db").exists(), (
        f"the migration ran on alembic.ini's sqlalchemy.url although ${URL_VARIABLE} was set: the "
        "environment variable wins (that is how servers and CI choose their database)"
    )


@pytest.mark.task(2)
def test_without_the_environment_variable_alembic_ini_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    run(f"`alembic upgrade head` without ${URL_VARIABLE}", command.upgrade, project_config(tmp_path), "head")
    path = tmp_path / "from_alembic_ini.db"
    assert path.exists(), (
        f"without ${URL_VARIABLE}, the database is alembic.ini's sqlalchemy.url (here {path}); it was not created"
    )
    check = create_engine(f"sqlite:///{path}")
    try:
        with check.connect() as other:
            found = tables(other)
    finally:
        check.dispose()
    assert "books" in found, f"the database of alembic.ini's sqlalchemy.url should now have books: {sorted(found)}"


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("url", "transactional"),
    [("postgresql+psycopg://shop@db.example.com/bookshop", True), ("sqlite:///bookshop-ci.db", False)],
    ids=["postgresql", "sqlite"],
)
def test_offline_sql_is_written_for_the_database_of_the_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, transactional: bool
) -> None:
    monkeypatch.setenv(URL_VARIABLE, url)
    output = io.StringIO()
    run("`alembic upgrade head --sql`", command.upgrade, project_config(tmp_path, output=output), "head", sql=True)
    sql = output.getvalue()
    assert "CREATE TABLE books" in sql and "INSERT INTO alembic_version" in sql, (
        "`upgrade head --sql` (offline mode) should write the migration's SQL, CREATE TABLE books and the "
        f"INSERT INTO alembic_version, without connecting anywhere. It wrote:\n{sql}"
    )
    assert ("BEGIN;" in sql) is transactional, (
        f"the SQL should be written for the database of ${URL_VARIABLE} ({url.split(':')[0]}): "
        + ("PostgreSQL's DDL is transactional, so the script starts with BEGIN;" if transactional
           else "SQLite's DDL is not transactional for Alembic, so no BEGIN;")
        + f" The SQL written:\n{sql}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_a_shared_connection_runs_the_migrations_inside_the_callers_transaction(
    database_url: str, connection: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # database_url comes first: its clean-up (after connection's) wipes what escaped.
    # The variable names the same database: an env.py that opens its own connection would migrate
    # it for real, outside the test's transaction.
    monkeypatch.setenv(URL_VARIABLE, database_url)
    outer = connection.get_transaction()
    run("`alembic upgrade head` with a shared connection", command.upgrade, project_config(tmp_path, connection), "head")
    assert "books" in tables(connection), "the shared connection should see the books table the migration created"
    assert outer is not None and outer.is_active and connection.get_transaction() is outer, (
        "env.py should run the migrations inside the caller's transaction, not commit or end it "
        "(Alembic's begin_transaction() leaves a transaction already begun to its owner)"
    )
    check = create_engine(database_url)
    try:
        with check.connect() as other:
            seen = tables(other)
    finally:
        check.dispose()
    assert not seen, (
        "another connection already sees "
        f"{sorted(seen)}: the migration was committed outside the caller's transaction. When "
        "config.attributes['connection'] is set, env.py must run on that connection instead of opening its own."
    )


@pytest.mark.task(3)
def test_a_shared_connection_can_go_up_and_back_down(tmp_path: Path, connection: Connection) -> None:
    config = project_config(tmp_path, connection)
    run("`alembic upgrade head`", command.upgrade, config, "head")
    run("`alembic downgrade base`", command.downgrade, config, "base")
    assert tables(connection) <= {"alembic_version"}, (
        f"after upgrade head and downgrade base no table of the app should be left, found {sorted(tables(connection))}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_autogenerate_notices_type_changes_and_its_migration_runs_on_this_database(
    tmp_path: Path, connection: Connection, versions: Path
) -> None:
    books = old_books(connection, isbn_length=13)
    rows = [
        {"id": 1, "title": "Dune", "isbn": "9780441013593", "summary": "Spice."},
        {"id": 2, "title": "Kindred", "isbn": "9780807083697", "summary": None},
    ]
    connection.execute(insert(books), rows)
    stamp_head(tmp_path, connection)
    config = project_config(tmp_path, connection, versions)
    run("`alembic revision --autogenerate`", command.revision, config, message="widen", autogenerate=True, rev_id="ad0000000002")
    try:
        command.upgrade(config, "head")
    except Exception as error:  # noqa: BLE001 - any failure is reported as one sentence
        pytest.fail(
            f"the autogenerated migration failed on {connection.dialect.name}: {type(error).__name__}: {error}. "
            "SQLite has no ALTER COLUMN: with render_as_batch=True autogenerate writes "
            "`with op.batch_alter_table(...)`, which rebuilds the table instead.",
            pytrace=False,
        )
    columns = {column["name"]: column["type"] for column in inspect(connection).get_columns("books")}
    isbn_length = getattr(columns["isbn"], "length", None)
    assert isbn_length == 20 and isinstance(columns["summary"], Text), (
        "the models say isbn VARCHAR(20) and summary TEXT; the database had VARCHAR(13) and VARCHAR(500). "
        "Autogenerate should notice type changes (compare_type) and the migration change them; after it "
        f"the columns are isbn {columns['isbn']!r}, summary {columns['summary']!r}"
    )
    kept = [dict(row) for row in connection.execute(select(books).order_by(books.c.id)).mappings()]
    assert kept == rows, f"the rows must survive the change (batch mode copies them): expected {rows}, found {kept}"
