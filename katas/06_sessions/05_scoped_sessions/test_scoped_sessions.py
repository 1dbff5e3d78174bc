"""Tests for kata 6.5, scoped sessions. Run: pytest katas/06_sessions/05_scoped_sessions"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from fixtures.isolation import checked_out_connections
from fixtures.target import learner_module

ss = learner_module(__file__, "scoped_sessions")

SEED = {"TEA-1": "Green tea", "TEA-2": "Black tea", "MUG-1": "Mug", "BOX-1": "Chef's box", "CUP-1": "Cup"}


class Boom(Exception):
    pass


class Raised:
    value: BaseException | None = None


@contextmanager
def raises(kind: type[BaseException], why: str) -> Iterator[Raised]:
    """Like pytest.raises, but a missing or different exception fails with a sentence."""
    raised = Raised()
    try:
        yield raised
    except kind as error:
        raised.value = error
        return
    except BaseException as error:
        if isinstance(error, pytest.fail.Exception):
            raise
        pytest.fail(f"{kind.__name__} should have propagated: {why}; instead got {error!r}", pytrace=False)
    pytest.fail(f"{kind.__name__} should have propagated: {why}; nothing was raised", pytrace=False)


def make_tables(engine: Engine) -> None:
    ss.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO products (sku, name, price_cents) VALUES (:s, :n, 100)"),
            [{"s": s, "n": n} for s, n in SEED.items()],
        )


@pytest.fixture
def registry(engine: Engine) -> Iterator[scoped_session[Session]]:
    """The tests' own registry, for tasks 2 and 3 (task 1 is the learner's make_registry())."""
    make_tables(engine)
    own = scoped_session(sessionmaker(bind=engine))
    yield own
    own.remove()


def committed_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        return dict(connection.execute(text("SELECT sku, name FROM products")).all())


def in_a_thread(function: Callable[[], Any]) -> Any:
    """Run function in another thread (joined before returning) and return its result."""
    box: list[Any] = []
    thread = threading.Thread(target=lambda: box.append(function()))
    thread.start()
    thread.join(timeout=10)
    assert box, "the function run in another thread failed (see the thread's traceback above)"
    return box[0]


def assert_closed(session: Session, what: str) -> None:
    assert not session.in_transaction() and len(session.identity_map) == 0, (
        f"{what}: the session is still open (in a transaction, or holding objects). registry.remove() closes "
        "the calling thread's session and forgets it; it must run in the thread that used the session"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_registry_gives_the_same_session_on_every_call_in_a_thread(engine: Engine) -> None:
    make_tables(engine)
    registry = ss.make_registry(engine)
    try:
        first, second = registry(), registry()
        assert isinstance(first, Session), f"calling the registry should give a Session, got {first!r}"
        assert first is second, (
            "calling the registry twice in one thread should give the SAME session (a sessionmaker makes a new "
            "one per call; scoped_session keeps one per thread)"
        )
        assert first.connection().engine is engine, "the registry's sessions should be bound to the engine"
    finally:
        registry.remove()


@pytest.mark.task(1)
def test_registry_gives_each_thread_its_own_session(engine: Engine) -> None:
    make_tables(engine)
    registry = ss.make_registry(engine)
    try:
        mine = registry()

        def other_thread() -> tuple[Session, bool]:
            try:
                theirs = registry()
                return theirs, theirs is registry()
            finally:
                registry.remove()

        theirs, stable = in_a_thread(other_thread)
        also_theirs, _ = in_a_thread(other_thread)
        assert theirs is not mine and also_theirs is not mine and theirs is not also_theirs, (
            "each thread should get its own session from the registry: a Session must never be shared between "
            "threads"
        )
        assert stable, "within the other thread, every call of the registry should give that thread's session"
        assert registry() is mine, "the main thread keeps its own session meanwhile"
    finally:
        registry.remove()


@pytest.mark.task(1)
def test_registry_remove_closes_the_session_and_the_next_call_makes_a_new_one(engine: Engine) -> None:
    make_tables(engine)
    registry = ss.make_registry(engine)
    try:
        session = registry()
        product = session.scalars(select(ss.Product).where(ss.Product.sku == "TEA-1")).one()
        registry.remove()
        assert inspect(product).detached and not session.in_transaction(), (
            "registry.remove() should close the thread's session: its objects detached, its transaction ended"
        )
        assert registry() is not session, "after remove(), the registry should make a new session for the thread"
    finally:
        registry.remove()
    assert checked_out_connections(engine) == 0, "every connection should be back in the pool after remove()"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_request_scope_yields_the_session_the_request_code_gets_from_the_registry(
    engine: Engine, registry: scoped_session[Session]
) -> None:
    with ss.request_scope(registry) as session:
        assert session is registry(), (
            "the session yielded by request_scope() should be the thread's session, the one registry() gives "
            "to the code deep inside the request"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(("sku", "name"), [("TEA-1", "Sencha"), ("MUG-1", "Chef's mug")])
def test_request_scope_commits_and_removes_the_session(
    engine: Engine, registry: scoped_session[Session], sku: str, name: str
) -> None:
    with ss.request_scope(registry) as session:
        product = registry().scalars(select(ss.Product).where(ss.Product.sku == sku)).one()
        product.name = name
    assert committed_names(engine)[sku] == name, f"the request's rename of {sku} to {name!r} should be committed"
    assert not registry.registry.has(), (
        "after the request the registry should hold no session for this thread (registry.remove(), not only "
        "session.close(): the next request in this thread must get a brand-new session)"
    )
    assert_closed(session, "after the request")
    assert checked_out_connections(engine) == 0, "the request's connection should be back in the pool"


@pytest.mark.task(2)
def test_request_scope_rolls_back_removes_and_reraises_when_the_request_fails(
    engine: Engine, registry: scoped_session[Session]
) -> None:
    error = Boom("the view failed")
    with raises(Boom, "the request raised it; roll back, remove the session, and re-raise it unchanged") as raised, ss.request_scope(registry) as session:
        product = registry().scalars(select(ss.Product).where(ss.Product.sku == "TEA-2")).one()
        product.name = "Half-renamed"
        session.flush()
        raise error
    assert raised.value is error, "the request's exception should propagate unchanged"
    assert committed_names(engine) == SEED, "a failed request must commit nothing"
    assert not registry.registry.has(), "the failed request's session should be removed from the registry too"
    assert_closed(session, "after the failed request")


# -- task 3 -------------------------------------------------------------------------------------


def reader(registry: scoped_session[Session], sku: str, seen: list[tuple[int, Session]],
           barrier: threading.Barrier | None = None, delay: float = 0.0) -> Callable[[], str]:
    """A request: reads one product's name through the thread's session, and notes which session it used."""

    def request() -> str:
        session = registry()
        if barrier is not None:
            barrier.wait(timeout=3)  # every request waits here until all of them are running
        time.sleep(delay)
        seen.append((threading.get_ident(), session))
        name = session.scalars(select(ss.Product.name).where(ss.Product.sku == sku)).one()
        assert registry() is session
        return name

    return request


def run_serve(registry: scoped_session[Session], requests: list[Callable[[], Any]]) -> Any:
    try:
        return ss.serve(registry, requests)
    except threading.BrokenBarrierError:
        pytest.fail(
            f"the {len(requests)} requests did not run at the same time: each waited for the others in vain. "
            "serve() should start a thread per request, all of them, and only then join them",
            pytrace=False,
        )


@pytest.mark.task(3)
def test_serve_runs_each_request_in_its_own_thread_at_the_same_time(
    engine: Engine, registry: scoped_session[Session]
) -> None:
    skus = ["TEA-1", "MUG-1", "CUP-1", "TEA-2"]
    seen: list[tuple[int, Session]] = []
    barrier = threading.Barrier(len(skus))
    results = run_serve(registry, [reader(registry, sku, seen, barrier) for sku in skus])
    assert not barrier.broken, (
        f"the {len(skus)} requests did not run at the same time: each waited for the others in vain. serve() "
        "should start a thread per request, all of them, and only then join them"
    )
    assert list(results) == [SEED[s] for s in skus], (
        f"serve() should return each request's result in request order: {[SEED[s] for s in skus]}, got {results}"
    )
    threads = {ident for ident, _ in seen}
    sessions = {id(session) for _, session in seen}
    assert len(threads) == len(skus) and threading.get_ident() not in threads, (
        "each request should run in a thread of its own (not in the caller's thread)"
    )
    assert len(sessions) == len(skus), "each request's thread should have had its own session"
    for _, session in seen:
        assert_closed(session, "after serve()")
    assert checked_out_connections(engine) == 0, "every request's connection should be back in the pool"


@pytest.mark.task(3)
@pytest.mark.parametrize("skus", [["TEA-1", "BOX-1", "MUG-1"], ["CUP-1", "TEA-2", "TEA-1", "BOX-1", "MUG-1"]])
def test_serve_returns_results_in_request_order_not_finishing_order(
    engine: Engine, registry: scoped_session[Session], skus: list[str]
) -> None:
    seen: list[tuple[int, Session]] = []
    # The first request finishes last.
    requests = [reader(registry, sku, seen, delay=0.03 * (len(skus) - i)) for i, sku in enumerate(skus)]
    results = run_serve(registry, requests)
    assert list(results) == [SEED[s] for s in skus], (
        f"results should follow the order of the requests, {[SEED[s] for s in skus]}, not the order in which "
        f"they finished: got {results}"
    )


@pytest.mark.task(3)
def test_serve_removes_the_session_of_a_failing_request_and_raises_the_first_error(
    engine: Engine, registry: scoped_session[Session]
) -> None:
    seen: list[tuple[int, Session]] = []

    def failing(message: str, delay: float) -> Callable[[], str]:
        def request() -> str:
            session = registry()
            session.scalars(select(ss.Product)).all()  # the session holds a connection and objects now
            seen.append((threading.get_ident(), session))
            time.sleep(delay)
            raise Boom(message)

        return request

    finished: list[str] = []
    slow_reader = reader(registry, "MUG-1", seen)

    def slow_last_request() -> Any:
        time.sleep(0.3)  # still running when the second request has failed
        result = slow_reader()
        finished.append("MUG-1")
        return result

    requests = [
        reader(registry, "TEA-1", seen),
        failing("the second request failed", 0.05),
        failing("the third request failed", 0.0),
        slow_last_request,
    ]
    with raises(Boom, "two requests raised Boom; serve() re-raises the first one's, unchanged (not wrapped)") as raised:
        run_serve(registry, requests)
    assert finished == ["MUG-1"], (
        "serve() raised while the last request was still running: raise the first error only AFTER every "
        "thread has finished (join them all, then look at the errors)"
    )
    assert str(raised.value) == "the second request failed", (
        "serve() should raise the exception of the FIRST failing request in request order (the second "
        f"request), even though the third failed earlier; got {raised.value!r}"
    )
    assert len(seen) == 4, "every request should have run, the failing ones as well as the others"
    for _, session in seen:
        assert_closed(session, "after serve() with failing requests")
    assert checked_out_connections(engine) == 0, (
        "a failing request's session must be removed too (in a finally), or its connection stays checked out"
    )
