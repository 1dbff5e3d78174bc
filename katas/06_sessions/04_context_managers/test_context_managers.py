"""Tests for kata 6.4, context managers. Run: pytest katas/06_sessions/04_context_managers"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fixtures.isolation import checked_out_connections
from fixtures.target import learner_module

cm = learner_module(__file__, "context_managers")

SEED = {"TEA-1": ("Green tea", 450), "MUG-1": ("Mug", 1200)}


@contextmanager
def raises(kind: type[BaseException], why: str) -> Iterator[Any]:
    """pytest.raises, with a sentence instead of a bare "DID NOT RAISE" when nothing propagates."""
    try:
        with pytest.raises(kind) as raised:
            yield raised
    except pytest.fail.Exception:
        pytest.fail(f"{kind.__name__} should have propagated out of the with statement: {why}", pytrace=False)


class Boom(Exception):
    """What the test's block raises."""


def setup(engine: Engine) -> sessionmaker[Session]:
    cm.Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO products (sku, name, price_cents) VALUES (:s, :n, :p)"),
            [{"s": s, "n": n, "p": p} for s, (n, p) in SEED.items()],
        )
    return sessionmaker(bind=engine)


def committed(engine: Engine) -> dict[str, tuple[str, int]]:
    with engine.connect() as connection:
        return {s: (n, p) for s, n, p in connection.execute(text("SELECT sku, name, price_cents FROM products"))}


def assert_closed(engine: Engine, session: Any, obj: Any, what: str) -> None:
    left = checked_out_connections(engine)
    assert left == 0, f"{what}: {left} connection(s) still checked out of the pool: the session was not closed"
    assert isinstance(session, Session), f"the block should get a Session, got {session!r}"
    assert obj is None or not inspect(obj).persistent, (
        f"{what}: the objects are still in the session; close() detaches them (and gives the connection back)"
    )
    assert not session.in_transaction(), f"{what}: the session is still in a transaction: close it"


def product(sku: str, name: str = "New", price: int = 100) -> Any:
    return cm.Product(sku=sku, name=name, price_cents=price)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(("sku", "name", "price"), [("BOX-1", "Box", 2500), ("CUP-1", "Chef's cup", 650)])
def test_unit_of_work_commits_when_the_block_succeeds(engine: Engine, sku: str, name: str, price: int) -> None:
    sessions = setup(engine)
    with cm.unit_of_work(sessions) as session:
        new = product(sku, name, price)
        session.add(new)
        session.scalars(select(cm.Product)).all()
    assert committed(engine).get(sku) == (name, price), (
        f"after the block ended normally, another connection should see the committed product {sku}; "
        f"it sees {committed(engine)}"
    )
    assert_closed(engine, session, new, "after a successful block")


@pytest.mark.task(1)
def test_unit_of_work_rolls_back_closes_and_reraises_when_the_block_fails(engine: Engine) -> None:
    sessions = setup(engine)
    error = Boom("the block failed")
    with raises(Boom, "the block raised it; roll back, then re-raise it (a bare `raise`)") as raised, cm.unit_of_work(sessions) as session:
        new = product("BOX-1")
        session.add(new)
        session.flush()  # the INSERT is sent: only a rollback undoes it
        session.get(cm.Product, 1).name = "Renamed"  # type: ignore[union-attr]
        raise error
    assert raised.value is error, (
        f"the block's own exception should propagate unchanged, got {raised.value!r}"
    )
    assert committed(engine) == SEED, (
        f"nothing of a failed block may be committed: expected {SEED}, another connection sees {committed(engine)}"
    )
    assert_closed(engine, session, new, "after a failed block")


@pytest.mark.task(1)
def test_unit_of_work_does_not_swallow_the_exception(engine: Engine) -> None:
    sessions = setup(engine)
    reached_after = False
    try:
        with cm.unit_of_work(sessions) as session:
            session.add(product("BOX-1"))
            raise Boom("stop")
        reached_after = True
    except Boom:
        pass
    assert not reached_after, (
        "the exception raised in the block disappeared: the code after the with statement ran as if the "
        "work had been saved. Roll back, then re-raise (a bare `raise`)"
    )


@pytest.mark.task(1)
def test_unit_of_work_a_failing_commit_rolls_back_closes_and_propagates(engine: Engine) -> None:
    sessions = setup(engine)
    with raises(IntegrityError, "the commit at the end of the block failed (a duplicate sku); roll back and let that error propagate"), cm.unit_of_work(sessions) as session:
        session.add(product("CUP-1"))
        session.add(product("TEA-1", "Duplicate"))  # refused when the commit flushes
    assert committed(engine) == SEED, "a commit that failed must leave the database as it was"
    assert_closed(engine, session, None, "after a commit that failed")


@pytest.mark.task(1)
def test_unit_of_work_gives_each_block_a_new_session(engine: Engine) -> None:
    sessions = setup(engine)
    with cm.unit_of_work(sessions) as first:
        first.add(product("BOX-1"))
    with cm.unit_of_work(sessions) as second:
        second.add(product("BOX-2"))
    assert first is not second, "each with block should get a new session from the factory"
    assert {"BOX-1", "BOX-2"} <= set(committed(engine)), "both blocks' products should be committed"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(("sku", "price"), [("BOX-1", 2500), ("CUP-7", 0)])
def test_unit_of_work_class_keeps_what_was_committed(engine: Engine, sku: str, price: int) -> None:
    sessions = setup(engine)
    with cm.UnitOfWork(sessions) as uow:
        assert isinstance(uow, cm.UnitOfWork) and isinstance(uow.session, Session), (
            "`with UnitOfWork(sessions) as uow` should give the UnitOfWork, whose .session is a new Session"
        )
        new = product(sku, "Box", price)
        uow.session.add(new)
        uow.commit()
    assert committed(engine).get(sku) == ("Box", price), f"the committed product {sku} should be in the database"
    assert_closed(engine, uow.session, new, "after the UnitOfWork block")


@pytest.mark.task(2)
def test_unit_of_work_class_rolls_back_what_was_not_committed(engine: Engine) -> None:
    sessions = setup(engine)
    with cm.UnitOfWork(sessions) as uow:
        uow.session.add(product("BOX-1"))
        uow.commit()
        uow.session.add(product("BOX-2"))
        uow.session.flush()
    got = committed(engine)
    assert "BOX-1" in got, "the product committed with uow.commit() should be kept"
    assert "BOX-2" not in got, (
        "BOX-2 was added after the last uow.commit(): leaving the block without committing must roll it "
        "back, not commit it (this unit of work commits only when asked)"
    )
    assert_closed(engine, uow.session, None, "after the UnitOfWork block")


@pytest.mark.task(2)
def test_unit_of_work_class_rolls_back_closes_and_reraises_on_error(engine: Engine) -> None:
    sessions = setup(engine)
    error = Boom("fail")
    with raises(Boom, "the block raised it; __exit__ must roll back and not return True") as raised, cm.UnitOfWork(sessions) as uow:
        new = product("BOX-1")
        uow.session.add(new)
        uow.session.flush()
        raise error
    assert raised.value is error, "the block's exception should propagate: __exit__ must not return True"
    assert committed(engine) == SEED, "nothing of the failed block may be committed"
    assert_closed(engine, uow.session, new, "after a failed UnitOfWork block")


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_read_only_never_commits_even_when_the_block_succeeds(engine: Engine) -> None:
    sessions = setup(engine)
    with cm.read_only(sessions) as session:
        names = sorted(session.scalars(select(cm.Product.name)))
        tea = session.scalars(select(cm.Product).where(cm.Product.sku == "TEA-1")).one()
        tea.price_cents = 1  # a report must never change the shop
        session.add(product("BOX-1"))
    assert names == ["Green tea", "Mug"], f"the block should read the products, got {names}"
    assert committed(engine) == SEED, (
        f"a read-only block must leave the database as it was, even when it ends normally: expected {SEED}, "
        f"got {committed(engine)}"
    )
    assert_closed(engine, session, tea, "after the read-only block")


@pytest.mark.task(3)
def test_read_only_closes_and_reraises_on_error(engine: Engine) -> None:
    sessions = setup(engine)
    with raises(Boom, "the block raised it; a read-only block rolls back, closes and lets it through"), cm.read_only(sessions) as session:
        tea = session.scalars(select(cm.Product).where(cm.Product.sku == "TEA-1")).one()
        raise Boom("report failed")
    assert_closed(engine, session, tea, "after a failed read-only block")
