"""Tests for kata 1.3, architecture. Run: pytest katas/01_fundamentals/03_architecture"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from fixtures.target import learner_module

architecture = learner_module(__file__, "architecture")

AUTHORS_DDL = "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, born INTEGER)"
SHELVES_DDL = "CREATE TABLE shelves (id INTEGER PRIMARY KEY, label VARCHAR(50) NOT NULL)"
LEGACY_DDL = "CREATE TABLE legacy_orders (id INTEGER PRIMARY KEY, total INTEGER)"


def tables_in(connection: Connection) -> list[str]:
    """What the database has, asked afresh (an Inspector caches what it has seen)."""
    return sorted(inspect(connection).get_table_names())


@pytest.fixture
def with_authors(connection: Connection) -> Connection:
    """The authors table (as the Author model describes it) with two rows, in the test's transaction."""
    connection.execute(text(AUTHORS_DDL))
    connection.execute(
        text("INSERT INTO authors (id, name, born) VALUES (:id, :name, :born)"),
        [
            {"id": 1, "name": "Ursula K. Le Guin", "born": 1929},
            {"id": 2, "name": "Octavia E. Butler", "born": 1947},
        ],
    )
    return connection


@pytest.mark.task(1)
def test_orm_models_and_core_tables_share_one_metadata() -> None:
    shared = architecture.metadata
    assert architecture.Base.metadata is shared, (
        "Base.metadata should be the module's `metadata`, so that ORM models and Core tables "
        "are described in one place; it is a MetaData of its own"
    )
    names = sorted(shared.tables)
    assert names == ["authors", "shelves"], (
        f"`metadata` should hold the Core table `shelves` and the ORM model's table `authors`; it holds {names}"
    )


@pytest.mark.task(2)
def test_create_schema_creates_core_and_orm_tables_and_lists_what_the_database_has(
    connection: Connection,
) -> None:
    connection.execute(text(LEGACY_DDL))  # made by somebody else: not in `metadata`
    listed = architecture.create_schema(connection)
    present = tables_in(connection)
    assert present == ["authors", "legacy_orders", "shelves"], (
        f"create_schema() should create `authors` (ORM) and `shelves` (Core) next to the existing "
        f"`legacy_orders`; the database now has {present}"
    )
    assert list(listed) == present, (
        f"create_schema() should return the tables the *database* has, sorted: {present}. It returned "
        f"{listed!r}. MetaData only knows what Python declared; inspect(connection) asks the database."
    )


@pytest.mark.task(2)
def test_create_schema_works_inside_the_callers_transaction(connection: Connection) -> None:
    connection.execute(text(LEGACY_DDL))
    savepoint = connection.begin_nested()
    architecture.create_schema(connection)
    savepoint.rollback()  # undoes what was done on this connection since the savepoint
    present = tables_in(connection)
    assert present == ["legacy_orders"], (
        f"after rolling back this connection's savepoint, the new tables should be gone, but the database "
        f"has {present}: create the tables on the Connection you were given, not on another one from the Engine"
    )


@pytest.mark.task(3)
def test_open_session_is_bound_to_the_given_connection(with_authors: Connection) -> None:
    session = architecture.open_session(with_authors)
    try:
        assert isinstance(session, Session), (
            f"open_session() should return a Session, not {type(session).__name__}"
        )
        bind = session.get_bind()
        assert bind is with_authors, (
            f"session.get_bind() should be the Connection passed to open_session(), not {bind!r}: "
            "bind the Session to the connection itself, not to its engine"
        )
    finally:
        session.close()


@pytest.mark.task(3)
@pytest.mark.parametrize("name", ["N. K. Jemisin", "Ted Chiang"])
def test_open_session_writes_in_the_connections_transaction(with_authors: Connection, name: str) -> None:
    session = architecture.open_session(with_authors)
    try:
        session.add(architecture.Author(id=3, name=name, born=None))
        session.flush()
        seen = with_authors.execute(text("SELECT name FROM authors WHERE id = 3")).scalar_one_or_none()
    finally:
        session.close()
    assert seen == name, (
        f"an Author flushed by the session should be visible, uncommitted, on the same connection; "
        f"it saw {seen!r}. The Session must run its SQL on that connection."
    )


@pytest.mark.task(4)
def test_engine_behind_a_session_bound_to_an_engine(connection: Connection) -> None:
    engine = connection.engine
    with Session(bind=engine) as session:
        found = architecture.engine_behind(session)
    assert found is engine, f"a Session made with Session(engine) is backed by that engine; got {found!r}"


@pytest.mark.task(4)
def test_engine_behind_a_session_bound_to_a_connection(connection: Connection) -> None:
    with Session(bind=connection) as session:
        found = architecture.engine_behind(session)
    assert isinstance(found, Engine) and found is connection.engine, (
        f"a Session bound to a Connection is backed by the Engine that connection came from "
        f"(connection.engine), not by {found!r}"
    )


@pytest.mark.task(4)
def test_engine_behind_an_unbound_session_is_none() -> None:
    with Session() as session:
        found = architecture.engine_behind(session)
    assert found is None, f"a Session bound to nothing has no engine behind it: expected None, got {found!r}"


@pytest.mark.task(5)
def test_trace_follows_a_loaded_object_to_every_component(with_authors: Connection, session: Session) -> None:
    author = session.get(architecture.Author, 2)
    assert author is not None
    traced = architecture.trace(author)
    wanted = {
        "session": session,
        "connection": with_authors,
        "engine": with_authors.engine,
        "table": architecture.Author.__table__,
        "metadata": architecture.Author.__table__.metadata,
    }
    wrong = [f"{part} is {getattr(traced, part)!r}, expected {value!r}" for part, value in wanted.items()
             if getattr(traced, part) is not value]  # fmt: skip
    assert not wrong, (
        "trace() of an Author loaded by a session should lead to that session's components:\n"
        + "\n".join(wrong)
    )


@pytest.mark.task(5)
def test_trace_of_an_object_in_a_session_on_an_engine(connection: Connection) -> None:
    engine = connection.engine
    with Session(bind=engine) as session:
        author = architecture.Author(name="Ted Chiang")
        session.add(author)  # pending: in the session, not yet in the database
        traced = architecture.trace(author)
        assert traced.session is session, (
            f"the author was added to a session; trace() gave {traced.session!r}"
        )
        assert isinstance(traced.connection, Connection) and traced.connection.engine is engine, (
            f"trace().connection should be the Connection that session runs its SQL on, taken from the "
            f"session's engine, not {traced.connection!r}"
        )
        assert traced.engine is engine, (
            f"trace().engine should be the session's engine, not {traced.engine!r}"
        )


@pytest.mark.task(5)
def test_trace_of_an_object_in_no_session() -> None:
    author = architecture.Author(name="Ursula K. Le Guin")
    traced = architecture.trace(author)
    assert (traced.session, traced.connection, traced.engine) == (None, None, None), (
        "an Author that was never added to a session has no session, connection or engine; trace() gave "
        f"{(traced.session, traced.connection, traced.engine)}"
    )
    assert traced.table is architecture.Author.__table__, "even so, its class is mapped to the authors Table"
    assert traced.metadata is architecture.Author.__table__.metadata, "and that Table belongs to a MetaData"


class ReviewsBase(DeclarativeBase):
    """Another part of the code base, with a declarative base (and a MetaData) of its own."""


class Review(ReviewsBase):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    stars: Mapped[int]


@pytest.mark.task(5)
def test_trace_follows_any_mapped_object_not_only_authors(connection: Connection) -> None:
    with Session(bind=connection) as session:
        review = Review(stars=5)
        session.add(review)
        traced = architecture.trace(review)
        found = (traced.session, traced.connection, traced.engine, traced.table, traced.metadata)
    expected = (session, connection, connection.engine, Review.__table__, ReviewsBase.metadata)
    wrong = [f"{part} is {got!r}, expected {want!r}"
             for part, got, want in zip(("session", "connection", "engine", "table", "metadata"), found, expected)
             if got is not want]  # fmt: skip
    assert not wrong, (
        "trace() of a Review (a model of another declarative base, mapped to the `reviews` table) should "
        "find that object's own session, table and MetaData: ask the object (inspect(obj)), do not name "
        "Author or the module's `metadata`:\n" + "\n".join(wrong)
    )


@pytest.mark.task(6)
@pytest.mark.parametrize(
    ("ddl", "expected"),
    [
        pytest.param(
            ["CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100))"],
            {"authors": {"born"}, "shelves": {"id", "label"}},
            id="authors lacks born, shelves missing",
        ),
        pytest.param([AUTHORS_DDL, SHELVES_DDL, LEGACY_DDL], {}, id="everything in place"),
        pytest.param(
            ["CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100), born INTEGER, nickname VARCHAR(50))",
             "CREATE TABLE shelves (id INTEGER PRIMARY KEY)"],
            {"shelves": {"label"}},
            id="extra column in authors, shelves lacks label",
        ),
        pytest.param([], {"authors": {"id", "name", "born"}, "shelves": {"id", "label"}}, id="empty database"),
    ],
)  # fmt: skip
def test_missing_columns_compares_metadata_with_the_database(
    connection: Connection, ddl: list[str], expected: dict[str, set[str]]
) -> None:
    for statement in ddl:
        connection.execute(text(statement))
    found = architecture.missing_columns(connection)
    assert {table: set(columns) for table, columns in found.items()} == expected, (
        f"missing_columns() should list, per table of `metadata` (authors and shelves: task 1 puts both "
        f"there), the declared columns the database lacks, leaving out complete tables: expected "
        f"{expected}, got {found!r}"
    )
