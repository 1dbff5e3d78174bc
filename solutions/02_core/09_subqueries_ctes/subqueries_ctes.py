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
    # BEGIN SOLUTION
    # scalar_subquery(): a SELECT that yields one value, usable wherever a column expression is.
    average = select(func.avg(employees.c.salary)).scalar_subquery()
    stmt = select(employees.c.name).where(employees.c.salary > average).order_by(employees.c.name)
    return list(connection.execute(stmt).scalars())
    # END SOLUTION


def department_overview(connection: Connection) -> list[tuple[str, int, int | None]]:
    """(department name, headcount, highest salary) for EVERY department, ordered by department name.

    A department without employees is listed too, with a headcount of 0 and a highest salary of
    None. Use correlated scalar subqueries in the SELECT list.
    """
    # BEGIN SOLUTION
    # Both subqueries mention departments.c.id, which the enclosing SELECT provides: SQLAlchemy
    # correlates them automatically, so they are evaluated once per department row.
    headcount = (
        select(func.count(employees.c.id))
        .where(employees.c.department_id == departments.c.id)
        .scalar_subquery()
    )
    # max() over no rows is NULL, count() over no rows is 0: the empty department needs no special case.
    top_salary = (
        select(func.max(employees.c.salary))
        .where(employees.c.department_id == departments.c.id)
        .scalar_subquery()
    )
    stmt = select(departments.c.name, headcount, top_salary).order_by(departments.c.name)
    return [(name, int(count), top) for name, count, top in connection.execute(stmt)]
    # END SOLUTION


def paid_above_department_average(connection: Connection) -> list[str]:
    """Names of the employees paid strictly more than the average of their OWN department, ordered by name.

    One statement: a correlated subquery in the WHERE clause.
    """
    # BEGIN SOLUTION
    # The inner query reads the same table as the outer one, so it needs its own alias;
    # .correlate(employees) ties colleague.department_id to the outer row's department.
    colleague = employees.alias("colleague")
    department_average = (
        select(func.avg(colleague.c.salary))
        .where(colleague.c.department_id == employees.c.department_id)
        .correlate(employees)
        .scalar_subquery()
    )
    stmt = (
        select(employees.c.name)
        .where(employees.c.salary > department_average)
        .order_by(employees.c.name)
    )
    return list(connection.execute(stmt).scalars())
    # END SOLUTION


def managers(connection: Connection) -> list[str]:
    """Names of the employees who manage at least one person, each once, ordered by name (EXISTS)."""
    # BEGIN SOLUTION
    report = employees.alias("report")
    # EXISTS stops at the first report found and never multiplies rows, unlike a join.
    has_reports = exists().where(report.c.manager_id == employees.c.id)
    stmt = select(employees.c.name).where(has_reports).order_by(employees.c.name)
    return list(connection.execute(stmt).scalars())
    # END SOLUTION


def individual_contributors(connection: Connection) -> list[str]:
    """Names of the employees who manage nobody, ordered by name (NOT EXISTS)."""
    # BEGIN SOLUTION
    report = employees.alias("report")
    # NOT EXISTS, not NOT IN: manager_id contains NULLs (the top of the chart), and
    # `x NOT IN (..., NULL)` is never true, which would return nobody at all.
    has_reports = exists().where(report.c.manager_id == employees.c.id)
    stmt = select(employees.c.name).where(~has_reports).order_by(employees.c.name)
    return list(connection.execute(stmt).scalars())
    # END SOLUTION


def best_paid_per_department(connection: Connection) -> list[tuple[str, str]]:
    """(department name, employee name) of the best-paid employee(s) of each department.

    Ties are all listed. Departments without employees are not listed. Ordered by department
    name, then employee name. One statement: join the employees to a derived table (a subquery
    in FROM) holding each department's top salary.
    """
    # BEGIN SOLUTION
    # .subquery(): a SELECT used as a table in FROM (a "derived table"); its columns are .c.*.
    top = (
        select(employees.c.department_id, func.max(employees.c.salary).label("top_salary"))
        .group_by(employees.c.department_id)
        .subquery("top")
    )
    stmt = (
        select(departments.c.name, employees.c.name)
        .select_from(employees)
        .join(
            top,
            and_(
                top.c.department_id == employees.c.department_id,
                top.c.top_salary == employees.c.salary,
            ),
        )
        .join(departments, departments.c.id == employees.c.department_id)
        .order_by(departments.c.name, employees.c.name)
    )
    return [(department, employee) for department, employee in connection.execute(stmt)]
    # END SOLUTION


def top_payroll_departments(connection: Connection) -> list[tuple[str, int]]:
    """(department name, payroll) of the department(s) with the highest total salary, ordered by name.

    The payroll is the sum of a department's salaries; ties are all listed; departments without
    employees have no payroll and are never listed. One statement that names the per-department
    payroll once in a CTE (WITH payroll AS (...)) and uses it twice.
    """
    # BEGIN SOLUTION
    # .cte(): the same SELECT as a named WITH clause, written once, referenced as often as needed.
    payroll = (
        select(employees.c.department_id, func.sum(employees.c.salary).label("payroll"))
        .group_by(employees.c.department_id)
        .cte("payroll")
    )
    highest = select(func.max(payroll.c.payroll)).scalar_subquery()
    stmt = (
        select(departments.c.name, payroll.c.payroll)
        .join(payroll, payroll.c.department_id == departments.c.id)
        .where(payroll.c.payroll == highest)
        .order_by(departments.c.name)
    )
    return [(name, int(total)) for name, total in connection.execute(stmt)]
    # END SOLUTION


def reports_of(connection: Connection, manager_id: int) -> list[tuple[str, int]]:
    """Everyone below this manager, at any depth, as (name, level): 1 = direct report, 2 = theirs, ...

    Ordered by level, then name. Nobody below (or an unknown id): []. One statement: a recursive
    CTE, because the chart can be any number of levels deep.
    """
    # BEGIN SOLUTION
    # The anchor member: the direct reports, at level 1.
    below = (
        select(employees.c.id, employees.c.name, literal(1, Integer).label("level"))
        .where(employees.c.manager_id == manager_id)
        .cte("below", recursive=True)
    )
    # The recursive member: the reports of whoever is already in `below`, one level deeper.
    # The database repeats it until it adds no rows, however deep the chart goes.
    below = below.union_all(
        select(employees.c.id, employees.c.name, below.c.level + 1).join(
            below, employees.c.manager_id == below.c.id
        )
    )
    stmt = select(below.c.name, below.c.level).order_by(below.c.level, below.c.name)
    return [(name, int(level)) for name, level in connection.execute(stmt)]
    # END SOLUTION


def chain_of_command(connection: Connection, employee_id: int) -> list[str]:
    """Names of this employee's managers, from the direct manager up to the top of the chart.

    The top of the chart (or an unknown id) has no managers: []. One statement: a recursive CTE
    that walks manager_id upwards.
    """
    # BEGIN SOLUTION
    # Anchor: the employee's direct manager (a join through manager_id), one step up.
    me = employees.alias("me")
    above = (
        select(employees.c.id, employees.c.name, employees.c.manager_id, literal(1, Integer).label("step"))
        .join(me, me.c.manager_id == employees.c.id)
        .where(me.c.id == employee_id)
        .cte("above", recursive=True)
    )
    # Recursive member: the manager of the last person found; it stops at manager_id IS NULL.
    above = above.union_all(
        select(employees.c.id, employees.c.name, employees.c.manager_id, above.c.step + 1).join(
            above, employees.c.id == above.c.manager_id
        )
    )
    # A CTE has no order of its own: the step number is what puts the chain in order.
    stmt = select(above.c.name).order_by(above.c.step)
    return list(connection.execute(stmt).scalars())
    # END SOLUTION
