"""Tests for kata 6.1, session lifecycle. Run: pytest katas/06_sessions/01_session_lifecycle"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import DetachedInstanceError

from fixtures.target import learner_module

session_lifecycle = learner_module(__file__, "session_lifecycle")


def make_tables(session: Session) -> None:
    # On the test's connection before the session begins: a session.rollback() keeps the tables.
    session_lifecycle.Base.metadata.create_all(session.get_bind())


def seed(session: Session, *rows: tuple[str, str, int]) -> list[Any]:
    """Products loaded in the session (persistent, every attribute loaded)."""
    make_tables(session)
    products = [session_lifecycle.Product(sku=s, name=n, price_cents=p) for s, n, p in rows]
    session.add_all(products)
    session.flush()
    return products


TEA = ("TEA-1", "Green tea", 450)
MUG = ("MUG-1", "Mug", 1200)


def db_price(session: Session, product_id: int) -> int | None:
    return session.execute(
        text("SELECT price_cents FROM products WHERE id = :id"), {"id": product_id}
    ).scalar_one_or_none()


def set_price_behind_the_sessions_back(session: Session, product_id: int, price: int) -> None:
    """What another program does: an UPDATE the session's objects know nothing about."""
    session.execute(text("UPDATE products SET price_cents = :p WHERE id = :id"), {"p": price, "id": product_id})


def kinds(queries: Any) -> list[str]:
    return [s.sql.split(None, 1)[0].upper() for s in queries.statements]


# -- task 1 -------------------------------------------------------------------------------------


def product_in_state(session: Session, state: str) -> Any:
    make_tables(session)
    product = session_lifecycle.Product(sku="TEA-1", name="Green tea", price_cents=450)
    if state == "transient":
        return product
    session.add(product)
    if state == "pending":
        return product
    session.flush()
    if state == "persistent":
        return product
    if state == "detached by expunge":
        session.expunge(product)
        return product
    session.delete(product)
    if state == "deleted (delete() alone)":
        return product  # still persistent: delete() only marks it, the flush deletes
    session.flush()
    if state == "deleted":
        return product
    session.commit()  # the DELETE is committed: the object leaves the session
    return product


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("how", "expected"),
    [
        ("transient", "transient"),
        ("pending", "pending"),
        ("persistent", "persistent"),
        ("deleted (delete() alone)", "persistent"),
        ("deleted", "deleted"),
        ("detached after the delete is committed", "detached"),
        ("detached by expunge", "detached"),
    ],
)
def test_lifecycle_state_names_the_objects_state(session: Session, how: str, expected: str) -> None:
    product = product_in_state(session, how)
    got = session_lifecycle.lifecycle_state(product)
    assert got == expected, (
        f"a product that is {how} should be reported as {expected!r}, not {got!r}. "
        "inspect(obj) has one flag per state (.transient, .pending, .persistent, .deleted, .detached), "
        "and exactly one of them is True"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("row", [TEA, MUG, ("BOX-1", "Chef's tasting box", 2500)], ids=["tea", "mug", "box"])
def test_add_product_flushes_so_the_product_has_its_id(session: Session, row: tuple[str, str, int]) -> None:
    make_tables(session)
    product = session_lifecycle.add_product(session, *row)
    assert isinstance(product, session_lifecycle.Product), f"add_product() should return the Product, got {product!r}"
    assert inspect(product).persistent, (
        "after add_product() the product should be persistent (added AND flushed), not "
        f"{'pending: add() alone sends nothing; flush() sends the INSERT' if inspect(product).pending else 'that'}"
    )
    assert product.id is not None, "a flushed product has the id the database gave it"
    found = session.execute(
        text("SELECT sku, name, price_cents FROM products WHERE id = :id"), {"id": product.id}
    ).one_or_none()
    assert found is not None and tuple(found) == row, (
        f"the row with id {product.id} should hold {row} (the values given), found {found}"
    )


@pytest.mark.task(2)
def test_add_product_sends_one_insert(session: Session, queries: Any) -> None:
    make_tables(session)
    queries.clear()
    session_lifecycle.add_product(session, *TEA)
    assert kinds(queries) == ["INSERT"], (
        "add_product() should send exactly one INSERT (the flush), and nothing else:\n" + queries.listing()
    )


@pytest.mark.task(2)
def test_add_product_leaves_the_commit_to_the_caller(session: Session) -> None:
    make_tables(session)
    product = session_lifecycle.add_product(session, *MUG)
    session.rollback()
    left = session.execute(text("SELECT count(*) FROM products")).scalar_one()
    assert left == 0, (
        f"the caller rolled back, so no product should be left; {left} row(s) are: add_product() committed"
    )
    assert inspect(product).transient, (
        "a product INSERTed in a transaction that is rolled back goes back to transient (the session forgets it)"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("new_price", [475, 99, 1234])
def test_mark_price_stale_makes_the_next_read_load_the_new_price(
    session: Session, queries: Any, new_price: int
) -> None:
    tea, _mug = seed(session, TEA, MUG)
    assert tea.price_cents == TEA[2]
    set_price_behind_the_sessions_back(session, tea.id, new_price)
    queries.clear()
    session_lifecycle.mark_price_stale(session, tea)
    assert queries.count == 0, (
        "mark_price_stale() should send no SQL: expiring only marks the attribute, the SELECT comes at "
        "the next read (session.refresh() would load it right away):\n" + queries.listing()
    )
    price = tea.price_cents
    assert price == new_price, (
        f"after mark_price_stale() reading product.price_cents should load the new price {new_price} from "
        f"the database, not give the old {price} the object still held"
    )
    assert kinds(queries) == ["SELECT"], (
        "reading the expired price should send exactly one SELECT:\n" + queries.listing()
    )


@pytest.mark.task(3)
def test_mark_price_stale_expires_only_the_price_of_that_product(session: Session) -> None:
    tea, mug = seed(session, TEA, MUG)
    session_lifecycle.mark_price_stale(session, tea)
    expired = set(inspect(tea).expired_attributes)
    assert expired == {"price_cents"}, (
        "only the price is stale: expired_attributes should be {'price_cents'}, not "
        f"{expired or 'empty'} (session.expire(obj, ['attribute']) names what to expire)"
    )
    assert not inspect(mug).expired_attributes, (
        "the other product did not change: it should keep every attribute loaded (expire_all() expires "
        f"every object in the session); expired: {set(inspect(mug).expired_attributes)}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("new_price", [520, 10])
def test_reload_price_loads_the_database_price_into_the_object(
    session: Session, queries: Any, new_price: int
) -> None:
    tea, _ = seed(session, TEA, MUG)
    set_price_behind_the_sessions_back(session, tea.id, new_price)
    queries.clear()
    got = session_lifecycle.reload_price(session, tea)
    assert got == new_price, (
        f"reload_price() should return the price in the database ({new_price}), got {got!r}; "
        "session.get() answers from the identity map without any SQL"
    )
    assert kinds(queries) == ["SELECT"], "reload_price() should send exactly one SELECT:\n" + queries.listing()
    queries.clear()
    assert tea.price_cents == new_price, (
        f"the object itself should now hold the price {new_price}, not {tea.price_cents}: a separate "
        "select() of the price does not change the object"
    )
    assert queries.count == 0, "after reload_price() the price is loaded: reading it should send no SQL"


@pytest.mark.task(4)
def test_reload_price_discards_an_unflushed_change(session: Session) -> None:
    tea, _ = seed(session, TEA, MUG)
    tea.price_cents = 1  # a change that is not flushed yet
    got = session_lifecycle.reload_price(session, tea)
    assert got == TEA[2] and tea.price_cents == TEA[2], (
        f"reload_price() should replace the unflushed price 1 with the database's {TEA[2]}; got {got!r}, the "
        f"object holds {tea.price_cents!r}. A query through the session autoflushes the change first, "
        "and then reads it back"
    )
    assert db_price(session, tea.id) == TEA[2] and not session.dirty, (
        "the unflushed change should be discarded, not written to the database"
    )


# -- task 5 -------------------------------------------------------------------------------------


def read_everything(product: Any) -> tuple[str, str, int]:
    try:
        return (product.sku, product.name, product.price_cents)
    except DetachedInstanceError as error:
        pytest.fail(
            "reading the detached product failed: an attribute was still expired when it left the session, "
            f"and a detached object cannot load anything ({error}). Load it before expunge()",
            pytrace=False,
        )


@pytest.mark.task(5)
@pytest.mark.parametrize("new_price", [460, 999])
def test_detach_for_cache_leaves_a_readable_product_after_the_session_closes(
    session: Session, queries: Any, new_price: int
) -> None:
    tea, _ = seed(session, TEA, MUG)
    tea_id = tea.id
    session.commit()  # expire_on_commit: every attribute is expired now
    set_price_behind_the_sessions_back(session, tea_id, new_price)
    cached = session_lifecycle.detach_for_cache(session, tea)
    assert cached is tea, "detach_for_cache() should return the product it was given"
    assert inspect(tea).detached, (
        "the product should be detached (in no session, but with its identity): expunge() detaches; "
        "make_transient() would make it forget its identity, and a product still in the session is not cacheable"
    )
    session.close()
    queries.clear()
    got = read_everything(tea)
    assert got == (TEA[0], TEA[1], new_price), (
        f"the cached product should hold the database's current values {(TEA[0], TEA[1], new_price)}, got {got}"
    )
    assert queries.count == 0, "reading a detached product sends no SQL"


@pytest.mark.task(5)
def test_detach_for_cache_keeps_the_other_objects_in_the_session(session: Session) -> None:
    tea, mug = seed(session, TEA, MUG)
    session_lifecycle.detach_for_cache(session, tea)
    assert tea not in session, "the product should have left the session"
    assert mug in session and inspect(mug).persistent, (
        "the other product should stay in the session, persistent: expunge(obj) removes one object, "
        "while close() and expunge_all() empty the whole session"
    )
