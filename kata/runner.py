"""Run one kata's tests in another process and read back what happened, test by test.

The learner's code runs only in that process (pytest with kata.results_plugin): a cold
`python -m pytest` subprocess, or a fresh fork of a warm process (kata/warm.py). A hang, a
crash or a `sys.exit()` in it cannot take the `kata` command down.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kata import paths
from kata.errors import KataError
from kata.paths import RESULTS_ENV

if TYPE_CHECKING:
    from kata.warm import WarmProcess

DB_URL_ENV = "KATA_DB_URL"
RUN_TIMEOUT_SECONDS = 900  # the harness stops each test (10 s unless kata.toml says more); this guards the whole run


@dataclass(frozen=True)
class TestOutcome:
    """One test: its status (passed, failed, error, skipped), what it said and the SQL it sent."""

    nodeid: str
    name: str
    status: str
    message: str = ""
    sql: str = ""
    task: int | None = None
    code: str = ""
    deprecations: tuple[str, ...] = ()  # the learner's uses of deprecated SQLAlchemy APIs, with the 2.x way


@dataclass
class RunResult:
    """What one run of a kata's tests gave."""

    tests: list[TestOutcome]
    errors: list[str] = field(default_factory=list)  # collection errors: the test file itself is broken
    exitstatus: int = 0
    seconds: float = 0.0
    database: str = "SQLite"
    output: str = ""  # pytest's own output, for when it could not run at all

    def count(self, status: str) -> int:
        return sum(1 for test in self.tests if test.status == status)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed") + self.count("error")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def green(self) -> bool:
        """Every test that ran passed, and at least one ran."""
        return self.exitstatus == 0 and not self.errors and self.failed == 0 and self.passed > 0

    @property
    def deprecations(self) -> list[str]:
        """Each deprecated API use of the learner's code once, in the order the tests met them."""
        return list(dict.fromkeys(use for test in self.tests for use in test.deprecations))

    @property
    def first_failure(self) -> TestOutcome | None:
        return next((t for t in self.tests if t.status in ("failed", "error")), None)


def run_tests(
    directory: Path,
    *,
    solutions: bool = False,
    db_url: str | None = None,
    root: Path | None = None,
    warm: WarmProcess | None = None,
    timeout: float = RUN_TIMEOUT_SECONDS,
) -> RunResult:
    """Run the tests in `directory` (a kata's folder) with pytest in another process, from the pack `root`:
    a cold `python -m pytest`, or a fresh fork of `warm` (the same run, without paying the imports again)."""
    return start_tests(directory, solutions=solutions, db_url=db_url, root=root, warm=warm, timeout=timeout).result()


def start_tests(
    directory: Path,
    *,
    solutions: bool = False,
    db_url: str | None = None,
    root: Path | None = None,
    warm: WarmProcess | None = None,
    timeout: float = RUN_TIMEOUT_SECONDS,
) -> StartedRun:
    """`run_tests`, started: a cold run is under way when this returns; `.result()` waits for it."""
    root = root or paths.PACK_ROOT
    url = db_url or os.environ.get(DB_URL_ENV)
    if url:
        check_database(url)
    return StartedRun(directory, root, url, solutions, warm, timeout)


class StartedRun:
    """One run of a kata's tests in another process; `result()` waits for it and reads what happened."""

    def __init__(
        self, directory: Path, root: Path, url: str | None, solutions: bool, warm: WarmProcess | None, timeout: float
    ) -> None:
        self.directory, self.root, self.url, self.warm, self.timeout = directory, root, url, warm, timeout
        self._scratch = tempfile.TemporaryDirectory(prefix="kata-run-")
        self.results_file = Path(self._scratch.name) / "results.json"
        self.arguments = [str(directory), "-p", "kata.results_plugin"]
        self.arguments += ["-p", "no:randomly", "-p", "no:cacheprovider", "-q", "--no-header", "-rN"]
        if solutions:
            self.arguments.append("--solutions")
        if url:
            self.arguments += ["--db-url", url]
        self.environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_XDIST", "PYTEST_CURRENT"))}
        self.environment.update({paths.PACK_ROOT_ENV: str(root), RESULTS_ENV: str(self.results_file)})
        self.started = time.perf_counter()
        self._process: subprocess.Popen[str] | None = None
        if warm is None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "pytest", *self.arguments],
                cwd=root, env=self.environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )

    def result(self) -> RunResult:
        try:
            timed_out, output = self._wait()
            if timed_out:
                raise KataError(f"The tests of {paths.shown(self.directory)} ran for over {self.timeout:g} s and were stopped.")
            seconds = time.perf_counter() - self.started
            if not self.results_file.exists():
                last = output.strip().splitlines()[-1:] or ["no output"]
                raise KataError(f"pytest could not run the tests of {paths.shown(self.directory)}: {last[0]}")
            payload = json.loads(self.results_file.read_text())
        finally:
            self._scratch.cleanup()
        if self.root.resolve() != paths.PACK_ROOT.resolve():
            payload = _paths_from(self.root, payload)
        return RunResult(
            tests=[_outcome(t) for t in payload["tests"]],
            errors=list(payload["errors"]),
            exitstatus=int(payload["exitstatus"]),
            seconds=seconds,
            database=describe_database(self.url),
            output=output,
        )

    def _wait(self) -> tuple[bool, str]:
        """(whether the run ran out of time and was stopped, what it printed)."""
        if self.warm is not None:
            outcome = self.warm.run(self.arguments, self.environment, self.directory, Path(self._scratch.name) / "output.txt", self.timeout)
            return outcome.timed_out, outcome.output
        assert self._process is not None
        try:
            output, _ = self._process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.communicate()
            return True, ""
        except BaseException:  # Ctrl-C while waiting: the run ends with the command
            self._process.kill()
            self._process.communicate()
            raise
        return False, output


def _paths_from(root: Path, payload: dict[str, Any]) -> dict[str, Any]:
    """A run in another copy of the pack (a practice workspace) names its files relative to that
    copy: `katas/...` there would read as the learner's own file in the pack. Name the copy's."""
    prefix = re.compile(r"(?<![\w./-])katas/")
    where = f"{root.resolve()}/katas/"

    def fix(text: str) -> str:
        return prefix.sub(lambda _match: where, text)

    tests = [{**test, "message": fix(test.get("message", "")), "sql": test.get("sql", "")} for test in payload["tests"]]
    return {**payload, "tests": tests, "errors": [fix(error) for error in payload["errors"]]}


def _outcome(fields: dict[str, Any]) -> TestOutcome:
    known: dict[str, Any] = {k: v for k, v in fields.items() if k in TestOutcome.__dataclass_fields__}
    known["deprecations"] = tuple(known.get("deprecations", ()))
    return TestOutcome(**known)


def describe_database(url: str | None) -> str:
    # Imported here, not at the top: `kata test` starts its run before paying for SQLAlchemy.
    from sqlalchemy.engine import make_url

    if not url:
        return "SQLite"
    parsed = make_url(url)
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(parsed.get_backend_name(), parsed.get_backend_name())


def check_database(url: str) -> None:
    """Fail with one sentence when the database the tests should use cannot be reached."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise KataError(f"{url!r} is not a database URL; for PostgreSQL write postgresql+psycopg://USER@HOST:5432/DB.") from None
    if parsed.get_backend_name() == "sqlite":
        return
    shown_url = parsed.render_as_string(hide_password=True)
    connect_args = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
    try:
        engine = create_engine(parsed, connect_args=connect_args, poolclass=NullPool)
        with engine.connect():
            pass
        engine.dispose()
    except (SQLAlchemyError, ImportError) as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise KataError(
            f"The database at {shown_url} cannot be reached ({reason}); start it, fix --db-url "
            f"(or ${DB_URL_ENV}), or leave both out to test on SQLite."
        ) from None
