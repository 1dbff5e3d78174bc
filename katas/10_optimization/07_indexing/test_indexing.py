"""Tests for kata 10.7, indexing. Run: pytest katas/10_optimization/07_indexing

Each test makes the tables from your model, fills them with 400 tickets, runs one of the given
queries, and asks the database for the plan of the very statement the query sent (SQLite:
EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN (FORMAT JSON)). The plans are read by index name. On
PostgreSQL the tests first run `SET LOCAL enable_seqscan = off` (and `jit = off`): on a table
this small the planner would otherwise prefer to read it whole; with it, it uses an index
wherever one fits, so a plan without your index means the index does not fit the query.
"""

from __future__ import annotations

import datetime
import random
import re
from typing import Any

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

indexing = learner_module(__file__, "indexing")

START = datetime.datetime(2026, 1, 1, 9, 0)


def prepare(session: Session) -> list[dict[str, Any]]:
    """Your tables, 400 tickets (a few open ones), and a planner that uses indexes where they fit."""
    indexing.Base.metadata.create_all(session.connection())
    rng = random.Random(7)
    rows = [
        {
            "id": i,
            "reference": f"T-{i:05d}",
            "customer_id": rng.randint(1, 40),
            "email": rng.choice(["Ann@Example.com", "bob@example.com", "CAROL@example.org"]),
            "created_at": START + datetime.timedelta(hours=rng.randint(0, 5000)),
            "priority": rng.randint(1, 5),
            "is_open": i % 10 == 0,
            "subject": "help",
        }
        for i in range(1, 401)
    ]
    session.execute(insert(indexing.Ticket), rows)
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL jit = off"))
    return rows


class Plan:
    """The plan of the last SELECT the code sent."""

    def __init__(self, session: Session, queries: Any) -> None:
        selects = queries.matching(r"^\s*SELECT")
        assert selects, "the query sent no SELECT"
        sent = selects[-1]
        connection = session.connection()
        self.dialect = connection.dialect.name
        with queries.paused():
            if self.dialect == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sent.sql}", sent.params).all()
                self.lines = [str(row[3]) for row in rows]
                self.nodes: list[dict[str, Any]] = []
            else:
                document = connection.exec_driver_sql(
                    f"EXPLAIN (FORMAT JSON) {sent.sql}", sent.params
                ).scalar_one()
                self.nodes = []
                stack = [document[0]["Plan"]]
                while stack:
                    node = stack.pop()
                    self.nodes.append(node)
                    stack.extend(node.get("Plans", []))
                self.lines = [
                    f"{n['Node Type']}"
                    + (f" using {n['Index Name']}" if "Index Name" in n else "")
                    + (f" [{n.get('Index Cond', '')}]" if "Index Cond" in n else "")
                    for n in self.nodes
                ]

    def uses(self, index: str) -> bool:
        if self.dialect == "sqlite":
            return any(f"INDEX {index} " in f"{line} " for line in self.lines)
        return any(node.get("Index Name") == index for node in self.nodes)

    def condition_on(self, index: str) -> str:
        """What the index is searched by (SQLite: "(customer_id=?)"; PostgreSQL: its Index Cond)."""
        if self.dialect == "sqlite":
            return " ".join(line for line in self.lines if f"INDEX {index} " in f"{line} ")
        return " ".join(str(n.get("Index Cond", "")) for n in self.nodes if n.get("Index Name") == index)

    def sorts(self) -> bool:
        if self.dialect == "sqlite":
            return any("TEMP B-TREE" in line for line in self.lines)
        return any(node["Node Type"] in ("Sort", "Incremental Sort") for node in self.nodes)

    def __str__(self) -> str:
        return "\n    ".join(["", *self.lines])


def index_definition(session: Session, name: str) -> str | None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).scalar()
    return connection.execute(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": name}
    ).scalar()


def assert_uses(plan: Plan, index: str, query: str) -> None:
    __tracebackhide__ = True
    assert plan.uses(index), (
        f"{query} should be answered with the index {index}, but its plan does not use it:{plan}\n"
        f"Declare Index({index!r}, ...) in Ticket.__table_args__ (the README says on which columns)"
    )


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_reference_lookup_uses_its_index(session: Session, queries: Any) -> None:
    prepare(session)
    queries.clear()
    ticket = indexing.find_by_reference(session, "T-00123")
    assert ticket is not None and ticket.id == 123, "find_by_reference('T-00123') should find ticket 123"
    assert_uses(Plan(session, queries), "ix_tickets_reference", "find_by_reference()")


@pytest.mark.task(1)
def test_reference_index_is_unique(session: Session) -> None:
    prepare(session)
    definition = index_definition(session, "ix_tickets_reference") or ""
    assert "UNIQUE" in definition.upper(), (
        f"ix_tickets_reference should be a UNIQUE index (unique=True): two tickets never share a reference; its "
        f"definition is {definition or 'missing'}"
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(indexing.Ticket).values(
                id=1000,
                reference="T-00007",
                customer_id=1,
                email="x@example.com",
                created_at=START,
                priority=1,
                is_open=False,
                subject="duplicate",
            )
        )


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_customer_history_searches_by_customer_in_date_order(session: Session, queries: Any) -> None:
    rows = prepare(session)
    queries.clear()
    history = indexing.customer_history(session, 17)
    mine = sorted((r for r in rows if r["customer_id"] == 17), key=lambda r: r["created_at"], reverse=True)
    assert [t.id for t in history] == [r["id"] for r in mine[:10]], (
        "customer_history() returned the wrong tickets"
    )
    plan = Plan(session, queries)
    assert_uses(plan, "ix_tickets_customer_created", "customer_history()")
    with queries.paused():
        definition = index_definition(session, "ix_tickets_customer_created") or ""
    assert re.search(r"\(\s*customer_id\s*,\s*created_at\b", definition), (
        "ix_tickets_customer_created should be on (customer_id, created_at), in that order; its definition is "
        f"{definition or 'missing'}. "
        "With created_at first, finding one customer's tickets means reading the whole index"
    )
    condition = plan.condition_on("ix_tickets_customer_created")
    assert "customer_id" in condition, (
        "ix_tickets_customer_created should be SEARCHED by customer_id (its first column), not scanned whole; "
        f"the plan says:{plan}\nIn a compound index the column tested with = comes first, the column sorted on next"
    )
    assert not plan.sorts(), (
        f"the plan still sorts the customer's tickets by date:{plan}\nWith (customer_id, created_at) the index "
        "holds each customer's tickets in date order already: no sort step is needed"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_open_queue_uses_the_partial_index(session: Session, queries: Any) -> None:
    rows = prepare(session)
    queries.clear()
    queue = indexing.open_queue(session, 4)
    expected = sorted(
        (r for r in rows if r["is_open"] and r["priority"] >= 4), key=lambda r: (-r["priority"], r["id"])
    )
    assert [t.id for t in queue] == [r["id"] for r in expected], "open_queue() returned the wrong tickets"
    assert_uses(Plan(session, queries), "ix_tickets_open_priority", "open_queue()")


@pytest.mark.task(3)
def test_open_priority_index_holds_only_open_tickets(session: Session) -> None:
    prepare(session)
    definition = index_definition(session, "ix_tickets_open_priority") or ""
    assert " WHERE " in definition.upper() and "is_open" in definition, (
        "ix_tickets_open_priority should be a PARTIAL index, of the open tickets only (a few percent of the "
        f"table): sqlite_where= and postgresql_where=; its definition is {definition or 'missing'}"
    )


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("email", ["ann@example.com", "Carol@Example.org"])
def test_email_lookup_uses_the_expression_index(session: Session, queries: Any, email: str) -> None:
    rows = prepare(session)
    queries.clear()
    found = indexing.find_by_email(session, email)
    assert [t.id for t in found] == [r["id"] for r in rows if r["email"].lower() == email.lower()], (
        "find_by_email() returned the wrong tickets"
    )
    assert_uses(Plan(session, queries), "ix_tickets_email_lower", "find_by_email()")
