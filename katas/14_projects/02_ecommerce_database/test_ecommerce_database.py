"""Tests for kata 14.2, the shop's order database. Run: pytest katas/14_projects/02_ecommerce_database

Most tests use the fast `session` fixture (everything rolled back after the test). The concurrency
tests use the real `engine`: several threads, each with its own Session and connection, commit for
real, as the shop's request handlers do; the database is wiped after them.

"Between the read and the write" tests: an event on the test's connection lets another customer's
change land right after the code READS a row it is about to change (a plain SELECT, without a row
lock), before its next statement. Code that decided in Python on what it read then acts on stale
data; code that lets the database check and change in one statement sees the new row.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, func, insert, select
from sqlalchemy.orm import Session

from fixtures.target import learner_module

shop = learner_module(__file__, "ecommerce_database")


# -- set-up -----------------------------------------------------------------------------------------


def make_tables(bind: Connection | Engine) -> None:
    shop.Base.metadata.create_all(bind)


def add_products(bind: Connection | Engine, rows: list[tuple[int, str, str, int]]) -> None:
    """rows: (id, sku, price, stock), inserted in a shuffled order with the given ids."""
    rows = list(rows)
    random.Random(14).shuffle(rows)
    values = [
        {"id": pid, "sku": sku, "name": sku.title(), "price": Decimal(price), "stock": stock}
        for pid, sku, price, stock in rows
    ]
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            connection.execute(insert(shop.Product.__table__), values)
    else:
        bind.execute(insert(shop.Product.__table__), values)


def stocks(connection: Connection | Session) -> dict[int, int]:
    products = shop.Product.__table__
    return {pid: stock for pid, stock in connection.execute(select(products.c.id, products.c.stock)).all()}


def committed_stocks(engine: Engine) -> dict[int, int]:
    with engine.connect() as connection:
        return stocks(connection)


def count_rows(connection: Connection | Session, model: Any) -> int:
    return int(connection.execute(select(func.count()).select_from(model.__table__)).scalar_one())


def placed(session: Session, customer: str, items: dict[int, int]) -> Any:
    """place_order, failing with a sentence on any refusal."""
    try:
        return shop.place_order(session, customer, items)
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(f"place_order({customer!r}, {items}) should succeed (enough stock), but raised {error!r}")


@contextmanager
def refused(kind_name: str, why: str) -> Iterator[list[BaseException]]:
    """Expect the kata's exception `kind_name` (looked up lazily); anything else fails with a sentence."""
    kind = getattr(shop, kind_name)
    caught: list[BaseException] = []
    try:
        yield caught
    except kind as error:
        caught.append(error)
        return
    except Exception as error:  # noqa: BLE001 - judged by the test
        pytest.fail(f"expected {kind_name}: {why}; got {error!r} instead", pytrace=False)
    pytest.fail(f"expected {kind_name}: {why}; nothing was raised", pytrace=False)


CATALOGUE = [
    (7, "TEA-GREEN", "4.50", 20),
    (3, "MUG", "12.00", 8),
    (12, "SPOON", "1.10", 40),
    (5, "BOX-XMAS", "25.00", 3),
    (9, "DECAF", "9.30", 0),
]
PRICES = {pid: Decimal(price) for pid, _, price, _ in CATALOGUE}
STOCKS = {pid: stock for pid, _, _, stock in CATALOGUE}


@pytest.fixture
def shop_session(session: Session) -> Session:
    make_tables(session.connection())
    add_products(session.connection(), CATALOGUE)
    return session


# -- an event that lands another customer's change between a read and a write ------------------------


def _squeeze(sql: str) -> str:
    return " ".join(sql.split()).lower()


class Interloper:
    """After the code reads `table` with a plain SELECT (no row lock) while `untouched_sql` still finds
    the row as it was, run `change` (another customer's committed work) before the code's next statement."""

    def __init__(self, connection: Connection, table: str, untouched_sql: str, change: list[str]) -> None:
        self.connection, self.table, self.untouched_sql, self.change = (
            connection,
            table,
            untouched_sql,
            change,
        )
        self.armed = self.landed = False

    def _raw(self, cursor: Any, sql: str) -> list[Any]:
        other = cursor.connection.cursor()
        try:
            other.execute(sql)
            return list(other.fetchall()) if other.description else []
        finally:
            other.close()

    def before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.armed and not self.landed:
            for sql in self.change:
                self._raw(cursor, sql)
            self.landed = True

    def after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sql = _squeeze(statement)
        if self.landed or self.armed or not sql.startswith("select"):
            return
        if not re.search(rf"\b(from|join) {self.table}\b", sql) or re.search(
            r"\bfor (no key )?update\b", sql
        ):
            return
        if self._raw(
            cursor, self.untouched_sql
        ):  # the row is still as it was: the code read it, not yet wrote it
            self.armed = True

    def __enter__(self) -> Interloper:  # noqa: PYI034
        event.listen(self.connection, "before_cursor_execute", self.before)
        event.listen(self.connection, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.connection, "before_cursor_execute", self.before)
        event.remove(self.connection, "after_cursor_execute", self.after)


# -- concurrency helpers -------------------------------------------------------------------------------


def run_concurrently(engine: Engine, jobs: list[Callable[[Session], Any]]) -> list[Any]:
    """Run each job in its own thread with its own Session (committed after the job, rolled back when it
    raises); all start together. Returns per job: its result, or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def worker(index: int) -> None:
        with Session(engine) as session:
            try:
                barrier.wait(timeout=10)
                result = jobs[index](session)
                session.commit()
                outcomes[index] = result
            except BaseException as error:  # noqa: BLE001 - recorded, judged by the test
                session.rollback()
                outcomes[index] = error

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), (
        "a thread was still running after 30 s (a lock never released?)"
    )
    return outcomes


def describe_unexpected(outcomes: list[Any], allowed: tuple[type[BaseException], ...]) -> list[str]:
    return [
        f"{type(o).__name__}: {str(o).splitlines()[0] if str(o) else ''}"
        for o in outcomes
        if isinstance(o, BaseException) and not isinstance(o, allowed)
    ]


# -- task 1: place an order ----------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "items", [{7: 2}, {12: 3, 3: 1}, {5: 3, 7: 1, 12: 40}], ids=["one line", "two lines", "last units"]
)
def test_order_has_a_line_per_product_at_its_price_and_takes_the_stock(
    shop_session: Session, items: dict[int, int]
) -> None:
    order = placed(shop_session, "ada@example.com", items)
    assert isinstance(order, shop.Order) and order.id is not None, (
        "place_order should return the new Order, flushed (so it has an id)"
    )
    lines = shop_session.execute(
        select(shop.OrderLine.product_id, shop.OrderLine.quantity, shop.OrderLine.unit_price).where(
            shop.OrderLine.order_id == order.id
        )
    ).all()
    assert sorted(lines) == sorted((pid, qty, PRICES[pid]) for pid, qty in items.items()), (
        f"the order should have one line per product with the quantity ordered and the product's current "
        f"price as unit_price; expected {sorted((p, q, PRICES[p]) for p, q in items.items())}, found {sorted(lines)}"
    )
    customer, status = shop_session.execute(
        select(shop.Order.customer, shop.Order.status).where(shop.Order.id == order.id)
    ).one()
    assert (customer, status) == ("ada@example.com", "placed"), (
        "the order should be stored for its customer, placed"
    )
    expected = {pid: stock - items.get(pid, 0) for pid, stock in STOCKS.items()}
    assert stocks(shop_session) == expected, (
        f"the ordered quantities should be taken from stock (and nothing else): expected {expected}, "
        f"found {stocks(shop_session)}"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "items",
    [{}, {7: 0}, {7: -1}, {7: 2, 3: 0}, {3: 2, 7: 0}, {7: 1.5}, {3: 1, 7: True}],
    ids=["no lines", "zero", "negative", "one zero line", "zero after a good line", "fraction", "bool"],
)
def test_invalid_orders_are_refused_before_anything_is_sent(
    shop_session: Session, queries: Any, items: dict[int, Any]
) -> None:
    queries.clear()
    with refused(
        "InvalidOrder", f"an order {items} has no lines or a quantity that is not a whole number >= 1"
    ):
        shop.place_order(shop_session, "ada@example.com", items)
    assert issubclass(shop.InvalidOrder, ValueError), "InvalidOrder should be a ValueError (it is given so)"
    queries.assert_count(0, because="an invalid order is refused by checking the input, before any statement")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("items", "missing"), [({3: 1, 99: 1}, 99), ({1: 2, 12: 1}, 1)], ids=["after a good line", "before"]
)
def test_an_unknown_product_refuses_the_whole_order(
    shop_session: Session, items: dict[int, int], missing: int
) -> None:
    with refused("UnknownProduct", f"product {missing} does not exist") as caught:
        shop.place_order(shop_session, "ada@example.com", items)
    assert getattr(caught[0], "product_id", None) == missing, (
        f"UnknownProduct should carry the missing product's id ({missing}) as .product_id"
    )
    assert stocks(shop_session) == STOCKS, (
        "a refused order must leave every stock as it was (also the lines before the unknown product): "
        f"expected {STOCKS}, found {stocks(shop_session)}"
    )
    assert count_rows(shop_session, shop.Order) == 0 and count_rows(shop_session, shop.OrderLine) == 0, (
        "a refused order must leave no order and no line behind"
    )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("items", "short"),
    [({3: 1, 5: 4}, 5), ({12: 1, 9: 1}, 9), ({7: 21, 12: 2}, 7)],
    ids=["second line", "sold out", "first line"],
)
def test_out_of_stock_refuses_the_whole_order_and_keeps_earlier_work(
    shop_session: Session, items: dict[int, int], short: int
) -> None:
    first = placed(shop_session, "bob@example.com", {3: 2})
    with refused("OutOfStock", f"product {short} has only {STOCKS[short]} in stock") as caught:
        shop.place_order(shop_session, "ada@example.com", items)
    assert getattr(caught[0], "product_id", None) == short, f"OutOfStock should carry .product_id == {short}"
    expected = {**STOCKS, 3: STOCKS[3] - 2}
    assert stocks(shop_session) == expected, (
        "a refused order must put back nothing and take nothing: every stock as after bob's earlier order "
        f"({expected}), found {stocks(shop_session)}. Undo only the refused order: a savepoint "
        "(session.begin_nested()) around it, not session.rollback(), which would also lose bob's order"
    )
    orders = shop_session.execute(select(shop.Order.customer)).scalars().all()
    assert orders == ["bob@example.com"], (
        f"only bob's earlier order should be stored (the refused one left out, bob's kept); found {orders}"
    )
    again = placed(shop_session, "ada@example.com", {12: 1})
    shop_session.commit()
    assert again.id != first.id and count_rows(shop_session, shop.Order) == 2, (
        "after a refused order the session should still work: a new order and a commit succeed"
    )


# -- task 2: never oversold ----------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("stock", "buyers", "quantity"), [(5, 8, 1), (5, 4, 2)], ids=["8 buy 1 of 5", "4 buy 2 of 5"]
)
def test_concurrent_orders_never_oversell(engine: Engine, stock: int, buyers: int, quantity: int) -> None:
    make_tables(engine)
    add_products(engine, [(4, "LAST-BOX", "19.99", stock), (8, "SPOON", "1.10", 100)])
    jobs = [
        (lambda s, i=i: shop.place_order(s, f"buyer{i}@example.com", {4: quantity, 8: 1}))
        for i in range(buyers)
    ]
    outcomes = run_concurrently(engine, jobs)
    unexpected = describe_unexpected(outcomes, (shop.OutOfStock,))
    assert not unexpected, (
        "every concurrent order should either succeed or be refused with OutOfStock; some failed otherwise: "
        f"{unexpected}. ('database is locked' on SQLite: a transaction that has READ cannot start writing "
        "while another connection writes; make the stock UPDATE the order's first statement)"
    )
    sold = sum(1 for o in outcomes if not isinstance(o, BaseException))
    assert sold == stock // quantity, (
        f"{buyers} customers ordered {quantity} of the {stock} boxes at once: exactly {stock // quantity} orders "
        f"should succeed, {sold} did (more is overselling; fewer is refusing stock that was there)"
    )
    final = committed_stocks(engine)
    assert final == {4: stock - sold * quantity, 8: 100 - sold}, (
        f"the stock left should be what was not sold: expected {{4: {stock - sold * quantity}, 8: {100 - sold}}}, "
        f"found {final}"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("emptied", [3, 12], ids=["lower id emptied", "higher id emptied"])
def test_stock_taken_between_the_read_and_the_write_is_seen(
    shop_session: Session, connection: Connection, emptied: int
) -> None:
    items = {12: 2, 3: 1}
    interloper = Interloper(
        connection,
        "products",
        f"SELECT 1 FROM products WHERE id = {emptied} AND stock = {STOCKS[emptied]}",
        [f"UPDATE products SET stock = 0 WHERE id = {emptied}"],
    )
    with interloper:
        try:
            shop.place_order(shop_session, "ada@example.com", items)
            outcome: BaseException | None = None
        except Exception as error:  # noqa: BLE001 - judged by the test
            outcome = error
    after = stocks(shop_session)
    if not interloper.landed:
        # The code never read the product before taking it: nothing could land in between.
        assert outcome is None, f"the order had enough stock and should succeed; it raised {outcome!r}"
        return
    assert isinstance(outcome, shop.OutOfStock) and outcome.product_id == emptied, (
        f"your code read product {emptied} (a plain SELECT), and before its next statement another customer "
        f"bought all of it (stock 0, committed). The order must then be refused with OutOfStock({emptied}); "
        f"it {'raised ' + repr(outcome) if outcome else 'succeeded'}. Deciding in Python on a row read earlier "
        "is a race: let the UPDATE check and take in one statement (WHERE stock >= :quantity, rowcount or "
        "RETURNING tells you whether it took). SELECT ... FOR UPDATE would lock the row on PostgreSQL, but "
        "SQLite ignores it"
    )
    # The other customer's change ran inside this test's transaction: a savepoint the code rolls back
    # (correctly, to undo its own order) takes it away too, so both 0 and the untouched stock are accepted.
    allowed = ({**STOCKS, emptied: 0}, STOCKS)
    assert after in allowed, (
        f"after the refusal the stock should be the other customer's result: expected {allowed[0]}, found {after} "
        "(a stock written back from an old read undoes the other sale: overselling)"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "items", [{12: 1, 7: 1, 3: 1}, {5: 1, 3: 2, 12: 3, 7: 1}], ids=["descending", "mixed"]
)
def test_products_are_taken_in_ascending_id_order(
    shop_session: Session, connection: Connection, items: dict[int, int]
) -> None:
    taken: list[set[int]] = []
    before = stocks(shop_session)

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not _squeeze(statement).startswith("update products"):
            return
        other = cursor.connection.cursor()
        other.execute("SELECT id, stock FROM products")
        now = dict(other.fetchall())
        other.close()
        changed = {pid for pid in now if now[pid] != before[pid]} - set().union(*taken)
        if changed:
            taken.append(changed)
        before.update({pid: now[pid] for pid in changed})

    event.listen(connection, "after_cursor_execute", after)
    try:
        placed(shop_session, "ada@example.com", items)
    finally:
        event.remove(connection, "after_cursor_execute", after)
    sequence = [min(step) for step in taken]
    assert sequence == sorted(sequence) and set().union(*taken) == set(items), (
        f"the order {items} took the products' stock in this order of ids: {[sorted(s) for s in taken]}. Take "
        "them in ascending id order: each UPDATE locks its row until commit, and two orders that lock the same "
        "rows in different orders wait on each other forever (PostgreSQL then kills one: 'deadlock detected')"
    )


@pytest.mark.task(2)
def test_crossed_concurrent_orders_do_not_deadlock(engine: Engine) -> None:
    make_tables(engine)
    add_products(engine, [(2, "TEA", "4.50", 10), (6, "MUG", "12.00", 10)])
    # Each thread pauses after its first stock UPDATE until the other has made its own (or 1 s passed):
    # orders that lock in the same order never both get there; crossed ones would deadlock.
    meet = threading.Barrier(2, timeout=1.0)
    paused: set[int] = set()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        me = threading.get_ident()
        if _squeeze(statement).startswith("update products") and me not in paused:
            paused.add(me)
            try:
                meet.wait()
            except threading.BrokenBarrierError:
                pass

    event.listen(engine, "after_cursor_execute", after)
    try:
        outcomes = run_concurrently(
            engine,
            [
                lambda s: shop.place_order(s, "ada@example.com", {2: 1, 6: 1}),
                lambda s: shop.place_order(s, "bob@example.com", {6: 1, 2: 1}),
            ],
        )
    finally:
        event.remove(engine, "after_cursor_execute", after)
    failures = describe_unexpected(outcomes, ())
    assert not failures, (
        "two orders for the same two products, listed in opposite orders, should both succeed; some failed: "
        f"{failures}. If each locks its first product and then waits for the other's, neither can go on "
        "(PostgreSQL: 'deadlock detected'): take the products in ascending id order"
    )
    assert committed_stocks(engine) == {2: 8, 6: 8}, "both orders should have taken their units"


# -- task 3: money ---------------------------------------------------------------------------------


def add_order(
    connection: Connection,
    order_id: int,
    customer: str,
    at: datetime,
    status: str,
    lines: list[tuple[int, int, str]],
) -> None:
    connection.execute(
        insert(shop.Order.__table__).values(id=order_id, customer=customer, status=status, placed_at=at)
    )
    connection.execute(
        insert(shop.OrderLine.__table__),
        [
            {"order_id": order_id, "product_id": p, "quantity": q, "unit_price": Decimal(u)}
            for p, q, u in lines
        ],
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("lines", "total"),
    [
        ([(7, 3, "0.10"), (3, 3, "0.20")], "0.90"),
        ([(12, 7, "19.99"), (5, 1, "0.01"), (7, 3, "0.10")], "140.24"),
        ([(3, 1, "99999.99"), (12, 3, "0.07")], "100000.20"),
    ],
)
def test_order_total_is_an_exact_decimal_summed_by_the_database(
    shop_session: Session, connection: Connection, queries: Any, lines: list[tuple[int, int, str]], total: str
) -> None:
    add_order(connection, 41, "ada@example.com", datetime(2026, 3, 1, 12), "placed", lines)
    add_order(connection, 42, "bob@example.com", datetime(2026, 3, 1, 12), "placed", [(7, 5, "4.50")])
    queries.clear()
    result = shop.order_total(shop_session, 41)
    assert isinstance(result, Decimal) and result == Decimal(total), (
        f"the total should be exactly Decimal('{total}') (money is never a float: 0.1 + 0.2 is not 0.3 in "
        f"binary floating point); got {result!r}"
    )
    queries.assert_count(1, because="the total is one SELECT")
    assert re.search(r"\bsum\s*\(", queries.sql[0], re.IGNORECASE), (
        "the database should add up the lines (func.sum(quantity * unit_price)); the SELECT sent has no sum(): "
        f"{queries.sql[0]}"
    )


@pytest.mark.task(3)
def test_order_total_of_an_unknown_order_is_refused(shop_session: Session) -> None:
    with refused("UnknownOrder", "there is no order 404"):
        shop.order_total(shop_session, 404)


REVENUE_ORDERS = [
    # id, customer, placed_at, status, lines (product, quantity, unit price)
    (1, "a", datetime(2026, 2, 28, 23, 59, 59), "placed", [(7, 10, "4.50")]),  # the day before: out
    (
        2,
        "b",
        datetime(2026, 3, 1, 0, 0, 0),
        "placed",
        [(3, 1, "12.00"), (12, 10, "1.10")],
    ),  # first moment: in
    (3, "c", datetime(2026, 3, 15, 9, 30), "cancelled", [(5, 3, "25.00")]),  # cancelled: out
    (4, "d", datetime(2026, 3, 20, 18, 0), "placed", [(7, 2, "4.50"), (5, 1, "21.00")]),
    (
        5,
        "e",
        datetime(2026, 3, 31, 23, 59, 59, 900000),
        "placed",
        [(12, 5, "1.10"), (3, 1, "9.00")],
    ),  # the last day's last second (and a bit): in
    (6, "f", datetime(2026, 4, 1, 0, 0, 0), "placed", [(3, 4, "12.00")]),  # the day after: out
]


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (
            date(2026, 3, 1),
            date(2026, 3, 31),
            [("BOX-XMAS", 1, "21.00"), ("MUG", 2, "21.00"), ("SPOON", 15, "16.50"), ("TEA-GREEN", 2, "9.00")],
        ),
        (
            date(2026, 2, 28),
            date(2026, 3, 1),
            [("TEA-GREEN", 10, "45.00"), ("MUG", 1, "12.00"), ("SPOON", 10, "11.00")],
        ),
        (date(2026, 3, 31), date(2026, 4, 1), [("MUG", 5, "57.00"), ("SPOON", 5, "5.50")]),
        (date(2026, 3, 2), date(2026, 3, 14), []),
    ],
    ids=["march", "feb 28 to mar 1", "mar 31 to apr 1", "nothing"],
)
def test_revenue_by_product_sums_in_one_select_sorted_with_a_tie_break(
    shop_session: Session,
    connection: Connection,
    queries: Any,
    first: date,
    last: date,
    expected: list[tuple[str, int, str]],
) -> None:
    orders = list(REVENUE_ORDERS)
    random.Random(3).shuffle(orders)  # rows stored in an order unlike the answer's
    for order in orders:
        add_order(connection, *order)
    queries.clear()
    report = shop.revenue_by_product(shop_session, first, last)
    want = [(sku, units, Decimal(revenue)) for sku, units, revenue in expected]
    assert [tuple(row) for row in report] == want, (
        f"revenue from {first} to {last} (both whole days in, cancelled orders out), highest first and ties by "
        f"sku: expected {want}, got {report}"
    )
    assert all(isinstance(row[2], Decimal) for row in report), "revenues should be exact Decimals"
    queries.assert_count(1, because="the report is one SELECT ... GROUP BY, summed by the database")
    assert re.search(r"\bsum\s*\(", queries.sql[0], re.IGNORECASE) and re.search(
        r"\bgroup by\b", queries.sql[0], re.IGNORECASE
    ), f"the database should group and sum (GROUP BY with sum()); the SELECT sent was: {queries.sql[0]}"


# -- task 4: cancel -----------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_cancel_puts_the_stock_back_once(shop_session: Session) -> None:
    order = placed(shop_session, "ada@example.com", {3: 2, 12: 5})
    other = placed(shop_session, "bob@example.com", {3: 1})
    shop.cancel_order(shop_session, order.id)
    status = shop_session.execute(select(shop.Order.status).where(shop.Order.id == order.id)).scalar_one()
    assert status == "cancelled", f"the order should be marked 'cancelled', is {status!r}"
    expected = {**STOCKS, 3: STOCKS[3] - 1}
    assert stocks(shop_session) == expected, (
        f"the cancelled order's quantities should be back in stock (bob's order still taken): expected {expected}, "
        f"found {stocks(shop_session)}"
    )
    with refused("NotCancellable", "the order is already cancelled"):
        shop.cancel_order(shop_session, order.id)
    assert stocks(shop_session) == expected, "a second cancellation must not put the stock back again"
    with refused("UnknownOrder", "there is no order 404"):
        shop.cancel_order(shop_session, 404)
    assert other.id is not None


@pytest.mark.task(4)
def test_concurrent_cancellations_put_the_stock_back_once(engine: Engine) -> None:
    make_tables(engine)
    add_products(engine, [(4, "TEA", "4.50", 10), (8, "MUG", "12.00", 10)])
    with Session(engine) as session:
        order_id = shop.place_order(session, "ada@example.com", {4: 3, 8: 1}).id
        session.commit()
    outcomes = run_concurrently(engine, [lambda s: shop.cancel_order(s, order_id)] * 4)
    unexpected = describe_unexpected(outcomes, (shop.NotCancellable,))
    assert not unexpected, (
        f"concurrent cancellations should succeed or raise NotCancellable; got {unexpected}"
    )
    done = sum(1 for o in outcomes if not isinstance(o, BaseException))
    assert done == 1, (
        f"four requests cancelled the same order at once: exactly one should succeed, {done} did"
    )
    assert committed_stocks(engine) == {4: 10, 8: 10}, (
        f"the stock should be put back exactly once: expected {{4: 10, 8: 10}}, found {committed_stocks(engine)}"
    )


@pytest.mark.task(4)
def test_a_cancellation_made_between_the_read_and_the_write_is_seen(
    shop_session: Session, connection: Connection
) -> None:
    order = placed(shop_session, "ada@example.com", {3: 2, 7: 1})
    shop_session.commit()
    shop_session.expire_all()
    interloper = Interloper(
        connection,
        "orders",
        f"SELECT 1 FROM orders WHERE id = {order.id} AND status = 'placed'",
        [
            f"UPDATE orders SET status = 'cancelled' WHERE id = {order.id}",
            "UPDATE products SET stock = stock + 2 WHERE id = 3",
            "UPDATE products SET stock = stock + 1 WHERE id = 7",
        ],
    )
    with interloper:
        try:
            shop.cancel_order(shop_session, order.id)
            outcome: BaseException | None = None
        except Exception as error:  # noqa: BLE001 - judged by the test
            outcome = error
    if interloper.landed:
        assert isinstance(outcome, shop.NotCancellable), (
            "your code read the order (a plain SELECT), and before its next statement another request cancelled "
            "it and put its stock back. Your cancellation must then be refused with NotCancellable; it "
            f"{'raised ' + repr(outcome) if outcome else 'went ahead'}. Claim the order in one statement: "
            "UPDATE orders SET status = 'cancelled' WHERE id = :id AND status = 'placed', and restock only if it "
            "changed a row"
        )
    else:
        assert outcome is None, f"the cancellation should succeed; it raised {outcome!r}"
    assert stocks(shop_session) == STOCKS, (
        f"the stock should be put back exactly once: expected {STOCKS}, found {stocks(shop_session)}"
    )


@pytest.mark.task(4)
def test_a_sale_made_while_cancelling_is_kept(shop_session: Session, connection: Connection) -> None:
    order = placed(shop_session, "ada@example.com", {3: 2, 7: 1})
    shop_session.commit()
    shop_session.expire_all()
    # After the code reads product 3's row (to put the units back), another customer buys one mug.
    interloper = Interloper(
        connection,
        "products",
        f"SELECT 1 FROM products WHERE id = 3 AND stock = {STOCKS[3] - 2}",
        ["UPDATE products SET stock = stock - 1 WHERE id = 3"],
    )
    with interloper:
        shop.cancel_order(shop_session, order.id)
    expected = {**STOCKS, 3: STOCKS[3] - 1} if interloper.landed else STOCKS
    assert stocks(shop_session) == expected, (
        f"the cancelled order's units should come back on top of the stock as it is now: expected {expected}, "
        f"found {stocks(shop_session)}. "
        + (
            "Your code read product 3's stock, another customer bought one mug before your next statement, and "
            "the stock written back was computed from the old read, undoing that sale. Let the database add: "
            "UPDATE products SET stock = stock + :quantity"
            if interloper.landed
            else ""
        )
    )
