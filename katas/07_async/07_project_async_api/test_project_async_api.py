"""Tests for kata 7.7, the async products API. Run: pytest katas/07_async/07_project_async_api

The tests are `async def` and talk to the app through `httpx.AsyncClient(transport=
httpx.ASGITransport(app))`, on the test's own event loop. That is what the concurrency tests need:
`asyncio.gather()` sends many requests at once and the app serves them interleaved, as a server
would. ASGITransport does not run the app's lifespan, so the tests enter it themselves with
`app.router.lifespan_context(app)` — on the same loop, which matters on PostgreSQL: asyncpg ties
each connection to the loop that opened it, and the lifespan's engine serves every request.
(TestClient, used in kata 7.6, runs the app on a loop of its own in another thread and sends one
request at a time.) The tables are created, seeded and checked through a test-side engine on
`async_database_url`, committed for real; the database is wiped after each test.
"""

from __future__ import annotations

import asyncio
import sysconfig
import types
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, String, Table, event, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from fixtures.target import learner_module

project = learner_module(__file__, "project_async_api")

# The tests' own copy of the table (the same as the Product model's).
schema = MetaData()
products = Table(
    "products",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", Integer, nullable=False),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
)
CATALOGUE = [
    ("TEA-GREEN", "Green tea", 450, 20),
    ("MUG-01", "Mug", 1200, 8),
    ("COF-HOUSE", "House blend", 890, 0),
    ("TEA-BLACK", "Black tea", 390, 5),
    ("BOX-XMAS", "Tasting box", 2500, 3),
    ("COF-DECAF", "Decaf", 930, 12),
    ("SPOON-2", "Spoon", 150, 40),
]


@pytest.fixture
async def db(async_database_url: str) -> AsyncIterator[AsyncEngine]:
    """The tests' own engine (on the test's loop): creates the table before the app starts, checks rows after."""
    engine = create_async_engine(async_database_url)
    async with engine.begin() as connection:
        await connection.run_sync(schema.create_all)
    yield engine
    await engine.dispose()


async def seed(engine: AsyncEngine, rows: list[tuple[str, str, int, int]] = CATALOGUE) -> dict[str, int]:
    """Insert the products (the database numbers them); return {sku: id}."""
    ids = {}
    async with engine.begin() as connection:
        for sku, name, price, stock in rows:
            ids[sku] = await connection.scalar(
                insert(products)
                .values(sku=sku, name=name, price_cents=price, stock=stock)
                .returning(products.c.id)
            )
    return ids


async def stored(engine: AsyncEngine) -> dict[str, tuple[str, int, int]]:
    async with engine.connect() as connection:
        result = await connection.execute(select(products))
        return {row.sku: (row.name, row.price_cents, row.stock) for row in result}


_LIBRARIES = tuple(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))


def _without_library_frames(error: BaseException) -> BaseException:
    """Only the tests' and your frames in an app error's traceback (not Starlette's, anyio's, httpx's)."""
    kept = []
    tb = error.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_LIBRARIES):
            kept.append(tb)
        tb = tb.tb_next
    trimmed = None
    for entry in reversed(kept):
        trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    for linked in (error.__cause__, error.__context__):
        if linked is not None and linked is not error:
            _without_library_frames(linked)
    return error.with_traceback(trimmed)


@asynccontextmanager
async def running_app(async_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app from create_app(), its lifespan entered, and a client that talks to it in-process."""
    app = project.create_app(async_database_url)
    try:
        async with app.router.lifespan_context(app):
            # raise_app_exceptions (the default): an exception in the app fails the test with its traceback.
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
                yield client
    except Exception as error:  # noqa: BLE001  # re-raised, only shortened
        raise _without_library_frames(error) from error.__cause__


async def answers(requests: list[Any], hint: str) -> list[httpx.Response]:
    """Send the requests at once; an exception raised in the app fails the test with `hint`."""
    __tracebackhide__ = True
    results = await asyncio.gather(*requests, return_exceptions=True)
    errors = [r for r in results if isinstance(r, BaseException)]
    for error in errors:
        if isinstance(error, NotImplementedError):
            raise _without_library_frames(error)  # the harness says which function is not written yet
    if errors:
        first = str(errors[0]).strip().splitlines()[0]
        pytest.fail(
            f"{len(errors)} of {len(results)} concurrent requests raised in the app instead of answering; the first: "
            f"{type(errors[0]).__name__}: {first}\n{hint}",
            pytrace=False,
        )
    return [r for r in results if isinstance(r, httpx.Response)]


class Tracker:
    def __init__(self) -> None:
        self.sessions: list[Session] = []
        self.checked_out = 0


@contextmanager
def tracking() -> Iterator[Tracker]:
    """Sessions that began a transaction, and connections checked out of any pool, whatever their names."""
    tracker = Tracker()

    def began(session: Session, *_: Any) -> None:
        if not any(s is session for s in tracker.sessions):
            tracker.sessions.append(session)

    def checkout(*_: Any) -> None:
        tracker.checked_out += 1

    def checkin(*_: Any) -> None:
        tracker.checked_out -= 1

    listeners = [(Session, "after_begin", began), (Pool, "checkout", checkout), (Pool, "checkin", checkin)]
    for target, name, function in listeners:
        event.listen(target, name, function)
    try:
        yield tracker
    finally:
        for target, name, function in listeners:
            event.remove(target, name, function)


def product_json(sku: str, ids: dict[str, int]) -> dict[str, Any]:
    name, price, stock = next(row[1:] for row in CATALOGUE if row[0] == sku)
    return {"id": ids[sku], "sku": sku, "name": name, "price_cents": price, "stock": stock}


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
async def test_concurrent_requests_each_get_their_own_session_and_give_it_back(
    async_database_url: str, db: AsyncEngine
) -> None:
    ids = await seed(db)
    with tracking() as tracker:
        async with running_app(async_database_url) as client:
            responses = await answers(
                [client.get(f"/products/{ids[row[0]]}") for row in CATALOGUE],
                "each request needs a session of its own",
            )
            assert [r.status_code for r in responses] == [200] * len(CATALOGUE), (
                f"GET /products/<id> of each of the {len(CATALOGUE)} products should answer 200: "
                f"{[(r.status_code, r.text[:60]) for r in responses if r.status_code != 200]}"
            )
            assert len(tracker.sessions) == len(CATALOGUE), (
                f"{len(CATALOGUE)} concurrent requests should use {len(CATALOGUE)} sessions, one each; they used "
                f"{len(tracker.sessions)}. A session is not safe to share between concurrent tasks."
            )
            assert tracker.checked_out == 0 and not any(s.in_transaction() for s in tracker.sessions), (
                "after the responses every request's session should be closed and its connection back in the pool "
                f"({tracker.checked_out} connection(s) still checked out)"
            )
        assert tracker.checked_out == 0, "after shutdown no connection should be left open"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "payload",
    [
        {"sku": "TEA-OOLONG", "name": "Oolong", "price_cents": 610, "stock": 7},
        {"sku": "FREE-1", "name": "Sample", "price_cents": 0},
    ],
    ids=["with stock", "free, stock left out"],
)
async def test_create_product_answers_201_and_commits(
    async_database_url: str, db: AsyncEngine, payload: dict[str, Any]
) -> None:
    await seed(db)
    async with running_app(async_database_url) as client:
        response = await client.post("/products", json=payload)
    expected = {"stock": 0, **payload}
    assert response.status_code == 201, (
        f"POST /products should answer 201 Created, not {response.status_code}: {response.text}"
    )
    body = response.json()
    assert isinstance(body.get("id"), int) and {k: body.get(k) for k in expected} == expected, (
        f"the response should be the new product with its id: expected {expected} and an id, got {body}"
    )
    rows = await stored(db)
    assert rows.get(payload["sku"]) == (expected["name"], expected["price_cents"], expected["stock"]), (
        f"the product should be committed (another connection sees it); the table has {rows.get(payload['sku'])}"
    )


INVALID_PRODUCTS = {
    "no sku": {"name": "Oolong", "price_cents": 610},
    "lower-case sku": {"sku": "tea-1", "name": "Oolong", "price_cents": 610},
    "sku too short": {"sku": "AB", "name": "Oolong", "price_cents": 610},
    "sku too long": {"sku": "A" * 21, "name": "Oolong", "price_cents": 610},
    "empty name": {"sku": "TEA-9", "name": "", "price_cents": 610},
    "negative price": {"sku": "TEA-9", "name": "Oolong", "price_cents": -1},
    "negative stock": {"sku": "TEA-9", "name": "Oolong", "price_cents": 610, "stock": -3},
    "unknown field": {"sku": "TEA-9", "name": "Oolong", "price_cents": 610, "id": 99},
}


@pytest.mark.task(2)
async def test_create_product_refuses_invalid_input_with_422(
    async_database_url: str, db: AsyncEngine
) -> None:
    async with running_app(async_database_url) as client:
        answers = {case: await client.post("/products", json=p) for case, p in INVALID_PRODUCTS.items()}
    wrong = {case: f"{r.status_code} {r.text[:60]}" for case, r in answers.items() if r.status_code != 422}
    assert not wrong, (
        "ProductIn should refuse these with 422 (sku: 3-20 of A-Z, 0-9, '-'; name 1-100 characters; price and "
        f"stock >= 0; no other fields). Not refused: {wrong}"
    )
    assert await stored(db) == {}, "a refused product must not be stored"


@pytest.mark.task(2)
async def test_create_product_with_a_taken_sku_is_409(async_database_url: str, db: AsyncEngine) -> None:
    await seed(db)
    async with running_app(async_database_url) as client:
        response = await client.post(
            "/products", json={"sku": "MUG-01", "name": "Other mug", "price_cents": 999}
        )
        after = await client.post(
            "/products", json={"sku": "MUG-02", "name": "Other mug", "price_cents": 999}
        )
    assert response.status_code == 409 and response.json() == {"detail": "sku already exists"}, (
        f"MUG-01 exists: POST /products with it should answer 409 'sku already exists', not {response.status_code} "
        f"{response.text[:200]}"
    )
    assert after.status_code == 201, (
        f"after a refused duplicate, the next product should be created normally (201), not {after.status_code}: "
        "roll back the failed transaction"
    )
    assert (await stored(db))["MUG-01"] == ("Mug", 1200, 8), "the existing MUG-01 must stay as it was"


@pytest.mark.task(2)
async def test_concurrent_creates_of_one_sku_make_exactly_one_product(
    async_database_url: str, db: AsyncEngine
) -> None:
    await seed(db)
    payload = {"sku": "LIMITED-1", "name": "Limited edition", "price_cents": 5000, "stock": 1}
    async with running_app(async_database_url) as client:
        responses = await answers(
            [client.post("/products", json=payload) for _ in range(8)],
            "a duplicate sku raises IntegrityError at commit: roll back and answer 409",
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 7, (
        "eight concurrent POSTs of the same new sku: exactly one should create it (201) and seven answer 409. "
        f"Got {codes}. Checking with a SELECT first is not enough (they can all see 'no such sku'): let the unique "
        "constraint decide, and turn its IntegrityError into 409."
    )
    assert sum(1 for sku in await stored(db) if sku == "LIMITED-1") == 1, "one LIMITED-1 row should exist"


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("sku", ["TEA-GREEN", "BOX-XMAS"])
async def test_read_product_returns_it(async_database_url: str, db: AsyncEngine, sku: str) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        response = await client.get(f"/products/{ids[sku]}")
    assert response.status_code == 200 and response.json() == product_json(sku, ids), (
        f"GET /products/{ids[sku]} should answer 200 with {product_json(sku, ids)}, got {response.status_code} {response.text}"
    )


@pytest.mark.task(3)
async def test_read_unknown_product_is_404(async_database_url: str, db: AsyncEngine) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        response = await client.get(f"/products/{max(ids.values()) + 1}")
    assert response.status_code == 404 and response.json() == {"detail": "product not found"}, (
        f"an unknown id should answer 404 'product not found', not {response.status_code} {response.text}"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("page", "size"),
    [(1, 3), (2, 3), (3, 3), (4, 3), (1, 20), (2, 7)],
    ids=["first", "second", "last, partial", "past the end", "default size", "exactly one page before"],
)
async def test_list_products_pages_by_sku(
    async_database_url: str, db: AsyncEngine, page: int, size: int
) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        params = {"page": page} if size == 20 else {"page": page, "size": size}
        response = await client.get("/products", params=params)
    by_sku = [product_json(sku, ids) for sku in sorted(ids)]
    expected = {
        "items": by_sku[(page - 1) * size : page * size],
        "total": len(by_sku),
        "page": page,
        "size": size,
    }
    got = response.json() if response.status_code == 200 else response.text
    assert response.status_code == 200 and got == expected, (
        f"GET /products?page={page}&size={size} should answer page {page} (page 1 is the first) of the products "
        f"sorted by sku: expected skus {[p['sku'] for p in expected['items']]} and total {len(by_sku)}; got "
        f"{response.status_code} {[p['sku'] for p in got['items']] if isinstance(got, dict) else got}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "change",
    [{"price_cents": 475}, {"name": "Sencha"}, {"name": "Sencha", "price_cents": 0}],
    ids=["price", "name", "both"],
)
async def test_update_product_changes_only_what_was_sent(
    async_database_url: str, db: AsyncEngine, change: dict[str, Any]
) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        response = await client.patch(f"/products/{ids['TEA-GREEN']}", json=change)
    expected = {**product_json("TEA-GREEN", ids), **change}
    assert response.status_code == 200 and response.json() == expected, (
        f"PATCH with {change} should change only those fields (model_dump(exclude_unset=True)) and answer the "
        f"product: expected {expected}, got {response.status_code} {response.text}"
    )
    rows = await stored(db)
    assert rows["TEA-GREEN"] == (expected["name"], expected["price_cents"], expected["stock"]), (
        f"the change should be committed: the table has {rows['TEA-GREEN']}"
    )
    assert rows["MUG-01"] == ("Mug", 1200, 8), "other products must not change"


@pytest.mark.task(4)
async def test_update_product_refuses_bad_changes_and_unknown_products(
    async_database_url: str, db: AsyncEngine
) -> None:
    ids = await seed(db)
    target = ids["MUG-01"]
    async with running_app(async_database_url) as client:
        answers = {
            "negative price": (
                await client.patch(f"/products/{target}", json={"price_cents": -5})
            ).status_code,
            "empty name": (await client.patch(f"/products/{target}", json={"name": ""})).status_code,
            "changing the sku": (
                await client.patch(f"/products/{target}", json={"sku": "MUG-99"})
            ).status_code,
            "changing the stock": (
                await client.patch(f"/products/{target}", json={"stock": 1000})
            ).status_code,
            "unknown product": (
                await client.patch(f"/products/{max(ids.values()) + 1}", json={"name": "Ghost"})
            ).status_code,
        }
    expected = {case: 422 for case in answers} | {"unknown product": 404}
    assert answers == expected, (
        "PATCH should refuse invalid changes and changes to the sku or the stock with 422 (ProductPatch allows "
        f"name and price_cents only), and answer 404 for an unknown product: expected {expected}, got {answers}"
    )
    assert (await stored(db))["MUG-01"] == ("Mug", 1200, 8), "a refused change must change nothing"


@pytest.mark.task(4)
async def test_delete_product_answers_204_then_it_is_gone(async_database_url: str, db: AsyncEngine) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        first = await client.delete(f"/products/{ids['SPOON-2']}")
        read = await client.get(f"/products/{ids['SPOON-2']}")
        second = await client.delete(f"/products/{ids['SPOON-2']}")
    assert first.status_code == 204 and first.content == b"", (
        f"DELETE should answer 204 No Content with an empty body, not {first.status_code} {first.text!r}"
    )
    assert (read.status_code, second.status_code) == (404, 404), (
        f"after the delete, GET and a second DELETE should both answer 404; got {read.status_code} and {second.status_code}"
    )
    rows = await stored(db)
    assert "SPOON-2" not in rows and len(rows) == len(CATALOGUE) - 1, (
        f"only SPOON-2 should be deleted; the table has {sorted(rows)}"
    )


# -- task 5 -------------------------------------------------------------------------------------


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("sku", "delta", "stock"), [("MUG-01", 5, 13), ("MUG-01", -8, 0), ("COF-HOUSE", 12, 12)]
)
async def test_change_stock_adds_delta(
    async_database_url: str, db: AsyncEngine, sku: str, delta: int, stock: int
) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        response = await client.post(f"/products/{ids[sku]}/stock", json={"delta": delta})
    assert response.status_code == 200 and response.json() == {"id": ids[sku], "stock": stock}, (
        f"{sku} with delta {delta} should answer 200 with stock {stock}; got {response.status_code} {response.text}"
    )
    assert (await stored(db))[sku][2] == stock, f"the new stock {stock} should be committed"


@pytest.mark.task(5)
async def test_change_stock_refuses_to_go_below_zero_and_knows_unknown_products(
    async_database_url: str, db: AsyncEngine
) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        too_many = await client.post(f"/products/{ids['BOX-XMAS']}/stock", json={"delta": -4})
        unknown = await client.post(f"/products/{max(ids.values()) + 1}/stock", json={"delta": 1})
    assert too_many.status_code == 409 and too_many.json() == {"detail": "not enough stock"}, (
        f"BOX-XMAS has 3 in stock: selling 4 should answer 409 'not enough stock', not {too_many.status_code} {too_many.text}"
    )
    assert unknown.status_code == 404, (
        f"an unknown product should answer 404, not {unknown.status_code} {unknown.text}"
    )
    assert (await stored(db))["BOX-XMAS"][2] == 3, "a refused change must leave the stock at 3"


@pytest.mark.task(5)
@pytest.mark.parametrize("requests", [12, 20])
async def test_concurrent_deliveries_lose_no_update(
    async_database_url: str, db: AsyncEngine, requests: int
) -> None:
    ids = await seed(db)
    async with running_app(async_database_url) as client:
        url = f"/products/{ids['TEA-BLACK']}/stock"
        responses = await answers(
            [client.post(url, json={"delta": 1}) for _ in range(requests)],
            "concurrent deliveries should all succeed: let the database add delta in one UPDATE",
        )
    codes = [r.status_code for r in responses]
    final = (await stored(db))["TEA-BLACK"][2]
    assert codes == [200] * requests and final == 5 + requests, (
        f"{requests} concurrent deliveries of 1 unit to a stock of 5 should all succeed and leave {5 + requests}; "
        f"the stock is {final} (answers: {sorted(set(codes))}). Reading the stock, adding in Python and writing it "
        "back loses the updates made in between: let the database compute stock = stock + delta in one UPDATE."
    )


@pytest.mark.task(5)
@pytest.mark.parametrize(("stock", "buyers"), [(5, 12), (3, 4)])
async def test_concurrent_sales_never_oversell(
    async_database_url: str, db: AsyncEngine, stock: int, buyers: int
) -> None:
    ids = await seed(db, [("DROP-1", "Limited drop", 9900, stock)])
    async with running_app(async_database_url) as client:
        url = f"/products/{ids['DROP-1']}/stock"
        responses = await answers(
            [client.post(url, json={"delta": -1}) for _ in range(buyers)],
            "A CHECK constraint failure (stock_not_negative) means two buyers took the same last unit and the "
            "database stopped the second: check the stock in the UPDATE's own WHERE (stock + delta >= 0) instead "
            "of before it, and answer 409 when it changed no row.",
        )
    codes = sorted(r.status_code for r in responses)
    final = (await stored(db))["DROP-1"][2]
    assert codes == [200] * stock + [409] * (buyers - stock) and final == 0, (
        f"{buyers} buyers at once for {stock} units: exactly {stock} should get 200 and {buyers - stock} get 409, "
        f"leaving 0. Got {codes} and a stock of {final}. Checking the stock first and updating after lets two buyers "
        "take the last unit: put the condition in the UPDATE's WHERE (stock + delta >= 0) and look at what it changed."
    )


@pytest.mark.task(2)
async def test_create_product_does_not_call_every_failure_a_duplicate(async_database_url: str, db: AsyncEngine) -> None:
    await seed(db)
    app = project.create_app(async_database_url)
    async with app.router.lifespan_context(app):
        kept = list(vars(app.state).get("_state", {}).values())
        # The engine itself, or the one an async_sessionmaker on app.state is bound to.
        engines = [v for v in kept if isinstance(v, AsyncEngine)] + [
            bind for v in kept if isinstance(bind := getattr(v, "kw", {}).get("bind"), AsyncEngine)
        ]
        if not engines:
            pytest.skip("no AsyncEngine or async_sessionmaker found on app.state to make the INSERT fail")

        def disk_full(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
            if statement.lstrip().upper().startswith("INSERT INTO PRODUCTS"):
                raise OperationalError(statement, parameters, Exception("could not extend file: No space left on device"))

        event.listen(engines[0].sync_engine, "before_cursor_execute", disk_full)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as client:
            response = await client.post("/products", json={"sku": "NEW-01", "name": "New", "price_cents": 100})
    assert response.status_code != 409, (
        "the INSERT failed with an OperationalError (the disk is full: nothing says the sku is taken), and the app "
        "answered 409 'sku already exists': only the IntegrityError of the unique constraint means that. Catch "
        "IntegrityError, not Exception or DBAPIError, and let other errors become a 500"
    )
