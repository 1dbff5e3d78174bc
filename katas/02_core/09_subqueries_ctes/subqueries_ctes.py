"""Kata 2.9: subqueries and CTEs — questions about a company answered in ONE statement each.

The company's database has two tables (described below as Core `Table` objects):

    departments(id INTEGER PRIMARY KEY, name VARCHAR(50))
    employees(id INTEGER PRIMARY KEY, name VARCHAR(50),
              department_id INTEGER NOT NULL REFERENCES departments(id),
              manager_id INTEGER NULL REFERENCES employees(id),   -- NULL: nobody above them
              salary INTEGER NOT NULL)

Every function sends exactly one SELECT: the work happens in the database, not in a Python loop.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    literal,
    select,
)

metadata = MetaData()

departments = Table(
    "departments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
)

employees = Table(
    "employees",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50), nullable=False),
    Column("department_id", ForeignKey("departments.id"), nullable=False),
    Column("manager_id", ForeignKey("employees.id"), nullable=True),
    Column("salary", Integer, nullable=False),
)


def paid_above_average(connection: Connection) -> list[str]:
    """Names of the employees whose salary is strictly above the company-wide average, ordered by name.

    One statement: the average is a scalar subquery inside the WHERE clause.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def department_overview(connection: Connection) -> list[tuple[str, int, int | None]]:
    """(department name, headcount, highest salary) for EVERY department, ordered by department name.

    A department without employees is listed too, with a headcount of 0 and a highest salary of
    None. Use correlated scalar subqueries in the SELECT list.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def paid_above_department_average(connection: Connection) -> list[str]:
    """Names of the employees paid strictly more than the average of their OWN department, ordered by name.

    One statement: a correlated subquery in the WHERE clause.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def managers(connection: Connection) -> list[str]:
    """Names of the employees who manage at least one person, each once, ordered by name (EXISTS)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def individual_contributors(connection: Connection) -> list[str]:
    """Names of the employees who manage nobody, ordered by name (NOT EXISTS)."""
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def best_paid_per_department(connection: Connection) -> list[tuple[str, str]]:
    """(department name, employee name) of the best-paid employee(s) of each department.

    Ties are all listed. Departments without employees are not listed. Ordered by department
    name, then employee name. One statement: join the employees to a derived table (a subquery
    in FROM) holding each department's top salary.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def top_payroll_departments(connection: Connection) -> list[tuple[str, int]]:
    """(department name, payroll) of the department(s) with the highest total salary, ordered by name.

    The payroll is the sum of a department's salaries; ties are all listed; departments without
    employees have no payroll and are never listed. One statement that names the per-department
    payroll once in a CTE (WITH payroll AS (...)) and uses it twice.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def reports_of(connection: Connection, manager_id: int) -> list[tuple[str, int]]:
    """Everyone below this manager, at any depth, as (name, level): 1 = direct report, 2 = theirs, ...

    Ordered by level, then name. Nobody below (or an unknown id): []. One statement: a recursive
    CTE, because the chart can be any number of levels deep.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError


def chain_of_command(connection: Connection, employee_id: int) -> list[str]:
    """Names of this employee's managers, from the direct manager up to the top of the chart.

    The top of the chart (or an unknown id) has no managers: []. One statement: a recursive CTE
    that walks manager_id upwards.
    """
    # TODO: your code here; the docstring above says what it must do.
    raise NotImplementedError
