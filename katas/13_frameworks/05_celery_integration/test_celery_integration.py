"""Tests for kata 13.5, Celery integration. Run: pytest katas/13_frameworks/05_celery_integration

Celery's own pytest plugin (`celery.contrib.pytest`) gives each test a Celery app (`celery_app`) on
an in-memory broker and result backend: no Redis or RabbitMQ needed. (Set KATA_CELERY_BROKER_URL, and
KATA_CELERY_RESULT_BACKEND, to try a real broker.) Most tests run your task with `task.apply()`,
which runs it — retries included — in the test's own thread; one test sends it to a real worker, with
Celery's `start_worker`, in a thread of this process. The tasks' sessions come from a sessionmaker bound
to the test's connection (each joins the test's transaction through a savepoint, and is recorded).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from fixtures.target import learner_module

pytest_plugins = ("celery.contrib.pytest",)

celery_integration = learner_module(__file__, "celery_integration")


def the_module() -> Any:
    """The learner's module itself (not the lazy stand-in): what its functions see as their globals."""
    return sys.modules[celery_integration.Order.__module__]


schema = MetaData()
orders = Table(
    "orders",
    schema,
    Column("id", Integer, primary_key=True),
    Column("total_cents", Integer, nullable=False),
    Column("status", String(20), nullable=False),
)
ORDERS = [
    {"id": 1, "total_cents": 1500, "status": "new"},
    {"id": 2, "total_cents": 990, "status": "new"},
    {"id": 3, "total_cents": 2500, "status": "paid"},
]


@pytest.fixture(scope="session")
def celery_config() -> dict[str, Any]:
    """In-memory broker and results by default; a real broker only when its URL is given."""
    return {
        "broker_url": os.environ.get("KATA_CELERY_BROKER_URL", "memory://"),
        "result_backend": os.environ.get("KATA_CELERY_RESULT_BACKEND", "cache+memory://"),
        "broker_transport_options": {"polling_interval": 0.01},
    }


@pytest.fixture
def shop(connection: Connection) -> Connection:
    schema.create_all(connection)
    connection.execute(insert(orders), ORDERS)
    return connection


def statuses(connection: Connection) -> dict[int, str]:
    return dict(connection.execute(select(orders.c.id, orders.c.status)).all())  # type: ignore[arg-type]


class FakeGateway:
    """Fails with the kata's TransientError for the first `failures` calls; records every call."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[int, int]] = []

    def charge(self, order_id: int, amount_cents: int) -> str:
        self.calls.append((order_id, amount_cents))
        if len(self.calls) <= self.failures:
            raise celery_integration.TransientError(f"gateway busy (call {len(self.calls)})")
        return f"receipt-{order_id}"


class SessionLog:
    def __init__(self) -> None:
        self.opened: list[Session] = []
        self.closed: list[Session] = []

    def still_open(self) -> int:
        return sum(1 for s in self.opened if not any(c is s for c in self.closed))


@pytest.fixture
def sessions(shop: Connection, monkeypatch: pytest.MonkeyPatch) -> SessionLog:
    """SessionLocal replaced by a sessionmaker on the test's connection whose sessions are recorded."""
    log = SessionLog()

    class RecordingSession(Session):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            log.opened.append(self)

        def close(self) -> None:
            log.closed.append(self)
            super().close()

    monkeypatch.setattr(
        the_module(),
        "SessionLocal",
        sessionmaker(bind=shop, class_=RecordingSession, join_transaction_mode="create_savepoint"),
    )
    return log


def use_gateway(monkeypatch: pytest.MonkeyPatch, failures: int) -> FakeGateway:
    fake = FakeGateway(failures)
    monkeypatch.setattr(the_module(), "gateway", fake)
    return fake


def run(celery_app: Any, *args: Any) -> Any:
    """The task run with apply() (in this thread, retries included) on the test's Celery app."""
    return registered(celery_app).apply(args=args)


def registered(celery_app: Any) -> Any:
    """pay_order as the test's Celery app knows it (a @shared_task is registered on every app)."""
    name = getattr(celery_integration.pay_order, "name", None)
    if name not in celery_app.tasks:
        pytest.fail(
            f"pay_order is not a task of the test's Celery app (name {name!r}): keep the stub's @shared_task "
            "decorator (a task bound to one Celery app of your own is not seen by the tests' app)"
        )
    return celery_app.tasks[name]


def outcome(result: Any) -> str:
    return f"state {result.state}, result {result.result!r}"


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("order_id", [1, 2])
def test_pay_order_charges_and_marks_the_order_paid_in_a_session_of_its_own(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch, order_id: int
) -> None:
    gateway = use_gateway(monkeypatch, failures=0)
    result = run(celery_app, order_id)
    assert result.state == "SUCCESS" and result.result == {"id": order_id, "status": "paid"}, (
        f"pay_order({order_id}) should succeed and return {{'id': {order_id}, 'status': 'paid'}}; got {outcome(result)}"
    )
    total = ORDERS[order_id - 1]["total_cents"]
    assert gateway.calls == [(order_id, total)], (
        f"the order's total should be charged once through `gateway.charge({order_id}, {total})`; calls: {gateway.calls}"
    )
    assert statuses(shop)[order_id] == "paid", (
        f"order {order_id} should be 'paid' and committed (the test's connection sees it); orders: {statuses(shop)}"
    )
    assert len(sessions.opened) == 1 and sessions.still_open() == 0, (
        f"the task should open one Session from SessionLocal and close it when done (`with SessionLocal.begin() as "
        f"session:`); it opened {len(sessions.opened)}, {sessions.still_open()} left open"
    )


@pytest.mark.task(1)
def test_an_order_already_paid_is_not_charged_again(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = use_gateway(monkeypatch, failures=0)
    first = run(celery_app, 3)
    again = [run(celery_app, 1), run(celery_app, 1)]
    assert first.result == {"id": 3, "status": "paid"} and gateway.calls.count((3, 2500)) == 0, (
        f"order 3 is paid already: the task should answer {{'id': 3, 'status': 'paid'}} without charging it "
        f"(a message can be delivered twice); got {outcome(first)}, gateway calls {gateway.calls}"
    )
    assert [r.result for r in again] == [{"id": 1, "status": "paid"}] * 2 and gateway.calls == [(1, 1500)], (
        f"paying order 1 twice should charge it once; gateway calls {gateway.calls}"
    )
    assert sessions.still_open() == 0, f"{sessions.still_open()} session(s) were left open"


@pytest.mark.task(1)
def test_a_missing_order_fails_with_value_error(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = use_gateway(monkeypatch, failures=0)
    result = run(celery_app, 99)
    assert (
        result.state == "FAILURE"
        and isinstance(result.result, ValueError)
        and "no order 99" in str(result.result)
    ), f"there is no order 99: the task should fail with ValueError('no order 99'); got {outcome(result)}"
    assert gateway.calls == [] and sessions.still_open() == 0, (
        f"nothing to charge, and the session closed: calls {gateway.calls}, {sessions.still_open()} session(s) open"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("failures", [1, 3, 4])
def test_a_transient_error_is_retried_each_time_in_a_new_session(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch, failures: int
) -> None:
    gateway = use_gateway(monkeypatch, failures=failures)
    result = run(celery_app, 2)
    assert result.state == "SUCCESS" and result.result == {"id": 2, "status": "paid"}, (
        f"the gateway failed {failures} time(s) with TransientError, then worked: retried (up to 4 times), the task "
        f"should succeed; got {outcome(result)}. autoretry_for=(TransientError,), max_retries=4"
    )
    assert len(gateway.calls) == failures + 1 and statuses(shop)[2] == "paid", (
        f"{failures} failed attempts and one that worked: {failures + 1} charges; there were {len(gateway.calls)}"
    )
    assert len(sessions.opened) == failures + 1 and sessions.still_open() == 0, (
        f"each attempt should run in a session of its own, closed when the attempt ends (a failed attempt's "
        f"transaction rolled back): {failures + 1} sessions expected, {len(sessions.opened)} opened, "
        f"{sessions.still_open()} left open"
    )


@pytest.mark.task(2)
def test_retries_stop_after_four_and_the_order_stays_unpaid(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = use_gateway(monkeypatch, failures=1000)
    result = run(celery_app, 1)
    assert result.state == "FAILURE" and isinstance(result.result, celery_integration.TransientError), (
        f"a gateway that never answers: after its retries the task should fail with the TransientError; got "
        f"{outcome(result)}"
    )
    assert len(gateway.calls) == 5, (
        f"1 attempt and at most 4 retries make 5 charges; there were {len(gateway.calls)} (Celery's default "
        "max_retries is 3: set it)"
    )
    assert statuses(shop)[1] == "new" and sessions.still_open() == 0, (
        f"order 1 was never paid: it stays 'new' (every attempt rolled back); orders {statuses(shop)}"
    )


@pytest.mark.task(2)
def test_other_errors_are_not_retried(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_gateway(monkeypatch, failures=0)
    result = run(celery_app, 42)
    assert result.state == "FAILURE" and isinstance(result.result, ValueError), f"got {outcome(result)}"
    assert len(sessions.opened) == 1, (
        f"a missing order stays missing: retry only TransientError, not every exception; the task ran "
        f"{len(sessions.opened)} times"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_worker_process_init_gives_the_engine_a_new_pool_without_closing_inherited_connections(
    database_url: str,
) -> None:
    from celery.signals import worker_process_init

    kata = the_module()
    kata.configure(database_url)
    engine: Engine = kata.engine
    inherited: Any = None
    try:
        with kata.SessionLocal() as session:  # the "parent" uses the engine before the fork
            inherited = session.connection().connection.dbapi_connection
        worker_process_init.send(sender=None)  # what a new worker process (a forked child) receives
        with kata.SessionLocal() as session:
            fresh = session.connection().connection.dbapi_connection
            session.execute(text("SELECT 1"))
        assert fresh is not inherited, (
            "after worker_process_init, the tasks' sessions should get a NEW connection: a forked child sharing "
            "its parent's connection (one socket, two processes) mixes their conversations with the database. "
            "Connect a handler to celery.signals.worker_process_init that calls engine.dispose(close=False)"
        )
        try:
            inherited.cursor().execute("SELECT 1")
        except Exception as error:  # noqa: BLE001  # told in a sentence
            pytest.fail(
                "the handler closed the inherited connection; after a fork it belongs to the PARENT, which still uses "
                f"it: dispose(close=False) drops it from the child's pool without closing it. ({error})"
            )
    finally:
        if inherited is not None:
            inherited.close()
        for made in {id(e): e for e in (engine, kata.engine) if e is not None}.values():
            made.dispose()
        kata.engine = None


# -- task 1 and 2, through a real worker ---------------------------------------------------------------


def drain_briefly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solo worker's loop waits on the broker 2 s at a time and looks at its stop flag in between,
    then waits once more after it: stopping it took 4 s. On the in-memory broker it now waits 0.05 s
    at a time (a message still arrives at once: the wait polls the queue every `polling_interval`)."""
    from kombu.transport.memory import Transport

    drain: Any = Transport.drain_events

    def drain_events(self: Any, connection: Any, timeout: float | None = None) -> Any:
        return drain(self, connection, timeout=None if timeout is None else min(timeout, 0.05))

    monkeypatch.setattr(Transport, "drain_events", drain_events)


@pytest.mark.task(2)
def test_a_worker_runs_the_task_and_its_retries(
    celery_app: Any, shop: Connection, sessions: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from celery.contrib.testing.worker import start_worker

    gateway = use_gateway(monkeypatch, failures=2)
    task = registered(celery_app)  # registered before the worker starts
    drain_briefly(monkeypatch)
    # One worker for this one test (the solo pool, in a thread).
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        paid = task.delay(1).get(timeout=10, interval=0.01)
        missing = task.delay(77)
        with pytest.raises(ValueError, match="no order 77"):
            missing.get(timeout=10, interval=0.01, propagate=True)
    assert paid == {"id": 1, "status": "paid"} and len(gateway.calls) == 3, (
        f"through the worker: two TransientErrors retried, then paid; got {paid}, gateway calls {gateway.calls}"
    )
    assert statuses(shop)[1] == "paid" and sessions.still_open() == 0, (
        f"the worker's attempts should each use and close a session: orders {statuses(shop)}, "
        f"{sessions.still_open()} session(s) left open"
    )
