"""Tests for kata 2.3, constraints. Run: pytest katas/02_core/03_constraints"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import (
    CheckConstraint,
    Column,
    Connection,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    exc,
    inspect,
    text,
)

from fixtures.target import learner_module

constraints = learner_module(__file__, "constraints")

TASK_OF_TABLE = {"students": 1, "courses": 2, "enrollments": 3}

STUDENTS = [
    {"id": 1, "email": "ada@uni.example", "name": "Ada"},
    {"id": 2, "email": "alan@uni.example", "name": "Alan"},
]
COURSES = [
    {"code": "CS101", "term": "2024F", "title": "Programming", "capacity": 30},
    {"code": "CS101", "term": "2025S", "title": "Programming", "capacity": 30},
    {"code": "MA201", "term": "2024F", "title": "Linear algebra", "capacity": 20},
]
INSERT_STUDENT = "INSERT INTO students (id, email, name) VALUES (:id, :email, :name)"
INSERT_COURSE = "INSERT INTO courses (code, term, title, capacity) VALUES (:code, :term, :title, :capacity)"
INSERT_ENROLLMENT = (
    "INSERT INTO enrollments (student_id, course_code, term, grade) VALUES (:student_id, :course_code, :term, :grade)"
)


def create_schema(connection: Connection, *needed: str) -> None:
    """Run the learner's metadata.create_all() after checking it has the tables a test needs."""
    metadata = constraints.metadata
    assert isinstance(metadata, MetaData), "constraints.metadata should be a sqlalchemy MetaData"
    missing = [name for name in needed if name not in metadata.tables]
    assert not missing, (
        f"metadata has no table {missing[0]!r} yet (task {TASK_OF_TABLE[missing[0]]}); "
        f"it has {sorted(metadata.tables) or 'no tables'}"
    )
    metadata.create_all(connection)


def seeded(connection: Connection, *needed: str) -> Connection:
    """The schema with two students and three course runs (CS101 in two terms, MA201 in one)."""
    create_schema(connection, *needed)
    if "students" in needed:
        connection.execute(text(INSERT_STUDENT), STUDENTS)
    if "courses" in needed:
        connection.execute(text(INSERT_COURSE), COURSES)
    return connection


def attempt(connection: Connection, sql: str, params: dict[str, Any]) -> exc.IntegrityError | None:
    """Run one statement in a savepoint; return the IntegrityError it raised, or None if it was accepted.

    The savepoint matters on PostgreSQL: after an error, the whole transaction refuses further
    statements unless the failed part is rolled back to a savepoint.
    """
    try:
        with connection.begin_nested():
            connection.execute(text(sql), params)
    except exc.IntegrityError as error:
        return error
    return None


def enrollment(student_id: int, course_code: str, term: str, grade: int | None = None) -> dict[str, Any]:
    return {"student_id": student_id, "course_code": course_code, "term": term, "grade": grade}


# -- task 1: naming convention, students -------------------------------------------------------


@pytest.mark.task(1)
def test_a_second_student_with_the_same_email_is_refused(connection: Connection) -> None:
    seeded(connection, "students")
    twin = {"id": 3, "email": STUDENTS[0]["email"], "name": "Another Ada"}
    assert attempt(connection, INSERT_STUDENT, twin) is not None, (
        f"a second student with the email {twin['email']} was accepted: students.email needs a "
        "UniqueConstraint, so that the database itself refuses duplicates (IntegrityError)"
    )
    other = {"id": 3, "email": "grace@uni.example", "name": "Grace"}
    error = attempt(connection, INSERT_STUDENT, other)
    assert error is None, f"a student with a new email should be accepted, but got: {error}"


@pytest.mark.task(1)
def test_a_second_student_with_the_same_id_is_refused(connection: Connection) -> None:
    seeded(connection, "students")
    clash = {"id": 1, "email": "someone@uni.example", "name": "Someone"}
    assert attempt(connection, INSERT_STUDENT, clash) is not None, (
        "a second student with id 1 was accepted: students.id is the primary key"
    )


def names_in_database(connection: Connection, table: str, kind: str) -> list[str | None]:
    inspector = inspect(connection)
    if kind == "pk":
        return [inspector.get_pk_constraint(table)["name"]]
    if kind == "uq":
        return [uq["name"] for uq in inspector.get_unique_constraints(table)]
    if kind == "ck":
        return [ck["name"] for ck in inspector.get_check_constraints(table)]
    return [fk["name"] for fk in inspector.get_foreign_keys(table)]


KIND_WORDS = {"pk": "primary key", "uq": "unique constraint", "ck": "check constraint", "fk": "foreign key"}


@pytest.mark.parametrize(
    ("table", "kind", "expected"),
    [
        pytest.param("students", "pk", "pk_students", marks=pytest.mark.task(1)),
        pytest.param("students", "uq", "uq_students_email", marks=pytest.mark.task(1)),
        pytest.param("courses", "pk", "pk_courses", marks=pytest.mark.task(2)),
        pytest.param("courses", "ck", "ck_courses_capacity_positive", marks=pytest.mark.task(2)),
        pytest.param("enrollments", "pk", "pk_enrollments", marks=pytest.mark.task(3)),
        pytest.param("enrollments", "fk", "fk_enrollments_student_id_students", marks=pytest.mark.task(3)),
        pytest.param("enrollments", "fk", "fk_enrollments_course_code_courses", marks=pytest.mark.task(3)),
        pytest.param("enrollments", "ck", "ck_enrollments_grade_range", marks=pytest.mark.task(3)),
    ],
)
def test_constraint_names_in_the_database_follow_the_convention(
    connection: Connection, table: str, kind: str, expected: str
) -> None:
    create_schema(connection, table)
    names = names_in_database(connection, table, kind)
    assert expected in names, (
        f"the database should have a {KIND_WORDS[kind]} named {expected} on {table}; it has "
        f"{names or 'none'}. Names come from MetaData(naming_convention=...), and a check constraint "
        "needs its own short name= for %(constraint_name)s."
    )


@pytest.mark.task(1)
def test_the_naming_convention_names_the_constraints_of_any_table(connection: Connection) -> None:
    metadata = constraints.metadata
    assert isinstance(metadata, MetaData), "constraints.metadata should be a sqlalchemy MetaData"
    # Two tables the learner never saw, on a MetaData with the learner's convention and no explicit names
    # (except the check constraint's own short name, which the convention needs).
    probe = MetaData(naming_convention=dict(metadata.naming_convention))
    Table(
        "rooms",
        probe,
        Column("room_no", Integer, primary_key=True),
        Column("label", String(20), nullable=False),
        Column("building", String(20), index=True),
        UniqueConstraint("label"),
    )
    Table(
        "desks",
        probe,
        Column("desk_no", Integer, primary_key=True),
        Column("room", Integer, nullable=False),
        ForeignKeyConstraint(["room"], ["rooms.room_no"]),
        CheckConstraint("desk_no > 0", name="desk_positive"),
    )
    probe.create_all(connection)
    expected = {
        "rooms primary key": "pk_rooms",
        "rooms unique constraint": "uq_rooms_label",
        "rooms index": "ix_rooms_building",
        "desks primary key": "pk_desks",
        "desks foreign key": "fk_desks_room_rooms",
        "desks check constraint": "ck_desks_desk_positive",
    }
    inspector = inspect(connection)

    def first(names: list[Any]) -> Any:
        return names[0] if names else None

    got = {
        "rooms primary key": inspector.get_pk_constraint("rooms")["name"],
        "rooms unique constraint": first([uq["name"] for uq in inspector.get_unique_constraints("rooms")]),
        "rooms index": first([ix["name"] for ix in inspector.get_indexes("rooms") if not ix["unique"]]),
        "desks primary key": inspector.get_pk_constraint("desks")["name"],
        "desks foreign key": first([fk["name"] for fk in inspector.get_foreign_keys("desks")]),
        "desks check constraint": first([ck["name"] for ck in inspector.get_check_constraints("desks")]),
    }
    wrong = {kind: f"{got[kind]} (expected {name})" for kind, name in expected.items() if got[kind] != name}
    assert not wrong, (
        "the naming convention on `metadata` should name the constraints of every table, not only yours; "
        f"on two other tables (rooms, desks) it gave: {wrong}. Use MetaData(naming_convention={{...}}) with "
        "%(table_name)s, %(column_0_name)s, %(referred_table_name)s and %(constraint_name)s, "
        "rather than a name= on each constraint."
    )


# -- task 2: courses ---------------------------------------------------------------------------


@pytest.mark.task(2)
def test_a_course_runs_in_several_terms_but_once_per_term(connection: Connection) -> None:
    seeded(connection, "courses")
    next_term = {"code": "MA201", "term": "2025S", "title": "Linear algebra", "capacity": 25}
    error = attempt(connection, INSERT_COURSE, next_term)
    assert error is None, (
        f"MA201 in 2025S should be accepted: MA201 exists only in 2024F, and the key is (code, term); got: {error}"
    )
    again = {"code": "MA201", "term": "2024F", "title": "Linear algebra II", "capacity": 25}
    assert attempt(connection, INSERT_COURSE, again) is not None, (
        "MA201 in 2024F was accepted twice: the primary key of courses is the pair (code, term)"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(("capacity", "allowed"), [(0, False), (-5, False), (1, True), (400, True)])
def test_capacity_must_be_positive(connection: Connection, capacity: int, allowed: bool) -> None:
    seeded(connection, "courses")
    course = {"code": "PH100", "term": "2024F", "title": "Physics", "capacity": capacity}
    error = attempt(connection, INSERT_COURSE, course)
    if allowed:
        assert error is None, f"a course with capacity {capacity} should be accepted; got: {error}"
    else:
        assert error is not None, (
            f"a course with capacity {capacity} was accepted: CheckConstraint('capacity > 0', ...)"
        )


# -- task 3: enrollments -----------------------------------------------------------------------


@pytest.mark.task(3)
def test_a_student_enrolls_once_per_course_and_term(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    error = attempt(connection, INSERT_ENROLLMENT, enrollment(1, "CS101", "2024F"))
    assert error is None, f"Ada's first enrollment in CS101 2024F should be accepted; got: {error}"
    assert attempt(connection, INSERT_ENROLLMENT, enrollment(1, "CS101", "2024F", 80)) is not None, (
        "Ada was enrolled twice in CS101 2024F: the primary key of enrollments is "
        "(student_id, course_code, term)"
    )
    for other in (enrollment(1, "CS101", "2025S"), enrollment(2, "CS101", "2024F")):
        error = attempt(connection, INSERT_ENROLLMENT, other)
        assert error is None, f"{other} is another term or another student and should be accepted; got: {error}"


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("code", "term", "why"),
    [
        ("MA201", "2025S", "MA201 runs in 2024F only (and 2025S exists, for CS101): the PAIR must exist"),
        ("XX999", "2024F", "there is no course XX999"),
        ("CS101", "2023F", "CS101 did not run in 2023F"),
    ],
)
def test_an_enrollment_needs_that_course_in_that_term(connection: Connection, code: str, term: str, why: str) -> None:
    seeded(connection, "students", "courses", "enrollments")
    assert attempt(connection, INSERT_ENROLLMENT, enrollment(1, code, term)) is not None, (
        f"an enrollment in {code} {term} was accepted, but {why}. "
        "ForeignKeyConstraint(['course_code', 'term'], ['courses.code', 'courses.term'])"
    )


@pytest.mark.task(3)
def test_an_enrollment_needs_an_existing_student(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    assert attempt(connection, INSERT_ENROLLMENT, enrollment(99, "CS101", "2024F")) is not None, (
        "an enrollment of student 99, who does not exist, was accepted: student_id references students.id"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(("grade", "allowed"), [(-1, False), (0, True), (100, True), (101, False), (None, True)])
def test_a_grade_is_between_0_and_100_or_not_given_yet(
    connection: Connection, grade: int | None, allowed: bool
) -> None:
    seeded(connection, "students", "courses", "enrollments")
    error = attempt(connection, INSERT_ENROLLMENT, enrollment(1, "MA201", "2024F", grade))
    if allowed:
        assert error is None, f"the grade {grade} should be accepted (0 to 100, or NULL); got: {error}"
    else:
        assert error is not None, f"the grade {grade} was accepted: grades run from 0 to 100 inclusive"


@pytest.mark.task(3)
def test_deleting_a_student_deletes_their_enrollments(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    rows = [enrollment(1, "CS101", "2024F"), enrollment(1, "MA201", "2024F"), enrollment(2, "CS101", "2024F")]
    connection.execute(text(INSERT_ENROLLMENT), rows)
    error = attempt(connection, "DELETE FROM students WHERE id = :id", {"id": 1})
    assert error is None, (
        f"deleting Ada should delete her enrollments with her (ON DELETE CASCADE), not fail: {error}"
    )
    left = connection.execute(text("SELECT student_id, course_code FROM enrollments ORDER BY 1, 2")).all()
    assert [tuple(r) for r in left] == [(2, "CS101")], (
        f"after deleting Ada only Alan's enrollment should be left; the table has {[tuple(r) for r in left]}"
    )


@pytest.mark.task(3)
def test_deleting_a_course_that_has_enrollments_is_refused(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    connection.execute(text(INSERT_ENROLLMENT), [enrollment(1, "CS101", "2024F")])
    error = attempt(connection, "DELETE FROM courses WHERE code = 'CS101' AND term = '2024F'", {})
    assert error is not None, (
        "a course run with enrollments was deleted: only the student foreign key cascades; "
        "the course foreign key keeps the default and refuses"
    )


# -- task 4: try_enroll ------------------------------------------------------------------------


@pytest.mark.task(4)
@pytest.mark.parametrize(("student_id", "code", "term"), [(1, "CS101", "2025S"), (2, "MA201", "2024F")])
def test_try_enroll_enrolls_and_returns_true(connection: Connection, student_id: int, code: str, term: str) -> None:
    seeded(connection, "students", "courses", "enrollments")
    callers = connection.get_transaction()
    result = constraints.try_enroll(connection, student_id, code, term)
    assert result is True, f"try_enroll({student_id}, {code!r}, {term!r}) is a valid enrollment: True, not {result!r}"
    assert connection.get_transaction() is callers and callers is not None and callers.is_active, (
        "try_enroll() ended the caller's transaction (a commit() or rollback() of the connection): "
        "the transaction belongs to the caller, who decides when to commit. Work inside a savepoint."
    )
    rows = connection.execute(text("SELECT student_id, course_code, term FROM enrollments")).all()
    assert [tuple(r) for r in rows] == [(student_id, code, term)], (
        f"after try_enroll() the enrollments table should hold {(student_id, code, term)}; it has {rows}"
    )


@pytest.mark.task(4)
@pytest.mark.parametrize(
    ("student_id", "code", "term", "why"),
    [
        (1, "CS101", "2024F", "Ada is already enrolled there"),
        (1, "MA201", "2025S", "MA201 does not run in 2025S"),
        (42, "CS101", "2024F", "there is no student 42"),
    ],
)
def test_try_enroll_returns_false_when_a_constraint_refuses(
    connection: Connection, student_id: int, code: str, term: str, why: str
) -> None:
    seeded(connection, "students", "courses", "enrollments")
    connection.execute(text(INSERT_ENROLLMENT), [enrollment(1, "CS101", "2024F")])
    result = constraints.try_enroll(connection, student_id, code, term)
    assert result is False, (
        f"try_enroll({student_id}, {code!r}, {term!r}) should return False ({why}), not {result!r}"
    )


@pytest.mark.task(4)
def test_try_enroll_keeps_the_callers_earlier_work_and_transaction(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    # The caller's own work, in the same transaction, before calling try_enroll().
    connection.execute(text(INSERT_STUDENT), {"id": 3, "email": "grace@uni.example", "name": "Grace"})
    refused = constraints.try_enroll(connection, 3, "MA201", "2025S")
    assert refused is False, f"MA201 does not run in 2025S: try_enroll() should return False, not {refused!r}"
    problem = None
    try:
        grace = connection.execute(text("SELECT name FROM students WHERE id = 3")).scalar_one_or_none()
        accepted = constraints.try_enroll(connection, 3, "MA201", "2024F")
    except exc.DBAPIError as error:
        problem = f"{type(error.orig).__name__}: {str(error.orig).splitlines()[0]}"
    if problem:
        pytest.fail(
            "after try_enroll() returned False, the caller's transaction could not go on "
            f"({problem}): it was rolled back, or (PostgreSQL) left aborted by the failed INSERT. "
            "Run the INSERT inside connection.begin_nested(), so that a failure rolls back only the INSERT."
        )
    assert grace == "Grace", (
        "the caller inserted Grace before calling try_enroll(); after a refused enrollment she is gone. "
        "Roll back only the failed INSERT (a savepoint), never the caller's whole transaction."
    )
    assert accepted is True, f"Grace's enrollment in MA201 2024F is valid: True, not {accepted!r}"


@pytest.mark.task(4)
@pytest.mark.backends(
    "postgresql", reason="SQLite does not enforce String(6)'s length, so only PostgreSQL refuses a long term"
)
def test_try_enroll_lets_errors_that_are_not_constraint_violations_through(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    try:
        result = constraints.try_enroll(connection, 1, "CS101", "2024-FALL")
    except exc.DataError:
        return
    pytest.fail(
        f"try_enroll(1, 'CS101', '2024-FALL') returned {result!r}: a term too long for String(6) is a "
        "DataError, a bug in the caller, not a refusal by a constraint. Catch IntegrityError only, and let "
        "every other error through."
    )


@pytest.mark.task(4)
def test_try_enroll_rolls_a_refused_insert_back_to_a_savepoint(connection: Connection, queries: Any) -> None:
    seeded(connection, "students", "courses", "enrollments")
    connection.execute(text(INSERT_ENROLLMENT), [enrollment(1, "CS101", "2024F")])
    queries.clear()
    refused = constraints.try_enroll(connection, 1, "CS101", "2024F")
    assert refused is False, f"Ada is already enrolled in CS101 2024F: try_enroll() should return False, not {refused!r}"
    control = [s.sql.strip() for s in queries.all_statements if s.is_transaction_control]
    savepoints = [sql for sql in control if re.match(r"SAVEPOINT\b", sql, re.IGNORECASE)]
    rolled_back = [sql for sql in control if re.match(r"ROLLBACK\s+TO\b", sql, re.IGNORECASE)]
    # SQLite carries on after a failed statement, so only the statements sent can tell that the
    # failure was confined: on PostgreSQL the same code would leave the transaction aborted.
    assert savepoints and rolled_back, (
        "the refused INSERT should run inside a savepoint (connection.begin_nested()) that is rolled back "
        "when the database refuses it. SQLite lets a transaction go on after a failed statement, "
        "PostgreSQL does not: without the savepoint the caller's transaction is unusable there. "
        f"Transaction control sent: {control or 'none'}; statements:\n{queries.listing()}"
    )


@pytest.mark.task(4)
def test_try_enroll_lets_a_missing_table_through(connection: Connection) -> None:
    seeded(connection, "students", "courses", "enrollments")
    # A database nobody migrated: no enrollments table. That is a bug to report, not a refusal.
    connection.execute(text("DROP TABLE enrollments"))
    try:
        result = constraints.try_enroll(connection, 1, "CS101", "2025S")
    except exc.IntegrityError as error:
        pytest.fail(f"a missing table is not a constraint violation, yet an IntegrityError came out: {error.orig}")
    except exc.DBAPIError:
        return
    pytest.fail(
        f"try_enroll() returned {result!r} although the enrollments table does not exist: that error "
        "is not a refusal by a constraint. Catch IntegrityError only (not Exception or DBAPIError) and "
        "let every other error reach the caller."
    )
