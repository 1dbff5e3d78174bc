"""Kata 2.3: constraints — let the database refuse bad data, and name every rule it enforces.

The registrar's office keeps students, courses (one row per course *per term*) and enrollments.
The rules live in the schema, where no code path can forget them; the names follow the
convention below, so that error messages and migrations can refer to them.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    exc,
    insert,
)

metadata = MetaData()  # TODO (task 1): give it a naming convention

# TODO (tasks 1-3): define the students, courses and enrollments tables on this metadata.


def try_enroll(connection: Connection, student_id: int, course_code: str, term: str) -> bool:
    """Enroll a student; return True, or False when a constraint refuses it (IntegrityError).

    The caller's transaction must stay usable and keep its earlier work, on every backend.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
