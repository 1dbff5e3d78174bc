"""Progress from plain `pytest katas/...` runs: the same record `kata test` writes, so `kata list` agrees.

Registered by the harness (fixtures/plugin.py) only for runs on the learner's own files: not under
--solutions or --check-stubs, not inside the `kata` command's own run (it records itself), not in
an xdist worker (the controller sees every report). A kata counts as green only when the run was
not narrowed (-k, -m, --lf, a test id, -x stopping early): a red run is recorded either way. One
short SQLite transaction at the end of the run; nothing per test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kata.paths import KATAS, RESULTS_ENV


def wanted(config: pytest.Config, mode: str) -> bool:
    return mode == "katas" and not os.environ.get(RESULTS_ENV) and not hasattr(config, "workerinput")


class PlainRunRecorder:
    def __init__(self, config: pytest.Config, database_url: str) -> None:
        self.config = config
        self.database_url = database_url
        self.outcomes: dict[Path, dict[str, str]] = {}  # kata directory -> test id -> passed/failed/skipped
        self.deselected = False

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected = True

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = (self.config.rootpath / report.nodeid.split("::", 1)[0]).resolve()
        if not path.is_relative_to(KATAS):
            return
        kata = Path(*path.relative_to(KATAS).parts[:2])
        tests = self.outcomes.setdefault(kata, {})
        if report.failed:
            tests[report.nodeid] = "failed"
        elif report.skipped and tests.get(report.nodeid) != "failed":
            tests[report.nodeid] = "skipped"
        elif report.passed and report.when == "call" and tests.get(report.nodeid) != "failed":
            tests[report.nodeid] = "passed"

    def narrowed(self, session: pytest.Session, exitstatus: int) -> bool:
        option = self.config.option
        return bool(
            self.deselected
            or getattr(option, "keyword", "")
            or getattr(option, "markexpr", "")
            or getattr(option, "lf", False)
            or getattr(option, "stepwise", False)
            or any("::" in str(arg) for arg in self.config.args)
            or session.shouldstop
            or session.shouldfail
            or exitstatus == pytest.ExitCode.INTERRUPTED
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.outcomes:
            return
        # Imported here: a run that records nothing pays nothing.
        from kata import catalog
        from kata.progress import Progress
        from kata.runner import describe_database
        from kata.status import fingerprint

        narrowed = self.narrowed(session, exitstatus)
        try:
            progress = Progress()
        except Exception:  # noqa: BLE001 - an unwritable data directory must not fail the learner's test run
            return
        try:
            for directory, tests in self.outcomes.items():
                try:
                    kata = catalog.load(directory)
                except (OSError, KeyError, ValueError):
                    continue  # not a kata of this pack (no kata.toml)
                passed = sum(1 for outcome in tests.values() if outcome == "passed")
                failed = sum(1 for outcome in tests.values() if outcome == "failed")
                if failed or (passed and not narrowed):
                    progress.record_run(
                        kata.id,
                        passed=passed,
                        failed=failed,
                        green=not failed,
                        fingerprint=fingerprint(kata),
                        database=describe_database(self.database_url),
                    )
        finally:
            progress.close()
