"""`kata practice`: a timed session on a fresh copy of a kata's stub, recorded in the progress database.

The copy lives in the user's data directory (`<data>/practice/<id>/`), not in the pack: the
learner's own solution in katas/ is never touched, the pack's `pytest` never collects the copy,
and nothing needs ignoring in git. The copy is a miniature pack (the harness, the kata's tests
and the fresh stub) so the pack's harness runs it unchanged.
"""

from __future__ import annotations

import random
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from kata import checking, display, paths
from kata.catalog import Kata, all_katas
from kata.checking import module_katas, next_kata
from kata.errors import KataError
from kata.progress import ABANDONED, OUT_OF_TIME, SOLVED, KataStats, PracticeAttempt, Progress, data_dir, now
from kata.runner import RunResult, run_tests
from kata.status import learner_paths
from kata.stubs import learner_files, write_stubs
from kata.warm import WarmProcess
from kata.watching import saves, warm_process

HARNESS = ("conftest.py", "pyproject.toml", "fixtures", "kata")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


def workspace_root(kata: Kata) -> Path:
    return data_dir() / "practice" / kata.id


def workspace_kata(kata: Kata) -> Path:
    """The kata's folder inside its practice workspace: where the learner edits."""
    return workspace_root(kata) / "katas" / kata.directory


def prepare(kata: Kata) -> Path:
    """A fresh practice workspace for `kata`: the harness, its tests and README, a pristine stub."""
    root = workspace_root(kata)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for name in HARNESS:
        source = paths.PACK_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=_IGNORE)
        elif source.exists():
            shutil.copy2(source, root / name)
    target = workspace_kata(kata)
    mine = {str(relative) for relative in learner_files(kata.directory)}
    shutil.copytree(kata.path, target, ignore=lambda folder, names: [
        n for n in names
        if n in ("__pycache__", ".pytest_cache") or str((Path(folder) / n).relative_to(kata.path)) in mine
    ])
    for extra in kata.path.parent.iterdir():  # module-level files (a shared conftest.py), if any
        if extra.is_file():
            shutil.copy2(extra, target.parent / extra.name)
    write_stubs(kata.directory, target)
    return target


def choose(key: str | None, module: str | None, pick_random: bool, progress: Progress) -> tuple[Kata, str]:
    """The kata to practise and why: the one named, one at random, else the weakest (the default)."""
    if key:
        return checking.kata(key), "chosen"
    pool = module_katas(module) if module else all_katas()
    if pick_random:
        return random.choice(pool), "picked at random"
    found = weakest_kata(pool, progress)
    if found is not None:
        return found
    following = next_kata(progress)
    if following is not None and following in pool:
        return following, "no practice or test history yet: the next kata"
    return random.choice(pool), "picked at random: no history to choose from yet"


def weakest_kata(pool: list[Kata], progress: Progress) -> tuple[Kata, str] | None:
    """What the learner solved slowest or failed most: spaced practice goes back to it first.

    Order: most practice attempts not finished (abandoned, out of time), then the slowest best
    time against the kata's expected minutes (never solved counts as slowest), then most red test
    runs in katas/.
    """
    by_id = {k.id: k for k in pool}
    stats = [s for s in progress.stats() if s.kata_id in by_id]
    if not stats:
        return None

    def weakness(stat: KataStats) -> tuple[int, float, int]:
        unsolved = stat.attempts - stat.solved
        # Time to green against the expected minutes; never solved in practice counts as slowest.
        slowness = stat.best_seconds / (by_id[stat.kata_id].minutes * 60) if stat.best_seconds else 9.0
        return unsolved, slowness, stat.red_runs

    worst = max(stats, key=weakness)
    unsolved, _, reds = weakness(worst)
    reasons = []
    if unsolved:
        reasons.append(f"{unsolved} practice attempt(s) not finished")
    if worst.best_seconds:
        reasons.append(f"best time {display.duration(worst.best_seconds)} for {by_id[worst.kata_id].minutes} min expected")
    if reds:
        reasons.append(f"{reds} red test run(s)")
    return by_id[worst.kata_id], "your weakest: " + ", ".join(reasons or ["least practised"])


@dataclass
class PracticeSession:
    """One attempt: the workspace, the clock, and what each test run records."""

    kata: Kata
    attempt: PracticeAttempt
    directory: Path
    progress: Progress
    db_url: str | None = None

    @property
    def elapsed(self) -> float:
        return (now() - self.attempt.started_at).total_seconds()

    @property
    def remaining(self) -> float:
        return self.attempt.minutes * 60 - self.elapsed

    def check(self, warm: WarmProcess | None = None) -> RunResult:
        """Run the practice copy's tests (in a fork of `warm` when given), record the run, and the time when it is green."""
        missing = [p for p in learner_paths(self.kata, self.directory) if not p.exists()]
        if missing:
            raise KataError(f"{missing[0]} does not exist; start again with `kata practice {self.kata.id}`.")
        result = run_tests(self.directory, db_url=self.db_url, root=workspace_root(self.kata), warm=warm)
        self.progress.record_practice_run(self.attempt.id, passed=result.passed, failed=result.failed)
        if result.green:  # green after the time allowed (`--check` late) is not a solve
            self.progress.finish_attempt(self.attempt.id, SOLVED if self.remaining > 0 else OUT_OF_TIME, self.elapsed)
        return result

    def give_up(self, outcome: str = ABANDONED) -> None:
        self.progress.finish_attempt(self.attempt.id, outcome)


def start(kata: Kata, progress: Progress, minutes: int | None, db_url: str | None = None) -> PracticeSession:
    directory = prepare(kata)
    attempt = progress.start_attempt(kata.id, minutes or kata.minutes)
    return PracticeSession(kata, attempt, directory, progress, db_url)


def begin(
    kata: Kata, progress: Progress, minutes: int | None, db_url: str | None = None, fresh: bool = False
) -> tuple[PracticeSession, str]:
    """`kata practice ID`: resume the attempt under way on the kata (its copy holds the learner's work),
    else start one; with `fresh`, start over after backing the old copy up. Returns what to tell the learner."""
    open_attempt = progress.open_attempt(kata.id)
    if open_attempt is not None and workspace_kata(kata).exists() and not fresh:
        session = PracticeSession(kata, open_attempt, workspace_kata(kata), progress, db_url)
        left = "the time allowed is up already" if session.remaining <= 0 else f"{display.duration(session.remaining)} left"
        return session, (
            f"Resuming your practice of {kata.id} started at {display.when(open_attempt.started_at)} ({left}); "
            f"`kata practice {kata.id} --fresh` starts over on a new copy (this one is backed up first)."
        )
    saved = save_copy(kata)
    session = start(kata, progress, minutes, db_url)  # an attempt left open ends here, abandoned
    note = f"Your previous practice copy is saved in {saved}" if saved is not None else ""
    return session, note


def save_copy(kata: Kata) -> Path | None:
    """Back up the learner files of the kata's practice copy (when there is one) before it is replaced."""
    files = [p for p in learner_paths(kata, workspace_kata(kata)) if p.exists()]
    if not files:
        return None
    folder = data_dir() / "practice-backups" / f"{kata.id}-{now().strftime('%Y%m%d-%H%M%S-%f')}"
    for path in files:
        target = folder / path.relative_to(workspace_kata(kata))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return folder


def resume(kata: Kata, progress: Progress, db_url: str | None = None) -> PracticeSession:
    """The practice attempt under way on `kata` (for `kata practice ID --check`)."""
    attempt = progress.open_attempt(kata.id)
    directory = workspace_kata(kata)
    if attempt is None or not directory.exists():
        raise KataError(f"No practice of {kata.id} is under way; start one with `kata practice {kata.id}`.")
    return PracticeSession(kata, attempt, directory, progress, db_url)


def run_interactive(session: PracticeSession, stop: threading.Event | None = None) -> RunResult | None:
    """Count down, re-run the tests on every save, stop at green or when time is up (Ctrl-C: abandoned)."""
    console = display.console
    board = Dashboard(session)
    warm = warm_process(workspace_root(session.kata))
    if warm is not None:
        warm.start(session.directory, session.db_url)  # its imports overlap the learner's first edit
    live = Live(board, console=console, refresh_per_second=2) if console.is_terminal else None
    if live is None:
        console.print(f"Practising {display.heading(session.kata)}: {display.duration(session.remaining)} on the clock.")
    try:
        if live is not None:
            live.start()
        for saved in saves(session.directory, learner_paths(session.kata, session.directory), stop):
            if session.remaining <= 0:
                session.give_up(OUT_OF_TIME)
                break
            if saved:
                board.running = True
                board.last = session.check(warm)
                board.running = False
                if live is None:
                    console.print(f"{display.duration(session.elapsed)}: {board.last.passed} passed, {board.last.failed} failed")
                if board.last.green:
                    break
    except KeyboardInterrupt:
        session.give_up(ABANDONED)
        raise
    finally:
        if live is not None:
            live.stop()
        if warm is not None:
            warm.close()
    return board.last


@dataclass
class Dashboard:
    """What the practice screen shows; rendered afresh at each refresh, so the clock keeps running during a test run."""

    session: PracticeSession
    last: RunResult | None = None
    running: bool = False

    def __rich__(self) -> RenderableType:
        session = self.session
        remaining = max(session.remaining, 0)
        clock = Text(f"{display.duration(remaining)} left", style="bold red" if remaining < 60 else "bold")
        lines: list[RenderableType] = [
            Text.assemble(("Practice ", "bold"), display.heading(session.kata), "   ", clock),
            Text(f"Edit {', '.join(str(p) for p in learner_paths(session.kata, session.directory))}"),
            Text("The tests run on every save; Ctrl-C gives up (recorded as abandoned).", style="dim"),
        ]
        if self.running:
            lines.append(Text("Running the tests...", style="yellow"))
        elif self.last is not None:
            lines.append(display.summary(session.kata, self.last, tree="practice copy"))
        return Group(*lines)


def summary(kata: Kata, progress: Progress, attempt_id: int) -> RenderableType:
    """The attempt's outcome, the personal best, and the history of this kata's practice."""
    history = progress.attempts(kata.id)
    this = next(a for a in history if a.id == attempt_id)
    best = progress.personal_bests().get(kata.id)
    if this.outcome == SOLVED and this.seconds is not None:
        record = " (a personal best!)" if best is not None and this.seconds <= best else ""
        headline = Text(f"Solved {display.heading(kata)} in {display.duration(this.seconds)}{record}", style="bold green")
    else:
        headline = Text(f"{display.heading(kata)}: {this.outcome}", style="bold yellow")
    table = Table(title=f"Practice history of {kata.id}", title_justify="left")
    for column in ("when", "outcome", "time", "test runs"):
        table.add_column(column)
    for attempt in history[:10]:
        table.add_row(
            display.when(attempt.started_at),
            attempt.outcome,
            display.duration(attempt.seconds) if attempt.seconds is not None else "-",
            str(attempt.runs),
        )
    best_line = Text(f"Personal best: {display.duration(best)}" if best is not None else "No solved attempt yet.")
    return Group(headline, best_line, table)

