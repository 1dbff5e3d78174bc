"""Kata 9.5: mixins — reusable columns, relationships and naming for many models.

A document-management product has dozens of models, and every one of them needs the same
plumbing: a table name derived from the class name, created/updated timestamps, soft deletion,
an owner. Write it once, as mixins; a model then reads

    class Invoice(TablenameMixin, TimestampMixin, SoftDeleteMixin, OwnedMixin, Base): ...

(mixins first, the declarative Base last). The tests declare their own models with your mixins.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Select, select
from sqlalchemy.orm import Mapped, declared_attr, has_inherited_table, mapped_column, relationship


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class TablenameMixin:
    """`__tablename__` from the class name: CamelCase -> snake_case, plus 's'.

    `Book` -> 'books', `InvoiceLine` -> 'invoice_lines'. A subclass of a class that already has a
    table (single-table inheritance) gets no table name of its own: it stays in its parent's table.
    """

    # TODO: a __tablename__ computed for each class (see the docstring)


class TimestampMixin:
    """`created_at` (set when the row is inserted) and `updated_at` (set at insert, and again by
    every UPDATE of the row): both NOT NULL, timezone-aware DateTime columns."""

    # TODO: created_at and updated_at


class SoftDeleteMixin:
    """A nullable, indexed `deleted_at` (timezone-aware DateTime): a row is deleted when it is set."""

    # TODO: deleted_at

    def soft_delete(self) -> None:
        """Mark the object deleted (deleted_at = now); the row stays in the table."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    def restore(self) -> None:
        """Undo soft_delete()."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    @property
    def is_deleted(self) -> bool:
        """True once soft_delete() was called (and not restored)."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError

    @classmethod
    def active(cls) -> Select[Any]:
        """`select(<this class>)` of the rows that are not soft-deleted."""
        # TODO: your code here; the docstring above says what it must do.
        raise NotImplementedError


class OwnedMixin:
    """`owner_id` (NOT NULL, a foreign key to users.id) and `owner`, a many-to-one relationship to the
    mapped class named `User` (table `users`), for every class that uses the mixin."""

    # TODO: owner_id and owner
