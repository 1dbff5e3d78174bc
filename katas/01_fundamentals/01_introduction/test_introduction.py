"""Tests for kata 1.1, introduction. Run: pytest katas/01_fundamentals/01_introduction"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import Connection, String, column, select, table, text
from sqlalchemy.orm import Session

from fixtures.target import learner_module

introduction = learner_module(__file__, "introduction")

CREATE_BOOKS = """
CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    author VARCHAR(200) NOT NULL,
    published INTEGER NOT NULL
)
"""
# Inserted in this order, which is neither the id order of the answer nor its year order:
# a query without ORDER BY comes back in whatever order the database likes. Two years have two
# books each: in 1987 the title order is the reverse of the id order, in 1966 it is the same, so
# only the title settles a tie.
BOOKS = [
    (2, "Parable of the Talents", "Octavia E. Butler", 1998),
    (1, "Kindred", "Octavia E. Butler", 1979),
    (3, "Dawn", "Octavia E. Butler", 1987),
    (7, "Dune", "Frank Herbert", 1965),
    (5, "Fledgling", "Octavia E. Butler", 2005),
    (8, "Children of Dune", "Frank Herbert", 1976),
    (4, "Parable of the Sower", "Octavia E. Butler", 1993),
    (6, "Adulthood Rites", "Octavia E. Butler", 1987),
    (9, "Dune Messiah", "Frank Herbert", 1969),
    (11, "The Green Brain", "Frank Herbert", 1966),
    (10, "Destination: Void", "Frank Herbert", 1966),
]
QUESTIONS = [
    pytest.param("Octavia E. Butler", 1987, id="Butler since 1987 (two books that year)"),
    pytest.param("Frank Herbert", 1969, id="Herbert since 1969"),
    pytest.param("Frank Herbert", 1966, id="Herbert since 1966 (two books that year)"),
    pytest.param("Frank Herbert", 1900, id="all of Herbert"),
    pytest.param("Nobody", 1900, id="an author without books"),
]
PLACEHOLDERS = {"sqlite": "?", "postgresql": "%(", "mysql": "%s"}
Book = tuple[int, str, str, int]


def expected_books(author: str, since: int) -> list[Book]:
    """The answer, worked out in plain Python: the author's books from `since` on, by year, then title."""
    return sorted((b for b in BOOKS if b[2] == author and b[3] >= since), key=lambda b: (b[3], b[1]))


@pytest.fixture
def shop(connection: Connection) -> Connection:
    """The catalogue above, inside the test's rolled-back transaction."""
    connection.execute(text(CREATE_BOOKS))
    connection.execute(
        text("INSERT INTO books (id, title, author, published) VALUES (:id, :title, :author, :published)"),
        [dict(zip(("id", "title", "author", "published"), book)) for book in BOOKS],
    )
    return connection


@pytest.mark.task(1)
@pytest.mark.parametrize(("author", "since"), QUESTIONS)
def test_core_query_returns_the_authors_books_since_the_year_oldest_first(
    shop: Connection, author: str, since: int
) -> None:
    rows = shop.execute(introduction.core_books_by(author, since)).all()
    expected = expected_books(author, since)
    assert [tuple(row) for row in rows] == expected, (
        f"{author}'s books published in {since} or later, oldest first and by title within a year, "
        f"as (id, title, author, published) rows: expected {expected}, got {[tuple(r) for r in rows]}"
    )


@pytest.mark.task(1)
def test_core_query_selects_table_columns_not_orm_objects(shop: Connection) -> None:
    statement = introduction.core_books_by("Frank Herbert", 1900)
    entities = [d["entity"] for d in statement.column_descriptions if d.get("entity") is not None]
    assert not entities, (
        f"core_books_by() should be a Core query on the `books` Table, but it selects the ORM class "
        f"{entities[0].__name__}: write it with books.c.<column>, not Book.<attribute>"
    )
    row = shop.execute(statement).first()
    assert row is not None and row._fields == ("id", "title", "author", "published"), (
        "a Core query on the whole `books` Table returns rows with the columns id, title, author, "
        f"published; got a row with {row._fields if row is not None else 'no row at all'}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(("author", "since"), QUESTIONS)
def test_orm_query_returns_book_objects_for_the_same_question(
    shop: Connection, session: Session, author: str, since: int
) -> None:
    found = session.scalars(introduction.orm_books_by(author, since)).all()
    not_books = [obj for obj in found if not isinstance(obj, introduction.Book)]
    assert not not_books, (
        f"orm_books_by() should select Book objects (select(Book)), so session.scalars() gives Books; "
        f"it gave {type(not_books[0]).__name__} values such as {not_books[0]!r}"
    )
    got = [(b.id, b.title, b.author, b.published) for b in found]
    expected = expected_books(author, since)
    assert got == expected, (
        f"the ORM query must answer the same question as the Core one: {author}'s books published "
        f"in {since} or later, oldest first, by title within a year. Expected {expected}, got {got}"
    )


@pytest.mark.task(2)
def test_core_and_orm_queries_give_the_same_data_in_two_shapes(shop: Connection, session: Session) -> None:
    rows = shop.execute(introduction.core_books_by("Octavia E. Butler", 1980)).all()
    objects = session.scalars(introduction.orm_books_by("Octavia E. Butler", 1980)).all()
    assert [tuple(r) for r in rows] == [(b.id, b.title, b.author, b.published) for b in objects], (
        "the Core rows and the ORM objects should carry the same books in the same order: "
        f"Core gave {[tuple(r) for r in rows]}, ORM gave {[(b.id, b.title, b.author, b.published) for b in objects]}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("dialect", sorted(PLACEHOLDERS))
def test_compile_for_uses_the_dialects_placeholders(dialect: str) -> None:
    sql = introduction.compile_for(introduction.core_books_by("Frank Herbert", 1969), dialect)
    assert isinstance(sql, str), f"compile_for() should return the SQL as a str, not {type(sql).__name__}"
    marker = PLACEHOLDERS[dialect]
    assert marker in sql, (
        f"compiled for {dialect}, the values travel as the driver's placeholders ({marker!r}); got:\n{sql}\n"
        "str(statement) alone uses a generic dialect: compile with the dialect named by `dialect_name`"
    )
    assert "Frank Herbert" not in sql and "1969" not in sql, (
        f"the values must stay bound parameters, not be pasted into the SQL text; got:\n{sql}"
    )


# How each dialect writes `"order"."group" || <value>`: the names are SQL keywords, so they are quoted,
# and MySQL quotes with backticks and joins strings with concat().
OWN_SQL = {
    "sqlite": '"order"."group" || ?',
    "postgresql": '"order"."group" || %(',
    "mysql": "concat(`order`.`group`, %s)",
}


@pytest.mark.task(3)
@pytest.mark.parametrize("dialect", sorted(OWN_SQL))
def test_compile_for_speaks_the_dialects_own_sql_not_just_its_placeholders(dialect: str) -> None:
    orders = table("order", column("group", String))
    sql = introduction.compile_for(select(orders.c.group + "!"), dialect)
    assert isinstance(sql, str) and OWN_SQL[dialect] in " ".join(sql.split()), (
        f"dialects differ in more than placeholders: {dialect} writes a quoted column joined to a string "
        f"as {OWN_SQL[dialect]!r} (MySQL quotes names with backticks and has concat() instead of ||). "
        f"compile_for() gave:\n{sql}\nLet the dialect compile the statement; do not rewrite str(statement)"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize("dialect", sorted(PLACEHOLDERS))
def test_core_and_orm_queries_compile_to_the_same_sql(dialect: str) -> None:
    core = introduction.compile_for(introduction.core_books_by("Octavia E. Butler", 1987), dialect)
    orm = introduction.compile_for(introduction.orm_books_by("Octavia E. Butler", 1987), dialect)
    assert " ".join(core.split()) == " ".join(orm.split()), (
        f"the ORM builds its SQL with Core, so the two queries should compile to the same {dialect} SQL.\n"
        f"Core:\n{core}\nORM:\n{orm}"
    )


@pytest.mark.task(3)
def test_compile_for_gives_exactly_what_the_driver_receives(shop: Connection, queries) -> None:
    statement = introduction.core_books_by("Frank Herbert", 1969)
    compiled = introduction.compile_for(statement, shop.dialect.name)
    shop.execute(statement)
    sent = [s.sql for s in queries.statements]
    assert sent and " ".join(sent[-1].split()) == " ".join(compiled.split()), (
        f"compile_for(statement, {shop.dialect.name!r}) should be the SQL the {shop.dialect.name} driver "
        f"receives when the statement runs.\ncompile_for gave:\n{compiled}\nthe driver received:\n"
        f"{sent[-1] if sent else '(nothing)'}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("text_version", "expected"),
    [
        ("2.0.36", (2, 0, 36)),
        ("2.1.0b2", (2, 1, 0)),
        ("2.0.0rc3", (2, 0, 0)),
        ("1.4.54", (1, 4, 54)),
        ("2.10.1", (2, 10, 1)),
        ("3.0.0.dev0", (3, 0, 0)),
    ],
)
def test_parse_version_gives_three_integers(text_version: str, expected: tuple[int, int, int]) -> None:
    parsed = introduction.parse_version(text_version)
    assert parsed == expected and all(type(n) is int for n in parsed), (
        f"parse_version({text_version!r}) should be {expected} (integers, so that versions compare "
        f"correctly: (2, 10, 1) > (2, 9, 0)); got {parsed!r}"
    )


@pytest.mark.task(4)
@example(numbers=(2, 9, 17), suffix="")
@given(
    numbers=st.tuples(st.integers(0, 120), st.integers(0, 120), st.integers(0, 120)),
    suffix=st.sampled_from(["", "a1", "b3", "rc2", "rc12", ".dev4", ".post1"]),
)
def test_parse_version_reads_any_version_number(numbers: tuple[int, int, int], suffix: str) -> None:
    text_version = ".".join(map(str, numbers)) + suffix
    parsed = introduction.parse_version(text_version)
    assert parsed == numbers and all(type(n) is int for n in parsed), (
        f"parse_version({text_version!r}) should be {numbers}: the leading digits of the first three "
        f"parts, as integers; got {parsed!r}"
    )


@pytest.mark.task(4)
def test_installed_version_is_the_real_installed_2x_release() -> None:
    reported = introduction.installed_version()
    distribution = importlib.metadata.version("sqlalchemy")  # what pip installed, e.g. "2.1.9"
    expected = tuple(int(re.match(r"\d+", part).group()) for part in distribution.split(".")[:3])  # type: ignore[union-attr]
    assert tuple(reported) == expected, (
        f"installed_version() said {reported!r}, but the installed SQLAlchemy is {distribution} "
        f"(sqlalchemy.__version__ is {sqlalchemy.__version__!r}), so it should be {expected}"
    )
    assert reported[0] == 2, f"this pack is written for SQLAlchemy 2.x; installed_version() said {reported!r}"


FAKE_RELEASE = "2.97.31"  # no SQLAlchemy has this version: only code that asks can report it


@pytest.mark.task(4)
def test_installed_version_asks_the_installation_rather_than_knowing_the_answer(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Pretend an upgrade: sqlalchemy.__version__ and the installed distribution's metadata (what
    # importlib.metadata.version("sqlalchemy") reads) both say FAKE_RELEASE, for this test only.
    monkeypatch.setattr(sqlalchemy, "__version__", FAKE_RELEASE)
    dist_info = tmp_path / f"sqlalchemy-{FAKE_RELEASE}.dist-info"
    dist_info.mkdir()
    metadata = f"Metadata-Version: 2.1\nName: SQLAlchemy\nVersion: {FAKE_RELEASE}\n"
    (dist_info / "METADATA").write_text(metadata)
    monkeypatch.syspath_prepend(str(tmp_path))
    pkg_resources: Any = sys.modules.get("pkg_resources")  # the old setuptools API caches what it found
    if pkg_resources is not None:
        rescanned = pkg_resources.WorkingSet()
        monkeypatch.setattr(pkg_resources, "working_set", rescanned)
        monkeypatch.setattr(pkg_resources, "require", rescanned.require)
    expected = (2, 97, 31)
    at_call = introduction.installed_version()
    if tuple(at_call) == expected:
        return
    # Reading the version once, when the module is imported, is fine too: import a fresh copy.
    learners = sys.modules[introduction.Book.__module__]  # the module as the tests imported it
    source = Path(learners.__file__ or "")
    fresh = _fresh_copy(learners, monkeypatch)
    at_import = fresh.installed_version()
    assert tuple(at_import) == expected, (
        f"after an upgrade to SQLAlchemy {FAKE_RELEASE}, installed_version() should say {expected}; it "
        f"said {at_call!r} (and {at_import!r} from a freshly imported copy of {source.name}). Read "
        "sqlalchemy.__version__ (or importlib.metadata.version('sqlalchemy')): do not write the numbers in"
    )


def _fresh_copy(imported: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A second import of the learner's file, under another name, so its module-level code runs again now."""
    package, _, stem = imported.__name__.rpartition(".")
    name = f"{package}._fresh_{stem}" if package else f"_fresh_{stem}"
    spec = importlib.util.spec_from_file_location(name, imported.__file__ or "")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module
