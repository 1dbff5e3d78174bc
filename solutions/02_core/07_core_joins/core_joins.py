"""Kata 2.7: joins in Core — inner, left outer, "right" (by reordering), self-join, several tables, full.

The staff directory of a small firm (the tables below are given; the tests create them):

    departments(id, name)
    employees(id, name, department_id -> departments.id NULL, manager_id -> employees.id NULL)
    projects(id, name)
    assignments(employee_id -> employees.id, project_id -> projects.id)
    badges(code, employee_id -> employees.id NULL)

Every function sends exactly one SELECT and returns a list of tuples (Row objects are fine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Connection, ForeignKey, Integer, MetaData, String, Table, select

metadata = MetaData()

departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
)
employees = Table(
    "employees",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
    Column("department_id", ForeignKey("departments.id"), nullable=True),
    Column("manager_id", ForeignKey("employees.id"), nullable=True),
)
projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False, unique=True),
)
assignments = Table(
    "assignments",
    metadata,
    Column("employee_id", ForeignKey("employees.id"), primary_key=True),
    Column("project_id", ForeignKey("projects.id"), primary_key=True),
)
badges = Table(
    "badges",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("employee_id", ForeignKey("employees.id"), nullable=True),
)

Rows = Sequence[Any]


def staff_with_departments(connection: Connection) -> Rows:
    """(employee name, department name) for every employee WHO HAS a department, ordered by employee name."""
    # BEGIN SOLUTION
    # An inner join keeps only pairs that match; the ON clause comes from the one foreign key
    # between the two tables, so join() can infer it.
    stmt = (
        select(employees.c.name, departments.c.name)
        .join(departments)
        .order_by(employees.c.name)
    )
    return connection.execute(stmt).all()
    # END SOLUTION


def staff_directory(connection: Connection) -> Rows:
    """(employee name, department name or None) for EVERY employee, ordered by employee name."""
    # BEGIN SOLUTION
    # LEFT OUTER JOIN: every row of the left table (employees), NULLs where nothing matches.
    stmt = (
        select(employees.c.name, departments.c.name)
        .outerjoin(departments)
        .order_by(employees.c.name)
    )
    return connection.execute(stmt).all()
    # END SOLUTION


def department_rosters(connection: Connection) -> Rows:
    """(employee name or None, department name) for EVERY department, even one without staff.

    Ordered by department name, then employee name. An empty department appears once, with None.
    """
    # BEGIN SOLUTION
    # There is no right_join(): a RIGHT JOIN is a LEFT JOIN with the tables swapped. The first
    # column is an employee's, so select_from() says which table stands on the left.
    stmt = (
        select(employees.c.name, departments.c.name)
        .select_from(departments)
        .outerjoin(employees, employees.c.department_id == departments.c.id)
        .order_by(departments.c.name, employees.c.name)
    )
    return connection.execute(stmt).all()
    # END SOLUTION


def reporting_lines(connection: Connection) -> Rows:
    """(employee name, their manager's name or None) for EVERY employee, ordered by employee name."""
    # BEGIN SOLUTION
    # The same table twice needs a second name; the foreign key points both ways between a table
    # and its alias, so the ON clause must be spelled out: the employee's manager_id is the boss's id.
    boss = employees.alias("boss")
    stmt = (
        select(employees.c.name, boss.c.name)
        .outerjoin(boss, employees.c.manager_id == boss.c.id)
        .order_by(employees.c.name)
    )
    return connection.execute(stmt).all()
    # END SOLUTION


def project_team(connection: Connection, project: str) -> Rows:
    """(employee name, department name or None) of everyone assigned to the named project.

    Ordered by employee name; an unknown project, or one nobody works on, gives [].
    """
    # BEGIN SOLUTION
    # Each join() attaches one more table to what is already there; only the department is
    # optional, so only that join is outer.
    stmt = (
        select(employees.c.name, departments.c.name)
        .select_from(projects)
        .join(assignments, assignments.c.project_id == projects.c.id)
        .join(employees, employees.c.id == assignments.c.employee_id)
        .outerjoin(departments, departments.c.id == employees.c.department_id)
        .where(projects.c.name == project)
        .order_by(employees.c.name)
    )
    return connection.execute(stmt).all()
    # END SOLUTION


def badge_audit(connection: Connection) -> Rows:
    """(employee name or None, badge code or None): every employee AND every badge, in any order.

    An employee without a badge has None as the code; a badge issued to nobody has None as the name;
    an employee with two badges appears twice.
    """
    # BEGIN SOLUTION
    # FULL OUTER JOIN keeps the unmatched rows of both sides (PostgreSQL; SQLite since 3.39).
    stmt = select(employees.c.name, badges.c.code).outerjoin(
        badges, badges.c.employee_id == employees.c.id, full=True
    )
    return connection.execute(stmt).all()
    # END SOLUTION
