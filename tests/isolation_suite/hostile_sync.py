"""Learner code at its worst, on the sync fixtures. Each test does damage; the referee checks the next one."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

ROUNDS = pytest.mark.parametrize("round_", range(3))

metadata = MetaData()
notes = Table("learner_notes", metadata, Column("id", Integer, primary_key=True), Column("body", String(50)))


class Base(DeclarativeBase):
    pass


class Pupil(Base):
    __tablename__ = "learner_pupils"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(50), unique=True)


def count(conn, table: str = "learner_notes") -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@ROUNDS
def test_connection_commit_of_the_outer_transaction(connection, round_) -> None:
    metadata.create_all(connection)
    connection.execute(insert(notes), [{"body": "a"}, {"body": "b"}])
    connection.commit()  # commits the fixture's own transaction: the harness must still clean up
    connection.execute(insert(notes), {"body": "c"})
    assert count(connection) == 3


@ROUNDS
def test_raw_ddl_and_rows_on_the_connection(connection, round_) -> None:
    connection.exec_driver_sql("CREATE TABLE learner_raw (x INTEGER)")
    connection.exec_driver_sql("INSERT INTO learner_raw VALUES (1)")
    assert count(connection, "learner_raw") == 1


@ROUNDS
def test_rollback_then_more_work_then_commit(connection, round_) -> None:
    metadata.create_all(connection)
    connection.rollback()
    metadata.create_all(connection)
    connection.execute(insert(notes), {"body": "kept?"})
    connection.commit()
    assert count(connection) == 1


@ROUNDS
def test_closing_the_fixture_connection(connection, round_) -> None:
    metadata.create_all(connection)
    connection.close()
    assert connection.closed


@ROUNDS
def test_an_error_mid_transaction_left_unhandled_by_the_code(connection, round_) -> None:
    metadata.create_all(connection)
    with pytest.raises(DBAPIError):
        connection.exec_driver_sql("SELECT * FROM no_such_table")
    # PostgreSQL now refuses every statement until a rollback; teardown must cope.


@ROUNDS
def test_savepoint_released_and_left_open(connection, round_) -> None:
    metadata.create_all(connection)
    with connection.begin_nested():
        connection.execute(insert(notes), {"body": "in savepoint"})
    connection.begin_nested()  # never closed
    connection.execute(insert(notes), {"body": "in open savepoint"})
    assert count(connection) == 2


@ROUNDS
def test_a_second_connection_from_connection_engine_commits(connection, round_) -> None:
    with connection.engine.begin() as other:
        metadata.create_all(other)
        other.execute(insert(notes), {"body": "escaped"})


@ROUNDS
def test_a_listener_added_to_connection_engine(connection, round_) -> None:
    from tests.isolation_suite.conftest import LISTENER_FIRED

    @event.listens_for(connection.engine, "before_cursor_execute")
    def spy(*_args: object) -> None:
        LISTENER_FIRED.write_text("a learner's listener outlived its test")

    connection.exec_driver_sql("SELECT 1")
    assert LISTENER_FIRED.exists()
    LISTENER_FIRED.unlink()


@ROUNDS
def test_session_commit_rollback_and_savepoints(session: Session, round_) -> None:
    Base.metadata.create_all(session.connection())
    session.add(Pupil(email="a@example.com"))
    session.commit()
    session.add(Pupil(email="b@example.com"))
    session.rollback()
    with session.begin_nested():
        session.add(Pupil(email="c@example.com"))
    session.commit()
    assert session.scalars(select(Pupil.email).order_by(Pupil.email)).all() == ["a@example.com", "c@example.com"]


@ROUNDS
def test_session_integrity_error_mid_flush_then_recovery(session: Session, round_) -> None:
    Base.metadata.create_all(session.connection())
    session.add(Pupil(email="same@example.com"))
    session.commit()
    session.add(Pupil(email="same@example.com"))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    session.add(Pupil(email="other@example.com"))
    session.commit()
    assert count(session.connection(), "learner_pupils") == 2


@ROUNDS
def test_session_close_and_reuse(session: Session, round_) -> None:
    Base.metadata.create_all(session.connection())
    session.add(Pupil(email="x@example.com"))
    session.commit()
    session.close()
    session.add(Pupil(email="y@example.com"))
    session.commit()


@ROUNDS
def test_session_connection_commit(session: Session, round_) -> None:
    Base.metadata.create_all(session.connection())
    session.add(Pupil(email="x@example.com"))
    session.flush()
    session.connection().commit()  # the root transaction, under the session's feet


@ROUNDS
def test_engine_create_all_and_commits(engine: Engine, round_) -> None:
    metadata.create_all(engine)
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(notes), {"body": "committed"})
    with engine.connect() as conn:
        conn.execute(insert(notes), {"body": "committed too"})
        conn.commit()
    with Session(engine) as orm:
        orm.add(Pupil(email="z@example.com"))
        orm.commit()
    with engine.connect() as conn:
        assert count(conn) == 2


@ROUNDS
def test_engine_leaks_an_open_transaction_holding_locks(engine: Engine, round_) -> None:
    metadata.create_all(engine)
    leaked = engine.connect()  # never closed
    leaked.execute(insert(notes), {"body": "uncommitted, locked"})


_KEPT_ALIVE: list[object] = []  # a leak that outlives the test, as a module-level cache would


@ROUNDS
def test_engine_session_left_open_holding_a_write_lock(engine: Engine, round_) -> None:
    Base.metadata.create_all(engine)
    leaked = Session(engine)
    leaked.add(Pupil(email="locked@example.com"))
    leaked.flush()  # on SQLite this connection now holds the write lock
    _KEPT_ALIVE.append(leaked)


@ROUNDS
def test_engine_raw_ddl_in_autocommit_and_a_schema(engine: Engine, round_) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CREATE TABLE learner_auto (x INTEGER)")
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("CREATE SCHEMA learner_tenant")
            conn.exec_driver_sql("CREATE TABLE learner_tenant.t (x INTEGER)")
            conn.exec_driver_sql("CREATE TYPE learner_mood AS ENUM ('ok', 'meh')")


@ROUNDS
def test_engine_and_connection_together(engine: Engine, connection, round_) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(insert(notes), {"body": "committed"})
    # the fixture connection sees committed data, inside its own transaction
    connection.execute(insert(notes), {"body": "rolled back"})
    assert count(connection) == 2


@ROUNDS
def test_engine_disposed_by_the_learner(engine: Engine, round_) -> None:
    metadata.create_all(engine)
    engine.dispose()
    with engine.begin() as conn:
        conn.execute(insert(notes), {"body": "after dispose"})
