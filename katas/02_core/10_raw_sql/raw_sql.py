"""Kata 2.10: raw SQL, safely — text() with bound and typed parameters, typed result columns,
driver-level SQL, and bulk changes that no hostile string can turn into SQL.

The accounts team's table:

    invoices(id INTEGER PRIMARY KEY, customer VARCHAR(100) NOT NULL, amount NUMERIC(10, 2) NOT NULL,
             issued DATE NOT NULL, status VARCHAR(10) NOT NULL,   -- 'open', 'paid' or 'void'
             note VARCHAR(500) NULL)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Enum,
    Integer,
    Numeric,
    Row,
    String,
    TextClause,
    bindparam,
    text,
)


class InvoiceStatus(enum.Enum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"


# The SQLAlchemy type of the status column: the database holds the values ('open', 'paid',
# 'void') as plain strings; a result column of this type comes back as an InvoiceStatus.
STATUS = Enum(
    InvoiceStatus,
    values_callable=lambda statuses: [status.value for status in statuses],
    native_enum=False,
    length=10,
)


def open_invoices_statement(customer: str, issued_before: date) -> TextClause:
    """A ready-to-run statement: ids of this customer's OPEN invoices issued before that date, by id.

    The scheduler runs it later with `connection.execute(statement)` and no parameters, so the
    values travel inside the statement, as bound parameters (never pasted into the SQL text).
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def invoices_since(connection: Connection, since: date) -> Sequence[Row[Any]]:
    """All invoices issued on or after `since`, ordered by issued date then id, as typed rows.

    Each row has the attributes id (int), customer (str), amount (Decimal), issued (date) and
    status (InvoiceStatus): raw SQL, but with result types declared through `TextClause.columns()`.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def open_invoice_count(connection: Connection, customer: str) -> int:
    """How many OPEN invoices the customer has, sent with `Connection.exec_driver_sql`.

    Driver SQL skips SQLAlchemy's compiler: write the placeholder the DBAPI driver understands
    (`connection.dialect.paramstyle`: 'qmark' is `?` for sqlite3, 'pyformat' is `%(name)s` for
    psycopg) and still pass the customer as a parameter.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def mark_paid(connection: Connection, invoice_ids: Sequence[int]) -> int:
    """Mark the OPEN invoices among `invoice_ids` as paid, in ONE raw UPDATE; return how many changed.

    Ids that do not exist, or whose invoice is not open, change nothing. An empty list changes
    nothing and returns 0. The ids travel as bound parameters, never inside the SQL text.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def set_notes(connection: Connection, notes: Mapping[int, str]) -> None:
    """Set the note of several invoices at once ({invoice id: note}) with ONE executemany UPDATE.

    The notes are typed by people and may contain anything (quotes, semicolons, SQL): they must
    arrive as bound parameters. An empty mapping sends nothing at all.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
