"""Tests for kata 6.6, flush vs commit. Run: pytest katas/06_sessions/06_flush_vs_commit"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, PendingRollbackError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

fvc = learner_module(__file__, "flush_vs_commit")

CATEGORIES = ["Tea", "Coffee", "Kitchen"]
PRODUCTS = [("TEA-1", "Green tea", 450, "Tea"), ("TEA-2", "Black tea", 390, "Tea"), ("MUG-1", "Mug", 1200, "Kitchen")]


def make_tables(connection: Connection) -> dict[str, int]:
    """The tables and their rows; returns the category ids by name."""
    fvc.Base.metadata.create_all(connection)
    connection.execute(text("INSERT INTO categories (name) VALUES (:n)"), [{"n": n} for n in CATEGORIES])
    ids = dict(connection.execute(text("SELECT name, id FROM categories")).all())
    connection.execute(
        text("INSERT INTO products (sku, name, price_cents, category_id) VALUES (:s, :n, :p, :c)"),
        [{"s": s, "n": n, "p": p, "c": ids[c]} for s, n, p, c in PRODUCTS],
    )
    return ids


@pytest.fixture
def shop(session: Session) -> tuple[Session, dict[str, int]]:
    """The tables, made on the test's connection before the session begins (session.rollback() keeps them)."""
    connection = session.get_bind()
    assert isinstance(connection, Connection)
    return session, make_tables(connection)


def committed(engine: Engine) -> tuple[set[str], list[tuple[str, str]]]:
    """What another connection sees: the skus, and the audit entries as (sku, action)."""
    with engine.connect() as connection:
        skus = set(connection.execute(text("SELECT sku FROM products")).scalars())
        entries = connection.execute(
            text("SELECT p.sku, a.action FROM audit_entries a JOIN products p ON p.id = a.product_id")
        ).all()
        return skus, sorted(tuple(e) for e in entries)


def prices(session: Session) -> dict[str, int]:
    try:
        return dict(session.execute(text("SELECT sku, price_cents FROM products")).all())
    except PendingRollbackError:
        pytest.fail(
            "the session is unusable after apply_discounts() (PendingRollbackError): after a failed flush, "
            "roll the session back before raising your own exception",
            pytrace=False,
        )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize(("sku", "category"), [("BOX-1", "Tea"), ("CUP-1", "Kitchen")])
def test_add_with_audit_is_visible_to_its_transaction_only_until_the_commit(
    engine: Engine, sku: str, category: str
) -> None:
    with engine.begin() as connection:
        ids = make_tables(connection)
    with Session(engine) as session:
        product = fvc.add_with_audit(session, sku, "New thing", 990, ids[category])
        assert inspect(product).persistent and product.id is not None, (
            "add_with_audit() should flush: the product is persistent and has its id (the entry needs it)"
        )
        inside = session.execute(
            select(fvc.Product.sku, fvc.AuditEntry.action).join(
                fvc.AuditEntry, fvc.AuditEntry.product_id == fvc.Product.id
            )
        ).all()
        assert [tuple(row) for row in inside] == [(sku, "created")], (
            f"inside the session's transaction, the product and its 'created' entry should be visible: got {inside}"
        )
        skus, entries = committed(engine)
        assert sku not in skus and entries == [], (
            "another connection must not see the product before the caller commits: add_with_audit() flushes, "
            "it does not commit"
        )
        session.commit()
    skus, entries = committed(engine)
    assert sku in skus and entries == [(sku, "created")], (
        f"after the caller's commit, another connection should see the product and its entry; entries: {entries}"
    )


@pytest.mark.task(1)
def test_add_with_audit_is_undone_by_the_callers_rollback(engine: Engine) -> None:
    with engine.begin() as connection:
        ids = make_tables(connection)
    with Session(engine) as session:
        product = fvc.add_with_audit(session, "BOX-9", "Box", 100, ids["Coffee"])
        session.rollback()
        assert inspect(product).transient, "a product flushed in a rolled-back transaction goes back to transient"
    skus, entries = committed(engine)
    assert "BOX-9" not in skus and entries == [], (
        "the caller rolled back, so neither the product nor its entry may be in the database: a flush is undone "
        f"by a rollback, a commit is not (entries found: {entries})"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("discounts", [{"TEA-1": 50}, {"MUG-1": 200, "TEA-2": 390}], ids=["one", "two, one to zero"])
def test_apply_discounts_lowers_the_prices_and_commits(
    shop: tuple[Session, dict[str, int]], discounts: dict[str, int]
) -> None:
    session, _ = shop
    fvc.apply_discounts(session, discounts)
    session.rollback()  # cannot undo a commit
    expected = {s: p - discounts.get(s, 0) for s, _, p, _ in PRODUCTS}
    assert prices(session) == expected, f"the discounted prices should be committed: expected {expected}, got {prices(session)}"


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("discounts", "refused"),
    [
        ({"TEA-1": 500, "MUG-1": 100}, "TEA-1"),
        ({"MUG-1": 100, "TEA-2": 391, "TEA-1": 50}, "TEA-2"),
        ({"TEA-1": 50, "TEA-2": 40, "MUG-1": 1201}, "MUG-1"),
    ],
    ids=["first", "middle", "last"],
)
def test_apply_discounts_refused_one_undoes_them_all_and_names_it(
    shop: tuple[Session, dict[str, int]], discounts: dict[str, int], refused: str
) -> None:
    session, _ = shop
    loaded = {p.sku: p for p in session.scalars(select(fvc.Product))}
    before = {s: p for s, _, p, _ in PRODUCTS}
    with pytest.raises(ValueError) as raised:
        fvc.apply_discounts(session, discounts)
    assert refused in str(raised.value), (
        f"the ValueError should name the sku whose discount was refused, {refused!r}: got {str(raised.value)!r}"
    )
    assert prices(session) == before, (
        f"a refused discount should undo them all, also those flushed before it: expected {before}, got {prices(session)}"
    )
    shown = {s: p.price_cents for s, p in loaded.items()}
    assert shown == before, (
        f"the product objects should show the database's prices again ({before}), not the undone ones ({shown}): "
        "a rollback expires them"
    )
    session.commit()  # the next piece of work on the same session
    assert prices(session) == before, "nothing of the refused call may be committed later"


@pytest.mark.task(2)
def test_apply_discounts_lets_other_database_errors_through(shop: tuple[Session, dict[str, int]]) -> None:
    session, _ = shop
    connection = session.get_bind()
    assert isinstance(connection, Connection)

    def lose_the_connection(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("UPDATE PRODUCTS") and "MUG-1" not in str(parameters):
            raise OperationalError(statement, parameters, Exception("server closed the connection unexpectedly"))

    event.listen(connection, "before_cursor_execute", lose_the_connection)
    try:
        with pytest.raises(OperationalError):
            try:
                fvc.apply_discounts(session, {"MUG-1": 100, "TEA-1": 50})
            except ValueError as error:
                pytest.fail(
                    "the UPDATE failed with an OperationalError (the connection was lost: no discount was refused), "
                    f"and apply_discounts() reported it as a refused discount ({error}): only the CHECK constraint's "
                    "IntegrityError means that. Catch IntegrityError, not Exception or DBAPIError",
                    pytrace=False,
                )
    finally:
        event.remove(connection, "before_cursor_execute", lose_the_connection)


# -- task 3 -------------------------------------------------------------------------------------


def pending_products(session: Session, skus: list[str]) -> list[Any]:
    products = [fvc.Product(sku=s, name=s.title(), price_cents=100) for s in skus]  # category_id: None
    session.add_all(products)
    return products


def assign_or_explain(session: Session, assignments: list[tuple[Any, str]]) -> None:
    try:
        fvc.assign_categories(session, assignments)
    except IntegrityError as error:
        pytest.fail(
            "a query flushed the pending products before their category was set (autoflush), and the database "
            f"refused their NULL category_id: do the lookups inside `with session.no_autoflush:`. ({error.orig})",
            pytrace=False,
        )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "names", [["Tea"], ["Coffee", "Tea", "Coffee"], ["Kitchen", "Tea"]], ids=["one", "three", "two"]
)
def test_assign_categories_sets_each_id_then_flushes(
    shop: tuple[Session, dict[str, int]], names: list[str]
) -> None:
    session, ids = shop
    products = pending_products(session, [f"NEW-{i}" for i in range(len(names))])
    assign_or_explain(session, list(zip(products, names)))
    got = [p.category_id for p in products]
    assert got == [ids[n] for n in names], f"the category ids should be {[ids[n] for n in names]}, got {got}"
    assert all(inspect(p).persistent for p in products), "assign_categories() should flush the products at the end"
    assert session.autoflush, "the session should autoflush again afterwards (no_autoflush is a block, not a switch)"
    session.rollback()
    left = session.execute(text("SELECT count(*) FROM products WHERE sku LIKE 'NEW-%'")).scalar_one()
    assert left == 0, "assign_categories() must flush, not commit: the caller's rollback should remove the products"


@pytest.mark.task(3)
def test_assign_categories_with_an_unknown_category_raises_lookup_error(
    shop: tuple[Session, dict[str, int]]
) -> None:
    session, _ = shop
    products = pending_products(session, ["NEW-1", "NEW-2"])
    with pytest.raises(LookupError):
        assign_or_explain(session, [(products[0], "Tea"), (products[1], "Garden")])
