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
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def staff_directory(connection: Connection) -> Rows:
    """(employee name, department name or None) for EVERY employee, ordered by employee name."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def department_rosters(connection: Connection) -> Rows:
    """(employee name or None, department name) for EVERY department, even one without staff.

    Ordered by department name, then employee name. An empty department appears once, with None.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def reporting_lines(connection: Connection) -> Rows:
    """(employee name, their manager's name or None) for EVERY employee, ordered by employee name."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def project_team(connection: Connection, project: str) -> Rows:
    """(employee name, department name or None) of everyone assigned to the named project.

    Ordered by employee name; an unknown project, or one nobody works on, gives [].
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def badge_audit(connection: Connection) -> Rows:
    """(employee name or None, badge code or None): every employee AND every badge, in any order.

    An employee without a badge has None as the code; a badge issued to nobody has None as the name;
    an employee with two badges appears twice.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
