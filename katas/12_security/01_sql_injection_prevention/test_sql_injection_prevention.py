"""Tests for kata 12.1, SQL injection prevention. Run: pytest katas/12_security/01_sql_injection_prevention"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, exc, insert, select

from fixtures.recording import QueryLog
from fixtures.target import learner_module

sip = learner_module(__file__, "sql_injection_prevention")

metadata = MetaData()
books = Table(
    "books",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("author", String(200), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("year", Integer, nullable=False),
)

# Titles start with distinct characters, so every collation sorts them alike. Ties (price 850,
# 1200; year 2001, 1965) are inserted so that their title order differs from their id order.
BOOKS = [
    {"title": "The Third Policeman", "author": "Flann O'Brien", "price_cents": 850, "year": 1967},
    {"title": "At Swim-Two-Birds", "author": "Flann O'Brien", "price_cents": 850, "year": 1939},
    {"title": "Snake_case Style", "author": "Anon", "price_cents": 700, "year": 2001},
    {"title": "100% Pure Prose", "author": "Anon", "price_cents": 500, "year": 2001},
    {"title": "Dune", "author": "Frank Herbert", "price_cents": 999, "year": 1965},
    {"title": "Children of Dune", "author": "Frank Herbert", "price_cents": 1200, "year": 1976},
    {"title": "Ulysses", "author": "James Joyce", "price_cents": 1500, "year": 1922},
    {"title": "Caf\u00e9 Society", "author": "Zo\u00eb \u00c4mmer", "price_cents": 1200, "year": 1999},
    {
        "title": "Mr. Robot's Diary -- vol. 1",
        "author": "Robert'); DROP TABLE books;--",
        "price_cents": 300,
        "year": 1965,
    },
    {"title": 'Quotes "and" /* comments */', "author": "x' OR '1'='1", "price_cents": 400, "year": 2010},
    {"title": "Three Cats", "author": "Anon", "price_cents": 650, "year": 2015},
]
PUBLIC = {"title": "title", "author": "author", "price": "price_cents", "year": "year"}

HOSTILE = [
    "' OR '1'='1",
    "x' OR 1=1 --",
    "'; DROP TABLE books; --",
    "Robert'); DROP TABLE books;--",
    "x' OR '1'='1",
    "Flann O'Brien",
    "O'Brien",
    "' UNION SELECT title FROM books --",
    "/* comment */",
    "*/ OR 1=1 /*",
    "\\' OR 1=1 --",
    '" OR ""="',
    "%",
    "_",
    "%%",
    "100%",
    "e_c",
    ";",
    "--",
    "'",
    "''",
    "\u2019 OR 1=1",  # a typographic apostrophe
    "Zo\u00eb \u00c4mmer",
    "\U0001f4da books",
    "",
]

# Hostile building blocks glued to ordinary text; NUL is left out here (see the NUL test).
PIECES = st.sampled_from(
    ["'", "''", '"', ";", "--", "/*", "*/", "%", "_", "\\", " OR 1=1", "ë", "€", "書", "\U0001f600"]
)
ASCII_AND_CASELESS = st.characters(
    codec="utf-8", exclude_characters="\x00", categories=["Nd", "P", "S", "Zs"]
) | st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
HOSTILE_TEXT = st.one_of(
    st.sampled_from(HOSTILE),
    st.lists(st.one_of(PIECES, st.text(ASCII_AND_CASELESS, max_size=4)), max_size=6).map("".join),
)


@pytest.fixture
def shop(connection: Connection) -> Connection:
    metadata.create_all(connection)
    rest = BOOKS[4:]
    random.Random(121).shuffle(rest)  # the first four keep their ids: their ties are ordered against them
    rows = BOOKS[:4] + rest
    connection.execute(insert(books), rows)
    return connection


def expected_by_author(author: str) -> list[str]:
    return sorted(b["title"] for b in BOOKS if b["author"] == author)


def expected_search(fragment: str) -> list[str]:
    return sorted(b["title"] for b in BOOKS if fragment.lower() in b["title"].lower())


def books_still_there(connection: Connection, queries: QueryLog) -> None:
    with queries.paused():
        count = len(connection.execute(select(books.c.id)).all())
    assert count == len(BOOKS), f"the books table should still hold {len(BOOKS)} rows, it holds {count}"


def sql_texts(queries: QueryLog) -> list[str]:
    return [" ".join(s.sql.split()) for s in queries.statements]


def call_and_record(queries: QueryLog, function: Any, *args: Any) -> tuple[Any, list[str], list[Any]]:
    queries.clear()
    try:
        result = function(*args)
    except exc.DBAPIError as error:
        pytest.fail(
            f"{function.__name__}{args!r} broke the query: the database saw the input as SQL ({error.orig!r}). "
            "Pass the input as a bound parameter (text(':name') with a dict, or select().where(col == value)).",
            pytrace=False,
        )
    return result, sql_texts(queries), queries.values_sent()


def assert_bound(function_name: str, value: str, sql: list[str], benign_sql: list[str]) -> None:
    assert sql == benign_sql, (
        f"{function_name}({value!r}) sent different SQL text than for a harmless name: the input went "
        f"into the SQL text instead of a bound parameter.\n  harmless: {benign_sql}\n  this input: {sql}"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "author", ["Flann O'Brien", "Robert'); DROP TABLE books;--", "x' OR '1'='1", "Zo\u00eb \u00c4mmer"]
)
def test_titles_by_author_finds_authors_whose_names_look_like_sql(
    shop: Connection, queries: QueryLog, author: str
) -> None:
    titles, _, values = call_and_record(queries, sip.titles_by_author, shop, author)
    assert titles == expected_by_author(author), (
        f"titles_by_author({author!r}) should return {expected_by_author(author)} (that author's books, by title), "
        f"got {titles}"
    )
    assert author in values, (
        f"the author's name {author!r} should travel as a bound parameter; the bound values sent were {values}"
    )
    books_still_there(shop, queries)


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "attack", ["' OR '1'='1", "x' OR 1=1 --", "' UNION SELECT title FROM books --", "Anon' --"]
)
def test_titles_by_author_does_not_let_input_change_the_query(
    shop: Connection, queries: QueryLog, attack: str
) -> None:
    titles, _, _ = call_and_record(queries, sip.titles_by_author, shop, attack)
    assert titles == [], (
        f"no author is called {attack!r}, so titles_by_author should return [], got {titles}: the input "
        "changed the meaning of the query (SQL injection)"
    )


@pytest.mark.task(1)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(author=HOSTILE_TEXT)
@example(author="Anon' OR author='James Joyce")
@example(author="anon")  # "exactly that author": not a case-insensitive match
@example(author="FLANN O'BRIEN")
def test_titles_by_author_sends_hostile_input_only_as_a_bound_parameter(
    shop: Connection, queries: QueryLog, author: str
) -> None:
    _, benign_sql, _ = call_and_record(queries, sip.titles_by_author, shop, "Anon")
    titles, sql, values = call_and_record(queries, sip.titles_by_author, shop, author)
    assert titles == expected_by_author(author), (
        f"titles_by_author({author!r}) should return {expected_by_author(author)}, got {titles}"
    )
    assert_bound("titles_by_author", author, sql, benign_sql)
    assert author in values, f"{author!r} should be among the bound values sent, which were {values}"


@pytest.mark.task(1)
def test_a_nul_character_is_bound_and_refused_honestly_per_backend(
    shop: Connection, queries: QueryLog
) -> None:
    author = "Anon\x00' OR '1'='1"
    if shop.dialect.name == "postgresql":
        # PostgreSQL's text cannot hold NUL: psycopg refuses the bound value before sending it.
        with pytest.raises(exc.DataError, match="NUL"):
            sip.titles_by_author(shop, author)
    else:
        titles, _, values = call_and_record(queries, sip.titles_by_author, shop, author)
        assert titles == [], (
            f"no author's name contains a NUL character, so the result should be [], got {titles}"
        )
        assert author in values, f"the NUL-carrying name should be a bound value; values sent: {values}"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("fragment", "why"),
    [
        ("%", "'%' is a character to look for, not 'anything'"),
        ("_", "'_' is a character to look for, not 'any one character'"),
        ("0%", "'0%' appears in one title only"),
        ("e_c", "'e_c' appears in 'Snake_case', and '_' must not match the 'e c' of other titles"),
        ("'s", "a quote must not end the string literal"),
        ("--", "a comment marker inside a title is still just text"),
        ('"and"', "double quotes are ordinary characters"),
        ("DUNE", "the search ignores the case of ASCII letters"),
        ("caf\u00e9", "non-ASCII letters are matched as they are"),
        ("\\", "a backslash is an ordinary character (if it is your escape character, escape it too)"),
        ("\\e", "a backslash is an ordinary character, not an escape that makes 'e' match every 'e'"),
        ("/D", "a slash is an ordinary character (autoescape's escape character is '/')"),
    ],
)
def test_search_titles_treats_wildcards_quotes_and_comments_as_text(
    shop: Connection, queries: QueryLog, fragment: str, why: str
) -> None:
    _, benign_sql, benign_values = call_and_record(queries, sip.search_titles, shop, "dune")
    assert any(isinstance(v, str) and "dune" in v.lower() for v in benign_values), (
        "search_titles('dune') should send the fragment to the database as a bound value (the database "
        f"does the matching, LIKE / ILIKE in the WHERE clause); the bound values sent were {benign_values}"
    )
    titles, sql, _ = call_and_record(queries, sip.search_titles, shop, fragment)
    assert titles == expected_search(fragment), (
        f"search_titles({fragment!r}) should return {expected_search(fragment)} ({why}), got {titles}"
    )
    assert_bound("search_titles", fragment, sql, benign_sql)


@pytest.mark.task(2)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fragment=HOSTILE_TEXT)
def test_search_titles_sends_hostile_input_only_as_a_bound_parameter(
    shop: Connection, queries: QueryLog, fragment: str
) -> None:
    _, benign_sql, _ = call_and_record(queries, sip.search_titles, shop, "dune")
    titles, sql, _ = call_and_record(queries, sip.search_titles, shop, fragment)
    assert titles == expected_search(fragment), (
        f"search_titles({fragment!r}) should return {expected_search(fragment)}, got {titles}"
    )
    assert_bound("search_titles", fragment, sql, benign_sql)
    assert any(("LIKE" in s.upper() or "INSTR" in s.upper() or "POSITION" in s.upper()) for s in sql), (
        f"the database should do the matching (LIKE / ILIKE / instr in the WHERE clause); the SQL sent was {sql}"
    )


# -- task 3 -------------------------------------------------------------------------------------


def expected_sorted(sort: str, descending: bool) -> list[str]:
    column = PUBLIC[sort]
    by_title = sorted(BOOKS, key=lambda b: b["title"])
    return [b["title"] for b in sorted(by_title, key=lambda b: b[column], reverse=descending)]


@pytest.mark.task(3)
@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("sort", ["title", "author", "price", "year"])
def test_books_sorted_orders_by_each_allowed_key_with_ties_by_title(
    shop: Connection, queries: QueryLog, sort: str, descending: bool
) -> None:
    titles, sql, _ = call_and_record(queries, sip.books_sorted, shop, sort, descending)
    assert any("ORDER BY" in s.upper() for s in sql), (
        f"the database should do the sorting (an ORDER BY on the allow-listed column); the SQL sent was {sql}"
    )
    expected = expected_sorted(sort, descending)
    assert titles == expected, (
        f"books_sorted(sort={sort!r}, descending={descending}) should order by {PUBLIC[sort]} "
        f"{'descending' if descending else 'ascending'}, ties by title ascending:\n  expected {expected}\n  got      {titles}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "sort",
    [
        "price_cents",
        "id",
        "Title",
        "title desc",
        "title; DROP TABLE books",
        "(SELECT 1)",
        "1",
        "__table__",
        "metadata",
        "",
    ],
)
def test_books_sorted_refuses_keys_off_the_allow_list(shop: Connection, queries: QueryLog, sort: str) -> None:
    queries.clear()
    with pytest.raises(sip.UnknownSortKey) as raised:
        sip.books_sorted(shop, sort)
    assert isinstance(raised.value, ValueError), (
        "UnknownSortKey should be a ValueError (it is given that way)"
    )
    assert queries.count == 0, (
        f"books_sorted({sort!r}) should refuse before any SQL is sent, but it sent:\n{queries.listing()}"
    )
    books_still_there(shop, queries)


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "columns",
    [["title"], ["price", "title"], ["year", "author", "price"], ["author", "title", "year", "price"]],
)
def test_book_rows_selects_exactly_the_allowed_columns_asked_for(
    shop: Connection, queries: QueryLog, columns: list[str]
) -> None:
    rows, sql, _ = call_and_record(queries, sip.book_rows, shop, columns)
    by_title = sorted(BOOKS, key=lambda b: b["title"])
    expected = [{name: b[PUBLIC[name]] for name in columns} for b in by_title]
    assert rows == expected, (
        f"book_rows({columns}) should return dicts with exactly the keys {columns} (public names), "
        f"ordered by title; first expected {expected[0]}, got {rows[:1]} (and {len(rows)} rows in all)"
    )
    selects = [s for s in sql if s.upper().startswith("SELECT")]
    assert len(selects) == 1, f"one SELECT should do it, the code sent {sql}"
    select_list = selects[0].upper().split(" FROM ")[0]
    unwanted = [c for name, c in PUBLIC.items() if name not in columns and c.upper() in select_list]
    assert not unwanted, (
        f"only the requested columns should be selected; the SELECT list also names {unwanted}: {selects[0]}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "columns",
    [
        ["title", "price_cents"],
        ["id"],
        ["title", "password"],
        ["author", "title FROM books; --"],
        ["*"],
        ["Title"],
    ],
)
def test_book_rows_refuses_unknown_column_names(
    shop: Connection, queries: QueryLog, columns: list[str]
) -> None:
    queries.clear()
    with pytest.raises(sip.UnknownColumn):
        sip.book_rows(shop, columns)
    assert queries.count == 0, (
        f"book_rows({columns}) should refuse before any SQL is sent, it sent:\n{queries.listing()}"
    )


@pytest.mark.task(4)
def test_book_rows_refuses_an_empty_column_list(shop: Connection, queries: QueryLog) -> None:
    queries.clear()
    with pytest.raises(ValueError):
        sip.book_rows(shop, [])
    assert queries.count == 0, (
        f"book_rows([]) should refuse before any SQL is sent, it sent:\n{queries.listing()}"
    )
