"""Machine-readable results in the shape of Exercism's test-runner `results.json` (version 3).

    {"version": 3, "status": "pass" | "fail" | "error", "message": str | null,
     "tests": [{"name", "status", "message", "test_code", "task_id"}]}

Version 3 is version 2 plus each test's `task_id` (the README task it checks), which the pack
has for every test. Skipped tests (another backend's, say) are left out: Exercism knows only
pass, fail and error. A run where nothing could run (a broken test file, every test skipped)
is "error" with a top-level message, as Exercism's runners report a compile error.
"""

from __future__ import annotations

from typing import Any

from kata.catalog import Kata
from kata.runner import RunResult

VERSION = 3
_STATUS = {"passed": "pass", "failed": "fail", "error": "error"}


def exercism_results(kata: Kata, result: RunResult) -> dict[str, Any]:
    tests = [
        {
            "name": test.name,
            "status": _STATUS[test.status],
            "message": test.message or None,
            "test_code": test.code,
            "task_id": test.task,
        }
        for test in result.tests
        if test.status in _STATUS
    ]
    if result.errors:
        return {"version": VERSION, "status": "error", "message": "\n".join(result.errors), "tests": tests}
    if not tests:
        reasons = sorted({t.message for t in result.tests if t.message})
        message = "no test ran" + (f": {reasons[0]}" if reasons else "")
        return {"version": VERSION, "status": "error", "message": message, "tests": []}
    status = "pass" if result.green else "fail"
    return {"version": VERSION, "status": status, "message": None, "tests": tests}
