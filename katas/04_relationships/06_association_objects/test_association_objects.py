"""Tests for kata 4.6, association objects. Run: pytest katas/04_relationships/06_association_objects"""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fixtures.target import learner_module

association_objects = learner_module(__file__, "association_objects")

STUDENTS = ["Aiko", "Bram", "Chidi", "Dana", "Elif", "Femi", "Gul", "Hana"]
COURSES = [("DB101", "Databases"), ("PY201", "Python"), ("ALG300", "Algorithms")]


def require_enrollment() -> tuple[Any, Any, Any]:
    m = association_objects
    problems = []
    columns = set(m.Enrollment.__table__.c.keys())
    if not {"student_id", "course_id", "grade"} <= columns:
        problems.append(
            f"Enrollment should have the columns student_id, course_id and grade (it has {sorted(columns)})"
        )
    for cls, name in (
        (m.Enrollment, "student"),
        (m.Enrollment, "course"),
        (m.Student, "enrollments"),
        (m.Course, "enrollments"),
    ):
        if name not in inspect(cls).relationships:
            problems.append(f"{cls.__name__}.{name} is not a relationship")
    if problems:
        pytest.fail("; ".join(problems) + " yet (task 1)", pytrace=False)
    return m.Student, m.Course, m.Enrollment


def require_proxies() -> None:
    m = association_objects
    missing = [
        f"{cls.__name__}.{name}"
        for cls, name in ((m.Student, "courses"), (m.Course, "students"))
        if not hasattr(cls, name)
    ]
    if missing:
        pytest.fail(f"{', '.join(missing)} does not exist yet (task 2)", pytrace=False)


def make_tables(session: Session) -> None:
    require_enrollment()
    association_objects.Base.metadata.create_all(session.connection())


def seed(session: Session, seed_value: int) -> dict[str, dict[str, int | None]]:
    """Students, courses and enrollments with plain SQL: {course code: {student name: grade or None}}."""
    make_tables(session)
    tables = association_objects.Base.metadata.tables
    rng = random.Random(seed_value)
    student_ids = {
        name: session.execute(
            insert(tables["students"]).values(name=name).returning(tables["students"].c.id)
        ).scalar_one()
        for name in STUDENTS
    }
    roster: dict[str, dict[str, int | None]] = {}
    for code, title in COURSES:
        course_id = session.execute(
            insert(tables["courses"]).values(code=code, title=title).returning(tables["courses"].c.id)
        ).scalar_one()
        chosen = rng.sample(STUDENTS, rng.randint(3, 6))
        roster[code] = {name: rng.choice([None, rng.randint(40, 100)]) for name in chosen}
        session.execute(
            insert(tables["enrollments"]),
            [
                {"student_id": student_ids[n], "course_id": course_id, "grade": g}
                for n, g in roster[code].items()
            ],
        )
    return roster


def stored(session: Session) -> dict[str, dict[str, int | None]]:
    tables = association_objects.Base.metadata.tables
    s, c, e = tables["students"], tables["courses"], tables["enrollments"]
    rows = session.execute(
        select(c.c.code, s.c.name, e.c.grade)
        .select_from(e)
        .join(s, s.c.id == e.c.student_id)
        .join(c, c.c.id == e.c.course_id)
    )
    found: dict[str, dict[str, int | None]] = {code: {} for code, _ in COURSES}
    for code, name, grade in rows:
        found.setdefault(code, {})[name] = grade
    return found


def by_name(session: Session, cls: Any, **where: Any) -> Any:
    ((key, value),) = where.items()
    return session.scalars(select(cls).where(getattr(cls, key) == value)).one()


def enrollment_count(session: Session) -> int:
    return len(session.execute(select(association_objects.Base.metadata.tables["enrollments"])).all())


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_an_enrollment_links_a_student_and_a_course_with_a_grade(session: Session, queries: Any) -> None:
    Student, Course, Enrollment = require_enrollment()
    make_tables(session)
    aiko, databases = Student(name="Aiko"), Course(code="DB101", title="Databases")
    queries.clear()
    enrollment = Enrollment(student=aiko, course=databases, grade=88)
    assert aiko.enrollments == [enrollment] and databases.enrollments == [enrollment], (
        "Enrollment(student=..., course=...) should appear at once in student.enrollments and "
        "course.enrollments (back_populates on all four relationships)"
    )
    queries.assert_count(0, because="the sides are kept in sync in Python")
    session.add(aiko)
    session.flush()
    assert stored(session)["DB101"] == {"Aiko": 88}, "the flush should store the enrollment with its grade"


@pytest.mark.task(1)
def test_the_database_refuses_a_second_enrollment_in_the_same_course(session: Session) -> None:
    roster = seed(session, 1)
    tables = association_objects.Base.metadata.tables
    code, students = next(iter(roster.items()))
    student_id = by_name(session, association_objects.Student, name=next(iter(students))).id
    course_id = by_name(session, association_objects.Course, code=code).id
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            insert(tables["enrollments"]).values(student_id=student_id, course_id=course_id, grade=1)
        )
    # If this fails: enrollments accepts the same (student, course) twice. Make the pair the
    # primary key (or UNIQUE).


@pytest.mark.task(1)
def test_removing_an_enrollment_deletes_its_row(session: Session) -> None:
    roster = seed(session, 2)
    code, students = next(iter(roster.items()))
    name = min(students)
    student = by_name(session, association_objects.Student, name=name)
    (enrollment,) = [e for e in student.enrollments if e.course.code == code]
    student.enrollments.remove(enrollment)
    try:
        session.flush()
    except (IntegrityError, AssertionError) as error:  # AssertionError: the ORM's own "blank-out primary key"
        pytest.fail(
            "an enrollment removed from student.enrollments should be deleted (delete-orphan), not kept with "
            f"student_id NULL. The error: {getattr(error, 'orig', error)}",
            pytrace=False,
        )
    expected = {c: dict(s) for c, s in roster.items()}
    del expected[code][name]
    assert stored(session) == expected, f"only {name}'s enrollment in {code} should be gone"


@pytest.mark.task(1)
def test_deleting_a_student_deletes_their_enrollments_not_the_courses(session: Session) -> None:
    roster = seed(session, 3)
    name = next(n for n in STUDENTS if any(n in s for s in roster.values()))
    session.delete(by_name(session, association_objects.Student, name=name))
    try:
        session.flush()
    except (IntegrityError, AssertionError) as error:  # AssertionError: the ORM's own "blank-out primary key"
        pytest.fail(
            "deleting a student should delete their enrollments with them (cascade), not blank out their "
            f"student_id. The error: {getattr(error, 'orig', error)}",
            pytrace=False,
        )
    expected = {c: {n: g for n, g in s.items() if n != name} for c, s in roster.items()}
    assert stored(session) == expected, f"{name}'s enrollments should be gone, the others stay"
    assert len(session.scalars(select(association_objects.Course)).all()) == len(COURSES), "courses stay"


# -- task 2 -------------------------------------------------------------------------------------


@pytest.mark.task(2)
@pytest.mark.parametrize("seed_value", [4, 5])
def test_student_courses_and_course_students_read_through_the_enrollments(
    session: Session, seed_value: int
) -> None:
    roster = seed(session, seed_value)
    require_proxies()
    for name in STUDENTS:
        student = by_name(session, association_objects.Student, name=name)
        got = sorted(course.code for course in student.courses)
        expected = sorted(code for code, students in roster.items() if name in students)
        assert got == expected, (
            f"{name}.courses should be the courses of their enrollments, {expected}; got {got}"
        )
    for code, students in roster.items():
        course = by_name(session, association_objects.Course, code=code)
        got = sorted(student.name for student in course.students)
        assert got == sorted(students), f"{code}.students should be {sorted(students)}; got {got}"


@pytest.mark.task(2)
def test_appending_a_course_creates_an_ungraded_enrollment(session: Session) -> None:
    roster = seed(session, 6)
    require_proxies()
    name = next(n for n in STUDENTS if n not in roster["ALG300"])
    student = by_name(session, association_objects.Student, name=name)
    algorithms = by_name(session, association_objects.Course, code="ALG300")
    try:
        student.courses.append(algorithms)
    except TypeError as error:
        pytest.fail(
            f"student.courses.append(course) failed ({error}): the proxy needs a `creator` that turns a Course "
            "into an Enrollment",
            pytrace=False,
        )
    new = [e for e in student.enrollments if e.course is algorithms]
    assert len(new) == 1 and new[0].grade is None, (
        "appending a course to student.courses should add ONE Enrollment for it to student.enrollments, "
        f"with no grade yet; got {new}"
    )
    assert new[0] in algorithms.enrollments, "the new enrollment should also be in course.enrollments"
    session.flush()
    assert stored(session)["ALG300"] == {**roster["ALG300"], name: None}, (
        "the flush should store the new enrollment (grade NULL)"
    )


@pytest.mark.task(2)
def test_adding_a_student_to_a_course_works_from_that_side_too(session: Session) -> None:
    roster = seed(session, 7)
    require_proxies()
    name = next(n for n in STUDENTS if n not in roster["DB101"])
    databases = by_name(session, association_objects.Course, code="DB101")
    databases.students.append(by_name(session, association_objects.Student, name=name))
    session.flush()
    assert stored(session)["DB101"] == {**roster["DB101"], name: None}, (
        "course.students.append(student) should enroll the student (a creator on Course.students too)"
    )


@pytest.mark.task(2)
def test_removing_a_course_through_the_proxy_deletes_the_enrollment(session: Session) -> None:
    roster = seed(session, 8)
    require_proxies()
    code, students = next(iter(roster.items()))
    name = max(students)
    student = by_name(session, association_objects.Student, name=name)
    student.courses.remove(by_name(session, association_objects.Course, code=code))
    try:
        session.flush()
    except (IntegrityError, AssertionError) as error:
        pytest.fail(
            "the enrollment removed through student.courses should be deleted (delete-orphan on "
            f"Student.enrollments). The error: {getattr(error, 'orig', error)}",
            pytrace=False,
        )
    expected = {c: {n: g for n, g in s.items() if (c, n) != (code, name)} for c, s in roster.items()}
    assert stored(session) == expected, (
        "student.courses.remove(course) removes the Enrollment from student.enrollments: the orphan is deleted"
    )


# -- task 3 -------------------------------------------------------------------------------------


@pytest.mark.task(3)
@pytest.mark.parametrize("seed_value", [9, 10, 11])
def test_record_grades_sets_exactly_those_grades(session: Session, queries: Any, seed_value: int) -> None:
    roster = seed(session, seed_value)
    rng = random.Random(seed_value)
    code = rng.choice([c for c, _ in COURSES])
    grades = {name: rng.randint(0, 100) for name in rng.sample(sorted(roster[code]), 3)}
    session.expire_all()
    queries.clear()
    association_objects.record_grades(session, code, grades)
    assert not session.dirty, (
        "record_grades() should flush: right after it returns, the session still holds unflushed changes to "
        f"{sorted(map(repr, session.dirty))}"
    )
    selects = queries.matching(r"^\s*SELECT")
    assert len(selects) <= 2, (
        f"record_grades() with {len(grades)} grades sent {len(selects)} SELECTs; load the course's enrollments "
        f"(with their students) at once, not one query per student:\n{queries.listing()}"
    )
    expected = {c: dict(s) for c, s in roster.items()}
    expected[code].update(grades)
    assert stored(session) == expected, (
        f"record_grades({code!r}, {grades}) should set exactly those grades in that course; the other "
        "courses of the same students keep theirs"
    )


@pytest.mark.task(3)
def test_record_grades_for_someone_not_enrolled_changes_nothing(session: Session) -> None:
    roster = seed(session, 12)
    outsider = next(n for n in STUDENTS if n not in roster["PY201"])
    insider = min(roster["PY201"])
    with pytest.raises(LookupError):
        association_objects.record_grades(session, "PY201", {insider: 99, outsider: 77})
    session.flush()
    assert stored(session) == roster, (
        f"{outsider} is not enrolled in PY201: record_grades() should raise LookupError before changing any grade"
    )
    assert enrollment_count(session) == sum(len(s) for s in roster.values()), "and enroll nobody"


# -- task 4 -------------------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize("seed_value", [13, 14, 15, 16])
def test_honour_roll_lists_the_students_at_or_above_the_minimum(
    session: Session, queries: Any, seed_value: int
) -> None:
    roster = seed(session, seed_value)
    for code, _title in COURSES:
        graded = sorted(g for g in roster[code].values() if g is not None)
        # 0, a grade someone has exactly (at or above includes it), and one nobody reaches
        for minimum in [0, *graded[len(graded) // 2 : len(graded) // 2 + 1], 101]:
            queries.clear()
            got = association_objects.honour_roll(session, code, minimum)
            expected = sorted(n for n, g in roster[code].items() if g is not None and g >= minimum)
            assert list(got) == expected, (
                f"honour_roll({code!r}, {minimum}) should list the students of {code} graded {minimum} or more "
                "(a grade of exactly the minimum counts), sorted; ungraded students are not on it, nor grades "
                f"from other courses. Expected {expected}, got {got}"
            )
            queries.assert_count(1, because="one SELECT filtering on the enrollment's grade")
