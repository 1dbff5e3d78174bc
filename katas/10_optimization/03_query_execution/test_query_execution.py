"""Tests for kata 10.3, query execution. Run: pytest katas/10_optimization/03_query_execution

The plans are read by index name. On PostgreSQL the planner prefers a sequential scan on tables
this small, so the plan tests first say `SET LOCAL enable_seqscan = off` (and `jit = off`) in the
test's transaction: then it uses an index wherever one fits, and a plan that still names no
index means that no index fits.
"""

from __future__ import annotations

import random
import time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from fixtures.target import learner_module

query_execution = learner_module(__file__, "query_execution")

schema = MetaData()
items = Table(
    "items",
    schema,
    Column("id", Integer, primary_key=True),
    Column("sku", String(20)),
    Column("name", String(100)),
    Column("category", String(50)),
    Column("price", Numeric(10, 2)),
    Column("active", Boolean),
    Index("ix_items_sku", "sku"),
    Index("ix_items_category_price", "category", "price"),
)


@pytest.fixture
def catalogue(connection: Connection) -> Connection:
    """The items table with 200 rows, and (PostgreSQL) a planner that uses an index wherever one fits."""
    schema.create_all(connection)
    rng = random.Random(3)
    connection.execute(
        insert(items),
        [
            {
                "sku": f"S{i:04d}",
                "name": f"Item {i}",
                "category": rng.choice(["tea", "kitchen", "books"]),
                "price": Decimal(rng.randint(100, 9999)) / 100,
                "active": i % 3 != 0,
            }
            for i in range(200)
        ],
    )
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        connection.exec_driver_sql("SET LOCAL jit = off")
    return connection


def Item() -> Any:
    return query_execution.Item


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
@pytest.mark.parametrize("rows", [False, True], ids=["statements", "statements and rows"])
def test_echo_engine_logs_what_it_sends(
    database_url: str, caplog: pytest.LogCaptureFixture, rows: bool
) -> None:
    engine = query_execution.echo_engine(database_url, rows=rows)
    try:
        assert engine.url.render_as_string(hide_password=False) == database_url, (
            f"echo_engine() should connect to the URL it is given ({database_url}), not {engine.url}"
        )
        with engine.connect() as conn:
            conn.execute(text("SELECT 'kata-echo-42' AS marker")).all()
    finally:
        engine.dispose()
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("sqlalchemy.engine")]
    assert any("kata-echo-42" in m and "SELECT" in m for m in messages), (
        "the engine should log each statement it sends through the sqlalchemy.engine logger: "
        f"create_engine(url, echo=True). Logged: {messages[:5]}"
    )
    row_lines = [m for m in messages if m.startswith("Row")]
    if rows:
        assert any("kata-echo-42" in m for m in row_lines), (
            "with rows=True the engine should also log each row received (echo='debug' logs 'Row (...)' "
            f"lines at DEBUG); logged: {messages[:8]}"
        )
    else:
        assert not row_lines, (
            f"with rows=False the engine should log statements only, not rows (echo=True, not 'debug'): {row_lines}"
        )


# -- task 2 -------------------------------------------------------------------------------------

DIALECTS = {"sqlite": sqlite.dialect, "postgresql": postgresql.dialect}


@pytest.mark.task(2)
@pytest.mark.parametrize("dialect_name", sorted(DIALECTS))
def test_render_sql_writes_the_values_in_the_dialects_own_sql(dialect_name: str) -> None:
    I = Item()
    statement = (
        select(I.sku)
        .where(I.active == True, I.name.ilike("o'neil%"), I.id.in_([3, 1]))
        .order_by(I.sku)
        .limit(5)
    )
    sql = query_execution.render_sql(statement, DIALECTS[dialect_name]())
    flat = " ".join(sql.split())
    for placeholder in ("?", "%(", ":name", ":param", "POSTCOMPILE"):
        assert placeholder not in flat, (
            f"render_sql() should write every value in as a literal, but the SQL still has a placeholder "
            f"({placeholder!r}): {flat}. compile_kwargs={{'literal_binds': True}}"
        )
    assert "IN (3, 1)" in flat and "LIMIT 5" in flat, (
        f"the in_() list and the limit should be written in: {flat}"
    )
    assert "'o''neil%" in flat, f"a quote in a string value is doubled inside the literal: {flat}"
    if dialect_name == "postgresql":
        expected = ["items.active = true", "items.name ILIKE 'o''neil%"]
    else:
        expected = ["items.active = 1", "lower(items.name) LIKE lower('o''neil%"]
    missing = [part for part in expected if part not in flat]
    assert not missing, (
        f"written by the {dialect_name} dialect the SQL should contain {expected} (each dialect writes booleans "
        f"and ilike() its own way); missing {missing} in: {flat}. Compile with the dialect you are given"
    )


@pytest.mark.task(2)
def test_render_sql_writes_dml_too() -> None:
    I = Item()
    statement = update(I).where(I.sku == "S0004").values(price=Decimal("9.50"))
    flat = " ".join(query_execution.render_sql(statement, sqlite.dialect()).split())
    assert flat == "UPDATE items SET price=9.50 WHERE items.sku = 'S0004'", (
        f'an UPDATE renders with its values in place: expected "UPDATE items SET price=9.50 WHERE items.sku = '
        f"'S0004'\", got {flat!r}"
    )


# -- task 3 -------------------------------------------------------------------------------------


def plan_text(plan: Any) -> str:
    assert isinstance(plan, list) and all(isinstance(line, str) for line in plan), (
        f"query_plan() should return a list of strings, one per line of the plan; got {plan!r}"
    )
    return "\n".join(plan)


@pytest.mark.task(3)
@pytest.mark.parametrize("lookup", ["one sku", "sku in a list"])
def test_query_plan_shows_the_sku_index(catalogue: Connection, queries: Any, lookup: str) -> None:
    I = Item()
    where = I.sku == "S0042" if lookup == "one sku" else I.sku.in_(["S0042", "S0007", "S0100"])
    plan = plan_text(query_execution.query_plan(catalogue, select(I).where(where)))
    assert "ix_items_sku" in plan, (
        f"a lookup by sku ({lookup}) should be planned with the index ix_items_sku; the plan was:\n{plan}\n"
        "SQLite: EXPLAIN QUERY PLAN (the 4th column of each row); PostgreSQL: EXPLAIN (one line per row). "
        "An in_() list needs compile_kwargs={'render_postcompile': True} to become real placeholders"
    )
    not_explain = [s.sql for s in queries.statements if not s.sql.lstrip().upper().startswith("EXPLAIN")]
    assert not not_explain, (
        f"query_plan() should only ask for the plan (EXPLAIN ...), never run the statement itself: {not_explain}"
    )
    written_in = [s.sql for s in queries.statements if "S0042" in s.sql]
    assert not written_in, (
        "query_plan() wrote the values into the SQL it explained: they should stay bound parameters (the plan of "
        "the statement your code really sends; literal_binds is for reading, and invites SQL injection): "
        f"{written_in[0]}"
    )


@pytest.mark.task(3)
def test_query_plan_of_a_range_on_the_compound_index(catalogue: Connection) -> None:
    I = Item()
    statement = select(I.id).where(I.category == "tea", I.price > Decimal(50))
    plan = plan_text(query_execution.query_plan(catalogue, statement))
    assert "ix_items_category_price" in plan, (
        f"category = ? AND price > ? should be planned with ix_items_category_price (category, price):\n{plan}"
    )


@pytest.mark.task(3)
def test_query_plan_of_a_column_without_index_names_none(catalogue: Connection) -> None:
    I = Item()
    plan = plan_text(query_execution.query_plan(catalogue, select(I).where(I.name == "Item 5")))
    assert plan.strip(), "query_plan() returned an empty plan"
    assert "ix_items" not in plan, (
        f"name has no index: the plan should scan the table, not name an index:\n{plan}"
    )


@pytest.mark.task(3)
def test_query_plan_never_runs_the_statement(catalogue: Connection, queries: Any) -> None:
    I = Item()
    query_execution.query_plan(catalogue, delete(I).where(I.category == "tea"))
    with queries.paused():
        left = catalogue.scalar(select(func.count()).select_from(items).where(items.c.category == "tea"))
    assert left and left > 0, (
        "planning a DELETE deleted the rows: query_plan() must only explain (SQLite EXPLAIN QUERY PLAN, "
        "PostgreSQL EXPLAIN without ANALYZE: EXPLAIN ANALYZE runs the statement)"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sku", {"ix_items_sku"}),
        ("category and price", {"ix_items_category_price"}),
        ("name", set()),
    ],
)
def test_indexes_used_names_the_indexes_of_the_plan(
    catalogue: Connection, queries: Any, query: str, expected: set[str]
) -> None:
    I = Item()
    where = {
        "sku": I.sku == "S0042",
        "category and price": (I.category == "books") & (I.price < Decimal(10)),
        "name": I.name == "Item 5",
    }[query]
    used = query_execution.indexes_used(catalogue, select(I.id, I.name).where(where))
    assert used == expected, f"a lookup by {query} should use the indexes {expected or 'none'}; got {used!r}"
    assert all(s.sql.lstrip().upper().startswith("EXPLAIN") for s in queries.statements), (
        "indexes_used() should only ask for the plan, never run the statement"
    )


@pytest.mark.task(4)
def test_indexes_used_looks_into_nested_plan_nodes(catalogue: Connection) -> None:
    I = Item()
    inner = select(I.category).where(I.sku == "S0042").scalar_subquery()
    statement = select(I.id).where(I.category == inner, I.price > Decimal(1))
    used = query_execution.indexes_used(catalogue, statement)
    assert {"ix_items_sku", "ix_items_category_price"} <= used, (
        "the subquery's lookup by sku and the outer lookup by category and price each use an index, at "
        f'different depths of the plan (PostgreSQL: look into every node\'s "Plans"); got {used!r}'
    )


# -- task 5 -------------------------------------------------------------------------------------


def slow_statement(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        return text("SELECT pg_sleep(0.15)")
    # SQLite has no sleep: count to 200,000 with a recursive CTE (tens of milliseconds).
    return text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) FROM c"
    )


@pytest.mark.task(5)
def test_timer_times_each_statement(catalogue: Connection) -> None:
    slow = slow_statement(catalogue)
    with query_execution.StatementTimer(catalogue) as timer:
        catalogue.execute(select(items.c.id).where(items.c.sku == "S0001")).all()
        started = time.perf_counter()
        catalogue.execute(slow).all()
        wall = time.perf_counter() - started
        catalogue.execute(insert(items), [{"sku": f"N{i}", "name": "n", "category": "x"} for i in range(30)])
        catalogue.execute(select(items.c.name).where(items.c.sku == "S0002")).all()
    timings = timer.timings
    assert len(timings) == 4, (
        f"4 statements were sent in the block (the INSERT of 30 rows is one executemany); the timer has "
        f"{len(timings)} timings: {[(s[:40], t) for s, t in timings]}"
    )
    sqls = [" ".join(s.split()) for s, _ in timings]
    assert (
        "sku" in sqls[0]
        and sqls[1].startswith(("SELECT pg_sleep", "WITH RECURSIVE"))
        and sqls[2].startswith("INSERT")
    ), f"timings should be (sql, seconds) in the order sent; got {sqls}"
    slow_time = timings[1][1]
    assert 0.5 * wall <= slow_time <= wall + 0.005, (
        f"the slow statement took {wall:.3f} s around connection.execute(); the timer says {slow_time:.3f} s. "
        "Time from before_cursor_execute to after_cursor_execute of the same statement, in seconds"
    )
    assert all(t < slow_time for _, t in (timings[0], timings[2], timings[3])), (
        f"the other statements are fast; their timings should be below the slow one's: {timings}"
    )
    assert timer.slowest(1) == [timings[1]], (
        f"slowest(1) should be [the slow statement's timing]: {timer.slowest(1)}"
    )
    assert [t for _, t in timer.slowest(3)] == sorted((t for _, t in timings), reverse=True)[:3], (
        "slowest(3) should be the 3 slowest timings, slowest first"
    )


@pytest.mark.task(5)
def test_timer_stops_listening_when_the_block_ends(catalogue: Connection) -> None:
    with pytest.raises(LookupError), query_execution.StatementTimer(catalogue) as timer:
        catalogue.execute(select(items.c.id)).all()
        raise LookupError("the block fails")
    catalogue.execute(select(items.c.name)).all()
    assert len(timer.timings) == 1, (
        f"one statement ran inside the block, another after it ended with an error; the timer has "
        f"{len(timer.timings)} timings. Remove both listeners in __exit__"
    )
