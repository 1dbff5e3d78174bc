"""`kata watch`: re-run the current kata's tests on every save; move on when it turns green (rustlings' watch mode).

Re-runs are forks of a warm process (kata/warm.py): a save gives its result in a fraction of a cold start.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import watchfiles

from kata import display, paths
from kata.catalog import Kata
from kata.checking import check, next_kata
from kata.runner import RunResult
from kata.status import learner_paths
from kata.warm import WarmProcess, available

if TYPE_CHECKING:
    from kata.progress import Progress

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


def arrive(kata: Kata) -> None:
    """A kata's story and tasks (its README without the hints) and the files to edit."""
    if display.console.is_terminal:
        display.console.clear()
    display.console.print(display.instructions(kata))
    files = ", ".join(paths.shown(p) for p in learner_paths(kata))
    display.console.print(f"\nYour files: {files}")


def run(kata: Kata, progress: Progress, db_url: str | None, warm: WarmProcess | None = None) -> RunResult:
    """Run the kata's tests, saying so while they run (a spinner on a terminal, a line elsewhere)."""
    if not display.console.is_terminal:
        display.console.print(f"running the tests of {display.heading(kata)}...")
    with display.running(display.heading(kata)):
        result = check(kata, progress, db_url=db_url, warm=warm)
    if warm is not None and warm.restart_reason:
        display.console.print(f"({warm.restart_reason}: the warm test process was started afresh)")
    return result


def warm_process(root: Path) -> WarmProcess | None:
    """The warm process for re-runs from `root`, or None (each run cold) where there can be none, said once."""
    if available():
        return WarmProcess(root)
    display.console.print("Re-runs start Python afresh each time here (no fork on this system), a second or two each.")
    return None


def show(kata: Kata, result: RunResult) -> None:
    display.console.print(display.summary(kata, result))
    if not result.green:
        files = ", ".join(paths.shown(p) for p in learner_paths(kata))
        display.console.print(f"\nEdit {files}; the tests run again on every save. `kata hint {kata.id}` for a hint, Ctrl-C to stop.")


class EnterKey:
    """Lines typed on stdin, read by one thread for the whole watch: waiting for Enter must not stop
    the watch from seeing saves at the same time. At end of input (stdin not a terminal, nothing
    more to read) every wait ends at once."""

    def __init__(self) -> None:
        self.pressed = threading.Event()
        self.closed = False
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        if self._reader is None:
            self._reader = threading.Thread(target=self._read, name="kata-watch-stdin", daemon=True)
            self._reader.start()

    def _read(self) -> None:
        while sys.stdin.readline():
            self.pressed.set()
        self.closed = True
        self.pressed.set()

    def clear(self) -> None:
        if not self.closed:
            self.pressed.clear()


def watch(start: Kata, progress: Progress, db_url: str | None = None, stop: threading.Event | None = None) -> None:
    """Watch katas from `start` until every kata passes, `stop` is set, or Ctrl-C.

    A red result waits for the next save. A green one stays on screen with the next kata named,
    until the learner presses Enter (or saves the green kata again, which re-runs it).
    """
    warm = warm_process(paths.PACK_ROOT)
    try:
        _watch(start, progress, db_url, stop, warm)
    finally:
        if warm is not None:
            warm.close()


def _watch(start: Kata, progress: Progress, db_url: str | None, stop: threading.Event | None, warm: WarmProcess | None) -> None:
    enter = EnterKey()
    kata = start
    if warm is not None:
        warm.start(kata.path, db_url)  # its imports overlap the learner reading the story
    arrive(kata)
    while True:
        result = run(kata, progress, db_url, warm)
        if display.console.is_terminal:
            display.console.clear()
            display.console.print(display.instructions(kata))
        show(kata, result)
        if result.green:
            following = next_kata(progress)
            if following is None:
                display.console.print("\nEvery kata passes. Well done! `kata practice` times you on them again.")
                return
            display.console.print(
                f"\n{display.heading(kata)} is green. Next: {display.heading(following)} ({paths.shown(following.path)}): "
                "press Enter to go on (a save here runs this kata again; Ctrl-C stops)."
            )
            enter.start()
            enter.clear()
            moved_on = _wait(kata, stop, enter.pressed)
            if moved_on is None:
                return
            if moved_on:
                kata = following
                arrive(kata)
            continue
        if _wait(kata, stop, None) is None:
            return


def _wait(kata: Kata, stop: threading.Event | None, enter: threading.Event | None) -> bool | None:
    """Until a save of the kata's files (False), Enter when it is given (True), or `stop` (None)."""
    ended = threading.Event()
    if enter is not None or stop is not None:
        def relay() -> None:
            while not ended.is_set():
                pressed = enter is not None and enter.wait(0.1)
                if pressed or (stop is not None and stop.wait(0 if enter is not None else 0.1)):
                    ended.set()
        threading.Thread(target=relay, daemon=True).start()
    for saved in saves(kata.path, learner_paths(kata), ended if (enter is not None or stop is not None) else None):
        if saved:
            ended.set()
            return False
    if stop is not None and stop.is_set():
        return None
    return True
