"""Tests for kata 7.4, async relationships. Run: pytest katas/07_async/04_async_relationships"""

from __future__ import annotations

import gc
import warnings
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, insert, select
from sqlalchemy.exc import InvalidRequestError, MissingGreenlet, StatementError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload, selectinload

from fixtures.target import learner_module

async_relationships = learner_module(__file__, "async_relationships")
T = TypeVar("T")

# A lazy load that fails with MissingGreenlet leaves the driver's half-made cursor coroutine behind
# (aiosqlite); Python warns about it when it is collected, later, during some other test.
pytestmark = pytest.mark.filterwarnings(
    "ignore:coroutine 'Connection.cursor' was never awaited:RuntimeWarning"
)


@pytest.fixture(autouse=True, scope="module")
def collect_failed_lazy_loads() -> Iterator[None]:
    """Collect those leftovers after this file's tests, quietly (else Python warns at exit)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gc.collect()


# The tests' own copy of the schema (the same as the models'), to create and seed the tables with
# Core: objects added through the session would sit in its identity map with their collections
# already loaded, and the loading the kata is about would never happen.
schema = MetaData()
authors = Table(
    "authors",
    schema,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)
books = Table(
    "books",
    schema,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("author_id", ForeignKey("authors.id"), nullable=False),
)
reviews = Table(
    "reviews",
    schema,
    Column("id", Integer, primary_key=True),
    Column("book_id", ForeignKey("books.id"), nullable=False),
    Column("stars", Integer, nullable=False),
)

NAMES = ["Ursula", "Octavia", "Iain", "Ann", "Terry", "Mervyn", "Jo", "Ted", "Kim", "Lem", "Nnedi", "Becky"]


def shop_data(n_authors: int) -> dict[str, list[dict[str, Any]]]:
    """Authors (the second has no books), their books, and 0-3 reviews per book; ids not in name order."""
    data: dict[str, list[dict[str, Any]]] = {"authors": [], "books": [], "reviews": []}
    for a in range(1, n_authors + 1):
        data["authors"].append({"id": a, "name": NAMES[a - 1]})
        for _ in range(0 if a == 2 else a % 3 + 1):
            book_id = len(data["books"]) + 1
            # Titles run against the ids (book 5 is "... 95", book 6 "... 94"): "by title" is not "by id".
            title = f"{NAMES[a - 1]}'s book {100 - book_id}"
            data["books"].append({"id": book_id, "title": title, "author_id": a})
            for r in range((a + book_id) % 4):
                data["reviews"].append(
                    {"id": len(data["reviews"]) + 1, "book_id": book_id, "stars": (a + r) % 5 + 1}
                )
    return data


async def seed(session: AsyncSession, n_authors: int = 4) -> dict[str, list[dict[str, Any]]]:
    data = shop_data(n_authors)
    connection = await session.connection()
    await connection.run_sync(schema.create_all)
    for table in (authors, books, reviews):
        if data[table.name]:
            await connection.execute(insert(table), data[table.name])
    return data


def expected_catalogue(
    data: dict[str, list[dict[str, Any]]],
) -> list[tuple[str, list[tuple[str, list[int]]]]]:
    return [
        (
            a["name"],
            [
                (b["title"], [r["stars"] for r in data["reviews"] if r["book_id"] == b["id"]])
                for b in data["books"]
                if b["author_id"] == a["id"]
            ],
        )
        for a in sorted(data["authors"], key=lambda a: a["name"])
    ]


def is_missing_greenlet(error: BaseException) -> bool:
    """MissingGreenlet, raised as is or (when a lazy load reaches the driver) wrapped in a StatementError
    whose message starts with "(sqlalchemy.exc.MissingGreenlet)": both are what production sees."""
    return isinstance(error, MissingGreenlet) or isinstance(getattr(error, "orig", None), MissingGreenlet)


def read_or_explain(read: Callable[[], T], missing: str) -> T:
    """read(), or a failure with the message `missing` if it needed a lazy load (MissingGreenlet)."""
    __tracebackhide__ = True
    try:
        return read()
    except (MissingGreenlet, StatementError) as error:
        if not is_missing_greenlet(error):
            raise
    # Failed here, after the except block: chained to the error, the failure would keep the driver's
    # half-made cursor alive until the end of the run, and Python would warn about it there.
    pytest.fail(missing, pytrace=False)


async def await_or_explain(awaitable: Awaitable[T], missing: str) -> T:
    """The same for a coroutine of the learner's."""
    __tracebackhide__ = True
    try:
        return await awaitable
    except (MissingGreenlet, StatementError) as error:
        if not is_missing_greenlet(error):
            raise
    pytest.fail(missing, pytrace=False)


def read_books(author: Any, function: str) -> list[Any]:
    """author.books, or a failure that says why it was not loaded."""
    __tracebackhide__ = True
    return read_or_explain(
        lambda: list(author.books),
        f"reading author.books after {function} raised MissingGreenlet: the books were not loaded, so the read "
        "tried a lazy load, a hidden query that async code cannot run. Load them in the query (selectinload).",
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
async def test_an_unloaded_author_books_raises_at_once_and_says_why(
    async_session: AsyncSession, queries: Any
) -> None:
    await seed(async_session)
    Author = async_relationships.Author
    author = await async_session.scalar(select(Author).where(Author.id == 1))
    queries.clear()
    outcome: BaseException | None = None
    try:
        author.books  # noqa: B018  # the attribute read is the test
    except (MissingGreenlet, StatementError, InvalidRequestError) as error:
        outcome = error if not is_missing_greenlet(error) else MissingGreenlet()
    if isinstance(outcome, MissingGreenlet):
        pytest.fail(
            "reading an unloaded author.books raised MissingGreenlet — the way a lazy load fails in production, "
            "deep in a template or a serializer, far from the query that forgot to load it. Declare the "
            'relationship with lazy="raise": every unloaded access then raises at once, in sync and async '
            "code alike, and the error names the attribute.",
            pytrace=False,
        )
    assert outcome is not None, (
        'reading an unloaded author.books should raise (lazy="raise"), but it returned a value'
    )
    assert isinstance(outcome, InvalidRequestError) and "lazy='raise'" in str(outcome), (
        f"the error should come from lazy='raise'; it says: {outcome}"
    )
    assert queries.count == 0, (
        f"a raise loader sends nothing to the database; this sent:\n{queries.listing()}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("book_id", [1, 4])
async def test_models_have_awaitable_attrs(async_session: AsyncSession, book_id: int) -> None:
    data = await seed(async_session)
    Book = async_relationships.Book
    book = await async_session.get(Book, book_id)
    if not hasattr(book, "awaitable_attrs"):
        pytest.fail(
            "Book has no `awaitable_attrs`: mix AsyncAttrs into Base (class Base(AsyncAttrs, DeclarativeBase))",
            pytrace=False,
        )
    loaded = await book.awaitable_attrs.reviews
    expected = [r["id"] for r in data["reviews"] if r["book_id"] == book_id]
    assert [r.id for r in loaded] == expected, (
        f"`await book.awaitable_attrs.reviews` should load book {book_id}'s reviews {expected}, got {loaded!r}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("n_authors", [4, 12], ids=["four authors", "twelve authors"])
async def test_authors_with_books_loads_the_books_eagerly(
    async_session: AsyncSession, queries: Any, n_authors: int
) -> None:
    data = await seed(async_session, n_authors)
    Author = async_relationships.Author

    # What goes wrong without eager loading: the plain lazy load (forced here with lazyload(), which
    # overrides the relationship's own setting) cannot run in async code.
    naive = (await async_session.scalars(select(Author).options(lazyload(Author.books)))).first()
    with pytest.raises((MissingGreenlet, StatementError)) as raised:
        naive.books  # noqa: B018  # the attribute read is the test
    assert is_missing_greenlet(raised.value), (
        f"a lazy load in async code should fail with MissingGreenlet: {raised.value}"
    )
    async_session.expunge_all()

    queries.clear()
    got = await async_relationships.authors_with_books(async_session)
    queries.assert_at_most(
        2,
        because="one SELECT of the authors and one of all their books (selectinload), not one per author (N+1)",
    )
    expected = [(name, [title for title, _ in books_]) for name, books_ in expected_catalogue(data)]
    shown = [(a.name, [b.title for b in read_books(a, "authors_with_books()")]) for a in got]
    assert shown == expected, (
        f"authors_with_books() should return every author sorted by name (also those without books), each with "
        f"their books: expected {expected}, got {shown}"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("book_id", [1, 2, 3, 5])
async def test_review_count_awaits_the_lazy_load(
    async_session: AsyncSession, queries: Any, book_id: int
) -> None:
    data = await seed(async_session)
    book = await async_session.get(async_relationships.Book, book_id)
    queries.clear()
    count = await await_or_explain(
        async_relationships.review_count(book),
        "review_count() raised MissingGreenlet: `book.reviews` is a lazy load, a query hidden in an attribute "
        "read, which async code cannot run. `await book.awaitable_attrs.reviews` runs it with an await.",
    )
    expected = sum(1 for r in data["reviews"] if r["book_id"] == book_id)
    assert count == expected, (
        f"book {book_id} has {expected} reviews: review_count() should return it, not {count!r}"
    )
    queries.assert_at_most(
        2,
        because="the book's reviews are not loaded yet: one SELECT loads (or counts) them "
        "(`await session.refresh(book, ['reviews'])` takes two); one query per review, or loading every book, is too many",
    )


@pytest.mark.task(3)
async def test_review_count_of_a_book_with_its_reviews_loaded_sends_nothing(
    async_session: AsyncSession, queries: Any
) -> None:
    data = await seed(async_session)
    Book = async_relationships.Book
    book = await async_session.scalar(select(Book).where(Book.id == 4).options(selectinload(Book.reviews)))
    queries.clear()
    count = await async_relationships.review_count(book)
    expected = sum(1 for r in data["reviews"] if r["book_id"] == 4)
    assert count == expected, f"book 4 has {expected} reviews: review_count() should return it, not {count!r}"
    queries.assert_count(
        0,
        because="the reviews are loaded already, and awaitable_attrs only loads what is not: no query is needed",
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("n_authors", [4, 12], ids=["four authors", "twelve authors"])
async def test_bibliography_loads_books_and_their_reviews(
    async_session: AsyncSession, queries: Any, n_authors: int
) -> None:
    data = await seed(async_session, n_authors)
    queries.clear()
    got = await async_relationships.bibliography(async_session)
    queries.assert_at_most(
        3,
        because="one SELECT per level — authors, books, reviews (selectinload(...).selectinload(...)) — not one "
        "per author or per book",
    )
    shown = read_or_explain(
        lambda: [
            (a.name, [(b.title, [r.stars for r in b.reviews]) for b in read_books(a, "bibliography()")])
            for a in got
        ],
        "reading book.reviews after bibliography() raised MissingGreenlet: the reviews were not loaded. "
        "A loader option can go on along a path: selectinload(Author.books).selectinload(Book.reviews).",
    )
    expected = expected_catalogue(data)
    assert shown == expected, (
        "bibliography() should return every author sorted by name, with their books and each book's reviews: "
        f"expected {expected}, got {shown}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize("author_id", [1, 3, 2], ids=["one book", "several books", "no books"])
async def test_books_by_loads_each_books_author(
    async_session: AsyncSession, queries: Any, author_id: int
) -> None:
    data = await seed(async_session, 6)
    name = NAMES[author_id - 1]
    queries.clear()
    got = await async_relationships.books_by(async_session, name)
    queries.assert_at_most(
        2, because="the books and their author: one SELECT with a join, or two with selectinload"
    )
    shown = read_or_explain(
        lambda: [(b.title, b.author.name) for b in got],
        f"reading book.author after books_by({name!r}) raised MissingGreenlet: the author was not loaded. "
        "Filtering through a join does not fill book.author; contains_eager(Book.author) tells the ORM to "
        "fill it from the joined columns (or load it with joinedload/selectinload).",
    )
    expected = sorted((b["title"], name) for b in data["books"] if b["author_id"] == author_id)
    assert shown == expected, (
        f"books_by({name!r}) should return that author's books by title: expected {expected}, got {shown}"
    )


@pytest.mark.task(5)
async def test_books_by_binds_the_name_and_finds_nothing_for_a_stranger(
    async_session: AsyncSession, queries: Any
) -> None:
    await seed(async_session)
    queries.clear()
    got = await async_relationships.books_by(async_session, "Ursula' OR 'x' = 'x")
    assert list(got) == [], (
        f"no author is called \"Ursula' OR 'x' = 'x\" (one bound value, not SQL): expected no books, got {got!r}"
    )
    assert "Ursula' OR 'x' = 'x" in queries.values_sent(), "the author's name should be a bound parameter"
