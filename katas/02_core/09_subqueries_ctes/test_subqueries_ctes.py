"""Tests for kata 2.9, subqueries and CTEs. Run: pytest katas/02_core/09_subqueries_ctes"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Connection, ForeignKey, Integer, MetaData, String, Table, insert

from fixtures.isolation import rolled_back
from fixtures.target import learner_module

subqueries_ctes = learner_module(__file__, "subqueries_ctes")

# The tests' own description of the schema: the fixtures never depend on the learner's file.
schema = MetaData()
departments = Table(
    "departments",
    schema,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False),
)
employees = Table(
    "employees",
    schema,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(50), nullable=False),
    Column("department_id", ForeignKey("departments.id"), nullable=False),
    Column("manager_id", ForeignKey("employees.id"), nullable=True),
    Column("salary", Integer, nullable=False),
)


@dataclass
class Company:
    """Departments {id: name} and employees (id, name, department_id, manager_id, salary)."""

    departments: dict[int, str]
    employees: list[tuple[int, str, int, int | None, int]] = field(default_factory=list)

    def load(self, connection: Connection) -> None:
        connection.execute(insert(departments), [{"id": i, "name": n} for i, n in self.departments.items()])
        if self.employees:
            connection.execute(
                insert(employees),
                [
                    {"id": i, "name": n, "department_id": d, "manager_id": m, "salary": s}
                    for i, n, d, m, s in self.employees
                ],
            )

    # -- what the answers should be, computed in Python --------------------------------------
    def by_id(self) -> dict[int, tuple[int, str, int, int | None, int]]:
        return {e[0]: e for e in self.employees}

    def paid_above_average(self) -> list[str]:
        if not self.employees:
            return []
        average = Fraction(sum(e[4] for e in self.employees), len(self.employees))
        return sorted(e[1] for e in self.employees if e[4] > average)

    def staff(self) -> dict[int, list[tuple[int, str, int, int | None, int]]]:
        staff: dict[int, list[Any]] = defaultdict(list)
        for e in self.employees:
            staff[e[2]].append(e)
        return staff

    def department_overview(self) -> list[tuple[str, int, int | None]]:
        staff = self.staff()
        rows = [
            (name, len(staff[d]), max((e[4] for e in staff[d]), default=None))
            for d, name in self.departments.items()
        ]
        return sorted(rows)

    def paid_above_department_average(self) -> list[str]:
        staff = self.staff()
        result = []
        for e in self.employees:
            colleagues = staff[e[2]]
            if e[4] > Fraction(sum(c[4] for c in colleagues), len(colleagues)):
                result.append(e[1])
        return sorted(result)

    def managers(self) -> list[str]:
        bosses = {e[3] for e in self.employees}
        return sorted(e[1] for e in self.employees if e[0] in bosses)

    def individual_contributors(self) -> list[str]:
        bosses = {e[3] for e in self.employees}
        return sorted(e[1] for e in self.employees if e[0] not in bosses)

    def best_paid_per_department(self) -> list[tuple[str, str]]:
        rows = []
        for d, people in self.staff().items():
            top = max(e[4] for e in people)
            rows.extend((self.departments[d], e[1]) for e in people if e[4] == top)
        return sorted(rows)

    def top_payroll_departments(self) -> list[tuple[str, int]]:
        payroll = {self.departments[d]: sum(e[4] for e in people) for d, people in self.staff().items()}
        if not payroll:
            return []
        highest = max(payroll.values())
        return sorted((name, total) for name, total in payroll.items() if total == highest)

    def reports_of(self, manager_id: int) -> list[tuple[str, int]]:
        result, level, frontier = [], 1, {manager_id}
        while frontier:
            found = [e for e in self.employees if e[3] in frontier]
            result.extend((e[1], level) for e in found)
            frontier, level = {e[0] for e in found}, level + 1
        return sorted(result, key=lambda r: (r[1], r[0]))

    def chain_of_command(self, employee_id: int) -> list[str]:
        people = self.by_id()
        chain: list[str] = []
        current = people.get(employee_id)
        while current is not None and current[3] is not None:
            current = people[current[3]]
            chain.append(current[1])
        return chain


# The story's company. Its average salary is exactly 6000: Margaret and Ken earn the average,
# which is not *above* it. Research has nobody. Grace is at the top (manager_id NULL).
ACME = Company(
    departments={1: "Engineering", 2: "Sales", 3: "Research", 4: "Support"},
    employees=[
        (1, "Grace", 1, None, 10000),
        (2, "Alan", 1, 1, 8000),
        (3, "Ada", 1, 2, 8000),
        (4, "Linus", 1, 2, 4000),
        (5, "Margaret", 2, 1, 6000),
        (6, "Ken", 2, 5, 6000),
        (7, "Barbara", 2, 5, 3000),
        (8, "Dennis", 4, 1, 5000),
        (9, "Frances", 4, 8, 4000),
    ],
)

NAMES = [
    "Ada", "Alan", "Barbara", "Brian", "Claude", "Dennis", "Donald", "Edsger", "Frances", "Grace",
    "Guido", "Hedy", "Ivan", "Joan", "John", "Karen", "Ken", "Leslie", "Linus", "Margaret",
    "Niklaus", "Radia", "Shafi", "Sophie", "Tim", "Tony", "Ursula", "Vint", "Whitfield", "Yukihiro",
]  # fmt: skip
# Random companies per hypothesis test: enough to defeat a hard-coded answer, few enough to stay
# fast. No shrinking: every message prints the whole company, and shrinking a failure (say, a
# function that is not written yet) would re-run the database work for seconds on each test.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
EXAMPLES = settings(max_examples=12, phases=NO_SHRINK)

DEPARTMENT_NAMES = ["Engineering", "Sales", "Research", "Support", "Legal"]


@st.composite
def companies(draw: st.DrawFn, max_employees: int = 12) -> Company:
    """A random company: up to 4 departments (some may be empty), a random org chart (a forest),
    salaries from a small set so that ties and salaries equal to an average happen often, and
    ids that do not follow the hierarchy."""
    department_count = draw(st.integers(1, 4))
    names = draw(st.permutations(DEPARTMENT_NAMES))[:department_count]
    ids = draw(st.lists(st.integers(1, 999), min_size=department_count, max_size=department_count, unique=True))
    company = Company(departments=dict(zip(ids, names)))
    count = draw(st.integers(0, max_employees))
    people = draw(st.permutations(NAMES))[:count]
    employee_ids = draw(st.lists(st.integers(1, 9999), min_size=count, max_size=count, unique=True))
    for position, (employee_id, name) in enumerate(zip(employee_ids, people)):
        earlier = employee_ids[:position]
        # Often the previous person's report, so that charts several levels deep are common.
        manager = draw(st.none() | st.sampled_from(earlier) | st.just(earlier[-1])) if earlier else None
        department = draw(st.sampled_from(ids))
        salary = draw(st.sampled_from([2000, 3000, 4000, 5000, 6000]))
        company.employees.append((employee_id, name, department, manager, salary))
    return company


@pytest.fixture
def db(connection: Connection) -> Connection:
    """Empty departments and employees tables inside the test's rolled-back transaction."""
    schema.create_all(connection)
    return connection


@pytest.fixture
def acme(db: Connection) -> Connection:
    ACME.load(db)
    return db


def one_statement(queries: Any, what: str) -> None:
    __tracebackhide__ = True
    queries.assert_count(
        1,
        because=f"{what} must be answered by the database in ONE statement: no Python loops, "
        "no query per row, no second query to fetch a number first",
    )


def run(queries: Any, function: Any, connection: Connection, *args: Any) -> Any:
    """Call the learner's function with a fresh statement log, and insist on one statement."""
    __tracebackhide__ = True
    queries.clear()
    result = function(connection, *args)
    one_statement(queries, f"{function.__name__}()")
    answers_itself(queries, connection, function.__name__, list(result))
    return result


def answers_itself(queries: Any, connection: Connection, name: str, result: list[Any]) -> None:
    """The one statement must hold the answer: run it again, and it gives as many rows as the function
    returned, with the same names. One SELECT of every employee, then an average, a max, a count or a
    filter in Python, returns fewer rows than its SELECT answered (or other ones)."""
    __tracebackhide__ = True
    statement = queries.statements[0]
    with queries.paused():
        answered = [tuple(row) for row in connection.exec_driver_sql(statement.sql, statement.params)]
    names = sorted(str(item if isinstance(item, str) else item[0]) for item in result)
    found = sorted(str(next((v for v in row if isinstance(v, str)), row[0])) for row in answered)
    assert len(answered) == len(result) and names == found, (
        f"{name}() returned {len(result)} rows, but its one statement answers {len(answered)} rows "
        f"({found[:8]}{' ...' if len(found) > 8 else ''}): the averaging, counting, grouping and "
        "filtering belong in the SQL (subqueries, a CTE), not in Python after a SELECT of every row. "
        f"The statement sent was:\n{statement.sql}"
    )


def rows(result: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in result]


# -- task 1 ---------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_paid_above_average_is_strictly_above_the_company_average(acme: Connection, queries: Any) -> None:
    names = run(queries, subqueries_ctes.paid_above_average, acme)
    assert list(names) == ["Ada", "Alan", "Grace"], (
        "the average salary is exactly 6000, so the answer is Ada, Alan and Grace, ordered by name. "
        "Margaret and Ken earn exactly the average: that is not *above* it (> , not >=). "
        f"Got {names!r}"
    )


@pytest.mark.task(1)
@given(company=companies())
@EXAMPLES
def test_paid_above_average_for_any_company(db: Connection, queries: Any, company: Company) -> None:
    with rolled_back(db):
        company.load(db)
        names = run(queries, subqueries_ctes.paid_above_average, db)
        expected = company.paid_above_average()
        assert list(names) == expected, (
            f"salaries {[(e[1], e[4]) for e in company.employees]}: the names strictly above the "
            f"average, ordered by name, are {expected}; got {names!r}"
        )


# -- task 2 ---------------------------------------------------------------------------------


@pytest.mark.task(2)
def test_department_overview_lists_empty_departments_with_0_and_none(acme: Connection, queries: Any) -> None:
    overview = rows(run(queries, subqueries_ctes.department_overview, acme))
    expected = [("Engineering", 4, 10000), ("Research", 0, None), ("Sales", 3, 6000), ("Support", 2, 5000)]
    assert overview == expected, (
        f"expected {expected}. Research has nobody: it must still be listed, with a headcount of 0 "
        "(count() over no rows) and no highest salary (None, what max() of no rows gives). "
        "An inner join loses it; an outer join with count(*) counts 1 for it. "
        f"Got {overview!r}"
    )


@pytest.mark.task(2)
@given(company=companies())
@EXAMPLES
def test_department_overview_for_any_company(db: Connection, queries: Any, company: Company) -> None:
    with rolled_back(db):
        company.load(db)
        overview = rows(run(queries, subqueries_ctes.department_overview, db))
        expected = company.department_overview()
        assert overview == expected, (
            f"for departments {company.departments} and employees {company.employees}, expected "
            f"(name, headcount, highest salary) per department, by name: {expected}; got {overview!r}"
        )


# -- task 3 ---------------------------------------------------------------------------------


@pytest.mark.task(3)
def test_paid_above_department_average_compares_with_colleagues(acme: Connection, queries: Any) -> None:
    names = run(queries, subqueries_ctes.paid_above_department_average, acme)
    expected = ["Ada", "Alan", "Dennis", "Grace", "Ken", "Margaret"]
    assert list(names) == expected, (
        "department averages are Engineering 7500, Sales 5000, Support 4500, so the answer is "
        f"{expected}. Comparing with the company average (6000) would drop Dennis, Ken and "
        f"Margaret: the subquery must be correlated to each employee's own department. Got {names!r}"
    )


@pytest.mark.task(3)
@given(company=companies())
@EXAMPLES
def test_paid_above_department_average_for_any_company(db: Connection, queries: Any, company: Company) -> None:
    with rolled_back(db):
        company.load(db)
        names = run(queries, subqueries_ctes.paid_above_department_average, db)
        expected = company.paid_above_department_average()
        assert list(names) == expected, (
            f"for employees {company.employees} (id, name, department, manager, salary), those paid "
            f"strictly more than their own department's average are {expected}; got {names!r}"
        )


# -- task 4 ---------------------------------------------------------------------------------


@pytest.mark.task(4)
def test_managers_are_listed_once_each(acme: Connection, queries: Any) -> None:
    names = run(queries, subqueries_ctes.managers, acme)
    assert list(names) == ["Alan", "Dennis", "Grace", "Margaret"], (
        "Alan, Dennis, Grace and Margaret manage someone; each is listed once, ordered by name, "
        "even Grace who has three reports (a join repeats a manager per report; EXISTS does not). "
        f"Got {names!r}"
    )


@pytest.mark.task(4)
def test_individual_contributors_survive_the_null_manager_id(acme: Connection, queries: Any) -> None:
    names = run(queries, subqueries_ctes.individual_contributors, acme)
    assert list(names) == ["Ada", "Barbara", "Frances", "Ken", "Linus"], (
        "Ada, Barbara, Frances, Ken and Linus manage nobody. Grace's manager_id is NULL: "
        "`id NOT IN (SELECT manager_id ...)` is then never true and returns nobody, "
        f"NOT EXISTS is immune to that. Got {names!r}"
    )


@pytest.mark.task(4)
@given(company=companies())
@EXAMPLES
def test_managers_and_individual_contributors_for_any_company(
    db: Connection, queries: Any, company: Company
) -> None:
    with rolled_back(db):
        company.load(db)
        bosses = run(queries, subqueries_ctes.managers, db)
        others = run(queries, subqueries_ctes.individual_contributors, db)
        chart = [(e[1], e[0], e[3]) for e in company.employees]
        assert list(bosses) == company.managers(), (
            f"org chart (name, id, manager_id) {chart}: the managers, once each, by name, are "
            f"{company.managers()}; got {bosses!r}"
        )
        assert list(others) == company.individual_contributors(), (
            f"org chart (name, id, manager_id) {chart}: the people who manage nobody, by name, are "
            f"{company.individual_contributors()}; got {others!r}"
        )


# -- task 5 ---------------------------------------------------------------------------------


@pytest.mark.task(5)
def test_best_paid_per_department_lists_ties(acme: Connection, queries: Any) -> None:
    best = rows(run(queries, subqueries_ctes.best_paid_per_department, acme))
    expected = [("Engineering", "Grace"), ("Sales", "Ken"), ("Sales", "Margaret"), ("Support", "Dennis")]
    assert best == expected, (
        f"expected {expected}: Ken and Margaret share Sales' top salary, so both are listed; "
        f"Research has nobody and is left out. Got {best!r}"
    )


@pytest.mark.task(5)
@given(company=companies())
@EXAMPLES
def test_best_paid_per_department_for_any_company(db: Connection, queries: Any, company: Company) -> None:
    with rolled_back(db):
        company.load(db)
        best = rows(run(queries, subqueries_ctes.best_paid_per_department, db))
        expected = company.best_paid_per_department()
        assert best == expected, (
            f"departments {company.departments}, employees {company.employees}: the best paid per "
            f"department, ties included, ordered by department then name: {expected}; got {best!r}"
        )


# -- task 6 ---------------------------------------------------------------------------------


@pytest.mark.task(6)
def test_top_payroll_departments_finds_the_highest_payroll(acme: Connection, queries: Any) -> None:
    top = rows(run(queries, subqueries_ctes.top_payroll_departments, acme))
    assert top == [("Engineering", 30000)], (
        "payrolls are Engineering 30000, Sales 15000, Support 9000: expected [('Engineering', 30000)], "
        f"got {top!r}"
    )


@pytest.mark.task(6)
def test_top_payroll_departments_lists_every_tie(db: Connection, queries: Any) -> None:
    Company(
        departments={1: "Legal", 2: "Sales", 3: "Support"},
        employees=[(1, "Joan", 1, None, 5000), (2, "Ken", 2, 1, 3000), (3, "Karen", 2, 1, 2000), (4, "Tim", 3, 1, 4000)],
    ).load(db)
    top = rows(run(queries, subqueries_ctes.top_payroll_departments, db))
    assert top == [("Legal", 5000), ("Sales", 5000)], (
        "Legal and Sales both have a payroll of 5000, the highest: both are listed, by name. "
        f"ORDER BY ... LIMIT 1 keeps only one of them. Got {top!r}"
    )


@pytest.mark.task(6)
def test_top_payroll_departments_names_the_payroll_in_a_cte(acme: Connection, queries: Any) -> None:
    run(queries, subqueries_ctes.top_payroll_departments, acme)
    sql = queries.statements[0].sql
    assert sql.lstrip().upper().startswith("WITH"), (
        "the task asks for a CTE: the statement should start with WITH payroll AS (...) "
        "(build it with select(...).cte('payroll')), and use that name twice. "
        f"The statement sent was:\n{sql}"
    )


@pytest.mark.task(6)
@given(company=companies())
@EXAMPLES
def test_top_payroll_departments_for_any_company(db: Connection, queries: Any, company: Company) -> None:
    with rolled_back(db):
        company.load(db)
        top = rows(run(queries, subqueries_ctes.top_payroll_departments, db))
        expected = company.top_payroll_departments()
        assert top == expected, (
            f"departments {company.departments}, employees {company.employees}: the department(s) "
            f"with the highest payroll, by name: {expected}; got {top!r}"
        )


# -- task 7 ---------------------------------------------------------------------------------


@pytest.mark.task(7)
def test_reports_of_walks_every_level(acme: Connection, queries: Any) -> None:
    below = rows(run(queries, subqueries_ctes.reports_of, acme, 1))
    expected = [
        ("Alan", 1), ("Dennis", 1), ("Margaret", 1),
        ("Ada", 2), ("Barbara", 2), ("Frances", 2), ("Ken", 2), ("Linus", 2),
    ]  # fmt: skip
    assert below == expected, (
        f"everyone below Grace (id 1), as (name, level), ordered by level then name: {expected}; "
        f"got {below!r}"
    )
    for someone, answer in ((2, [("Ada", 1), ("Linus", 1)]), (3, []), (999, [])):
        got = rows(run(queries, subqueries_ctes.reports_of, acme, someone))
        assert got == answer, f"reports_of({someone}) should be {answer} (999 is nobody), got {got!r}"


@pytest.mark.task(7)
def test_chain_of_command_goes_up_to_the_top(acme: Connection, queries: Any) -> None:
    for someone, answer in ((9, ["Dennis", "Grace"]), (3, ["Alan", "Grace"]), (1, []), (999, [])):
        got = run(queries, subqueries_ctes.chain_of_command, acme, someone)
        assert list(got) == answer, (
            f"chain_of_command({someone}) should be {answer}: the direct manager first, then theirs, "
            f"up to the top (1 is Grace, the top; 999 is nobody). Got {got!r}"
        )


@pytest.mark.task(7)
def test_chain_of_command_orders_the_rows_itself(acme: Connection, queries: Any) -> None:
    """Both databases happen to hand out a CTE's rows in the order they were found; SQL promises no order."""
    run(queries, subqueries_ctes.chain_of_command, acme, 9)
    statement = queries.statements[0]
    answered = acme.exec_driver_sql(statement.sql, statement.params)
    carries_the_step = len(answered.keys()) > 1  # then it may be sorted in Python
    assert "ORDER BY" in statement.sql.upper() or carries_the_step, (
        "chain_of_command() returns the right names in the right order here, but only because the "
        "database happens to return the CTE's rows in the order it found them: SQL promises no order "
        "without ORDER BY, and a change of plan (a join, an index, another database) reorders them. "
        "Carry the number of steps up along in the CTE and ORDER BY it. The statement sent was:\n"
        f"{statement.sql}"
    )


@pytest.mark.task(7)
@pytest.mark.parametrize("depth", [1, 3, 12, 60])
def test_recursion_follows_a_chart_of_any_depth(db: Connection, queries: Any, depth: int) -> None:
    # A single line of command, ids counting down so that id order is not level order.
    chain = Company(departments={1: "Engineering"})
    for level in range(depth + 1):
        employee_id = 1000 - level
        chain.employees.append((employee_id, f"Level{level:02d}", 1, employee_id + 1 if level else None, 3000))
    chain.load(db)
    top, bottom = 1000, 1000 - depth
    below = rows(run(queries, subqueries_ctes.reports_of, db, top))
    expected_below = [(f"Level{level:02d}", level) for level in range(1, depth + 1)]
    assert below == expected_below, (
        f"a chain of command {depth} levels deep: reports_of(top) should list all {depth} people "
        f"with their levels 1..{depth}. A fixed number of self-joins stops early; a recursive CTE "
        f"does not. Got {below!r}"
    )
    above = run(queries, subqueries_ctes.chain_of_command, db, bottom)
    expected_above = [f"Level{level:02d}" for level in range(depth - 1, -1, -1)]
    assert list(above) == expected_above, (
        f"a chain of command {depth} levels deep: chain_of_command(bottom) should climb all {depth} "
        f"levels, nearest manager first. Got {above!r}"
    )


@pytest.mark.task(7)
@given(company=companies(max_employees=15), data=st.data())
@settings(max_examples=20, phases=NO_SHRINK)
def test_recursion_for_any_org_chart(db: Connection, queries: Any, company: Company, data: st.DataObject) -> None:
    with rolled_back(db):
        company.load(db)
        someone = data.draw(st.sampled_from([e[0] for e in company.employees] + [424242]), label="employee id")
        below = rows(run(queries, subqueries_ctes.reports_of, db, someone))
        above = run(queries, subqueries_ctes.chain_of_command, db, someone)
        chart = [(e[1], e[0], e[3]) for e in company.employees]
        assert below == company.reports_of(someone), (
            f"org chart (name, id, manager_id) {chart}: reports_of({someone}) should be "
            f"{company.reports_of(someone)}; got {below!r}"
        )
        assert list(above) == company.chain_of_command(someone), (
            f"org chart (name, id, manager_id) {chart}: chain_of_command({someone}) should be "
            f"{company.chain_of_command(someone)}; got {above!r}"
        )
