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

    # BEGIN SOLUTION
    # declared_attr.directive: evaluated for each class that is mapped, with that class as `cls`.
    @declared_attr.directive
    def __tablename__(cls: type[Any]) -> str | None:
        if has_inherited_table(cls):
            return None  # single-table inheritance: no table of its own
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        return snake + "s"
    # END SOLUTION
    # BEGIN STUB
    # # TODO: a __tablename__ computed for each class (see the docstring)
    # END STUB


class TimestampMixin:
    """`created_at` (set when the row is inserted) and `updated_at` (set at insert, and again by
    every UPDATE of the row): both NOT NULL, timezone-aware DateTime columns."""

    # BEGIN SOLUTION
    # Plain mapped_column() attributes on a mixin are copied into each class that uses it.
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime(timezone=True), default=utc_now)
    # onupdate: the ORM adds this column to every UPDATE it sends for the row.
    updated_at: Mapped[datetime.datetime] = mapped_column(
        DateTime(timezone=True), default=utc_now, onupdate=utc_now
    )
    # END SOLUTION
    # BEGIN STUB
    # # TODO: created_at and updated_at
    # END STUB


class SoftDeleteMixin:
    """A nullable, indexed `deleted_at` (timezone-aware DateTime): a row is deleted when it is set."""

    # BEGIN SOLUTION
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime(timezone=True), index=True, default=None)
    # END SOLUTION
    # BEGIN STUB
    # # TODO: deleted_at
    # END STUB

    def soft_delete(self) -> None:
        """Mark the object deleted (deleted_at = now); the row stays in the table."""
        # BEGIN SOLUTION
        self.deleted_at = utc_now()
        # END SOLUTION

    def restore(self) -> None:
        """Undo soft_delete()."""
        # BEGIN SOLUTION
        self.deleted_at = None
        # END SOLUTION

    @property
    def is_deleted(self) -> bool:
        """True once soft_delete() was called (and not restored)."""
        # BEGIN SOLUTION
        return self.deleted_at is not None
        # END SOLUTION

    @classmethod
    def active(cls) -> Select[Any]:
        """`select(<this class>)` of the rows that are not soft-deleted."""
        # BEGIN SOLUTION
        return select(cls).where(cls.deleted_at.is_(None))
        # END SOLUTION


class OwnedMixin:
    """`owner_id` (NOT NULL, a foreign key to users.id) and `owner`, a many-to-one relationship to the
    mapped class named `User` (table `users`), for every class that uses the mixin."""

    # BEGIN SOLUTION
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    # A relationship() cannot be copied from class to class like a column: declared_attr makes a
    # new one for each class that uses the mixin.
    @declared_attr
    def owner(cls) -> Mapped[Any]:
        return relationship("User")
    # END SOLUTION
    # BEGIN STUB
    # # TODO: owner_id and owner
    # END STUB
