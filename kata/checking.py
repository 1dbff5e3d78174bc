"""Run a kata's tests on the learner's files and record the result; what the learner should do next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kata import paths
from kata.catalog import Kata, all_katas, find, unknown
from kata.errors import KataError
from kata.runner import RunResult, StartedRun, start_tests
from kata.status import PASSING, Status, fingerprint, missing_files, status

if TYPE_CHECKING:
    from kata.progress import Progress
    from kata.warm import WarmProcess


def kata(key: str) -> Kata:
    """A kata by id, slug or directory, or a one-sentence error."""
    try:
        return find(key)
    except LookupError as error:
        raise KataError(unknown(key)) from error


def module_katas(key: str) -> list[Kata]:
    """The katas of one module, given as 2, 02, 02_core or core."""
    wanted = key.strip().strip("/").removeprefix("katas/")
    number = wanted.lstrip("0") or "0"
    chosen = [
        k for k in all_katas()
        if number == (k.module.split("_", 1)[0].lstrip("0") or "0") or wanted in (k.module, k.module.split("_", 1)[-1])
    ]
    if not chosen:
        modules = sorted({k.module for k in all_katas()})
        raise KataError(f"There is no module {key!r}; the modules are {', '.join(modules)}.")
    return chosen


def check(
    kata: Kata, progress: Progress, *, db_url: str | None = None, solutions: bool = False, warm: WarmProcess | None = None
) -> RunResult:
    """Run the kata's tests (in a fork of `warm` when given); record the result when they ran on the learner's own files."""
    return finish(start(kata, db_url=db_url, solutions=solutions, warm=warm), progress)


@dataclass(frozen=True)
class StartedCheck:
    kata: Kata
    solutions: bool
    run: StartedRun


def start(kata: Kata, *, db_url: str | None = None, solutions: bool = False, warm: WarmProcess | None = None) -> StartedCheck:
    """Start the kata's tests; `finish` waits for them (the caller may do other work meanwhile)."""
    if not solutions:
        require_files(kata)
    return StartedCheck(kata, solutions, start_tests(kata.path, solutions=solutions, db_url=db_url, warm=warm))


def finish(started: StartedCheck, progress: Progress) -> RunResult:
    """Wait for the tests `start` began; record the result when they ran on the learner's own files."""
    result = started.run.result()
    kata, solutions = started.kata, started.solutions
    if not solutions and (result.tests or result.errors):
        progress.record_run(
            kata.id,
            passed=result.passed,
            failed=result.failed + len(result.errors),
            green=result.green,
            fingerprint=fingerprint(kata),
            database=result.database,
        )
    return result


def require_files(kata: Kata) -> None:
    """Fail with one sentence when a learner file of the kata is missing."""
    missing = missing_files(kata)
    if missing:
        raise KataError(f"{paths.shown(missing[0])} does not exist; `kata reset {kata.id}` restores the pristine stub.")


def statuses(progress: Progress) -> dict[str, Status]:
    runs, solved = progress.last_runs(), progress.first_solved()
    return {k.id: status(k, runs.get(k.id), solved.get(k.id)) for k in all_katas()}


def next_kata(progress: Progress) -> Kata | None:
    """The first kata, in curriculum order, that is not passing: what `kata next` shows and where
    `kata watch` goes after a green (one answer to "what next?")."""
    known = statuses(progress)
    return next((k for k in all_katas() if known[k.id].state != PASSING), None)
