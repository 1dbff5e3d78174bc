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

# BEGIN SOLUTION
# Keys are constraint kinds; %(...)s tokens are filled in from the table and its columns.
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    # %(constraint_name)s: a check constraint must be given its own short name, then prefixed.
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "ix": "ix_%(column_0_label)s",
}

# Every constraint of every table on this MetaData gets its name from the convention.
metadata = MetaData(naming_convention=NAMING_CONVENTION)

students = Table(
    "students",
    metadata,
    Column("id", Integer),
    Column("email", String(200), nullable=False),
    Column("name", String(100), nullable=False),
    PrimaryKeyConstraint("id"),
    UniqueConstraint("email"),
)

courses = Table(
    "courses",
    metadata,
    Column("code", String(10)),
    Column("term", String(6)),
    Column("title", String(200), nullable=False),
    Column("capacity", Integer, nullable=False),
    # A composite primary key: the same course code runs again next term, as another row.
    PrimaryKeyConstraint("code", "term"),
    CheckConstraint("capacity > 0", name="capacity_positive"),
)

enrollments = Table(
    "enrollments",
    metadata,
    Column("student_id", Integer),
    Column("course_code", String(10)),
    Column("term", String(6)),
    Column("grade", Integer, nullable=True),  # NULL until the course is graded
    PrimaryKeyConstraint("student_id", "course_code", "term"),  # enrolled once per course and term
    # ON DELETE CASCADE: deleting a student deletes their enrollments in the same statement.
    ForeignKeyConstraint(["student_id"], ["students.id"], ondelete="CASCADE"),
    # A composite foreign key: the PAIR (course_code, term) must exist in courses. Two separate
    # foreign keys could not say that (and neither column is unique on its own).
    ForeignKeyConstraint(["course_code", "term"], ["courses.code", "courses.term"]),
    # NULL passes a CHECK (it is not false), so ungraded enrollments are allowed.
    CheckConstraint("grade BETWEEN 0 AND 100", name="grade_range"),
)
# END SOLUTION
# BEGIN STUB
# metadata = MetaData()  # TODO (task 1): give it a naming convention
#
# # TODO (tasks 1-3): define the students, courses and enrollments tables on this metadata.
# END STUB


def try_enroll(connection: Connection, student_id: int, course_code: str, term: str) -> bool:
    """Enroll a student; return True, or False when a constraint refuses it (IntegrityError).

    The caller's transaction must stay usable and keep its earlier work, on every backend.
    """
    # BEGIN SOLUTION
    row = {"student_id": student_id, "course_code": course_code, "term": term}
    try:
        # A savepoint: if the INSERT fails, only the savepoint is rolled back. PostgreSQL would
        # otherwise refuse every further statement of the transaction ("current transaction is
        # aborted"), and connection.rollback() would throw away the caller's earlier work.
        with connection.begin_nested():
            connection.execute(insert(enrollments), row)
    except exc.IntegrityError:
        return False
    return True
    # END SOLUTION
