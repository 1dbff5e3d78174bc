"""The `queries` fixture: what it counts, what it leaves out, and what its failures say."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, text
from sqlalchemy.orm import Session

from fixtures.recording import QueryLog


def test_counts_the_tests_statements_but_not_transaction_control(session: Session, queries: QueryLog) -> None:
    session.execute(text("CREATE TABLE t (x INTEGER)"))
    with session.begin_nested():  # SAVEPOINT / RELEASE are isolation, not queries
        session.execute(text("INSERT INTO t VALUES (1)"))
    session.commit()
    assert queries.count == 2, queries.listing()
    assert any(s.is_transaction_control for s in queries.all_statements), "SAVEPOINT is still recorded"


def test_fixture_set_up_is_not_counted(connection: Connection, queries: QueryLog) -> None:
    assert queries.count == 0, "the connection fixture's BEGIN and the set-up of other fixtures are not the test's"


def test_an_executemany_is_one_statement_with_its_parameter_sets(connection: Connection, queries: QueryLog) -> None:
    connection.execute(text("CREATE TABLE t (x INTEGER)"))
    queries.clear()
    connection.execute(text("INSERT INTO t VALUES (:x)"), [{"x": 1}, {"x": 2}, {"x": 3}])
    assert queries.count == 1 and queries.statements[0].executemany, queries.listing()
    assert "executemany, 3 rows: {'x': 1}, {'x': 2}, {'x': 3}" in queries.listing() or "executemany, 3 rows: (1,), (2,), (3,)" in queries.listing(), queries.listing()


def test_statements_from_the_engine_fixture_are_recorded_too(engine: Engine, queries: QueryLog) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert queries.sql == ["SELECT 1"]


def test_a_budget_failure_lists_the_statements(connection: Connection, queries: QueryLog) -> None:
    connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with pytest.raises(AssertionError) as failure:
        with queries.budget(1, because="one query for all rows"):
            for x in range(3):
                connection.execute(text("SELECT :x"), {"x": x})
    message = str(failure.value)
    assert message.startswith("Expected at most 1 statement (one query for all rows), but the code sent 3 statements:")
    assert message.count("SELECT") == 3 and "params:" in message


def test_assert_count_and_matching(connection: Connection, queries: QueryLog) -> None:
    connection.execute(text("SELECT 1"))
    connection.execute(text("SELECT 2"))
    queries.assert_count(2)
    queries.assert_at_least(1)
    assert len(queries.matching(r"select\s+2")) == 1
    with pytest.raises(AssertionError, match="Expected 3 statements"):
        queries.assert_count(3)


def test_values_sent_show_what_was_bound_and_not_what_was_pasted(connection: Connection, queries: QueryLog) -> None:
    connection.execute(text("CREATE TABLE t (x VARCHAR(20))"))
    queries.clear()
    connection.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "bound"}, {"x": "also bound"}])
    connection.execute(text("SELECT * FROM t WHERE x = 'pasted'"))
    assert queries.values_sent() == ["bound", "also bound"]
    assert queries.statements[1].values == []


def test_paused_leaves_the_tests_own_checks_out(connection: Connection, queries: QueryLog) -> None:
    connection.execute(text("SELECT 1"))
    with queries.paused():
        connection.execute(text("SELECT 2"))
    connection.execute(text("SELECT 3"))
    assert queries.sql == ["SELECT 1", "SELECT 3"]


def test_an_insertmanyvalues_batch_is_one_statement_with_its_rows(connection: Connection, queries: QueryLog) -> None:
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))
    table.create(connection)
    queries.clear()
    connection.execute(insert(table).returning(table.c.id), [{"name": "a"}, {"name": "b"}, {"name": "c"}])
    assert queries.count == 1, queries.listing()
    shown = queries.statements[0].describe()
    if connection.dialect.name == "sqlite":
        assert shown == "INSERT INTO t (name) VALUES (?), (?), (?) RETURNING id\n     params: ('a', 'b', 'c')", shown
    assert "parameter sets" not in shown and "rows:" not in shown, shown
