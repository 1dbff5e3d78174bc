"""Tests for kata 13.4, Pydantic integration. Run: pytest katas/13_frameworks/04_pydantic_integration

The tests make the tables themselves (a Core copy of the given models' schema), fill them in an
order that is not the order you must answer in, and count the statements your code sends.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.orm import Session, selectinload

from fixtures.recording import QueryLog
from fixtures.target import learner_module

pydantic_integration = learner_module(__file__, "pydantic_integration")

schema = MetaData()
# BIGINT, not INTEGER: on SQLite an INTEGER PRIMARY KEY is the rowid, and rows of equal names would come
# back in id order by chance; with BIGINT they come back in insertion order (shuffled), as on PostgreSQL.
authors = Table(
    "authors",
    schema,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
)
books = Table(
    "books",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("year", Integer, nullable=False),
    Column("author_id", ForeignKey("authors.id"), nullable=False),
)
reviews = Table(
    "reviews",
    schema,
    Column("id", Integer, primary_key=True),
    Column("book_id", ForeignKey("books.id"), nullable=False),
    Column("stars", Integer, nullable=False),
    Column("text", String(500), nullable=False),
)
heroes = Table(
    "heroes",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("age", Integer, nullable=True),
)

NAMES = [
    "Le Guin",
    "Butler",
    "Herbert",
    "Anonymous",
    "Banks",
    "Jemisin",
    "Anonymous",
    "Chiang",
    "Delany",
    "Atwood",
]


def make_library(
    connection: Connection, author_count: int, seed: int = 13
) -> dict[str, list[dict[str, Any]]]:
    """Authors (two share a name), 0-3 books each (two with the same year), 0-3 reviews per book,
    inserted in a shuffled order, with ids that do not follow the names."""
    rng = random.Random(seed * 1000 + author_count)
    author_rows = [
        {"id": i, "name": NAMES[(i * 7) % len(NAMES)] + ("" if i <= len(NAMES) else f" {i}")}
        for i in range(1, author_count + 1)
    ]
    book_rows: list[dict[str, Any]] = []
    review_rows: list[dict[str, Any]] = []
    for author in author_rows:
        for n in range(author["id"] % 4):  # authors 4, 8, ... have no book
            book_id = len(book_rows) + 1
            book_rows.append(
                {
                    "id": book_id,
                    "title": f"Book {rng.choice('ZYXWV')}{n}",
                    "author_id": author["id"],
                    "year": 1990 + (book_id * 3) % 5,
                }
            )
            for _ in range(rng.randrange(4)):
                review_rows.append(
                    {
                        "id": len(review_rows) + 1,
                        "book_id": book_id,
                        "stars": rng.randint(1, 5),
                        "text": rng.choice(["great", "slow", "odd", ""]),
                    }
                )
    schema.create_all(connection)
    for table, rows in ((authors, author_rows), (books, book_rows), (reviews, review_rows)):
        shuffled = rows[:]
        rng.shuffle(shuffled)
        if table is authors:  # authors of the same name go in against id order: a missing tie-break shows
            shuffled.sort(key=lambda row: row["id"], reverse=True)
        if shuffled:
            connection.execute(insert(table), shuffled)
    return {"authors": author_rows, "books": book_rows, "reviews": review_rows}


def expected_catalogue(data: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    def review_json(r: dict[str, Any]) -> dict[str, Any]:
        return {"stars": r["stars"], "text": r["text"]}

    def book_json(b: dict[str, Any]) -> dict[str, Any]:
        rs = sorted((r for r in data["reviews"] if r["book_id"] == b["id"]), key=lambda r: r["id"])
        return {
            "id": b["id"],
            "title": b["title"],
            "year": b["year"],
            "reviews": [review_json(r) for r in rs],
        }

    result = []
    for a in sorted(data["authors"], key=lambda a: (a["name"], a["id"])):
        bs = sorted(
            (b for b in data["books"] if b["author_id"] == a["id"]), key=lambda b: (b["year"], b["title"])
        )
        result.append({"id": a["id"], "name": a["name"], "books": [book_json(b) for b in bs]})
    return result


def dumped(value: Any) -> Any:
    return value.model_dump() if isinstance(value, BaseModel) else value


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_author_out_is_read_from_an_author_object_with_its_books_and_reviews(
    session: Session, connection: Connection
) -> None:
    data = make_library(connection, 10)
    kata = pydantic_integration
    loaded = session.scalars(
        select(kata.Author).options(selectinload(kata.Author.books).selectinload(kata.Book.reviews))
    ).all()
    expected = {a["id"]: a for a in expected_catalogue(data)}
    for author in loaded:
        out = kata.AuthorOut.model_validate(author, from_attributes=True)
        assert isinstance(out, kata.AuthorOut) and out.model_dump() == expected[author.id], (
            "AuthorOut.model_validate(author) should read the author's attributes: id, name, and books as a list "
            "of BookOut (id, title, year, reviews as a list of ReviewOut with stars and text, nothing else).\n"
            f"expected {expected[author.id]}\ngot      {dumped(out)}"
        )


@pytest.mark.task(1)
def test_the_schemas_need_no_from_attributes_argument(session: Session, connection: Connection) -> None:
    make_library(connection, 3)
    kata = pydantic_integration
    author = session.scalars(select(kata.Author).where(kata.Author.id == 1)).one()
    try:
        out = kata.AuthorOut.model_validate(author)
        review = kata.ReviewOut.model_validate(kata.Review(stars=4, text="fine"))
    except ValidationError as error:
        pytest.fail(
            "AuthorOut.model_validate(author), without from_attributes=True, should work: give the schemas "
            f"`model_config = ConfigDict(from_attributes=True)`, so FastAPI's response_model can use them too.\n{error}"
        )
    assert out.name == author.name and review.model_dump() == {"stars": 4, "text": "fine"}, (
        f"expected the author's name and a review {{'stars': 4, 'text': 'fine'}}; got {out}, {review}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_catalogue_lists_every_author_by_name_then_id_with_books_and_reviews(
    session: Session, connection: Connection
) -> None:
    data = make_library(connection, 10)
    result = pydantic_integration.catalogue(session)
    assert all(isinstance(a, pydantic_integration.AuthorOut) for a in result), (
        f"catalogue() should return AuthorOut objects, got {[type(a).__name__ for a in result][:3]}"
    )
    got = [a.model_dump() for a in result]
    expected = expected_catalogue(data)
    assert [(a["id"], a["name"]) for a in got] == [(a["id"], a["name"]) for a in expected], (
        "the authors should come by name, and two authors of the same name by id (ORDER BY name, id: without "
        "the tie-break their order is whatever the database found first).\n"
        f"expected {[(a['id'], a['name']) for a in expected]}\ngot      {[(a['id'], a['name']) for a in got]}"
    )
    assert got == expected, (
        f"each author's books and reviews should be there in full:\nexpected {expected}\ngot {got}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("author_count", [4, 40])
def test_catalogue_sends_at_most_three_statements_at_any_size(
    session: Session, connection: Connection, queries: QueryLog, author_count: int
) -> None:
    data = make_library(connection, author_count)
    queries.clear()
    result = pydantic_integration.catalogue(session)
    queries.assert_at_most(
        3,
        because=f"{author_count} authors, {len(data['books'])} books: one SELECT for the authors, one for all their "
        "books, one for all those books' reviews (selectinload for each level). Building an AuthorOut reads "
        "author.books and book.reviews: without eager loading, each read is a lazy load, one per author and "
        "one per book",
    )
    with queries.paused():
        assert [a.model_dump() for a in result] == expected_catalogue(data), (
            "the catalogue's content is wrong"
        )


# -- task 3 -------------------------------------------------------------------------------------


def expected_summaries(data: dict[str, list[dict[str, Any]]]) -> list[tuple[int, str, int, float | None]]:
    result = []
    for a in sorted(data["authors"], key=lambda a: (a["name"], a["id"])):
        book_ids = {b["id"] for b in data["books"] if b["author_id"] == a["id"]}
        stars = [r["stars"] for r in data["reviews"] if r["book_id"] in book_ids]
        result.append((a["id"], a["name"], len(book_ids), sum(stars) / len(stars) if stars else None))
    return result


@pytest.mark.task(3)
def test_author_summaries_count_books_and_average_stars(session: Session, connection: Connection) -> None:
    data = make_library(connection, 12)
    result = pydantic_integration.author_summaries(session)
    assert all(isinstance(s, pydantic_integration.AuthorSummary) for s in result), (
        f"author_summaries() should return AuthorSummary objects, got {[type(s).__name__ for s in result][:3]}"
    )
    got = [(s.id, s.name, s.book_count, s.average_stars) for s in result]
    expected = expected_summaries(data)
    wrong = [
        (g, e)
        for g, e in zip(got, expected, strict=False)
        if g[:3] != e[:3]
        or (g[3] is None) != (e[3] is None)
        or (e[3] is not None and abs(g[3] - e[3]) > 1e-9)
    ]
    assert len(got) == len(expected) and not wrong, (
        "one AuthorSummary per author, by name then id, also for authors without books (0 books, average None: an "
        "outer join), counting each book once even when it has several reviews (count DISTINCT book ids), and the "
        "average of all the reviews' stars (None without reviews).\n"
        f"(got, expected) that differ: {wrong[:4]}; got {len(got)} rows, expected {len(expected)}"
    )


@pytest.mark.task(3)
def test_author_summaries_is_one_select_that_aggregates(
    session: Session, connection: Connection, queries: QueryLog
) -> None:
    make_library(connection, 40)
    queries.clear()
    pydantic_integration.author_summaries(session)
    queries.assert_count(
        1,
        because="the counting and averaging happen in the database, in one SELECT (GROUP BY, or a correlated "
        "subquery per column)",
    )
    sql = " ".join(queries.sql[0].lower().split())
    assert "count(" in sql and ("avg(" in sql or "sum(" in sql), (
        "the SELECT should count and average in the database (count(DISTINCT books.id) and avg(reviews.stars), "
        "grouped by the author or in correlated subqueries): loading the rows and adding them up in Python sends "
        f"every review over the wire. Sent: {sql}"
    )
    order_by = sql.rsplit("order by", 1)[1] if "order by" in sql else ""
    assert "name" in order_by and re.search(r"\bid\b", order_by), (
        "the SELECT should be ordered by the name and then by the id: without the tie-break, two authors of the "
        "same name come back in whatever order the database finds them (SQLite keeps the GROUP BY's order by "
        f"chance, PostgreSQL may not). ORDER BY sent: {order_by or '(none)'}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_hero_is_an_sqlmodel_table_in_a_metadata_of_its_own() -> None:
    from sqlmodel import SQLModel

    kata = pydantic_integration
    table = getattr(kata.Hero, "__table__", None)
    assert table is not None and issubclass(kata.Hero, SQLModel), (
        "Hero should be an SQLModel class with table=True"
    )
    assert table.name == "heroes" and {"id", "name", "age"} <= set(table.c.keys()), (
        f"Hero should map the table heroes with id, name and age; it maps {table.name} {list(table.c.keys())}"
    )
    assert table.metadata is not kata.Base.metadata and "heroes" not in kata.Base.metadata.tables, (
        "the SQLModel table should not be in Base.metadata: the two kinds of models keep their own MetaData"
    )
    assert "heroes" not in SQLModel.metadata.tables, (
        "heroes is in SQLModel.metadata, which is shared by every SQLModel class of the process: importing the "
        "module again would define the table a second time and fail. Give Hero a registry of its own "
        "(`class HeroModel(SQLModel, registry=registry()): ...`, then `class Hero(HeroModel, table=True)`)"
    )


VALID_HEROES = [
    ({"name": "Deadpond", "age": 30}, ("Deadpond", 30)),
    ({"name": "  Rusty-Man "}, ("Rusty-Man", None)),
    ({"name": "Spider-Boy", "age": 0}, ("Spider-Boy", 0)),
    ({"name": "x" * 50, "age": 150}, ("x" * 50, 150)),
    ({"name": "Tarantula", "age": None}, ("Tarantula", None)),
]


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("data", "stored_as"), VALID_HEROES, ids=["plain", "stripped", "age 0", "longest, oldest", "age null"]
)
def test_create_hero_stores_it_and_returns_a_hero_read(
    session: Session, connection: Connection, data: dict[str, Any], stored_as: tuple[str, int | None]
) -> None:
    schema.create_all(connection)
    hero = pydantic_integration.create_hero(session, dict(data))
    assert isinstance(hero, pydantic_integration.HeroRead), (
        f"create_hero should return a HeroRead, got {type(hero)}"
    )
    rows = [tuple(r) for r in connection.execute(select(heroes.c.id, heroes.c.name, heroes.c.age))]
    assert rows == [(hero.id, *stored_as)], (
        f"create_hero({data}) should store one hero {stored_as} (the name stripped) and return it with its id; "
        f"returned {hero!r}, the table holds {rows}"
    )


INVALID_HEROES = {
    "age not a number": {"name": "Dormammu", "age": "not-int"},
    "negative age": {"name": "Dormammu", "age": -1},
    "age over 150": {"name": "Dormammu", "age": 151},
    "empty name": {"name": ""},
    "name of spaces": {"name": "   "},
    "name too long": {"name": "x" * 51},
    "no name": {"age": 3},
    "unknown field": {"name": "Dormammu", "secret_name": "Dormy"},
}


@pytest.mark.task(4)
@pytest.mark.parametrize("case", INVALID_HEROES)
def test_create_hero_refuses_invalid_data_with_a_validation_error(
    session: Session, connection: Connection, queries: QueryLog, case: str
) -> None:
    schema.create_all(connection)
    queries.clear()
    try:
        pydantic_integration.create_hero(session, dict(INVALID_HEROES[case]))
    except ValidationError:
        pass
    except Exception as error:  # noqa: BLE001  # told in a sentence
        pytest.fail(
            f"create_hero({INVALID_HEROES[case]}) ({case}) should raise pydantic's ValidationError before it touches "
            f"the database; it raised {type(error).__name__}: {str(error)[:200]}"
        )
    else:
        pytest.fail(
            f"create_hero({INVALID_HEROES[case]}) ({case}) should raise pydantic's ValidationError; it did not. "
            "Hero(**data) does not validate (an SQLModel table model skips validation in its constructor): "
            "validate with HeroCreate.model_validate(data) first (stripped name, 1-50 characters, age 0-150, no "
            "unknown fields)"
        )
    assert not queries.matching(r"^\s*INSERT"), "a refused hero must not be INSERTed"
