"""Tests for kata 11.7, project: a test suite. Run: pytest katas/11_testing/07_project_test_suite

Your suite (project_test_suite.py) is run in this process by pytest's own `pytester`: once against
lending.py as given, and once against each planted bug of planted_bugs.py. Its tests get the
fixtures `session` and `queries`, which work like the pack's own: every test of your suite runs
inside this test's transaction, in a savepoint of its own, rolled back after it.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, NestedTransaction, event
from sqlalchemy.orm import Session

from fixtures.inner_run import InnerRun, run_inline
from fixtures.recording import QueryLog
from fixtures.target import learner_path

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent
SERVICE = (HERE / "lending.py").read_text()
# lending.py as a refactoring leaves it: the same behaviour in other text. The suite runs backwards on
# it: a test of the file's text or hash (which "catches" every planted bug) fails there.
EQUIVALENT = "# lending.py, tidied: it behaves exactly as before.\n" + SERVICE.replace("days_late", "late_by")
SUITE_FILE = "project_test_suite.py"
INNER_FILE = "test_learner_suite.py"  # the name your suite has inside the kata's runs


def _given_module(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"kata_11_7_given_{name}", HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


planted_bugs = _given_module("planted_bugs")
BUGS = {bug.name: bug for bug in planted_bugs.BUGS}


TASK_CLASSES = {
    2: "TestMembers",
    3: "TestLending",
    4: "TestCatalogue",
    5: "TestReports",
}  # the stub's classes


def bugs_of(task: int) -> list[str]:
    return [name for name, bug in BUGS.items() if bug.task == task]


# -- the inner run ------------------------------------------------------------------------------


class SuiteFixtures:
    """The fixtures the learner's suite gets: `session` and `queries`, as in the pack, on this test's
    connection. Each inner test has a savepoint of its own, rolled back after it, so nothing one test
    writes is seen by the next, and nothing at all outlives this (outer) test's transaction."""

    def __init__(self, connection: Connection, reverse: bool = False, first: str = "") -> None:
        self.connection = connection
        self.reverse = reverse
        self.first = first
        self.log = QueryLog()
        self.schema: NestedTransaction | None = None
        event.listen(connection, "before_cursor_execute", self._record)

    def close(self) -> None:
        event.remove(self.connection, "before_cursor_execute", self._record)

    def _record(
        self, _conn: Any, _cursor: Any, sql: str, params: Any, _context: Any, executemany: bool
    ) -> None:
        self.log.record(sql, params, executemany)

    @pytest.fixture
    def session(self) -> Iterator[Session]:
        savepoint = self.connection.begin_nested()
        try:
            with Session(bind=self.connection, join_transaction_mode="create_savepoint") as session:
                yield session
        finally:
            if savepoint.is_active:
                savepoint.rollback()

    @pytest.fixture
    def queries(self) -> QueryLog:
        return self.log

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self.log = QueryLog()  # each test its own log; set-up is not recorded

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        self.log.recording = True
        try:
            return (yield)
        finally:
            self.log.recording = False

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        if self.reverse:
            items.reverse()
        if self.first:  # the tests of the bug's task first: with --exitfirst, a catch ends the run early
            items.sort(key=lambda item: f"::{self.first}::" not in f"{item.nodeid}::")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # The service's tables, once for the whole run: the suite's `tables` fixture then finds them
        # and creates nothing (DDL in every test was most of a run's time on PostgreSQL).
        service = sys.modules.get("lending")
        if service is not None:
            self.schema = self.connection.begin_nested()
            service.Base.metadata.create_all(self.connection)

    def pytest_sessionfinish(self) -> None:
        if self.schema is not None and self.schema.is_active:
            self.schema.rollback()


def run_suite(
    pytester: pytest.Pytester,
    connection: Connection,
    service: str,
    reverse: bool = False,
    first_failure: bool = False,
    first: str = "",
) -> InnerRun:
    suite = learner_path(__file__, SUITE_FILE)
    if not suite.exists():
        pytest.fail(
            f"{suite} does not exist: it is the file you write (`python -m kata.stubs` restores it).",
            pytrace=False,
        )
    (pytester.path / "lending.py").write_text(service)
    source = suite.read_text()
    (pytester.path / INNER_FILE).write_text(source)
    pytester.syspathinsert()
    plugin = SuiteFixtures(connection, reverse, first)
    options = ["-W", "error::sqlalchemy.exc.SAWarning"]
    if first_failure:
        options.append("--exitfirst")  # one failing test is a catch: the rest need not run
    try:
        return run_inline(
            pytester,
            *options,
            plugins=[plugin],
            shown_as={INNER_FILE: SUITE_FILE},
            hang_key=(source, service, connection.dialect.name),  # a suite that hung is not run again
        )
    finally:
        plugin.close()


@pytest.fixture
def suite_runner(pytester: pytest.Pytester, connection: Connection) -> Iterator[Any]:
    def run(
        service: str = SERVICE, reverse: bool = False, first_failure: bool = False, first: str = ""
    ) -> InnerRun:
        return run_suite(pytester, connection, service, reverse, first_failure, first)

    yield run


_reference_runs: dict[tuple[str, str], InnerRun] = {}


def reference_run(suite_runner: Any, connection: Connection) -> InnerRun:
    """The suite's outcome on lending.py as given (the same for every planted bug: run once per process)."""
    key = (learner_path(__file__, SUITE_FILE).read_text(), connection.dialect.name)
    if key not in _reference_runs:
        _reference_runs[key] = suite_runner()
    return _reference_runs[key]


def _problems_on_the_service(run: InnerRun) -> list[str]:
    problems = [f"collecting it failed:\n{error}" for error in run.collection_errors]
    for name, text in {**run.failed, **run.errors}.items():
        if text.rstrip().endswith("NotImplementedError"):
            problems.append(
                f"{name} is still the stub's placeholder (it raises NotImplementedError): write your tests in its place"
            )
        else:
            where = "fails" if name in run.failed else "errs in set-up or tear-down"
            problems.append(f"{name} {where} against the correct lending.py:\n{text}")
    problems += [
        f"{name} was skipped: a skipped test checks nothing; remove the skip" for name in run.skipped
    ]
    return problems


# -- task 1 -------------------------------------------------------------------------------------


@pytest.mark.task(1)
def test_your_suite_passes_against_the_correct_service(suite_runner: Any, connection: Connection) -> None:
    run = reference_run(suite_runner, connection)
    problems = _problems_on_the_service(run)
    if problems:
        pytest.fail(
            "Against lending.py as given, every test of your suite must pass: a test that fails on correct code "
            "fails on every version, so it tells no bug apart.\n- " + "\n- ".join(problems),
            pytrace=False,
        )
    if not run.passed:
        pytest.fail(
            f"{SUITE_FILE} has no tests that ran: write test functions (`def test_...(self, session)`), inside "
            "the classes the stub gives or beside them",
            pytrace=False,
        )


@pytest.mark.task(1)
def test_your_suite_passes_in_any_order(suite_runner: Any, connection: Connection) -> None:
    backwards = suite_runner(EQUIVALENT, reverse=True)
    if backwards.passed and not _problems_on_the_service(backwards):
        return  # a suite that passes backwards needs no run forwards (which costs as much again)
    forwards = reference_run(suite_runner, connection)
    if not forwards.passed or _problems_on_the_service(forwards):
        pytest.fail(
            "your suite does not pass against lending.py yet (test_your_suite_passes_against_the_correct_service "
            "says why); it must pass in file order before it can pass in any order",
            pytrace=False,
        )
    broken = {**backwards.failed, **backwards.errors}
    pytest.fail(
        "These tests of your suite pass in file order against lending.py, and fail when the suite runs in "
        "reverse order against a copy of lending.py that behaves the same (a comment added, a local variable "
        "renamed). Either they depend on what an earlier test left behind (a module-level list, a cached "
        "object, an id): each test must arrange its own data; or they check the text of lending.py (a hash, "
        "its source), not what it does.\n- "
        + "\n- ".join(f"{name}:\n{text}" for name, text in broken.items()),
        pytrace=False,
    )


# -- tasks 2-5: the planted bugs ---------------------------------------------------------------


def assert_caught(bug_name: str, suite_runner: Any, connection: Connection) -> None:
    bug = BUGS[bug_name]
    reference = reference_run(suite_runner, connection)
    if not reference.passed:
        pytest.fail(
            f"none of your tests passes against the correct lending.py, so none can catch the planted bug "
            f"`{bug.name}` (task {bug.task}): first make test_your_suite_passes_against_the_correct_service pass",
            pytrace=False,
        )
    # When the whole suite passes on lending.py, the first failure is a catch: stop there.
    clean = not _problems_on_the_service(reference)
    run = suite_runner(planted_bugs.planted(SERVICE, bug), first_failure=clean, first=TASK_CLASSES[bug.task])
    caught = [name for name in run.failed if name in reference.passed]
    if caught:
        return
    notes = []
    not_counted = [name for name in run.errors if name in reference.passed]
    if not_counted:
        notes.append(
            f"{', '.join(not_counted)} erred in set-up or tear-down on this version: that is not a catch, the "
            "test's own body must fail (an assertion, an expected exception that did not come)"
        )
    if run.collection_errors:
        notes.append(
            "your suite could not even be collected against this version; a catch must be a failing test"
        )
    failing_anyway = [name for name in run.failed if name not in reference.passed]
    if failing_anyway:
        notes.append(
            f"{', '.join(failing_anyway)} failed here but fails on the correct service too, so it tells nothing"
        )
    extra = ("\n" + "\n".join(notes)) if notes else ""
    pytest.fail(
        f"Planted bug `{bug.name}` went uncaught (task {bug.task}): {bug.symptom}. None of your "
        f"{len(reference.passed)} test(s) that pass on lending.py failed on this version. {bug.question}"
        f"{extra}\n(planted_bugs.py shows the change, if you want to see it.)",
        pytrace=False,
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("bug", bugs_of(2))
def test_your_suite_catches_the_registration_bug(bug: str, suite_runner: Any, connection: Connection) -> None:
    assert_caught(bug, suite_runner, connection)


@pytest.mark.task(3)
@pytest.mark.parametrize("bug", bugs_of(3))
def test_your_suite_catches_the_lending_bugs(bug: str, suite_runner: Any, connection: Connection) -> None:
    assert_caught(bug, suite_runner, connection)


@pytest.mark.task(4)
@pytest.mark.parametrize("bug", bugs_of(4))
def test_your_suite_catches_the_catalogue_bugs(bug: str, suite_runner: Any, connection: Connection) -> None:
    assert_caught(bug, suite_runner, connection)


@pytest.mark.task(5)
@pytest.mark.parametrize("bug", bugs_of(5))
def test_your_suite_catches_the_report_bugs(bug: str, suite_runner: Any, connection: Connection) -> None:
    assert_caught(bug, suite_runner, connection)
