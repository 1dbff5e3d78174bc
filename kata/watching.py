"""`kata watch`: re-run the current kata's tests on every save; move on when it turns green (rustlings' watch mode)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import watchfiles

from kata import display, paths
from kata.catalog import Kata
from kata.checking import check, next_kata
from kata.progress import Progress
from kata.runner import RunResult
from kata.status import learner_paths

DEBOUNCE_MS = 300


def saves(directory: Path, files: list[Path], stop: threading.Event | None = None, tick: float = 1.0) -> Iterator[bool]:
    """Yield True when one of `files` in `directory` is saved, False after each `tick` seconds without a save.

    The directory is watched, not the files: editors that save by writing a new file and renaming
    it over the old one are seen too. Ctrl-C raises KeyboardInterrupt; setting `stop` ends it.
    """
    wanted = {str(path.resolve()) for path in files}
    for changes in watchfiles.watch(
        directory,
        watch_filter=lambda _change, path: str(Path(path).resolve()) in wanted,
        stop_event=stop,
        debounce=DEBOUNCE_MS,
        rust_timeout=int(tick * 1000),
        yield_on_timeout=True,
    ):
        yield bool(changes)


def show(kata: Kata, result: RunResult) -> None:
    if display.console.is_terminal:
        display.console.clear()
    display.console.print(display.summary(kata, result))
    if not result.green:
        files = ", ".join(paths.shown(p) for p in learner_paths(kata))
        display.console.print(f"\nEdit {files}; the tests run again on every save. `kata hint {kata.id}` for a hint, Ctrl-C to stop.")


def step(kata: Kata, progress: Progress, db_url: str | None) -> Kata | None:
    """One iteration: run the kata, record and show the result; the kata to watch now (None: all pass)."""
    result = check(kata, progress, db_url=db_url)
    show(kata, result)
    if not result.green:
        return kata
    following = next_kata(progress, after=kata)
    if following is not None:
        display.console.print(f"\n{display.heading(kata)} is green. Next: {display.heading(following)} ({paths.shown(following.path)}).\n")
    return following


def watch(start: Kata, progress: Progress, db_url: str | None = None, stop: threading.Event | None = None) -> None:
    """Watch katas from `start` until every kata passes, `stop` is set, or Ctrl-C."""
    kata: Kata | None = start
    while kata is not None:
        following = step(kata, progress, db_url)
        if following is not None and following.id != kata.id:
            kata = following
            continue
        if following is None:
            break
        for saved in saves(kata.path, learner_paths(kata), stop):
            if saved:
                break
        else:
            return  # stopped
    display.console.print("Every kata passes. Well done! `kata practice` times you on them again.")
