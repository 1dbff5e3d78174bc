"""Tests for kata 6.2, sessionmaker. Run: pytest katas/06_sessions/02_sessionmaker"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import DetachedInstanceError

from fixtures.isolation import checked_out_connections
from fixtures.target import learner_module

factories = learner_module(__file__, "sessionmaker")

SEED = [("TEA-1", "Green tea", 450), ("TEA-2", "Black tea", 390), ("MUG-1", "Mug", 1200)]


def make_tables(engine: Engine, seed: bool = True) -> None:
    factories.Base.metadata.create_all(engine)
    if seed:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO products (sku, name, price_cents) VALUES (:s, :n, :p)"),
                [{"s": s, "n": n, "p": p} for s, n, p in SEED],
            )


def committed_rows(engine: Engine) -> dict[str, tuple[str, int]]:
    """What another connection sees: only committed rows."""
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sku, name, price_cents FROM products"))
        return {sku: (name, price) for sku, name, price in rows}


_made: list[Any] = []  # the sessions made by the latest own_sessions() factory


class _TrackedSession(Session):
    """A Session that remembers whether close() was called on it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.closed_by_code = False
        _made.append(self)

    def close(self) -> None:
        self.closed_by_code = True
        super().close()


def own_sessions(engine: Engine) -> sessionmaker[Session]:
    """The tests' own factory for tasks 3-4 (not the learner's)."""
    _made.clear()
    return sessionmaker(bind=engine, expire_on_commit=False, class_=_TrackedSession)


def assert_all_closed(engine: Engine, what: str) -> None:
    left = checked_out_connections(engine)
    assert left == 0, (
        f"{what} left {left} connection(s) checked out of the pool: the session was not closed. "
        "`with sessions.begin() as session:` closes it however the block ends"
    )
    unclosed = sum(1 for s in _made if not s.closed_by_code)
    assert unclosed == 0, (
        f"{what} left {unclosed} session(s) open: commit() or rollback() gives the connection back, "
        "but the session still holds its objects until close(). "
        "`with sessions.begin() as session:` closes it however the block ends"
    )


def count_commits(engine: Engine) -> list[int]:
    commits: list[int] = []
    event.listen(engine, "commit", lambda _conn: commits.append(1))
    return commits


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_api_sessions_are_new_sessions_bound_to_the_engine(engine: Engine) -> None:
    make_tables(engine)
    sessions = factories.make_api_sessions(engine)
    assert callable(sessions), (
        f"make_api_sessions() should return a factory (a sessionmaker) to call once per request, not {sessions!r}"
    )
    first, second = sessions(), sessions()
    try:
        assert isinstance(first, Session) and first is not second, (
            "each call of the factory should make a new Session: one per request, never shared"
        )
        assert first.connection().engine is engine, (
            "the factory's sessions should be bound to the engine given to make_api_sessions()"
        )
        assert first.scalars(select(factories.Product.sku)).all(), "a bound session can query without more set-up"
    finally:
        first.close()
        second.close()


@pytest.mark.task(1)
@pytest.mark.parametrize("row", [("BOX-1", "Tasting box", 2500), ("CUP-9", "Cup", 650)], ids=["box", "cup"])
def test_api_objects_stay_readable_after_commit_and_close(
    engine: Engine, queries: Any, row: tuple[str, str, int]
) -> None:
    make_tables(engine)
    sessions = factories.make_api_sessions(engine)
    with sessions() as session:
        product = factories.Product(sku=row[0], name=row[1], price_cents=row[2])
        session.add(product)
        session.commit()
        assert not inspect(product).expired_attributes, (
            "after commit() the product's attributes should still be loaded: the API factory sets "
            "expire_on_commit=False (the default, True, expires them all)"
        )
    queries.clear()
    try:
        got = (product.sku, product.name, product.price_cents, product.id)
    except DetachedInstanceError:
        pytest.fail(
            "reading the product after commit and close raised DetachedInstanceError: the commit expired "
            "its attributes and a closed session cannot load them. expire_on_commit=False keeps them",
            pytrace=False,
        )
    assert got[:3] == row and got[3] is not None, f"the product should read back as {row}, got {got[:3]}"
    assert queries.count == 0, "reading the committed product should send no SQL:\n" + queries.listing()


@pytest.mark.task(1)
def test_api_sessions_keep_autoflush(engine: Engine) -> None:
    make_tables(engine)
    with factories.make_api_sessions(engine)() as session:
        session.add(factories.Product(sku="NEW-1", name="New", price_cents=100))
        found = session.scalars(select(factories.Product.sku).where(factories.Product.sku == "NEW-1")).all()
        session.rollback()
    assert found == ["NEW-1"], (
        "the API's sessions keep SQLAlchemy's other defaults: autoflush=True, so a query sees the products "
        "added before it. Only expire_on_commit changes"
    )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_importer_sessions_do_not_flush_half_built_objects_before_a_query(engine: Engine) -> None:
    make_tables(engine)
    sessions = factories.make_importer_sessions(engine)
    with sessions() as session:
        assert session.connection().engine is engine, "the importer's sessions should be bound to the engine"
        half_built = factories.Product(sku="IMP-1", name="Imported", price_cents=None)  # price comes later
        session.add(half_built)
        try:
            skus = session.scalars(select(factories.Product.sku).order_by(factories.Product.sku)).all()
        except IntegrityError:
            pytest.fail(
                "the query flushed the half-built product first (autoflush), and the database refused its "
                "NULL price: the importer's factory should set autoflush=False",
                pytrace=False,
            )
        assert "IMP-1" not in skus, "without autoflush, the pending product is not in the database yet"
        half_built.price_cents = 800
        session.commit()
    assert committed_rows(engine)["IMP-1"] == ("Imported", 800), "the completed product should be committed"


@pytest.mark.task(2)
def test_importer_sessions_are_separate_and_close_cleanly(engine: Engine) -> None:
    make_tables(engine)
    sessions = factories.make_importer_sessions(engine)
    first, second = sessions(), sessions()
    assert first is not second, "each call of the factory should make a new Session"
    first.close()
    second.close()
    assert_all_closed(engine, "closing the importer's sessions")


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("row", [("BOX-1", "Tasting box", 2500), ("CUP-9", "Cup", 650)], ids=["box", "cup"])
def test_create_product_commits_so_another_connection_sees_it(engine: Engine, row: tuple[str, str, int]) -> None:
    make_tables(engine)
    product = factories.create_product(own_sessions(engine), *row)
    seen = committed_rows(engine).get(row[0])
    assert seen == row[1:], (
        f"another connection should see the new product {row} once create_product() returns (committed); "
        f"it sees {seen}"
    )
    assert isinstance(product, factories.Product) and product.id is not None and product.sku == row[0], (
        f"create_product() should return the new Product, with its id; got {product!r}"
    )
    assert_all_closed(engine, "create_product()")


@pytest.mark.task(3)
def test_create_product_with_a_duplicate_sku_raises_commits_nothing_and_closes(engine: Engine) -> None:
    make_tables(engine)
    before = committed_rows(engine)
    with pytest.raises(IntegrityError):
        factories.create_product(own_sessions(engine), "TEA-1", "Another green tea", 10)
    assert committed_rows(engine) == before, "a failed create_product() should change nothing"
    assert_all_closed(engine, "create_product() that failed")


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "renames",
    [{"TEA-1": "Sencha"}, {"TEA-2": "Assam", "MUG-1": "Big mug"}, {"MUG-1": "Chef's mug", "TEA-1": "Gyokuro"}],
    ids=["one", "two", "a quote"],
)
def test_rename_products_renames_them_in_one_commit(engine: Engine, renames: dict[str, str]) -> None:
    make_tables(engine)
    commits = count_commits(engine)
    factories.rename_products(own_sessions(engine), renames)
    got = {sku: name for sku, (name, _) in committed_rows(engine).items()}
    expected = {sku: renames.get(sku, name) for sku, name, _ in SEED}
    assert got == expected, f"after rename_products({renames}) the committed names should be {expected}, got {got}"
    assert len(commits) == 1, (
        f"rename_products() should commit once, for all the renames together, not {len(commits)} times"
    )
    assert_all_closed(engine, "rename_products()")


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "renames",
    [{"TEA-1": "Sencha", "NOPE-1": "Ghost", "MUG-1": "Big mug"}, {"TEA-2": "Assam", "NOPE-2": "Ghost"}],
    ids=["unknown in the middle", "unknown last"],
)
def test_rename_products_with_an_unknown_sku_renames_none(engine: Engine, renames: dict[str, str]) -> None:
    make_tables(engine)
    before = committed_rows(engine)
    with pytest.raises(LookupError):
        factories.rename_products(own_sessions(engine), renames)
    after = committed_rows(engine)
    assert after == before, (
        "an unknown sku should roll back every rename of the call, also those made before it was found "
        f"(one transaction, rolled back by the exception): before {before}, after {after}"
    )
    assert_all_closed(engine, "rename_products() that failed")
