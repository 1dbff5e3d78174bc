"""Kata 10.3: query execution — see what SQLAlchemy sends, how the database runs it, and how long it takes.

The model is given: a catalogue of items with two indexes, `ix_items_sku` on the SKU and
`ix_items_category_price` on (category, price).
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from types import TracebackType
from typing import Any, cast

from sqlalchemy import Connection, Dialect, Engine, Executable, Index, Numeric, String, create_engine, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_sku", "sku"),
        Index("ix_items_category_price", "category", "price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    active: Mapped[bool]


def echo_engine(url: str, *, rows: bool = False) -> Engine:
    """An Engine on `url` that logs every statement it sends (through the `sqlalchemy.engine`
    logger, at INFO), and with `rows=True` also every row it receives (at DEBUG).
    """
    # BEGIN SOLUTION
    # echo=True logs SQL and parameters; echo="debug" adds the result rows.
    return create_engine(url, echo="debug" if rows else True)
    # END SOLUTION


def render_sql(statement: ClauseElement, dialect: Dialect) -> str:
    """The SQL of `statement` as `dialect` writes it, with every bound value written in as a
    literal (no placeholders): for a log line or a bug report, never for executing.
    """
    # BEGIN SOLUTION
    # Each dialect writes its own SQL (ILIKE vs lower() LIKE lower(), true vs 1); literal_binds
    # renders the values in place of the placeholders.
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    # END SOLUTION


# BEGIN SOLUTION
class _Explain(Executable, ClauseElement):
    """`EXPLAIN ...` in front of a statement, compiled and executed like any statement.

    Executed through `connection.execute()`, the statement's bound values go through their types'
    processing (a Decimal for a Numeric column becomes what the driver accepts) and `in_()` lists
    are expanded, which pasting `str(statement)` after "EXPLAIN" would not do.
    """

    inherit_cache = False  # a one-off construct: not worth caching its compiled form

    def __init__(self, statement: Executable, prefix: str) -> None:
        self.statement = cast(ClauseElement, statement)  # select(), delete(), ...: both kinds at once
        self.prefix = prefix


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.prefix} {compiler.process(element.statement, **kw)}"


def _run_explain(connection: Connection, statement: Executable, prefix: str) -> list[Any]:
    return list(connection.execute(_Explain(statement, prefix)))


# END SOLUTION
# BEGIN STUB
# # (helpers of your own may go here)
# END STUB


def query_plan(connection: Connection, statement: Executable) -> list[str]:
    """How the database would run `statement`, as lines of text, WITHOUT running it.

    SQLite: `EXPLAIN QUERY PLAN`, one line per row (its `detail` column, e.g. "SEARCH items USING
    INDEX ix_items_sku (sku=?)"). PostgreSQL: `EXPLAIN`, one line per row ("Index Scan using
    ix_items_sku on items ..."). The statement keeps its bound parameters (an `in_()` list too).
    """
    # BEGIN SOLUTION
    if connection.dialect.name == "sqlite":
        # Rows are (id, parent, notused, detail).
        return [str(row[3]) for row in _run_explain(connection, statement, "EXPLAIN QUERY PLAN")]
    # Plain EXPLAIN plans without running; EXPLAIN ANALYZE would run the statement.
    return [str(row[0]) for row in _run_explain(connection, statement, "EXPLAIN")]
    # END SOLUTION


def indexes_used(connection: Connection, statement: Executable) -> set[str]:
    """The names of the indexes the plan of `statement` uses (an empty set: none), without running it.

    SQLite: the names in `USING INDEX name` / `USING COVERING INDEX name` of the query plan.
    PostgreSQL: every "Index Name" in `EXPLAIN (FORMAT JSON)`, at any depth of the plan tree.
    """
    # BEGIN SOLUTION
    if connection.dialect.name == "sqlite":
        pattern = re.compile(r"USING (?:COVERING )?INDEX (\w+)")
        return {m.group(1) for line in query_plan(connection, statement) for m in pattern.finditer(line)}
    # psycopg hands the JSON column back already parsed: a list with one document.
    document = _run_explain(connection, statement, "EXPLAIN (FORMAT JSON)")[0][0]
    found: set[str] = set()
    nodes = [document[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Index Name" in node:
            found.add(node["Index Name"])
        nodes.extend(node.get("Plans", []))
    return found
    # END SOLUTION


class StatementTimer:
    """Times every statement sent through an Engine or Connection while active:

        with StatementTimer(connection) as timer:
            ...
        timer.timings        # [(sql, seconds), ...] in the order sent
        timer.slowest(3)     # the 3 slowest, slowest first

    A statement's time runs from `before_cursor_execute` to `after_cursor_execute`: the time the
    driver spent executing it. The listeners are removed when the block ends (also on an error).
    """

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind
        self.timings: list[tuple[str, float]] = []

    def __enter__(self) -> StatementTimer:
        # BEGIN SOLUTION
        event.listen(self.bind, "before_cursor_execute", self._before)
        event.listen(self.bind, "after_cursor_execute", self._after)
        return self
        # END SOLUTION

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # BEGIN SOLUTION
        event.remove(self.bind, "before_cursor_execute", self._before)
        event.remove(self.bind, "after_cursor_execute", self._after)
        # END SOLUTION

    def slowest(self, n: int = 1) -> list[tuple[str, float]]:
        """The `n` slowest (sql, seconds), slowest first."""
        # BEGIN SOLUTION
        return sorted(self.timings, key=lambda timing: timing[1], reverse=True)[:n]
        # END SOLUTION

    # BEGIN SOLUTION
    def _before(self, conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        # The recipe in SQLAlchemy's performance FAQ: a stack in conn.info, so a statement that
        # fails (no "after") cannot shift the next one's start.
        conn.info.setdefault("kata_query_start", []).append(time.perf_counter())

    def _after(self, conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info["kata_query_start"].pop()
        self.timings.append((statement, time.perf_counter() - started))

    # END SOLUTION
    # BEGIN STUB
    # # (your listener methods go here)
    # END STUB
