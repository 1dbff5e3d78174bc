"""Warm re-runs (kata/warm.py): a save re-runs in a fresh fork, a hang or a crash is stopped and the
next run still works, and a change to the tests restarts the warm process while a save does not."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from kata import watching
from kata.catalog import find
from kata.errors import KataError
from kata.runner import run_tests
from kata.warm import WarmProcess, available
from tests.cli_pack import Pack, pack

__all__ = ["pack"]

pytestmark = pytest.mark.skipif(not available(), reason="warm runs need fork (not on Windows)")


def test_each_save_reruns_in_a_fresh_fork_and_a_hang_or_a_crash_ends_only_its_run(pack: Pack) -> None:
    """One warm process through a learner's afternoon: red, a crash, a loop, a hang, then green."""
    kata = find("1.1")
    learner = pack.learner_file()
    stub = learner.read_text()
    (kata.path / "kata.toml").write_text((kata.path / "kata.toml").read_text() + "timeout = 1\n")
    with WarmProcess(pack.root) as warm:
        red = run_tests(kata.path, warm=warm)
        assert red.failed and not red.green, "the untouched stub is red"

        learner.write_text("import os\nos._exit(3)\n")
        with pytest.raises(KataError, match="pytest could not run the tests"):
            run_tests(kata.path, warm=warm)

        loop = "def parse_version(text: str) -> tuple[int, int, int]:"
        learner.write_text(stub.replace(loop, loop + "\n    while True:\n        pass", 1))
        looped = run_tests(kata.path, warm=warm)
        stopped = [t for t in looped.tests if "did not finish in 1 s and was stopped" in t.message]
        assert stopped, [t.message[:200] for t in looped.tests if t.status != "passed"]

        learner.write_text("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(600)\n")
        with pytest.raises(KataError, match="ran for over 3 s and were stopped"):
            run_tests(kata.path, warm=warm, timeout=3)
        assert not multiprocessing.active_children(), "the hung run was killed"

        pack.solve()
        green = run_tests(kata.path, warm=warm)
        assert green.green, f"the saved solution is imported afresh in the next run: {green.first_failure}"
        assert warm.starts == 1 and warm.restart_reason == "", "saves of the learner's file need no new warm process"
    assert not multiprocessing.active_children(), "every run's process has ended"


def test_the_first_failure_reads_as_in_a_cold_run(pack: Pack) -> None:
    kata = find("1.1")
    with WarmProcess(pack.root) as warm:
        warm_result = run_tests(kata.path, warm=warm)
    cold_result = run_tests(kata.path)
    assert [(t.nodeid, t.status) for t in warm_result.tests] == [(t.nodeid, t.status) for t in cold_result.tests]
    assert warm_result.first_failure is not None and cold_result.first_failure is not None
    assert warm_result.first_failure.message == cold_result.first_failure.message
    assert "PytestAssertRewriteWarning" not in warm_result.output, warm_result.output


def test_a_change_to_the_tests_restarts_the_warm_process(pack: Pack) -> None:
    kata = find("1.1")
    test_file = kata.path / "test_introduction.py"
    with WarmProcess(pack.root) as warm:
        run_tests(kata.path, warm=warm)
        test_file.write_text(test_file.read_text() + "\n\ndef test_added_by_the_author() -> None:\n    pass\n")
        result = run_tests(kata.path, warm=warm)
        assert warm.starts == 2 and "tests" in warm.restart_reason
        assert any(t.name == "test_added_by_the_author" for t in result.tests), "the changed tests are the ones run"
        (pack.root / "fixtures" / "__init__.py").touch()
        os.utime(pack.root / "fixtures" / "__init__.py", ns=(1, 1))
        run_tests(kata.path, warm=warm)
        assert warm.starts == 3, "a change to the harness restarts it too"
        run_tests(find("1.5").path, warm=warm)
        assert warm.restart_reason == "", "going on to another kata is not a change to the tests"


def test_without_fork_watch_says_once_that_runs_are_cold(pack: Pack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(watching, "available", lambda: False)
    assert watching.warm_process(pack.root) is None
    assert "Re-runs start Python afresh each time here" in capsys.readouterr().out
