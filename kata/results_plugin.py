"""A pytest plugin (`-p kata.results_plugin`) that writes each test's outcome as JSON for the `kata` command.

The command runs a kata's tests in a subprocess with this plugin and reads the file named by
$KATA_RESULTS_FILE afterwards: the learner's code never runs in the command's own process.
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path
from typing import Any

import pytest

RESULTS_ENV = "KATA_RESULTS_FILE"
SQL_SECTION = "SQL sent while the test ran"

_tests: dict[str, dict[str, Any]] = {}
_errors: list[str] = []


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
    elif report.passed and report.when == "call":
        entry["status"] = "passed"
    for title, text in report.sections:
        if title.startswith(SQL_SECTION):
            entry["sql"] = text


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(RESULTS_ENV)
    if target:
        payload = {"exitstatus": int(exitstatus), "tests": list(_tests.values()), "errors": _errors}
        Path(target).write_text(json.dumps(payload))


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return str(report.longrepr or "")
