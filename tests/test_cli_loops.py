"""`kata watch` and `kata practice` loops (in a subprocess, with file saves and Ctrl-C), choosing the
weakest kata, and the progress database under concurrent writers and schema versions."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, inspect

from kata import practice, progress
from kata.catalog import find
from kata.errors import KataError
from kata.progress import Progress
from tests.cli_pack import Pack, pack

__all__ = ["pack"]

TIMEOUT = 90.0
# A loop test waits up to TIMEOUT for each of several steps; the pack's 60 s per test failed the
# watch test on a busy machine (load 10) while each of its steps was well inside TIMEOUT.
pytestmark = pytest.mark.timeout(4 * TIMEOUT)


class Output:
    """Lines a subprocess prints, readable with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process, self.lines, self.seen = process, queue.Queue[str](), ""
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, while_waiting: object = None) -> None:
        deadline = time.monotonic() + TIMEOUT
        while text not in self.seen:
            if time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"{text!r} did not appear within {TIMEOUT} s; output:\n{self.seen}")
            if callable(while_waiting):
                while_waiting()
            try:
                self.seen += self.lines.get(timeout=1.0)
            except queue.Empty:
                pass

    def finish(self) -> int:
        code = self.process.wait(timeout=TIMEOUT)
        time.sleep(0.1)
        while not self.lines.empty():
            self.seen += self.lines.get()
        return code


def test_watch_reruns_on_save_moves_on_when_green_and_leaves_on_ctrl_c(pack: Pack) -> None:
    watch = Output(pack.popen("watch", "1.1"))
    watch.wait_for("the tests run again on every save")
    assert "1.1 Introduction (your files, SQLite): red" in watch.seen, watch.seen
    assert watch.seen.index("Tasks") < watch.seen.index("running the tests of 1.1 Introduction...") < watch.seen.index(": red")
    time.sleep(0.5)
    last_write = [0.0]

    def save() -> None:  # saved again after a while, in case the first save came before the watcher
        if time.monotonic() - last_write[0] > 15:
            pack.solve()
            last_write[0] = time.monotonic()

    watch.wait_for("1.1 Introduction is green. Next: 1.5 Connection basics", while_waiting=save)
    watch.wait_for("press Enter to go on")
    time.sleep(0.5)
    while not watch.lines.empty():
        watch.seen += watch.lines.get()
    assert "running the tests of 1.5" not in watch.seen, "green stays on screen until the learner moves on"
    assert watch.process.stdin is not None
    watch.process.stdin.write("\n")
    watch.process.stdin.flush()
    watch.wait_for("1.5 Connection basics (your files, SQLite): red")
    watch.wait_for("the tests run again on every save")
    after_enter = watch.seen.split("press Enter to go on", 1)[1]
    assert "running the tests of 1.5 Connection basics..." in after_enter, after_enter
    assert "Tasks" in after_enter and "connection_basics.py" in after_enter, "the next kata's story and tasks"
    assert "Hint 1" not in after_enter
    watch.process.send_signal(signal.SIGINT)
    assert watch.finish() == 0, watch.seen
    assert "Stopped watching." in watch.seen and "Traceback" not in watch.seen, watch.seen
    runs = Progress(pack.home / "progress.db").last_runs()
    assert runs["1.1"].green and not runs["1.5"].green


def test_practice_ctrl_c_records_an_abandoned_attempt(pack: Pack) -> None:
    session = Output(pack.popen("practice", "1.1", "--minutes", "3"))
    session.wait_for("3:00 on the clock")
    time.sleep(0.3)
    session.process.send_signal(signal.SIGINT)
    assert session.finish() == 0, session.seen
    assert "recorded as abandoned" in session.seen and "Traceback" not in session.seen, session.seen
    attempt = Progress(pack.home / "progress.db").attempts("1.1")[0]
    assert attempt.outcome == "abandoned" and attempt.finished_at is not None


def test_the_practice_loop_stops_at_green_and_records_the_time(pack: Pack) -> None:
    store = Progress()
    session = practice.start(find("1.1"), store, minutes=5)
    stop = threading.Event()

    def keep_saving() -> None:  # again after a while, in case the first save came before the watcher
        while not stop.wait(1.0):
            pack.solve(into=session.directory / "introduction.py")
            stop.wait(15.0)

    writer = threading.Thread(target=keep_saving, daemon=True)
    writer.start()
    try:
        result = practice.run_interactive(session, stop)
    finally:
        stop.set()
        writer.join()
    assert result is not None and result.green
    attempt = store.attempts("1.1")[0]
    assert attempt.outcome == "solved" and attempt.seconds is not None and 0 < attempt.seconds < 120


def test_the_practice_loop_records_running_out_of_time(pack: Pack) -> None:
    store = Progress()
    session = practice.start(find("1.5"), store, minutes=1)
    session.attempt.started_at -= timedelta(minutes=2)
    assert practice.run_interactive(session) is None
    assert store.attempts("1.5")[0].outcome == "out of time"


def test_weakest_is_what_was_failed_most_then_solved_slowest(pack: Pack) -> None:
    store = Progress()
    intro, basics = find("1.1"), find("1.5")
    fast = store.start_attempt("1.1", 20)
    store.finish_attempt(fast.id, progress.SOLVED, 60.0)
    assert practice.weakest_kata([intro, basics], store) == (intro, "your weakest: best time 1:00 for 20 min expected")
    for _ in range(2):
        store.finish_attempt(store.start_attempt("1.5", 20).id, progress.ABANDONED)
    kata, why = practice.choose(None, None, False, store)
    assert kata == basics and "2 practice attempt(s) not finished" in why
    started = pack.kata("practice", "--weakest", "--no-watch")
    assert started.exit_code == 0 and "Practice: 1.5 Connection basics (your weakest" in started.output, started.output


def test_concurrent_writers_lose_nothing(pack: Pack) -> None:
    Progress()  # created once; the writers race on the same file
    script = (
        "from kata.progress import Progress\n"
        "p = Progress()\n"
        "for i in range(25):\n"
        "    p.take_hint('1.1', 1000)\n"
        "    p.record_run('1.5', passed=1, failed=0, green=True, fingerprint='f', database='SQLite')\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script], cwd=pack.root, env=pack.environment(), stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [w.communicate(timeout=TIMEOUT)[1] for w in writers]
    assert all(w.returncode == 0 for w in writers), errors
    store = Progress()
    assert store.hints_shown() == {"1.1": 75}
    assert store.last_runs()["1.5"].id == 75 and store.stats() == []  # green runs only, no practice


def test_the_schema_version_is_checked_and_migrations_run_in_order(pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    path = Progress().path
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA user_version").scalar_one() == progress.SCHEMA_VERSION

    def add_notes(connection: object) -> None:
        connection.exec_driver_sql("ALTER TABLE hints ADD COLUMN notes TEXT")  # type: ignore[attr-defined]

    monkeypatch.setattr(progress, "SCHEMA_VERSION", progress.SCHEMA_VERSION + 1)
    monkeypatch.setattr(progress, "MIGRATIONS", {progress.SCHEMA_VERSION - 1: add_notes})
    Progress()
    assert "notes" in {c["name"] for c in inspect(engine).get_columns("hints")}
    with engine.begin() as connection:
        assert connection.exec_driver_sql("PRAGMA user_version").scalar_one() == progress.SCHEMA_VERSION
        connection.exec_driver_sql("PRAGMA user_version = 99")
    engine.dispose()
    with pytest.raises(KataError, match="newer version of the pack"):
        Progress()
    result = pack.kata("list")
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "newer version" in result.output
