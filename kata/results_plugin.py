"""A pytest plugin (`-p kata.results_plugin`) that writes each test's outcome as JSON for the `kata` command.

The command runs a kata's tests in a subprocess with this plugin and reads the file named by
$KATA_RESULTS_FILE afterwards: the learner's code never runs in the command's own process.
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import warnings
from collections.abc import Generator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from kata import paths
from kata.paths import RESULTS_ENV

FILE_ERROR = "kata_file_error"  # fixtures/plugin.py marks a report so when the learner's file cannot be used
SQL_SECTION = "SQL sent while the test ran"

_tests: dict[str, dict[str, Any]] = {}
_errors: list[str] = []


class CollectionTimeout(Exception):
    """Importing the tests (and so the learner's module) took longer than a test may."""


def _timeout(config: pytest.Config) -> float:
    return float(config.getoption("timeout", None) or config.getini("timeout") or 60)


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """pytest-timeout guards the tests, not their collection, where the learner's module-level
    code runs: a `while True:` there would hang the run silently. Interrupt it, and run no test."""
    if not hasattr(signal, "SIGALRM"):
        return (yield)
    seconds = _timeout(session.config)
    stopped: list[str] = []

    def interrupt(_signum: int, frame: FrameType | None) -> None:
        learner = frame  # the innermost frame in the kata's own code, not in a library it called
        while learner is not None and not _in_kata(learner.f_code.co_filename):
            learner = learner.f_back
        frame = learner or frame
        where = f"{os.path.relpath(frame.f_code.co_filename)}, line {frame.f_lineno}" if frame is not None else "?"
        stopped.append(
            f"Importing the kata's code did not finish in {seconds:g} s and was stopped at {where}: "
            "code at module level runs when the tests import it; is there a loop that never ends?"
        )
        raise CollectionTimeout(stopped[0])

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if stopped:  # the tests would hang in the same import, a minute each
            _errors.insert(0, stopped[0])
            _tests.clear()
            session.items.clear()


def _in_kata(filename: str) -> bool:
    path = Path(filename)
    return "katas" in path.parts and not path.name.startswith(("test_", "conftest"))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _errors.append(report.longreprtext)


def pytest_collection_finish(session: pytest.Session) -> None:
    for item in session.items:
        marker = item.get_closest_marker("task")
        function = getattr(item, "function", None)
        try:
            code = inspect.getsource(function) if function is not None else ""
        except (OSError, TypeError):
            code = ""
        _tests[item.nodeid] = {
            "nodeid": item.nodeid,
            "name": item.name,
            "status": "not run",
            "message": "",
            "sql": "",
            "task": int(marker.args[0]) if marker is not None and marker.args else None,
            "code": code,
        }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """After a test that ran out of time, stop: the next ones would most likely hang a minute each too."""
    report = yield
    excinfo = call.excinfo
    if excinfo is not None and excinfo.errisinstance(pytest.fail.Exception) and str(excinfo.value).startswith("Timeout"):
        item.session.shouldstop = "a test ran out of time; the ones after it were not run"
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    entry = _tests.setdefault(
        report.nodeid,
        {"nodeid": report.nodeid, "name": report.nodeid, "status": "not run", "message": "", "sql": "", "task": None, "code": ""},
    )
    if report.skipped and entry["status"] in ("not run", "passed"):
        entry["status"] = "skipped"
        entry["message"] = _skip_reason(report)
    elif report.failed:
        entry["status"] = "failed" if report.when == "call" else "error"
        entry["message"] = report.longreprtext
        if (FILE_ERROR, True) in report.user_properties:
            entry["task"] = None  # a file that cannot be imported belongs to no task
    elif report.passed and report.when == "call":
        entry["status"] = "passed"
    for title, text in report.sections:
        if title.startswith(SQL_SECTION):
            entry["sql"] = text


def pytest_warning_recorded(warning_message: warnings.WarningMessage, when: str, nodeid: str, location: Any) -> None:
    from fixtures.deprecations import from_warning  # the pack's harness: importable where its tests run

    found = from_warning(warning_message, paths.PACK_ROOT)
    entry = _tests.get(nodeid)
    if found is not None and entry is not None:
        uses = entry.setdefault("deprecations", [])
        if found.describe() not in uses:
            uses.append(found.describe())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(RESULTS_ENV)
    if target:
        payload = {"exitstatus": int(exitstatus), "tests": list(_tests.values()), "errors": _errors}
        Path(target).write_text(json.dumps(payload))


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")
