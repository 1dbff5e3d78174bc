"""Tests for kata 3.1, the declarative base. Run: pytest katas/03_orm_basics/01_declarative_base

The tests create the tables from your `Base.metadata` at the start of each test (inside the
test's rolled-back transaction), then store and load objects through a real Session.
"""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import DateTime, Numeric, String, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session

from fixtures.target import learner_module

declarative_base = learner_module(__file__, "declarative_base")


def make_tables(session: Session) -> None:
    """Create the learner's tables inside the test's transaction (in the test body, never a fixture)."""
    declarative_base.Base.metadata.create_all(session.connection())


def require(module: Any, model_name: str, *names: str, task: str) -> Any:
    """The model class, after checking that it maps these attributes (a readable failure if not)."""
    __tracebackhide__ = True
    model = getattr(module, model_name)
    mapped = set(inspect(model).attrs.keys()) if hasattr(model, "__mapper__") else set()
    missing = [name for name in dict.fromkeys(names) if name not in mapped]
    if missing:
        pytest.fail(
            f"{model_name} does not map {', '.join(missing)} yet ({task}): this test builds {model_name} "
            "objects with them",
            pytrace=False,
        )
    return model


def column(model_name: str, name: str) -> Any:
    model = getattr(declarative_base, model_name)
    table = getattr(model, "__table__", None)
    assert table is not None, f"{model_name} is not mapped to a table yet (does it derive from Base?)"
    assert name in table.c, f"{model_name} has no column {name!r}; its columns are {list(table.c.keys())}"
    return table.c[name]


# -- task 1: the base ---------------------------------------------------------------------------


@pytest.mark.task(1)
def test_base_is_a_declarative_base_class_of_its_own() -> None:
    base = declarative_base.Base
    assert isinstance(base, type) and issubclass(base, DeclarativeBase) and base is not DeclarativeBase, (
        "Base should be a class deriving from sqlalchemy.orm.DeclarativeBase (`class Base(DeclarativeBase)`); "
        "declarative_base() is the 1.x way, and type checkers cannot see what it returns"
    )
    for model in ("Author", "Book"):
        cls = getattr(declarative_base, model)
        assert issubclass(cls, base) and cls.metadata is base.metadata, (
            f"{model} should derive from Base, so that its table is in Base.metadata with the others"
        )
    assert {"authors", "books"} <= set(base.metadata.tables), (
        f"Base.metadata should hold the tables 'authors' and 'books', it holds {sorted(base.metadata.tables)}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("python_type", "check", "expected"),
    [
        (str, lambda t: isinstance(t, String) and t.length == 200, "String(200)"),
        (Decimal, lambda t: isinstance(t, Numeric) and (t.precision, t.scale) == (10, 2), "Numeric(10, 2)"),
        (datetime, lambda t: isinstance(t, DateTime) and t.timezone, "DateTime(timezone=True)"),
    ],
    ids=["str", "Decimal", "datetime"],
)
def test_the_type_annotation_map_chooses_the_sql_type(python_type: type, check: Any, expected: str) -> None:
    mapping = getattr(declarative_base.Base, "type_annotation_map", None) or {}
    sql_type = mapping.get(python_type)
    assert sql_type is not None, (
        f"Base.type_annotation_map should map {python_type.__name__} to {expected}, so that every "
        f"Mapped[{python_type.__name__}] of every model gets that type without repeating it; "
        f"the map has {sorted(getattr(k, '__name__', str(k)) for k in mapping)}"
    )
    if isinstance(sql_type, type):
        sql_type = sql_type()
    assert check(sql_type), (
        f"Base.type_annotation_map[{python_type.__name__}] should be {expected}, not {sql_type!r}"
    )


# -- task 2: authors ----------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("name", "nullable", "kind"),
    [("name", False, "String(200)"), ("email", True, "String(200)"), ("bio", True, "unbounded")],
)
def test_author_columns_have_the_right_type_and_nullability(name: str, nullable: bool, kind: str) -> None:
    col = column("Author", name)
    assert col.nullable is nullable, (
        f"authors.{name} should be {'NULL' if nullable else 'NOT NULL'}: write Mapped[str | None] for a "
        "column that may be empty, Mapped[str] for one that may not"
    )
    assert isinstance(col.type, String), f"authors.{name} should be a string column, not {col.type!r}"
    if kind == "unbounded":
        assert col.type.length is None, (
            f"authors.bio is free text of any length (Text, or String() without a length), not {col.type!r}: "
            "an explicit type in mapped_column() overrides the type_annotation_map"
        )
    else:
        assert col.type.length == 200, (
            f"authors.{name} should be VARCHAR(200) (from the map), not {col.type!r}"
        )


@pytest.mark.task(2)
def test_author_id_is_the_primary_key_and_names_are_unique(session: Session) -> None:
    author = require(declarative_base, "Author", "name", task="task 2")
    assert [c.name for c in inspect(author).primary_key] == ["id"], "authors.id should be the primary key"
    make_tables(session)
    session.add_all([author(name="Ursula K. Le Guin"), author(name="Ursula K. Le Guin")])
    with pytest.raises(IntegrityError):
        session.flush()
        pytest.fail("two authors with the same name were stored: authors.name should be UNIQUE")


# -- task 3: books ------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("name", "nullable", "sql_type", "expected"),
    [
        ("title", False, String, "VARCHAR(200)"),
        ("price", False, Numeric, "NUMERIC(10, 2)"),
        ("published_at", True, DateTime, "a timezone-aware DateTime"),
    ],
)
def test_book_columns_have_the_right_type_and_nullability(
    name: str, nullable: bool, sql_type: type, expected: str
) -> None:
    col = column("Book", name)
    assert col.nullable is nullable, f"books.{name} should be {'NULL' if nullable else 'NOT NULL'}"
    assert isinstance(col.type, sql_type), f"books.{name} should be {expected}, not {col.type!r}"
    if name == "title":
        assert col.type.length == 200, f"books.title should be VARCHAR(200), not {col.type!r}"
    if name == "price":
        assert (col.type.precision, col.type.scale) == (10, 2), (
            f"books.price should be NUMERIC(10, 2), not {col.type!r}"
        )
    if name == "published_at":
        assert col.type.timezone, "books.published_at should be DateTime(timezone=True)"


@pytest.mark.task(3)
def test_book_author_id_references_authors(session: Session) -> None:
    col = column("Book", "author_id")
    targets = [fk.target_fullname for fk in col.foreign_keys]
    assert targets == ["authors.id"], (
        f"books.author_id should be a ForeignKey('authors.id'), it references {targets}"
    )
    assert col.nullable is False, "every book has an author: books.author_id should be NOT NULL"
    make_tables(session)
    book = require(declarative_base, "Book", "title", "price", "author_id", task="task 3")
    session.add(book(title="Orphan", price=Decimal("1.00"), author_id=424242))
    with pytest.raises(IntegrityError):
        session.flush()
        pytest.fail("a book whose author_id matches no author was stored: the foreign key is missing")


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("price", "published_at"),
    [
        (Decimal("19.99"), datetime(2024, 3, 1, 9, 30, tzinfo=UTC)),
        (Decimal("0.10"), datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)),
        (Decimal("12345678.91"), None),
    ],
    ids=["ordinary", "old", "expensive, unpublished"],
)
def test_books_round_trip_exactly(session: Session, price: Decimal, published_at: datetime | None) -> None:
    require(declarative_base, "Author", "name", "email", task="task 2")
    require(declarative_base, "Book", "title", "price", "published_at", "author_id", task="task 3")
    make_tables(session)
    author = declarative_base.Author(name="Octavia E. Butler", email=None)
    try:
        session.add(author)
        session.flush()
        session.add(
            declarative_base.Book(title="Kindred", price=price, published_at=published_at, author_id=author.id)
        )
        session.commit()
    except IntegrityError as error:
        said = str(error.orig)
    else:
        said = ""
    if said:
        pytest.fail(
            f"storing an author without email and a book{' without publication date' if published_at is None else ''} "
            f"was refused: email and published_at are optional (Mapped[... | None]). The database said: {said}",
            pytrace=False,
        )
    session.expunge_all()  # forget the objects: what follows is loaded from the database
    book = session.scalars(select(declarative_base.Book)).one()
    assert isinstance(book.price, Decimal) and book.price == price, (
        f"a price of {price} should come back as exactly Decimal('{price}'), not {book.price!r}: "
        "Numeric keeps decimals exact where a float would not"
    )
    if published_at is None:
        assert book.published_at is None, "a book without a publication date should load with None"
    elif session.get_bind().dialect.name == "postgresql":
        assert book.published_at == published_at and book.published_at.utcoffset() == timedelta(0), (
            f"on PostgreSQL a DateTime(timezone=True) column (TIMESTAMP WITH TIME ZONE) gives back an aware "
            f"datetime equal to the one stored ({published_at.isoformat()}), got {book.published_at!r}"
        )
    else:
        # SQLite has no timestamp type: SQLAlchemy stores the text of the wall-clock time and drops tzinfo.
        assert book.published_at == published_at.replace(tzinfo=None), (
            f"on SQLite the date comes back naive, with the same wall-clock time {published_at.replace(tzinfo=None)}, "
            f"got {book.published_at!r}"
        )


# -- every task: typed models -------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.task(3)
@pytest.mark.parametrize("model_name", ["Author", "Book"])
def test_every_attribute_is_annotated_with_mapped(model_name: str) -> None:
    model = getattr(declarative_base, model_name)
    try:
        hints = typing.get_type_hints(model)
    except Exception as error:
        pytest.fail(
            f"the annotations of {model_name} cannot be resolved ({error}); write them as Mapped[...]"
        )
    expected = {
        "Author": {"id", "name", "email", "bio"},
        "Book": {"id", "title", "price", "published_at", "author_id"},
    }
    missing = sorted(expected[model_name] - {a.key for a in inspect(model).attrs})
    assert not missing, f"{model_name} lacks the attributes {missing}"
    untyped = sorted(n for n in expected[model_name] if typing.get_origin(hints.get(n)) is not Mapped)
    assert not untyped, (
        f"{model_name}.{', '.join(untyped)}: every column needs a Mapped[...] annotation "
        "(name: Mapped[str] = mapped_column(...)); Column(...) without one is the 1.x style"
    )
