"""Tests for kata 2.7, joins in Core. Run: pytest katas/02_core/07_core_joins"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Column, Connection, ForeignKey, Integer, MetaData, String, Table

from fixtures.target import learner_module

core_joins = learner_module(__file__, "core_joins")

# The tests' own copy of the schema: the database is built from this, not from your module.
schema = MetaData()
Table(
    "departments", schema,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False, unique=True),
)
Table(
    "employees", schema,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False, unique=True),
    # Indexed: SQLite then finds a department's people through this index, in rowid (hiring) order,
    # so an ORDER BY without the employee's name shows it (its automatic index would sort them).
    Column("department_id", ForeignKey("departments.id"), nullable=True, index=True),
    Column("manager_id", ForeignKey("employees.id"), nullable=True),
)
Table(
    "projects", schema,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False, unique=True),
)
Table(
    "assignments", schema,
    Column("employee_id", ForeignKey("employees.id"), primary_key=True),
    Column("project_id", ForeignKey("projects.id"), primary_key=True),
)
Table(
    "badges", schema,
    Column("code", String(20), primary_key=True),
    Column("employee_id", ForeignKey("employees.id"), nullable=True),
)


@dataclass(frozen=True)
class Company:
    departments: list[tuple[int, str]]
    employees: list[tuple[int, str, int | None, int | None]]  # id, name, department_id, manager_id
    projects: list[tuple[int, str]]
    assignments: list[tuple[int, int]]  # employee_id, project_id
    badges: list[tuple[str, int | None]]  # code, employee_id

    def department(self, department_id: int | None) -> str | None:
        return dict(self.departments).get(department_id) if department_id is not None else None

    def employee(self, employee_id: int | None) -> str | None:
        return {e[0]: e[1] for e in self.employees}.get(employee_id) if employee_id is not None else None


# Legal has nobody; Dev has no department; Ada has no manager; Cosmos has nobody;
# Brian has two badges, Chloe/Dev/Erin none, two badges belong to nobody; Erin alone is on Apollo II.
SMALL_FIRM = Company(
    departments=[(1, "Engineering"), (2, "Sales"), (3, "Legal")],
    employees=[
        (1, "Ada", 1, None), (2, "Brian", 1, 1), (3, "Chloe", 2, 1), (4, "Dev", None, 3), (5, "Erin", 2, 3),
    ],
    # "Apollo II" is another project: a name is matched whole, not as a prefix or pattern.
    projects=[(1, "Apollo"), (2, "Borealis"), (3, "Cosmos"), (4, "Apollo II")],
    assignments=[(2, 1), (4, 1), (3, 1), (1, 2), (5, 2), (5, 4)],
    badges=[("B-001", 1), ("B-002", 2), ("B-003", 2), ("B-900", None), ("B-901", None)],
)
# Different names, ids and shape: two people without a department, two empty departments,
# a deeper chain of managers (a manager who is not the boss), everybody badged but one.
AFTER_REORGANISATION = Company(
    departments=[(10, "Research"), (11, "Operations"), (12, "Marketing"), (13, "Archive")],
    employees=[
        (21, "Zoe", 11, None), (22, "Yusuf", 10, 21), (23, "Xena", 10, 22), (24, "Walt", None, 22),
        (25, "Vera", 11, 21), (26, "Uma", None, 25), (27, "Tariq", 10, 23),
    ],
    projects=[(31, "Kestrel"), (32, "Lynx")],
    assignments=[(23, 31), (24, 31), (26, 31), (27, 31), (21, 32), (22, 32)],
    badges=[("R-1", 21), ("R-2", 22), ("R-3", 23), ("R-4", 24), ("R-5", 25), ("R-6", 27), ("R-7", None)],
)
COMPANIES = [pytest.param(SMALL_FIRM, id="small firm"), pytest.param(AFTER_REORGANISATION, id="reorganised")]


def build(connection: Connection, company: Company) -> None:
    schema.create_all(connection, checkfirst=False)
    tables = schema.tables
    connection.execute(tables["departments"].insert(), [{"id": i, "name": n} for i, n in company.departments])
    # Managers first, so the self-referencing foreign key is always satisfied.
    for i, name, department_id, manager_id in company.employees:
        connection.execute(
            tables["employees"].insert(),
            {"id": i, "name": name, "department_id": department_id, "manager_id": manager_id},
        )
    connection.execute(tables["projects"].insert(), [{"id": i, "name": n} for i, n in company.projects])
    connection.execute(
        tables["assignments"].insert(), [{"employee_id": e, "project_id": p} for e, p in company.assignments]
    )
    connection.execute(tables["badges"].insert(), [{"code": c, "employee_id": e} for c, e in company.badges])


def as_tuples(rows: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in rows]


def assert_rows_are_the_selects(connection: Connection, queries: Any, report: str, rows: list[tuple[Any, ...]]) -> None:
    """Run the function's one SELECT again: what the database answered is what it should return."""
    __tracebackhide__ = True
    statement = queries.statements[-1]
    answered = as_tuples(connection.exec_driver_sql(statement.sql, statement.params))
    assert unordered(answered) == unordered(rows), (
        f"{report}() should return the rows its SELECT gives, as they are: its SELECT answered "
        f"{len(answered)} rows, the function returned {len(rows)}. Matching or filtering rows in Python "
        "(a cross join and a loop, say) is the database's job, done with the right joins."
    )


def unordered(pairs: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Sort pairs that may hold None (None sorts first), to compare results whose order is free."""
    return sorted(pairs, key=lambda pair: tuple((value is not None, value or "") for value in pair))


@pytest.fixture(params=COMPANIES)
def company(request: pytest.FixtureRequest) -> Company:
    """Each test that asks for it runs once per company above."""
    company: Company = request.param
    return company


@pytest.fixture
def staff(connection: Connection, company: Company) -> Connection:
    """The company's tables and rows, inside the test's rolled-back transaction."""
    build(connection, company)
    return connection


@pytest.fixture
def firm(connection: Connection) -> Connection:
    """The small firm only, for tests that name its people."""
    build(connection, SMALL_FIRM)
    return connection


@pytest.mark.task(1)
def test_staff_with_departments_pairs_only_employees_that_have_one(staff: Connection, company: Company) -> None:
    expected = sorted((name, company.department(d)) for _, name, d, _ in company.employees if d is not None)
    got = as_tuples(core_joins.staff_with_departments(staff))
    assert got == expected, (
        "expected (employee, department) pairs ordered by employee name, only for employees that "
        f"HAVE a department (an inner join drops the others):\n  expected {expected}\n  got      {got}"
    )


@pytest.mark.task(2)
def test_staff_directory_keeps_employees_without_a_department(staff: Connection, company: Company) -> None:
    expected = sorted((name, company.department(d)) for _, name, d, _ in company.employees)
    got = as_tuples(core_joins.staff_directory(staff))
    assert got == expected, (
        "expected EVERY employee, ordered by name, with None as the department where there is none "
        f"(a LEFT OUTER JOIN keeps unmatched rows of the left table):\n  expected {expected}\n  got      {got}"
    )


@pytest.mark.task(3)
def test_department_rosters_show_every_department_even_an_empty_one(staff: Connection, company: Company) -> None:
    expected: list[tuple[str | None, str]] = []
    for department_id, department in sorted(company.departments, key=lambda d: d[1]):
        members = sorted(name for _, name, d, _ in company.employees if d == department_id)
        expected += [(name, department) for name in members] or [(None, department)]
    got = as_tuples(core_joins.department_rosters(staff))
    assert got == expected, (
        "expected (employee or None, department) for EVERY department, ordered by department and then "
        "employee; a department without staff appears once with None. Employees without a department do "
        "not appear: this is the mirror image of staff_directory, the departments' side is the one kept."
        f"\n  expected {expected}\n  got      {got}"
    )


@pytest.mark.task(4)
def test_reporting_lines_name_each_employees_manager(staff: Connection, company: Company) -> None:
    expected = sorted((name, company.employee(manager)) for _, name, _, manager in company.employees)
    got = as_tuples(core_joins.reporting_lines(staff))
    assert got == expected, (
        "expected (employee, manager or None) for every employee, ordered by employee name: "
        "join employees to a SECOND copy of itself (an alias) ON employee.manager_id = boss.id, "
        f"and keep the top boss, who has no manager:\n  expected {expected}\n  got      {got}"
    )


@pytest.mark.task(4)
def test_reporting_lines_keep_the_boss_and_do_not_mix_up_the_direction(firm: Connection) -> None:
    lines = dict(as_tuples(core_joins.reporting_lines(firm)))
    assert "Ada" in lines and lines["Ada"] is None, (
        f"Ada has no manager and must still be listed, as ('Ada', None); got {lines.get('Ada', 'no row')!r}. "
        "An inner join drops her."
    )
    assert lines.get("Dev") == "Chloe", (
        f"Dev's manager is Chloe (Dev.manager_id = Chloe.id), got {lines.get('Dev')!r}: "
        "is the ON clause the wrong way round (boss.manager_id = employee.id)?"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize(
    ("company", "project"),
    [
        pytest.param(SMALL_FIRM, "Apollo", id="Apollo"),
        pytest.param(SMALL_FIRM, "Borealis", id="Borealis"),
        pytest.param(AFTER_REORGANISATION, "Kestrel", id="Kestrel"),
        pytest.param(AFTER_REORGANISATION, "Lynx", id="Lynx"),
    ],
    indirect=["company"],
)
def test_project_team_lists_members_with_their_department(staff: Connection, company: Company, project: str) -> None:
    project_id = {name: i for i, name in company.projects}[project]
    members = {e for e, p in company.assignments if p == project_id}
    expected = sorted((name, company.department(d)) for i, name, d, _ in company.employees if i in members)
    got = as_tuples(core_joins.project_team(staff, project))
    assert got == expected, (
        f"expected the team of {project} as (employee, department or None) ordered by employee name: "
        "projects -> assignments -> employees, and an OUTER join to departments so that members without "
        f"a department stay:\n  expected {expected}\n  got      {got}"
    )


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "project", ["Cosmos", "Nonexistent", "Apollo' OR 'x' = 'x"], ids=["Cosmos", "Nonexistent", "a quote in the name"]
)
def test_project_team_of_an_empty_or_unknown_project_is_empty(
    firm: Connection, queries: Any, project: str
) -> None:
    got = as_tuples(core_joins.project_team(firm, project))
    assert got == [], (
        f"nobody works on {project!r}, so its team is [], not {got} (a project name is one value, passed "
        "as a bound parameter, never pasted into the SQL)"
    )
    if queries.count == 1:  # (an early return without any SELECT is fine too)
        assert_rows_are_the_selects(firm, queries, "project_team", got)


@pytest.mark.task(6)
def test_badge_audit_keeps_unmatched_rows_of_both_sides(staff: Connection, company: Company) -> None:
    if staff.dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 39):
        pytest.skip(f"SQLite {sqlite3.sqlite_version} has no FULL OUTER JOIN (it came in 3.39); see README")
    badged = {e for _, e in company.badges}
    expected = unordered(
        [(company.employee(e), code) for code, e in company.badges]
        + [(name, None) for i, name, _, _ in company.employees if i not in badged]
    )
    got = unordered(as_tuples(core_joins.badge_audit(staff)))
    assert got == expected, (
        "expected every employee AND every badge (order does not matter): (name, None) for an employee "
        "without a badge, (None, code) for a badge issued to nobody. A left or right join loses one of "
        f"the two kinds; a FULL OUTER JOIN keeps both:\n  expected {expected}\n  got      {got}"
    )


# One department whose people were hired in no particular order, and an empty one.
CANTEEN = Company(
    departments=[(1, "Kitchen"), (2, "Yard")],
    employees=[
        (1, "Mira", 1, None), (2, "Hugo", 1, 1), (3, "Selma", 1, 1), (4, "Bo", 1, 1),
        (5, "Quinn", 1, 1), (6, "Dario", 1, 1), (7, "Lena", 1, 1), (8, "Abe", 1, 1),
    ],
    projects=[(1, "Menu")],
    assignments=[(1, 1)],
    badges=[("K-1", 1)],
)


@pytest.mark.task(3)
def test_department_rosters_order_the_people_of_a_department_by_name(connection: Connection) -> None:
    build(connection, CANTEEN)
    got = as_tuples(core_joins.department_rosters(connection))
    expected = [(name, "Kitchen") for name in sorted(e[1] for e in CANTEEN.employees)] + [(None, "Yard")]
    assert got == expected, (
        "within one department the people come in name order (ORDER BY department name, THEN employee "
        "name); without the second key the database may return them in any order, for example the order "
        f"they were hired in:\n  expected {expected}\n  got      {got}"
    )


REPORTS = [
    pytest.param("staff_with_departments", (), marks=pytest.mark.task(1), id="staff_with_departments"),
    pytest.param("staff_directory", (), marks=pytest.mark.task(2), id="staff_directory"),
    pytest.param("department_rosters", (), marks=pytest.mark.task(3), id="department_rosters"),
    pytest.param("reporting_lines", (), marks=pytest.mark.task(4), id="reporting_lines"),
    pytest.param("project_team", ("Apollo",), marks=pytest.mark.task(5), id="project_team"),
    pytest.param("badge_audit", (), marks=pytest.mark.task(6), id="badge_audit"),
]


@pytest.mark.parametrize(("report", "arguments"), REPORTS)
def test_each_report_is_one_select(firm: Connection, queries: Any, report: str, arguments: tuple[Any, ...]) -> None:
    if report == "badge_audit" and firm.dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 39):
        pytest.skip(f"SQLite {sqlite3.sqlite_version} has no FULL OUTER JOIN (it came in 3.39); see README")
    rows = as_tuples(getattr(core_joins, report)(firm, *arguments))
    assert rows, f"{report}() returned no rows on the sample firm, which has plenty"
    queries.assert_count(
        1, because=f"{report}() is one SELECT with joins: the database matches the rows, not Python loops"
    )
    statement = queries.statements[0]
    assert statement.sql.lstrip().upper().startswith("SELECT"), (
        f"{report}() should send a SELECT, it sent: {statement.sql}"
    )
    assert_rows_are_the_selects(firm, queries, report, rows)
