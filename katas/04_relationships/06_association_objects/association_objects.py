"""Kata 4.6: association objects — a many-to-many whose link has columns of its own.

Students and courses are given. An enrollment links one student to one course AND carries a
grade: it is a mapped class, not a plain secondary table. `association_proxy` then gives back
the convenience of `student.courses`.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, contains_eager, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # TODO (task 1): `enrollments`, the student's Enrollment objects
    # TODO (task 2): `courses`, the student's courses, through the enrollments

    def __repr__(self) -> str:
        return f"Student({self.name!r})"


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # TODO (task 1): `enrollments`, the course's Enrollment objects
    # TODO (task 2): `students`, the course's students, through the enrollments

    def __repr__(self) -> str:
        return f"Course({self.code!r})"


class Enrollment(Base):
    """One student in one course, with the grade (None until graded)."""

    __tablename__ = "enrollments"

    # A mapped class needs a primary key to import at all; this one is a placeholder.
    # TODO (task 1): what identifies an enrollment, so that nobody is enrolled twice in a course?
    id: Mapped[int] = mapped_column(primary_key=True)
    # TODO (task 1): student_id, course_id, grade; `student` and `course`


def record_grades(session: Session, course_code: str, grades: Mapping[str, int]) -> None:
    """Set the grades of that course's students, given as {student name: grade}, then flush.

    Raise LookupError (and change nothing) if a name is not enrolled in the course. At most two
    SELECTs, however many grades.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def honour_roll(session: Session, course_code: str, minimum: int) -> list[str]:
    """Names of the course's students whose grade is at least `minimum`, sorted; one statement."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
