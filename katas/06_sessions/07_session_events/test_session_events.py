"""Tests for kata 6.7, session events. Run: pytest katas/06_sessions/07_session_events"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

se = learner_module(__file__, "session_events")


def product(sku: str, name: str = "Thing", price: int = 100) -> Any:
    return se.Product(sku=sku, name=name, price_cents=price)


def revision_in_db(session: Session, sku: str) -> int:
    return session.execute(text("SELECT revision FROM products WHERE sku = :s"), {"s": sku}).scalar_one()


@pytest.fixture
def tables(session: Session) -> Session:
    connection = session.get_bind()
    assert isinstance(connection, Connection)
    se.Base.metadata.create_all(connection)
    return session


def seeded_engine(engine: Engine) -> Engine:
    se.Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(product("OLD-1", "Old"))
        session.commit()
    return engine


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_revision_counter_gives_a_new_product_revision_1(tables: Session) -> None:
    session = tables
    se.install_revision_counter(session)
    tea = product("TEA-1")
    session.add(tea)
    session.flush()
    assert tea.revision == 1 and revision_in_db(session, "TEA-1") == 1, (
        f"a new product should be flushed with revision 1; the object has {tea.revision}, the row "
        f"{revision_in_db(session, 'TEA-1')}. A before_flush listener can still change what this flush writes"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "rounds",
    [
        [{"name": "Sencha"}],
        [{"name": "Sencha", "price_cents": 500}, {"price_cents": 520}],
        [{"name": "Thing"}, {"price_cents": 100}],  # the same values again: no real change
        [{"name": "A"}, {"name": "A"}, {"price_cents": 1}, {}],
    ],
    ids=["one change", "two flushes", "same values", "mixed"],
)
def test_revision_counter_counts_flushes_with_real_changes(tables: Session, queries: Any, rounds: list[dict[str, Any]]) -> None:
    session = tables
    se.install_revision_counter(session)
    tea = product("TEA-1")
    session.add(tea)
    session.flush()
    expected = 1
    for changes in rounds:
        really = any(getattr(tea, attr) != value for attr, value in changes.items())
        for attr, value in changes.items():
            setattr(tea, attr, value)
        queries.clear()
        session.flush()
        expected += 1 if really else 0
        if not really:
            assert queries.count == 0, (
                f"setting {changes} (the values it already had) is no change: the flush should send nothing, "
                f"and the revision stay. It sent:\n{queries.listing()}"
            )
    with queries.paused():
        in_db = revision_in_db(session, "TEA-1")
    assert tea.revision == expected and in_db == expected, (
        f"after the changes {rounds} the revision should be {expected} (one per flush with a real change, "
        f"whatever the number of attributes changed); the object has {tea.revision}, the row {in_db}"
    )


@pytest.mark.task(1)
def test_revision_counter_only_affects_its_own_session(tables: Session) -> None:
    session = tables
    other = Session(bind=session.get_bind(), join_transaction_mode="create_savepoint")
    try:
        se.install_revision_counter(session)
        mug = product("MUG-1")
        other.add(mug)
        other.flush()
        mug.name = "Big mug"
        other.flush()
        assert mug.revision == 0, (
            "a product flushed by ANOTHER session should keep its default revision 0: register the listener on "
            f"the session given (event.listen(session, ...)), not on the Session class; got revision {mug.revision}"
        )
    finally:
        other.close()


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("skus", [["TEA-1"], ["TEA-1", "MUG-1", "BOX-1"]], ids=["one", "three"])
def test_notifications_come_after_the_commit_not_before(engine: Engine, skus: list[str]) -> None:
    seeded_engine(engine)
    with Session(engine) as session:
        announced = se.collect_notifications(session)
        session.add_all([product(s) for s in skus])
        session.flush()
        assert list(announced) == [], (
            f"after a flush, nothing is committed yet: nothing should be announced, got {announced}"
        )
        session.commit()
        assert sorted(announced) == sorted(skus), (
            f"after the commit, the new products {sorted(skus)} should be announced, got {announced}"
        )


@pytest.mark.task(2)
def test_notifications_forget_products_of_a_rolled_back_transaction(engine: Engine) -> None:
    seeded_engine(engine)
    with Session(engine) as session:
        announced = se.collect_notifications(session)
        session.add(product("GONE-1"))
        session.flush()
        session.rollback()
        session.add(product("KEPT-1"))
        session.commit()
        assert list(announced) == ["KEPT-1"], (
            "GONE-1 was flushed, then rolled back: it never existed for anybody else and must not be announced, "
            f"even after a later commit. Expected ['KEPT-1'], got {announced}"
        )


@pytest.mark.task(2)
def test_notifications_skip_a_commit_that_failed(engine: Engine) -> None:
    seeded_engine(engine)
    with Session(engine) as session:
        announced = se.collect_notifications(session)
        session.add_all([product("NEW-1"), product("OLD-1", "Duplicate")])
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        session.add(product("NEW-2"))
        session.commit()
        assert list(announced) == ["NEW-2"], (
            f"a commit that failed inserted nothing: only NEW-2 should be announced, got {announced}"
        )


@pytest.mark.task(2)
def test_notifications_ignore_updates_and_other_sessions(engine: Engine) -> None:
    seeded_engine(engine)
    with Session(engine) as session, Session(engine) as other:
        announced = se.collect_notifications(session)
        old = session.scalars(select(se.Product).where(se.Product.sku == "OLD-1")).one()
        old.name = "Renamed"
        session.commit()
        other.add(product("ELSE-1"))
        other.commit()
        assert list(announced) == [], (
            "an UPDATE of an existing product, and a product committed by another session, are not new products "
            f"of this session: nothing should be announced, got {announced}"
        )


# -- task 3 -------------------------------------------------------------------------------------


def listener_counts(session: Session) -> dict[str, int]:
    return {name: len(getattr(session.dispatch, name)) for name in ("before_commit", "after_commit", "after_rollback")}


@pytest.mark.task(3)
def test_transaction_log_records_commit_and_rollback(engine: Engine) -> None:
    seeded_engine(engine)
    with Session(engine) as session:
        log = se.TransactionLog(session)
        log.start()
        session.add(product("NEW-1"))
        session.commit()
        assert log.entries == ["before_commit", "after_commit"], f"a commit: got {log.entries}"
        log.entries.clear()
        session.scalars(select(se.Product)).all()
        session.rollback()
        assert log.entries == ["after_rollback"], f"a rollback: got {log.entries}"
        log.entries.clear()
        session.add(product("OLD-1", "Duplicate"))
        with pytest.raises(IntegrityError):
            session.commit()
        session.rollback()
        assert log.entries == ["before_commit", "after_rollback"], (
            "a commit whose flush fails: before_commit, then the rollback (no after_commit); got "
            f"{log.entries}"
        )


@pytest.mark.task(3)
def test_transaction_log_stop_removes_its_listeners(engine: Engine) -> None:
    seeded_engine(engine)
    with Session(engine) as session:
        before = listener_counts(session)
        log = se.TransactionLog(session)
        log.start()
        log.stop()
        session.add(product("NEW-1"))
        session.commit()
        assert log.entries == [], f"after stop() nothing should be recorded, got {log.entries}"
        assert listener_counts(session) == before, (
            "stop() should REMOVE the listeners (event.remove), not just ignore the events: the session still has "
            f"listeners {listener_counts(session)} where it had {before}"
        )


@pytest.mark.task(3)
def test_transaction_log_stop_leaves_other_logs_running(engine: Engine) -> None:
    seeded_engine(engine)
    with Session(engine) as session, Session(engine) as other_session:
        first, second, elsewhere = (
            se.TransactionLog(session),
            se.TransactionLog(session),
            se.TransactionLog(other_session),
        )
        first.start()
        second.start()
        elsewhere.start()
        first.stop()
        session.add(product("NEW-1"))
        session.commit()
        assert first.entries == [] and second.entries == ["before_commit", "after_commit"], (
            "stopping one log must leave another log on the same session recording: "
            f"first {first.entries}, second {second.entries}"
        )
        assert elsewhere.entries == [], (
            f"a log on another session should not see this session's commit, got {elsewhere.entries}: listen on the "
            "session given, not on the Session class"
        )
        second.stop()
        elsewhere.stop()
