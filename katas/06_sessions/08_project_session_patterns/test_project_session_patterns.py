"""Tests for kata 6.8, project: session patterns. Run: pytest katas/06_sessions/08_project_session_patterns"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session, sessionmaker

from fixtures.isolation import checked_out_connections
from fixtures.target import learner_module

psp = learner_module(__file__, "project_session_patterns")

STOCK = {"TEA-1": (450, 10), "MUG-1": (1200, 3), "BOX-1": (2500, 0)}


_made: list[Any] = []  # the sessions made by the latest setup() factory


class _TrackedSession(Session):
    """A Session that remembers whether close() was called on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closed_by_code = False
        _made.append(self)

    def close(self) -> None:
        self.closed_by_code = True
        super().close()


def setup(engine: Engine, **options: Any) -> sessionmaker[Session]:
    psp.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO products (sku, name, price_cents, stock) VALUES (:s, :s, :p, :q)"),
            [{"s": s, "p": p, "q": q} for s, (p, q) in STOCK.items()],
        )
    _made.clear()
    return sessionmaker(bind=engine.execution_options(**options) if options else engine, class_=_TrackedSession)


def transient(message: str = "could not serialize access due to concurrent update") -> OperationalError:
    return OperationalError("UPDATE products SET stock = ...", {}, Exception(message))


def state(engine: Engine) -> dict[str, Any]:
    """What another connection sees."""
    with engine.connect() as connection:
        return {
            "stock": dict(connection.execute(text("SELECT sku, stock FROM products")).all()),
            "skus": sorted(connection.execute(text("SELECT sku FROM products")).scalars()),
            "orders": [tuple(r) for r in connection.execute(text("SELECT customer, total_cents FROM orders ORDER BY id"))],
            "lines": sorted(
                tuple(r)
                for r in connection.execute(
                    text(
                        "SELECT p.sku, l.quantity, l.unit_price_cents FROM order_lines l "
                        "JOIN products p ON p.id = l.product_id"
                    )
                )
            ),
        }


def assert_all_closed(engine: Engine, what: str) -> None:
    left = checked_out_connections(engine)
    assert left == 0, f"{what} left {left} connection(s) checked out: close every session, also after an error"
    unclosed = sum(1 for made in _made if not made.closed_by_code)
    assert unclosed == 0, (
        f"{what} left {unclosed} of its {len(_made)} session(s) open: commit() or rollback() gives the connection "
        "back, but close every session too (`with self.sessions() as session:`), also after an error and on a retry"
    )


def fail_commits(sessions: sessionmaker[Session], times: int) -> list[int]:
    """Make the first `times` commits of the factory's sessions fail with a transient error."""
    commits: list[int] = []

    def before_commit(_session: Session) -> None:
        commits.append(1)
        if len(commits) <= times:
            raise transient("deadlock detected")

    event.listen(sessions, "before_commit", before_commit)
    return commits


def flaky_work(failures: int, error: Callable[[], BaseException] = transient) -> tuple[Callable[[Session], str], list[int]]:
    """A unit of work that inserts a product and takes one TEA-1 from the stock (both flushed), then fails
    `failures` times before it succeeds. Done twice, the insert breaks the unique sku."""
    calls: list[int] = []

    def work(session: Session) -> str:
        calls.append(1)
        if len(calls) > 25:
            pytest.fail("run() called the work more than 25 times: it retries forever", pytrace=False)
        session.add(psp.Product(sku="NEW-1", name="New", price_cents=100))
        tea = session.scalars(select(psp.Product).where(psp.Product.sku == "TEA-1")).one()
        tea.stock -= 1
        session.flush()  # half done: the INSERT and the UPDATE are in the database's transaction
        if len(calls) <= failures:
            raise error()
        return f"done after {len(calls)} calls"

    return work, calls


def run_or_explain(call: Callable[[], Any], succeeds: bool = True) -> Any:
    try:
        return call()
    except OperationalError as error:
        if succeeds:
            pytest.fail(
                "a transient OperationalError escaped although attempts were left: run() should roll back and run "
                f"the work again, for errors of the work AND of the commit ({error.orig})",
                pytrace=False,
            )
        raise
    except PendingRollbackError:
        pytest.fail(
            "the retry reused a session whose transaction had failed (PendingRollbackError): roll the failed "
            "attempt back (or take a new session) before running the work again",
            pytrace=False,
        )
    except IntegrityError as error:
        if "NEW-1" in str(error.params) or "UNIQUE" in str(error.orig).upper() or "unique" in str(error.orig):
            pytest.fail(
                "the retry inserted the product a second time on top of the failed attempt's (a unique sku was "
                "violated): the failed attempt must be rolled back before the work runs again",
                pytrace=False,
            )
        raise


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_run_commits_the_work_and_returns_its_result(engine: Engine) -> None:
    sessions = setup(engine)
    work, _calls = flaky_work(failures=0)
    result = psp.ShopService(sessions).run(work)
    assert result == "done after 1 calls", f"run() should return what the work returned, got {result!r}"
    got = state(engine)
    assert "NEW-1" in got["skus"] and got["stock"]["TEA-1"] == 9, (
        f"run() should commit the work: another connection should see NEW-1 and TEA-1's stock 9, it sees {got}"
    )
    assert_all_closed(engine, "run()")


@pytest.mark.task(1)
@pytest.mark.parametrize(("failures", "attempts"), [(1, 3), (2, 3), (3, 4)])
def test_run_retries_a_transient_error_from_a_clean_start(engine: Engine, failures: int, attempts: int) -> None:
    sessions = setup(engine)
    work, calls = flaky_work(failures)
    result = run_or_explain(lambda: psp.ShopService(sessions, attempts=attempts).run(work))
    assert len(calls) == failures + 1, (
        f"the work failed {failures} time(s) with an OperationalError (transient): run() should call it again "
        f"each time, {failures + 1} calls in all; it made {len(calls)}"
    )
    assert result == f"done after {failures + 1} calls", f"run() should return the successful call's result, got {result!r}"
    got = state(engine)
    assert got["skus"].count("NEW-1") == 1 and got["stock"]["TEA-1"] == 9, (
        "exactly ONE application of the work may be committed (one NEW-1, TEA-1's stock 10 - 1 = 9): the failed "
        f"attempts' flushed changes must be rolled back, not committed with the successful one; found {got}"
    )
    assert_all_closed(engine, "run() with retries")


@pytest.mark.task(1)
@pytest.mark.parametrize("attempts", [1, 2, 4])
def test_run_gives_up_after_its_attempts_and_raises_the_last_error(engine: Engine, attempts: int) -> None:
    sessions = setup(engine)
    raised_errors: list[BaseException] = []

    def error() -> BaseException:
        raised_errors.append(transient(f"lock timeout {len(raised_errors) + 1}"))
        return raised_errors[-1]

    work, calls = flaky_work(failures=10_000, error=error)
    with pytest.raises(OperationalError) as raised:
        run_or_explain(lambda: psp.ShopService(sessions, attempts=attempts).run(work), succeeds=False)
    assert len(calls) == attempts, (
        f"with attempts={attempts} the work should be called {attempts} time(s) in all, then run() gives up; "
        f"it was called {len(calls)} times (never retry forever)"
    )
    assert raised.value is raised_errors[-1], "the error of the LAST attempt should propagate, unchanged"
    got = state(engine)
    assert "NEW-1" not in got["skus"] and got["stock"]["TEA-1"] == 10, f"nothing may be committed, found {got}"
    assert_all_closed(engine, "run() that gave up")


@pytest.mark.task(1)
def test_run_does_not_retry_an_integrity_error(engine: Engine) -> None:
    sessions = setup(engine)
    calls: list[int] = []

    def work(session: Session) -> None:
        calls.append(1)
        session.add(psp.Product(sku="TEA-1", name="Duplicate", price_cents=1))
        session.flush()

    with pytest.raises(IntegrityError):
        psp.ShopService(sessions, attempts=3).run(work)
    assert len(calls) == 1, (
        f"an IntegrityError is not transient (a duplicate stays a duplicate): one call, no retry; got {len(calls)}"
    )
    assert_all_closed(engine, "run() after an IntegrityError")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "make_error", [lambda: psp.OutOfStock("MUG-1"), lambda: ValueError("a bug"), lambda: KeyError("sku")],
    ids=["a service error", "a ValueError", "a KeyError"],
)
def test_run_does_not_retry_other_errors_and_commits_nothing(engine: Engine, make_error: Callable[[], BaseException]) -> None:
    sessions = setup(engine)
    error = make_error()
    work, calls = flaky_work(failures=10_000, error=lambda: error)
    with pytest.raises(type(error)) as raised:
        psp.ShopService(sessions, attempts=3).run(work)
    assert raised.value is error, f"the work's own exception should propagate unchanged, got {raised.value!r}"
    assert len(calls) == 1, f"{type(error).__name__} is not transient: one call, no retry; got {len(calls)}"
    got = state(engine)
    assert "NEW-1" not in got["skus"] and got["stock"]["TEA-1"] == 10, (
        f"the failed work's flushed changes must be rolled back, not committed; found {got}"
    )
    assert_all_closed(engine, "run() after an error")


@pytest.mark.task(1)
def test_run_retries_when_the_commit_fails_transiently(engine: Engine) -> None:
    sessions = setup(engine)
    commits = fail_commits(sessions, times=1)
    work, calls = flaky_work(failures=0)
    run_or_explain(lambda: psp.ShopService(sessions).run(work))
    assert len(calls) == 2 and len(commits) == 2, (
        "the first COMMIT failed with an OperationalError: run() should roll back and run the work again (a "
        f"commit can fail as well as the work); work calls: {len(calls)}, commits tried: {len(commits)}"
    )
    got = state(engine)
    assert got["skus"].count("NEW-1") == 1 and got["stock"]["TEA-1"] == 9, f"one application committed, found {got}"


@pytest.mark.task(1)
@pytest.mark.backends("postgresql", reason="a real serialization failure needs PostgreSQL's REPEATABLE READ")
def test_run_retries_a_real_serialization_failure(engine: Engine) -> None:
    sessions = setup(engine, isolation_level="REPEATABLE READ")
    calls: list[int] = []

    def work(session: Session) -> int:
        calls.append(1)
        tea = session.scalars(select(psp.Product).where(psp.Product.sku == "TEA-1")).one()  # snapshot taken
        if len(calls) == 1:
            with engine.begin() as other:  # somebody else sells 4 meanwhile, and commits
                other.execute(text("UPDATE products SET stock = stock - 4 WHERE sku = 'TEA-1'"))
        tea.stock -= 1
        session.flush()  # the row changed after our snapshot: PostgreSQL refuses (SQLSTATE 40001)
        return tea.stock

    result = run_or_explain(lambda: psp.ShopService(sessions).run(work))
    assert len(calls) == 2 and result == 5, (
        "the first attempt hit a serialization failure (an OperationalError): the retry should read the new "
        f"stock (6) and commit 5; calls: {len(calls)}, result: {result!r}"
    )
    assert state(engine)["stock"]["TEA-1"] == 5, "both sales should count: 10 - 4 - 1 = 5"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "items", [{"TEA-1": 2}, {"TEA-1": 10, "MUG-1": 1}, {"MUG-1": 3, "TEA-1": 1}], ids=["one", "all the tea", "two"]
)
def test_place_order_records_the_order_its_lines_and_the_stock(engine: Engine, items: dict[str, int]) -> None:
    sessions = setup(engine)
    order_id = psp.ShopService(sessions).place_order("Ana", items)
    got = state(engine)
    total = sum(STOCK[s][0] * q for s, q in items.items())
    assert got["orders"] == [("Ana", total)], f"one committed order for Ana with total {total}, got {got['orders']}"
    assert got["lines"] == sorted((s, q, STOCK[s][0]) for s, q in items.items()), (
        f"one line per item at the product's price: got {got['lines']}"
    )
    expected_stock = {s: q - items.get(s, 0) for s, (_, q) in STOCK.items()}
    assert got["stock"] == expected_stock, f"the stock should be {expected_stock}, got {got['stock']}"
    with engine.connect() as connection:
        ids = list(connection.execute(text("SELECT id FROM orders")).scalars())
    assert order_id == ids[0], f"place_order() should return the new order's id {ids[0]}, got {order_id!r}"
    assert_all_closed(engine, "place_order()")


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("items", "error"),
    [
        ({"TEA-1": 2, "MUG-1": 4}, "OutOfStock"),
        ({"MUG-1": 1, "BOX-1": 1}, "OutOfStock"),
        ({"TEA-1": 1, "NOPE-1": 1}, "UnknownProduct"),
    ],
    ids=["not enough mugs", "no boxes", "unknown sku"],
)
def test_place_order_that_cannot_be_served_changes_nothing(engine: Engine, items: dict[str, int], error: str) -> None:
    sessions = setup(engine)
    before = state(engine)
    with pytest.raises(getattr(psp, error)):
        psp.ShopService(sessions).place_order("Ben", items)
    assert state(engine) == before, (
        f"a refused order ({error}) must change nothing, not even the items before the refused one: "
        f"before {before}, after {state(engine)}"
    )
    assert_all_closed(engine, "a refused place_order()")


@pytest.mark.task(2)
def test_place_order_is_retried_whole_after_a_transient_failure(engine: Engine) -> None:
    sessions = setup(engine)
    commits = fail_commits(sessions, times=2)
    sold_meanwhile: list[int] = []

    def someone_else_sells_two_teas(_session: Session) -> None:
        if not sold_meanwhile:  # once, after the first rollback: between two attempts
            sold_meanwhile.append(1)
            with engine.begin() as other:
                other.execute(text("UPDATE products SET stock = stock - 2 WHERE sku = 'TEA-1'"))

    event.listen(sessions, "after_rollback", someone_else_sells_two_teas)
    run_or_explain(lambda: psp.ShopService(sessions, attempts=3).place_order("Cy", {"TEA-1": 3, "MUG-1": 1}))
    got = state(engine)
    assert len(commits) == 3, f"two failed commits, then a successful one: {len(commits)} commits tried"
    assert got["orders"] == [("Cy", 3 * 450 + 1200)] and got["stock"]["MUG-1"] == 2, (
        "after two transient failures the order should be committed exactly once, with the stock lowered once "
        f"(place_order's work must go through run()); found {got}"
    )
    assert got["stock"]["TEA-1"] == 5, (
        "another customer bought 2 TEA-1 between two attempts: the committed stock should be 10 - 2 - 3 = 5, not "
        f"{got['stock']['TEA-1']}. Each attempt must read the products afresh inside the work (a stock read "
        "before run(), or carried over from a failed attempt, overwrites the other sale)"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize(("sku", "price"), [("CUP-1", 650), ("POT-2", 3400)])
def test_register_product_adds_it_and_returns_its_id(engine: Engine, sku: str, price: int) -> None:
    sessions = setup(engine)
    product_id = psp.ShopService(sessions).register_product(sku, "Thing", price)
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT id, price_cents, stock FROM products WHERE sku = :s"), {"s": sku}
        ).one_or_none()
    assert row is not None and tuple(row) == (product_id, price, 0), (
        f"the product {sku} should be committed with price {price} and stock 0, and its id returned; "
        f"row {row}, returned {product_id!r}"
    )
    assert_all_closed(engine, "register_product()")


@pytest.mark.task(3)
def test_register_product_with_a_taken_sku_raises_duplicate_sku_once(engine: Engine, queries: Any) -> None:
    sessions = setup(engine)
    queries.clear()
    with pytest.raises(psp.DuplicateSku) as raised:
        psp.ShopService(sessions, attempts=3).register_product("MUG-1", "Another mug", 99)
    assert isinstance(raised.value, psp.ServiceError), "DuplicateSku is a ServiceError"
    assert isinstance(raised.value.__cause__, IntegrityError), (
        "DuplicateSku should be raised FROM the IntegrityError (raise ... from error), so the cause stays in the "
        f"traceback; its __cause__ is {raised.value.__cause__!r}"
    )
    inserts = queries.matching(r"^\s*INSERT")
    assert len(inserts) == 1, (
        f"a duplicate sku is not transient: one INSERT, no retry; {len(inserts)} were sent:\n{queries.listing()}"
    )
    assert state(engine)["stock"]["MUG-1"] == 3, "the existing product must stay as it was"
    assert_all_closed(engine, "register_product() with a taken sku")


@pytest.mark.task(3)
def test_register_product_is_retried_after_a_transient_failure(engine: Engine) -> None:
    sessions = setup(engine)
    fail_commits(sessions, times=1)
    try:
        run_or_explain(lambda: psp.ShopService(sessions).register_product("CUP-1", "Cup", 650))
    except psp.DuplicateSku:
        pytest.fail(
            "the retry found CUP-1 already inserted by the failed attempt (DuplicateSku): the failed attempt must be "
            "rolled back before the work runs again",
            pytrace=False,
        )
    assert state(engine)["skus"].count("CUP-1") == 1, "register_product() should go through run() and be retried"


@pytest.mark.task(3)
def test_register_product_lets_a_lasting_transient_error_through(engine: Engine) -> None:
    sessions = setup(engine)
    commits = fail_commits(sessions, times=100)
    try:
        psp.ShopService(sessions, attempts=2).register_product("CUP-1", "Cup", 650)
    except OperationalError:
        pass
    except psp.DuplicateSku as error:
        pytest.fail(
            "every commit failed with an OperationalError (a transient fault, here one that lasts), and "
            f"register_product() turned it into DuplicateSku ({error!r}): only the IntegrityError of a taken sku "
            "means a duplicate. Catch IntegrityError around run(), not Exception or DBAPIError",
            pytrace=False,
        )
    else:
        pytest.fail("every commit failed, yet register_product() returned: the last error should propagate", pytrace=False)
    assert len(commits) == 2, f"two attempts, two commits tried; {len(commits)} were"
    assert "CUP-1" not in state(engine)["skus"], "nothing was committed"
    assert_all_closed(engine, "register_product() after its last attempt failed")
