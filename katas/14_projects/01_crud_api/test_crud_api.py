"""Tests for kata 14.1, the library's REST API. Run: pytest katas/14_projects/01_crud_api

The tests drive the app through FastAPI's TestClient. The app gets its sessions from a sessionmaker
bound to the test's own connection (`join_transaction_mode="create_savepoint"`): a request's commit
releases a savepoint, everything is rolled back after the test, and the `queries` fixture sees every
statement a request sends, which is how the statement budgets of task 4 are checked. The data is
inserted with Core, in an order unlike any order the API must return.
"""

from __future__ import annotations

import random
import re
import warnings
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from sqlalchemy import Connection, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fixtures.target import learner_module

with warnings.catch_warnings():
    # Starlette's test client warns that its use of httpx is deprecated (httpx2 replaces it).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient

api = learner_module(__file__, "crud_api")

AUTHORS = ["Le Guin", "Austen", "Herbert", "Tolkien", "Woolf"]
BOOKS = [
    # title, year, author
    ("Emma", 1996, "Austen"),  # stored before the 1815 Emma: a missing year tie-break shows
    ("Dune", 1965, "Herbert"),
    ("Emma", 1815, "Austen"),
    ("Dune Messiah", 1969, "Herbert"),
    ("The Hobbit", 1937, "Tolkien"),
    ("Orlando", 1928, "Woolf"),
    ("The Dispossessed", 1974, "Le Guin"),
    ("Persuasion", 1817, "Austen"),
    ("Wool 100%", 2001, "Woolf"),
    ("Nights 1000", 2003, "Woolf"),
    ("Rust_Belt", 1971, "Le Guin"),
    ("The Lathe of Heaven", 1971, "Le Guin"),
    ("Children of Dune", 1976, "Herbert"),
    ("Lost Boys", 1972, "Le Guin"),
]


def sort_key(book: tuple[str, int, str]) -> tuple[str, int]:
    return (book[0], book[1])


@pytest.fixture
def db(connection: Connection) -> Connection:
    api.Base.metadata.create_all(connection)
    return connection


class RecordedSession(Session):
    """A Session that notes its creation and its close(): "one session per request, closed after it"."""

    made: ClassVar[list[RecordedSession]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.was_closed = False
        RecordedSession.made.append(self)

    def close(self) -> None:
        self.was_closed = True
        super().close()


@pytest.fixture
def client(db: Connection) -> Iterator[TestClient]:
    RecordedSession.made = []
    sessions = sessionmaker(bind=db, class_=RecordedSession, join_transaction_mode="create_savepoint")
    with TestClient(api.create_app(sessions)) as test_client:
        yield test_client


def seed(
    connection: Connection, authors: list[str] = AUTHORS, books: list[tuple[str, int, str]] = BOOKS
) -> dict[str, int]:
    """Insert authors and books (the database numbers them, in the order given); return {author: id}."""
    ids = {}
    for name in authors:
        ids[name] = connection.execute(
            insert(api.Author.__table__).values(name=name).returning(api.Author.__table__.c.id)
        ).scalar_one()
    if books:
        connection.execute(
            insert(api.Book.__table__),
            [{"title": t, "year": y, "author_id": ids[a]} for t, y, a in books],
        )
    return ids


def book_rows(connection: Connection) -> list[tuple[str, int, int]]:
    table = api.Book.__table__
    return sorted(
        tuple(r) for r in connection.execute(select(table.c.title, table.c.year, table.c.author_id))
    )


def book_id(connection: Connection, title: str, year: int) -> int:
    table = api.Book.__table__
    return connection.execute(
        select(table.c.id).where(table.c.title == title, table.c.year == year)
    ).scalar_one()


def expect(response: Any, status: int, why: str) -> Any:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url.path} should answer {status} ({why}); it answered "
        f"{response.status_code}: {response.text[:300]}"
    )
    return response.json() if response.content else None


# -- task 1: create ---------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("sent", "stored"), [("Ursula K. Le Guin", "Ursula K. Le Guin"), ("  Mary Shelley ", "Mary Shelley")]
)
def test_create_author_answers_201_with_the_stored_author(
    client: TestClient, db: Connection, sent: str, stored: str
) -> None:
    body = expect(client.post("/authors", json={"name": sent}), 201, "a new author")
    row = db.execute(select(api.Author.__table__)).one()
    assert body == {"id": row.id, "name": stored} and row.name == stored, (
        f"the author should be stored with the name stripped ({stored!r}) and returned with its id; "
        f"got {body}, stored {tuple(row)}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "payload",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": None}, {"name": "Ann", "admin": True}],
    ids=["missing", "empty", "spaces", "too long", "null", "unknown field"],
)
def test_create_author_refuses_invalid_input_with_422(
    client: TestClient, db: Connection, payload: dict[str, Any]
) -> None:
    expect(client.post("/authors", json=payload), 422, f"{payload} breaks AuthorIn's rules")
    assert db.execute(select(api.Author.__table__)).all() == [], "nothing should be stored for invalid input"


@pytest.mark.task(1)
def test_a_taken_name_answers_409_and_the_api_keeps_working(client: TestClient, db: Connection) -> None:
    seed(db, ["Austen"], [])
    body = expect(client.post("/authors", json={"name": " Austen "}), 409, "the name, stripped, is taken")
    assert body == {"detail": "author already exists"}, (
        f'the 409 should say {{"detail": "author already exists"}}; got {body}'
    )
    expect(
        client.post("/authors", json={"name": "Brontë"}), 201, "after a conflict the next request must work"
    )
    names = sorted(db.execute(select(api.Author.__table__.c.name)).scalars())
    assert names == ["Austen", "Brontë"], f"the authors should be Austen and Brontë; found {names}"


@pytest.mark.task(1)
def test_a_name_taken_by_a_concurrent_request_answers_409(client: TestClient, db: Connection) -> None:
    # Another request registers the same author right after this request first reads the authors table
    # (a plain SELECT, as in "is the name free?"), just before its INSERT: the check said "free",
    # the INSERT then meets the unique constraint. Code that only SELECTs never runs into it here.
    state = {"read": False, "inserted": False, "landed": False}

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sql = " ".join(statement.split()).lower()
        if sql.startswith("insert into authors"):
            state["inserted"] = True
        elif sql.startswith("select") and re.search(r"\bfrom authors\b", sql) and not state["inserted"]:
            state["read"] = True

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sql = " ".join(statement.split()).lower()
        if state["read"] and not state["landed"] and sql.startswith("insert into authors"):
            state["landed"] = True
            other = cursor.connection.cursor()
            other.execute("INSERT INTO authors (name) VALUES ('Brontë')")
            other.close()

    event.listen(db, "after_cursor_execute", after)
    event.listen(db, "before_cursor_execute", before)
    try:
        response = client.post("/authors", json={"name": "Brontë"})
    except Exception as error:  # noqa: BLE001 - the app let it escape: turned into a sentence
        pytest.fail(
            "the name was free when your code checked it, but another request took it before your INSERT; the "
            f"unique constraint refused the INSERT and the app crashed with {type(error).__name__} instead of "
            "answering 409. A SELECT check cannot see a concurrent request: catch the IntegrityError at "
            "commit, roll back, answer 409",
            pytrace=False,
        )
    finally:
        event.remove(db, "after_cursor_execute", after)
        event.remove(db, "before_cursor_execute", before)
    expect(
        response, 409 if state["landed"] else 201, "the unique constraint decides whether the name is taken"
    )


@pytest.mark.task(1)
def test_each_request_gets_its_own_session_closed_after_it_even_after_an_error(
    client: TestClient, db: Connection
) -> None:
    seed(db, ["Austen"], [])
    answers = [
        client.post("/authors", json={"name": "Woolf"}).status_code,  # 201
        client.post("/authors", json={"name": "Austen"}).status_code,  # 409
        client.get("/books/99999").status_code,  # 404
    ]
    made = RecordedSession.made
    assert len(made) >= 3 and len({id(s) for s in made}) == len(made), (
        f"three requests ({answers}) should get three new sessions from app.state.session_factory, one each; "
        f"{len(made)} were made. A session kept between requests carries one request's objects and failures "
        "into the next"
    )
    unclosed = sum(not s.was_closed for s in made)
    assert unclosed == 0, (
        f"after three requests answered {answers}, {unclosed} of their {len(made)} sessions were never closed: "
        "get_session must close its session after the request also when the handler raised (an HTTPException "
        "comes back into the dependency at its yield): `with factory() as session: yield session`, or "
        "try/finally"
    )


@pytest.mark.task(1)
def test_a_database_error_other_than_a_taken_name_is_not_answered_409(
    client: TestClient, db: Connection
) -> None:
    # The INSERT fails for another reason (here a simulated "database is locked"): that is no conflict
    # the client caused, and must not be reported as "author already exists".
    dbapi = db.dialect.loaded_dbapi

    def fail(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if " ".join(statement.split()).lower().startswith("insert into authors"):
            raise dbapi.OperationalError("database is locked (simulated by the test)")

    event.listen(db, "before_cursor_execute", fail)
    try:
        status = client.post("/authors", json={"name": "Brontë"}).status_code
    except IntegrityError:
        raise
    except Exception:  # noqa: BLE001 - the app let the error escape: a 500, as it should be
        status = 500
    finally:
        event.remove(db, "before_cursor_execute", fail)
    assert status != 409, (
        "the INSERT failed with an OperationalError (the database was locked), not with the unique constraint's "
        'IntegrityError, and the API answered 409 "author already exists": catch only IntegrityError for '
        "the taken name, and let other errors be errors (500)"
    )
    expect(
        client.post("/authors", json={"name": "Brontë"}),
        201,
        "the database answers again and the name is free",
    )


@pytest.mark.task(1)
def test_create_book_answers_201_with_its_author(client: TestClient, db: Connection) -> None:
    ids = seed(db, ["Austen", "Woolf"], [])
    body = expect(
        client.post("/books", json={"title": " Mrs Dalloway ", "year": 1925, "author_id": ids["Woolf"]}),
        201,
        "a new book",
    )
    assert (
        body["title"] == "Mrs Dalloway"
        and body["year"] == 1925
        and body["author"] == {"id": ids["Woolf"], "name": "Woolf"}
    ), (
        f"the new book should come back with its title stripped, its year and its author {{id, name}}; got {body}"
    )
    assert book_rows(db) == [("Mrs Dalloway", 1925, ids["Woolf"])], (
        f"the book should be stored; found {book_rows(db)}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"title": "X", "year": 1449, "author_id": 0}, 422),
        ({"title": "X", "year": 2101, "author_id": 0}, 422),
        ({"title": "  ", "year": 2000, "author_id": 0}, 422),
        ({"title": "X", "year": 2000, "author_id": 0, "isbn": "1"}, 422),
        ({"title": "X", "year": 2000}, 422),
        ({"title": "X", "year": 2000, "author_id": 999}, 404),
    ],
    ids=["year 1449", "year 2101", "blank title", "unknown field", "no author", "unknown author"],
)
def test_create_book_refuses_bad_input(
    client: TestClient, db: Connection, payload: dict[str, Any], status: int
) -> None:
    ids = seed(db, ["Austen"], [])
    if payload.get("author_id") == 0:
        payload = {**payload, "author_id": ids["Austen"]}
    body = expect(client.post("/books", json=payload), status, f"{payload}")
    if status == 404:
        assert body == {"detail": "author not found"}, (
            f'an unknown author should answer {{"detail": "author not found"}}; got {body}'
        )
    assert book_rows(db) == [], "no book should be stored"


# -- task 2: read, change, delete ---------------------------------------------------------------------


@pytest.mark.task(2)
def test_read_book_answers_200_or_404(client: TestClient, db: Connection) -> None:
    ids = seed(db)
    bid = book_id(db, "Orlando", 1928)
    body = expect(client.get(f"/books/{bid}"), 200, "the book exists")
    assert body == {
        "id": bid,
        "title": "Orlando",
        "year": 1928,
        "author": {"id": ids["Woolf"], "name": "Woolf"},
    }, f"GET /books/{bid} should return Orlando with its author; got {body}"
    missing = expect(client.get("/books/99999"), 404, "no such book")
    assert missing == {"detail": "book not found"}, (
        f'a missing book should answer {{"detail": "book not found"}}; got {missing}'
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        ({"title": " Emma (annotated) "}, ("Emma (annotated)", 1815)),
        ({"year": 1816}, ("Emma", 1816)),
        ({"title": "E", "year": 2000}, ("E", 2000)),
        ({}, ("Emma", 1815)),
    ],
    ids=["title", "year", "both", "nothing"],
)
def test_patch_changes_only_the_fields_sent(
    client: TestClient, db: Connection, patch: dict[str, Any], expected: tuple[str, int]
) -> None:
    seed(db)
    bid = book_id(db, "Emma", 1815)
    body = expect(client.patch(f"/books/{bid}", json=patch), 200, "a valid change")
    assert (body["title"], body["year"]) == expected, (
        f"PATCH {patch} should give {expected}; the answer was {body}"
    )
    table = api.Book.__table__
    stored = tuple(db.execute(select(table.c.title, table.c.year).where(table.c.id == bid)).one())
    assert stored == expected, f"the change should be stored: expected {expected}, found {stored}"


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "patch",
    [{"title": None}, {"year": None}, {"year": 3000}, {"title": ""}, {"author_id": 1}],
    ids=["null title", "null year", "bad year", "empty title", "author_id not patchable"],
)
def test_patch_refuses_invalid_changes_with_422(
    client: TestClient, db: Connection, patch: dict[str, Any]
) -> None:
    seed(db)
    bid = book_id(db, "Emma", 1815)
    before = book_rows(db)
    expect(client.patch(f"/books/{bid}", json=patch), 422, f"{patch} breaks BookPatch's rules")
    assert book_rows(db) == before, "a refused change must change nothing"
    expect(client.patch("/books/99999", json={"year": 2000}), 404, "no such book")


@pytest.mark.task(2)
def test_delete_book_answers_204_then_404(client: TestClient, db: Connection) -> None:
    seed(db)
    bid = book_id(db, "Dune", 1965)
    response = client.delete(f"/books/{bid}")
    expect(response, 204, "the book existed")
    assert response.content == b"", "a 204 answer has no body"
    assert ("Dune", 1965) not in [(t, y) for t, y, _ in book_rows(db)], "the book should be deleted"
    expect(client.delete(f"/books/{bid}"), 404, "it is gone now")


@pytest.mark.task(2)
def test_delete_author_with_books_answers_409_and_deletes_nothing(client: TestClient, db: Connection) -> None:
    ids = seed(db, ["Austen", "Nobody"], [("Emma", 1815, "Austen")])
    body = expect(client.delete(f"/authors/{ids['Austen']}"), 409, "Austen has books")
    assert body == {"detail": "author has books"}, (
        f'the 409 should say {{"detail": "author has books"}}; got {body}'
    )
    assert book_rows(db) == [("Emma", 1815, ids["Austen"])], "the author's books must stay as they were"
    expect(client.delete(f"/authors/{ids['Nobody']}"), 204, "an author without books can go")
    names = list(db.execute(select(api.Author.__table__.c.name)).scalars())
    assert names == ["Austen"], f"only Nobody should be deleted; left: {names}"
    expect(client.delete(f"/authors/{ids['Nobody']}"), 404, "no such author any more")


# -- task 3: list, filter, paginate --------------------------------------------------------------------


def titles(body: dict[str, Any]) -> list[tuple[str, int]]:
    return [(item["title"], item["year"]) for item in body["items"]]


@pytest.mark.task(3)
@pytest.mark.parametrize("size", [1, 4, 5])
def test_pages_cover_every_book_once_in_a_stable_order(client: TestClient, db: Connection, size: int) -> None:
    rest = BOOKS[3:]  # the two Emmas and Dune stay first: stored in an order unlike the answer's
    random.Random(size).shuffle(rest)
    seed(db, AUTHORS, BOOKS[:3] + rest)
    expected = [(t, y) for t, y, _ in sorted(BOOKS, key=sort_key)]
    seen: list[tuple[str, int]] = []
    pages = -(-len(BOOKS) // size)
    for page in range(1, pages + 2):
        body = expect(client.get("/books", params={"page": page, "size": size}), 200, "a page")
        assert body["total"] == len(BOOKS) and body["page"] == page and body["size"] == size, (
            f"every page should report total={len(BOOKS)}, its page and size; page {page} said {body['total']}, "
            f"{body['page']}, {body['size']}"
        )
        assert len(body["items"]) <= size, f"page {page} has more than {size} items"
        seen += titles(body)
    assert seen == expected, (
        "the pages, one after another, should list every book once, sorted by title, then year, then id "
        f"(page 1 is the first); expected {expected}, got {seen}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "params", [{"size": 0}, {"size": 51}, {"page": 0}, {"page": -1}, {"year_from": "soon"}]
)
def test_bad_paging_parameters_answer_422(client: TestClient, db: Connection, params: dict[str, Any]) -> None:
    seed(db)
    expect(
        client.get("/books", params=params),
        422,
        f"{params} is not a valid page request (page >= 1, 1 <= size <= 50)",
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"author": "Herbert"}, ["Children of Dune", "Dune", "Dune Messiah"]),
        (
            {"year_from": 1969, "year_to": 1974},
            ["Dune Messiah", "Lost Boys", "Rust_Belt", "The Dispossessed", "The Lathe of Heaven"],
        ),
        ({"q": "dune"}, ["Children of Dune", "Dune", "Dune Messiah"]),
        ({"q": "100%"}, ["Wool 100%"]),
        ({"q": "ST_b"}, ["Rust_Belt"]),
        ({"q": "E", "author": "Austen", "year_to": 1817}, ["Emma", "Persuasion"]),
        ({"author": "Nobody"}, []),
    ],
    ids=["author", "years inclusive", "any case", "literal %", "literal _", "combined", "none"],
)
def test_filters_narrow_the_list_and_the_total(
    client: TestClient, db: Connection, params: dict[str, Any], expected: list[str]
) -> None:
    ids = seed(db, AUTHORS + ["Nobody"])
    if db.dialect.name == "sqlite":
        # SQLite's LIKE ignores ASCII case by default, PostgreSQL's does not: make SQLite answer like
        # PostgreSQL, so that a plain `contains`/`like` fails here too (lower(...) or ilike still match).
        db.exec_driver_sql("PRAGMA case_sensitive_like = ON")
    query = dict(params, size=50)
    if "author" in query:
        query["author_id"] = ids[query.pop("author")]
    body = expect(client.get("/books", params=query), 200, "a filtered list")
    got = [t for t, _ in titles(body)]
    assert got == expected and body["total"] == len(expected), (
        f"GET /books with {params} should list {expected} (total {len(expected)}); got {got} (total {body['total']}). "
        "q matches inside the title, in any case, and its '%' and '_' are plain characters"
    )


# -- task 4: statement budgets -------------------------------------------------------------------------


def many_books(authors: int) -> tuple[list[str], list[tuple[str, int, str]]]:
    names = [f"Author {i:02d}" for i in range(authors)]
    books = [(f"Book {i:03d}", 1900 + i, names[(i * 7) % authors]) for i in range(authors * 3)]
    random.Random(authors).shuffle(books)
    return names, books


@pytest.mark.task(4)
@pytest.mark.parametrize("authors", [2, 12], ids=["small", "large"])
def test_listing_books_costs_the_same_few_statements_at_any_size(
    client: TestClient, db: Connection, queries: Any, authors: int
) -> None:
    names, books = many_books(authors)
    seed(db, names, books)
    queries.clear()
    body = expect(client.get("/books", params={"size": 50}), 200, "the whole list")
    assert len(body["items"]) == len(books) and all(
        item["author"]["name"] in names for item in body["items"]
    ), "every book should be listed with its author"
    queries.assert_at_most(
        3,
        because=f"a page of {len(books)} books by {authors} authors: the count, the page and (at most) one query for "
        "the authors; loading each book's author when it is read (lazy loading) costs one query per author — "
        "load them with the page (joinedload or selectinload)",
    )
    counted = [s.sql for s in queries.statements if re.search(r"\bcount\s*\(", s.sql, re.IGNORECASE)]
    assert counted, (
        "total should be counted by the database (SELECT count(*) ... with the same filters): fetching every "
        "matching book, or every id, to count them in Python gets slower as the catalogue grows; sent: "
        f"{[s.sql for s in queries.statements]}"
    )
    limited = [s.sql for s in queries.statements if re.search(r"\blimit\b", s.sql, re.IGNORECASE)]
    # The ORDER BY that the LIMIT applies to (not an "id" elsewhere in the statement) ends with the id.
    assert limited and re.search(
        r"order by [^()]*\bid\b[^()]*\blimit\b", " ".join(limited[-1].split()), re.IGNORECASE
    ), (
        "the page's SELECT should end its ORDER BY with the unique id, so that books with the same title and "
        f"year keep their place from one page to the next; it was: {limited[-1] if limited else 'no LIMIT sent'}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize("authors", [3, 15], ids=["small", "large"])
def test_listing_authors_counts_books_in_the_database(
    client: TestClient, db: Connection, queries: Any, authors: int
) -> None:
    names, books = many_books(authors)
    lonely = "Aaron Without Books"
    seed(db, [*reversed(names), lonely], books)
    queries.clear()
    body = expect(client.get("/authors"), 200, "the authors")
    expected = [(lonely, 0)] + [(n, sum(1 for b in books if b[2] == n)) for n in sorted(names)]
    got = [(a["name"], a["book_count"]) for a in body]
    assert got == expected, (
        f"authors sorted by name with their book counts (0 for none): expected {expected}, got {got}"
    )
    queries.assert_at_most(
        2,
        because=f"{authors + 1} authors: count the books in the database (GROUP BY or a subquery), not by loading "
        "each author's books",
    )
    sent = [" ".join(s.sql.split()) for s in queries.statements]
    assert any(re.search(r"\bcount\s*\(", sql, re.IGNORECASE) for sql in sent), (
        "book_count should be counted by the database (count() with GROUP BY, or a correlated subquery): "
        "loading the books (selectinload) or their author_ids and counting in Python reads every book "
        f"to answer a list of authors; sent: {sent}"
    )
