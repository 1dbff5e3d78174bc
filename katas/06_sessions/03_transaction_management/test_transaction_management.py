"""Tests for kata 6.3, transaction management. Run: pytest katas/06_sessions/03_transaction_management"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, event, select, text
from sqlalchemy.exc import OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

tm = learner_module(__file__, "transaction_management")

PRODUCTS = [("TEA-1", "Green tea", 450, 10), ("MUG-1", "Mug", 1200, 3)]
MEMBERS = ["ana@example.com", "ben@example.com"]


def make_tables(connection: Connection) -> None:
    """On the test's connection, before the session begins: the tables survive session.rollback()."""
    tm.Base.metadata.create_all(connection)
    connection.execute(
        text("INSERT INTO products (sku, name, price_cents, stock) VALUES (:s, :n, :p, :q)"),
        [{"s": s, "n": n, "p": p, "q": q} for s, n, p, q in PRODUCTS],
    )
    connection.execute(text("INSERT INTO members (email) VALUES (:e)"), [{"e": e} for e in MEMBERS])


@pytest.fixture
def shop(session: Session) -> Session:
    connection = session.get_bind()
    assert isinstance(connection, Connection)
    make_tables(connection)
    return session


def stock(session: Session) -> dict[str, int]:
    return dict(session.execute(text("SELECT sku, stock FROM products")).all())


def sales(session: Session) -> list[tuple[str, int]]:
    rows = session.execute(text("SELECT p.sku, s.quantity FROM sales s JOIN products p ON p.id = s.product_id"))
    return sorted(tuple(row) for row in rows)


def orders(session: Session) -> list[tuple[str, int]]:
    return sorted(tuple(row) for row in session.execute(text("SELECT email, total_cents FROM orders")))


def points(session: Session) -> list[tuple[str, int]]:
    return sorted(tuple(row) for row in session.execute(text("SELECT email, points FROM loyalty_entries")))


def product_rows(session: Session) -> list[tuple[str, str, int]]:
    return sorted(tuple(row) for row in session.execute(text("SELECT sku, name, price_cents FROM products")))


def explain_pending_rollback(call: Any) -> Any:
    try:
        return call()
    except PendingRollbackError as error:
        pytest.fail(
            "the session refused to go on after a failed flush (PendingRollbackError): an IntegrityError "
            "inside a plain transaction spoils all of it. Run the risky part in a savepoint "
            f"(session.begin_nested()) so that only the savepoint is rolled back. ({error})",
            pytrace=False,
        )


@contextmanager
def failing_inserts_into(connection: Connection, table: str) -> Iterator[None]:
    """Make every INSERT into `table` fail with an OperationalError (a lost connection, a full disk):
    an error the code must NOT swallow, unlike the IntegrityError of a refused row."""

    def fail(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            raise OperationalError(statement, parameters, Exception("disk I/O error"))

    event.listen(connection, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(connection, "before_cursor_execute", fail)


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(("sku", "quantity"), [("TEA-1", 4), ("MUG-1", 3), ("TEA-1", 1)])
def test_record_sale_lowers_the_stock_adds_a_sale_and_commits(shop: Session, sku: str, quantity: int) -> None:
    before = stock(shop)
    tm.record_sale(shop, sku, quantity)
    shop.rollback()  # the caller's rollback cannot undo what record_sale() committed
    expected = dict(before, **{sku: before[sku] - quantity})
    assert stock(shop) == expected, (
        f"after record_sale({sku!r}, {quantity}) and a rollback by the caller, the stock should be {expected} "
        f"(committed), got {stock(shop)}"
    )
    assert sales(shop) == [(sku, quantity)], f"one committed sale ({sku}, {quantity}) expected, got {sales(shop)}"


@pytest.mark.task(1)
@pytest.mark.parametrize(("sku", "quantity"), [("TEA-1", 11), ("MUG-1", 4)])
def test_record_sale_without_enough_stock_raises_and_leaves_nothing_to_commit(
    shop: Session, sku: str, quantity: int
) -> None:
    before = stock(shop)
    with pytest.raises(ValueError):
        tm.record_sale(shop, sku, quantity)
    assert not shop.new and not shop.dirty, (
        "after the refused sale the session should hold no pending changes (session.new: "
        f"{list(shop.new)}, session.dirty: {list(shop.dirty)}): roll back before raising"
    )
    shop.commit()  # the next piece of work commits the same session
    assert stock(shop) == before and sales(shop) == [], (
        "a refused sale must not be written by the caller's next commit: the stock should stay "
        f"{before} with no sale, found {stock(shop)} and sales {sales(shop)}"
    )


@pytest.mark.task(1)
def test_record_sale_failure_leaves_the_loaded_product_showing_the_database_stock(shop: Session) -> None:
    product = shop.scalars(select(tm.Product).where(tm.Product.sku == "MUG-1")).one()
    with pytest.raises(ValueError):
        tm.record_sale(shop, "MUG-1", 5)
    assert product.stock == 3, (
        f"the product object should show the stock in the database (3) again, not {product.stock}: "
        "session.rollback() expires the objects so they reload, while the changed attribute stays "
        "changed if you only discard the Sale"
    )


@pytest.mark.task(1)
def test_record_sale_works_again_after_a_refused_sale(shop: Session) -> None:
    with pytest.raises(ValueError):
        tm.record_sale(shop, "TEA-1", 50)
    tm.record_sale(shop, "TEA-1", 2)
    assert stock(shop)["TEA-1"] == 8 and sales(shop) == [("TEA-1", 2)], (
        "after a refused sale the session should be usable for the next one: expected stock 8 and one "
        f"sale of 2, got stock {stock(shop)['TEA-1']} and sales {sales(shop)}"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(("email", "total"), [("ana@example.com", 2599), ("ben@example.com", 100)])
def test_place_order_for_a_member_commits_the_order_and_the_points(shop: Session, email: str, total: int) -> None:
    order = tm.place_order(shop, email, total)
    shop.rollback()
    assert orders(shop) == [(email, total)], f"the committed order ({email}, {total}) expected, got {orders(shop)}"
    assert points(shop) == [(email, total // 100)], (
        f"a member should get {total // 100} points for an order of {total} cents, committed with it; "
        f"got {points(shop)}"
    )
    assert isinstance(order, tm.Order) and order.id is not None, "place_order() should return the Order"


@pytest.mark.task(2)
@pytest.mark.parametrize(("email", "total"), [("zed@example.com", 1500), ("amy@example.com", 99)])
def test_place_order_for_a_non_member_keeps_the_order_without_points(shop: Session, email: str, total: int) -> None:
    tm.place_order(shop, email, total)
    shop.rollback()
    assert orders(shop) == [(email, total)], (
        f"the order of a non-member must be kept (and committed) when the points are refused: expected "
        f"[({email!r}, {total})], got {orders(shop)}. Only the savepoint around the points is rolled back, "
        "not the whole transaction"
    )
    assert points(shop) == [], f"a non-member gets no points, found {points(shop)}"


@pytest.mark.task(2)
def test_place_order_keeps_earlier_orders_of_the_session(shop: Session) -> None:
    tm.place_order(shop, "ana@example.com", 1000)
    explain_pending_rollback(lambda: tm.place_order(shop, "nobody@example.com", 700))
    explain_pending_rollback(lambda: tm.place_order(shop, "ben@example.com", 300))
    shop.rollback()
    assert orders(shop) == [("ana@example.com", 1000), ("ben@example.com", 300), ("nobody@example.com", 700)], (
        f"three orders placed, three orders kept: got {orders(shop)}"
    )
    assert points(shop) == [("ana@example.com", 10), ("ben@example.com", 3)], f"points of the members only: {points(shop)}"


@pytest.mark.task(2)
def test_place_order_refuses_the_points_in_a_savepoint(shop: Session) -> None:
    savepoints: list[bool] = []
    whole_rollbacks: list[bool] = []
    event.listen(shop, "after_transaction_create", lambda _s, t: savepoints.append(True) if t.nested else None)
    event.listen(
        shop, "after_soft_rollback", lambda _s, t: whole_rollbacks.append(True) if t.parent is None else None
    )
    tm.place_order(shop, "ana@example.com", 1000)
    tm.place_order(shop, "zed@example.com", 1500)
    assert not whole_rollbacks, (
        "place_order() rolled back the whole transaction (session.rollback()) when the points were refused: that "
        "throws away all of the caller's work since the last commit, and re-adding the order afterwards does not "
        "bring the rest back. Only the points belong in a savepoint (session.begin_nested()) that is rolled back alone"
    )
    assert savepoints, (
        "the points should be tried inside a savepoint (session.begin_nested()) that the database's refusal rolls "
        "back: none was opened. Asking first whether the customer is a member is not the same: it races with a "
        "membership that ends in between, and the database is the one that decides"
    )


@pytest.mark.task(2)
def test_place_order_does_not_swallow_other_errors(shop: Session) -> None:
    connection = shop.get_bind()
    assert isinstance(connection, Connection)
    with failing_inserts_into(connection, "loyalty_entries"), pytest.raises(OperationalError) as caught:
        tm.place_order(shop, "ana@example.com", 1000)
    assert caught.value is not None, (
        "a member's points failed with an OperationalError (a database fault, not a refused entry): "
        "place_order() should let it through, catching only the IntegrityError a non-member's entry raises "
        "(except IntegrityError, not except Exception or DBAPIError)"
    )


# -- task 3 -------------------------------------------------------------------------------------


@contextmanager
def example_session(connection: Connection) -> Iterator[Session]:
    """A fresh session for one hypothesis example, all of whose work (commits too) is undone after it."""
    outer = connection.begin_nested()
    try:
        make_tables(connection)
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
    finally:
        if outer.is_active:
            outer.rollback()


def expected_import(rows: list[tuple[str, str, int]]) -> tuple[list[str], list[tuple[str, str, int]]]:
    existing = {sku: (sku, name, price) for sku, name, price, _ in PRODUCTS}
    refused = []
    for sku, name, price in rows:
        if sku in existing or price < 0:
            refused.append(sku)
        else:
            existing[sku] = (sku, name, price)
    return refused, sorted(existing.values())


ROWS = st.lists(
    st.tuples(
        st.sampled_from(["TEA-1", "TEA-2", "MUG-1", "MUG-2", "BOX-1"]),
        st.sampled_from(["Sencha", "Chef's box", "Cup"]),
        st.integers(min_value=-300, max_value=3000),
    ),
    min_size=1,
    max_size=7,
)


@pytest.mark.task(3)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_import_products_keeps_good_rows_and_reports_refused_ones(
    connection: Connection, rows: list[tuple[str, str, int]]
) -> None:
    refused_expected, products_expected = expected_import(rows)
    with example_session(connection) as session:
        refused = explain_pending_rollback(lambda: tm.import_products(session, rows))
        session.rollback()  # the import committed: this changes nothing
        got = product_rows(session)
    assert list(refused) == refused_expected, (
        f"import_products({rows}) should report the refused skus in input order {refused_expected} "
        f"(an existing sku, a negative price), got {refused}"
    )
    assert got == products_expected, (
        f"after import_products({rows}) the committed products should be {products_expected}: every row the "
        f"database accepted, before and after a refused one; got {got}"
    )


@pytest.mark.task(3)
def test_import_products_a_refused_row_does_not_undo_the_rows_around_it(connection: Connection) -> None:
    rows = [("TEA-2", "Black tea", 390), ("TEA-1", "Duplicate", 1), ("BOX-1", "Box", -5), ("CUP-1", "Cup", 650)]
    with example_session(connection) as session:
        commits: list[int] = []
        # after_commit fires for savepoints too: count the commits of the session's outermost transaction.
        event.listen(session, "after_commit", lambda s: None if s.in_nested_transaction() else commits.append(1))
        refused = explain_pending_rollback(lambda: tm.import_products(session, rows))
        session.rollback()
        got = product_rows(session)
    assert list(refused) == ["TEA-1", "BOX-1"], f"the duplicate TEA-1 and the negative BOX-1 are refused, got {refused}"
    skus = [sku for sku, _, _ in got]
    assert skus == ["CUP-1", "MUG-1", "TEA-1", "TEA-2"], (
        "TEA-2 (before the refused rows) and CUP-1 (after them) should both be committed, and TEA-1 keep its "
        f"old name; products found: {got}. Rolling back the whole session on an error loses the rows before it"
    )
    assert ("TEA-1", "Green tea", 450) in got, "the existing TEA-1 must not be changed by the refused duplicate"
    assert len(commits) == 1, (
        f"import_products() should commit once, at the end, not {len(commits)} times: the import is one "
        "transaction, and each row's savepoint (not a commit per row) is what lets a refused row go alone"
    )


@pytest.mark.task(3)
def test_import_products_of_good_rows_refuses_none(connection: Connection) -> None:
    rows = [("TEA-2", "Black tea", 390), ("CUP-1", "Cup", 0)]
    with example_session(connection) as session:
        refused = tm.import_products(session, rows)
        session.rollback()
        got = product_rows(session)
    assert list(refused) == [], f"no row is refused, got {refused}"
    assert [sku for sku, _, _ in got] == ["CUP-1", "MUG-1", "TEA-1", "TEA-2"], f"both rows committed, got {got}"


@pytest.mark.task(3)
def test_import_products_lets_the_database_judge_each_row_in_a_savepoint(connection: Connection) -> None:
    rows = [("TEA-2", "Black tea", 390), ("TEA-1", "Duplicate", 1), ("CUP-1", "Cup", 650)]
    with example_session(connection) as session:
        savepoints: list[int] = []
        event.listen(
            session,
            "after_transaction_create",
            lambda _s, transaction: savepoints.append(1) if transaction.nested else None,
        )
        refused = explain_pending_rollback(lambda: tm.import_products(session, rows))
        session.rollback()
    assert list(refused) == ["TEA-1"], f"the duplicate TEA-1 is refused, got {refused}"
    assert len(savepoints) >= len(rows), (
        f"import_products() opened {len(savepoints)} savepoint(s) for {len(rows)} rows: each row should be "
        "inserted in a savepoint of its own (session.begin_nested()), so that the database, not a check in "
        "Python, decides which rows are refused and a refused row is rolled back alone"
    )


@pytest.mark.task(3)
def test_import_products_does_not_swallow_other_errors(connection: Connection) -> None:
    rows = [("TEA-2", "Black tea", 390), ("CUP-1", "Cup", 650)]
    with example_session(connection) as session, failing_inserts_into(connection, "products"):
        try:
            refused = tm.import_products(session, rows)
        except OperationalError:
            return
    pytest.fail(
        f"every INSERT failed with an OperationalError (a database fault, not a refused row), and import_products() "
        f"returned {refused!r} as if the rows had been refused: catch only IntegrityError (except IntegrityError, not "
        "except Exception or DBAPIError), and let other errors through",
        pytrace=False,
    )
