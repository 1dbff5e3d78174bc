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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def render_sql(statement: ClauseElement, dialect: Dialect) -> str:
    """The SQL of `statement` as `dialect` writes it, with every bound value written in as a
    literal (no placeholders): for a log line or a bug report, never for executing.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


# (helpers of your own may go here)


def query_plan(connection: Connection, statement: Executable) -> list[str]:
    """How the database would run `statement`, as lines of text, WITHOUT running it.

    SQLite: `EXPLAIN QUERY PLAN`, one line per row (its `detail` column, e.g. "SEARCH items USING
    INDEX ix_items_sku (sku=?)"). PostgreSQL: `EXPLAIN`, one line per row ("Index Scan using
    ix_items_sku on items ..."). The statement keeps its bound parameters (an `in_()` list too).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def indexes_used(connection: Connection, statement: Executable) -> set[str]:
    """The names of the indexes the plan of `statement` uses (an empty set: none), without running it.

    SQLite: the names in `USING INDEX name` / `USING COVERING INDEX name` of the query plan.
    PostgreSQL: every "Index Name" in `EXPLAIN (FORMAT JSON)`, at any depth of the plan tree.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


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
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def slowest(self, n: int = 1) -> list[tuple[str, float]]:
        """The `n` slowest (sql, seconds), slowest first."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    # (your listener methods go here)
