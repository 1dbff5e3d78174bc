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
    # BEGIN SOLUTION
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="student", cascade="all, delete-orphan"
    )
    # Reading: the course of each enrollment. Appending a course: the creator makes the Enrollment.
    courses: AssociationProxy[list[Course]] = association_proxy(
        "enrollments", "course", creator=lambda course: Enrollment(course=course)
    )
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `enrollments`, the student's Enrollment objects
    # # TODO (task 2): `courses`, the student's courses, through the enrollments
    # END STUB

    def __repr__(self) -> str:
        return f"Student({self.name!r})"


class Course(Base):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # BEGIN SOLUTION
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="course", cascade="all, delete-orphan"
    )
    students: AssociationProxy[list[Student]] = association_proxy(
        "enrollments", "student", creator=lambda student: Enrollment(student=student)
    )
    # END SOLUTION
    # BEGIN STUB
    # # TODO (task 1): `enrollments`, the course's Enrollment objects
    # # TODO (task 2): `students`, the course's students, through the enrollments
    # END STUB

    def __repr__(self) -> str:
        return f"Course({self.code!r})"


# BEGIN SOLUTION
class Enrollment(Base):
    """One student in one course, with the grade (None until graded)."""

    __tablename__ = "enrollments"

    # The pair is the primary key: a student is enrolled in a course at most once.
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    grade: Mapped[int | None]

    student: Mapped[Student] = relationship(back_populates="enrollments")
    course: Mapped[Course] = relationship(back_populates="enrollments")

    def __repr__(self) -> str:
        return f"Enrollment({self.student!r}, {self.course!r}, grade={self.grade!r})"


# END SOLUTION
# BEGIN STUB
# class Enrollment(Base):
#     """One student in one course, with the grade (None until graded)."""
#
#     __tablename__ = "enrollments"
#
#     # A mapped class needs a primary key to import at all; this one is a placeholder.
#     # TODO (task 1): what identifies an enrollment, so that nobody is enrolled twice in a course?
#     id: Mapped[int] = mapped_column(primary_key=True)
#     # TODO (task 1): student_id, course_id, grade; `student` and `course`
#
#
# END STUB
def record_grades(session: Session, course_code: str, grades: Mapping[str, int]) -> None:
    """Set the grades of that course's students, given as {student name: grade}, then flush.

    Raise LookupError (and change nothing) if a name is not enrolled in the course. At most two
    SELECTs, however many grades.
    """
    # BEGIN SOLUTION
    enrollments = {
        e.student.name: e
        for e in session.scalars(
            select(Enrollment)
            .join(Enrollment.course)
            .join(Enrollment.student)
            .where(Course.code == course_code)
            .options(contains_eager(Enrollment.student))
        )
    }
    unknown = sorted(set(grades) - set(enrollments))
    if unknown:
        raise LookupError(f"not enrolled in {course_code}: {', '.join(unknown)}")
    for name, value in grades.items():
        enrollments[name].grade = value
    session.flush()
    # END SOLUTION


def honour_roll(session: Session, course_code: str, minimum: int) -> list[str]:
    """Names of the course's students whose grade is at least `minimum`, sorted; one statement."""
    # BEGIN SOLUTION
    names = session.scalars(
        select(Student.name)
        .join(Student.enrollments)
        .join(Enrollment.course)
        .where(Course.code == course_code, Enrollment.grade >= minimum)
        .order_by(Student.name)
    )
    return list(names)
    # END SOLUTION
