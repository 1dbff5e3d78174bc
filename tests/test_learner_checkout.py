"""The learner's checkout (issue 10): the pack's own checks judge the pack, never the learner's files;
nothing a learner wrote is overwritten without a backup that is named and can be restored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from kata import plain_runs, stubs
from kata.paths import PACK_ROOT, RESULTS_ENV
from kata.progress import Progress
from tests.cli_pack import KATAS, Pack, pack
from tests.conftest import FakePack
from tests.warm_pytest import run_pytest

__all__ = ["pack"]

PYPROJECT = tomllib.loads((PACK_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]


def test_bare_pytest_runs_the_katas_and_the_cache_plugin_is_on() -> None:
    assert PYPROJECT["testpaths"] == ["katas"], "bare `pytest` is the learner's: the tooling tests run from scripts/verify.py"
    assert "no:cacheprovider" not in PYPROJECT["addopts"], "--lf / --ff need pytest's cache"
    assert ".pytest_cache/" in (PACK_ROOT / ".gitignore").read_text().splitlines()


def test_last_failed_reruns_only_the_failure(fake_pack: FakePack) -> None:
    fake_pack.write("katas/01_demo/01_lf/test_lf.py", "def test_good():\n    pass\n\ndef test_bad():\n    assert False\n")
    command = ["katas", "-q", "-p", "no:xdist"]
    first = run_pytest(command, fake_pack.root, dict(os.environ), timeout=120)
    assert "1 failed, 1 passed" in first.stdout, first.stdout
    again = run_pytest([*command, "--lf"], fake_pack.root, dict(os.environ), timeout=120)
    assert "1 failed" in again.stdout and "passed" not in again.stdout, again.stdout


def test_a_kata_whose_files_are_all_in_subfolders_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stubs, "SOLUTIONS", tmp_path)
    (tmp_path / "01_m" / "01_flat").mkdir(parents=True)
    (tmp_path / "01_m" / "01_flat" / "flat.py").write_text("X = 1\n")
    (tmp_path / "01_m" / "02_nested" / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "01_m" / "02_nested" / "migrations" / "versions" / "one.py").write_text("X = 1\n")
    assert stubs.kata_directories() == [Path("01_m/01_flat"), Path("01_m/02_nested")]


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=l", "-c", "user.email=l@x", "-c", "init.defaultBranch=main", "-C", str(root), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def committed(pack: Pack) -> Pack:
    git(pack.root, "init", "-q")
    git(pack.root, "add", "-A")
    git(pack.root, "commit", "-qm", "the pack")
    return pack


def test_the_stub_check_judges_the_committed_stubs_not_the_learners_files(
    pack: Pack, capsys: pytest.CaptureFixture[str]
) -> None:
    committed(pack)
    pack.solve()  # 1.1 solved by the learner
    pack.learner_file(KATAS[1]).unlink()  # 1.5's file deleted by the learner
    assert stubs.main(["--check"]) == 0
    said = capsys.readouterr().out
    assert "2 file(s) differ from their committed stub (your own work" in said and "out of date" not in said, said
    # The pack's own defect is still caught: a solution changed, its committed stub not regenerated.
    solution = pack.solution_file(KATAS[1])
    solution.write_text(solution.read_text().replace('"""', '"""Changed. ', 1))
    assert stubs.main(["--check"]) == 1
    said = capsys.readouterr().out
    assert f"out of date: katas/{KATAS[1]}/connection_basics.py" in said and "introduction.py" not in said, said


def test_regenerating_leaves_the_learners_files_alone_unless_forced_and_restore_puts_them_back(
    pack: Pack, capsys: pytest.CaptureFixture[str]
) -> None:
    committed(pack)
    pack.solve()
    mine = pack.learner_file().read_text()
    for directory in KATAS:  # both solutions change: both committed stubs are out of date
        solution = pack.solution_file(directory)
        solution.write_text(solution.read_text().replace('"""', '"""Changed. ', 1))
    assert stubs.main([]) == 1
    said = capsys.readouterr().out
    assert f"rewrote: katas/{KATAS[1]}/connection_basics.py" in said, said
    assert f"left alone: katas/{KATAS[0]}/introduction.py differs from its committed stub" in said and "--force" in said
    assert pack.learner_file().read_text() == mine
    assert pack.learner_file(KATAS[1]).read_text() == stubs.stub_source(pack.solution_file(KATAS[1]).read_text())

    assert stubs.main(["--force", str(pack.root / "katas" / KATAS[0])]) == 0
    said = capsys.readouterr().out
    assert pack.learner_file().read_text() != mine
    assert "the previous versions are in .kata-backups/" in said and "`kata restore " in said, said
    name = said.split("`kata restore ", 1)[1].split("`", 1)[0]
    listed = pack.kata("restore")
    assert listed.exit_code == 0 and name in listed.output and "introduction.py" in listed.output, listed.output
    restored = pack.kata("restore", name, "--yes")
    assert restored.exit_code == 0, restored.output
    assert pack.learner_file().read_text() == mine
    assert "What they replaced is saved in .kata-backups/" in restored.output, restored.output
    unknown = pack.kata("restore", "nope")
    assert unknown.exit_code == 1 and "There is no backup called 'nope'" in unknown.output


def test_outside_a_git_checkout_the_file_on_disk_is_compared(pack: Pack, capsys: pytest.CaptureFixture[str]) -> None:
    pack.solve()
    assert stubs.main(["--check"]) == 1
    said = capsys.readouterr().out
    assert f"out of date: katas/{KATAS[0]}/introduction.py" in said and "not a git checkout" in said, said


def test_no_message_suggests_a_command_that_overwrites_a_learners_work() -> None:
    for path in [*(PACK_ROOT / "kata").glob("*.py"), *(PACK_ROOT / "fixtures").glob("*.py"), PACK_ROOT / "README.md"]:
        if path.name == "stubs.py":
            continue  # its own usage text, for authors; it refuses to overwrite edited files anyway
        text = path.read_text()
        assert "python -m kata.stubs katas" not in text and "`python -m kata.stubs`" not in text, path


def test_practice_again_resumes_the_copy_and_fresh_backs_it_up(pack: Pack) -> None:
    assert pack.kata("practice", "1.1", "--no-watch").exit_code == 0
    copy = pack.home / "practice" / "1.1" / "katas" / KATAS[0] / "introduction.py"
    copy.write_text(copy.read_text() + "\n# my practice work\n")
    again = pack.kata("practice", "1.1", "--no-watch")
    assert again.exit_code == 0, again.output
    assert "Resuming your practice of 1.1 started at" in again.output and "--fresh" in again.output, again.output
    assert copy.read_text().endswith("# my practice work\n")
    attempts = Progress().attempts("1.1")
    assert len(attempts) == 1 and attempts[0].finished_at is None, "resuming is the same attempt, not an abandoned one"

    fresh = pack.kata("practice", "1.1", "--no-watch", "--fresh")
    assert fresh.exit_code == 0, fresh.output
    assert "# my practice work" not in copy.read_text()
    saved = Path(fresh.output.split("saved in ", 1)[1].split()[0])
    assert (saved / "introduction.py").read_text().endswith("# my practice work\n"), fresh.output
    assert [a.outcome for a in Progress().attempts("1.1")] == ["abandoned", "abandoned"]  # the new one is under way
    assert Progress().open_attempt("1.1") is not None


def test_reset_of_a_passing_kata_keeps_it_solved_before_apart_from_the_files_status(pack: Pack) -> None:
    pack.solve()
    assert pack.kata("test", "1.1").exit_code == 0
    assert pack.kata("reset", "1.1", "--yes").exit_code == 0
    listed = pack.kata("list").output
    assert "untouched; solved before (" in listed, listed
    assert "1 solved at some point" in listed, listed
    progress = pack.kata("progress").output
    assert "0 of 2 katas pass" in progress and "solved before" in progress, progress
    assert "Solved before but not passing with the files as they are now: 1.1 on " in progress, progress


def plain_pytest(pack: Pack, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["-q", "-p", "no:cacheprovider", "-p", "no:xdist", f"katas/{KATAS[0]}", *args]
    return run_pytest(command, pack.root, pack.environment(), timeout=120)


def test_plain_pytest_records_progress(pack: Pack) -> None:
    pack.solve()
    assert "not run yet" in pack.kata("list").output
    assert plain_pytest(pack).returncode == 0
    assert Progress().ever_green() == {"1.1"}
    assert "passing" in pack.kata("list").output


def test_which_plain_runs_record_and_when_green_counts() -> None:
    config = SimpleNamespace(option=SimpleNamespace(keyword="", markexpr="", lf=False, stepwise=False), args=["katas"])
    assert plain_runs.wanted(config, "katas")  # type: ignore[arg-type]
    assert not plain_runs.wanted(config, "solutions") and not plain_runs.wanted(config, "stubs")  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(RESULTS_ENV, "/tmp/results.json")
        assert not plain_runs.wanted(config, "katas"), "the kata command's own run records itself"  # type: ignore[arg-type]
    assert not plain_runs.wanted(SimpleNamespace(workerinput={}), "katas"), "xdist workers: the controller records"  # type: ignore[arg-type]
    session = SimpleNamespace(shouldstop=False, shouldfail=False)
    recorder = plain_runs.PlainRunRecorder(config, "sqlite://")  # type: ignore[arg-type]
    assert not recorder.narrowed(session, 0)  # type: ignore[arg-type]
    for option, value in (("keyword", "version"), ("markexpr", "task"), ("lf", True)):
        narrowed = SimpleNamespace(option=SimpleNamespace(**{**vars(config.option), option: value}), args=["katas"])
        assert plain_runs.PlainRunRecorder(narrowed, "").narrowed(session, 0), option  # type: ignore[arg-type]
    one_test = SimpleNamespace(option=config.option, args=["katas/x/test_x.py::test_one"])
    assert plain_runs.PlainRunRecorder(one_test, "").narrowed(session, 0)  # type: ignore[arg-type]
    assert recorder.narrowed(SimpleNamespace(shouldstop="-x", shouldfail=False), 1)  # type: ignore[arg-type]


LOOPING = '''
def add(a, b):
    """Return a + b."""
    total = a
    while total != a + b:
        total = total * 1
    return total
'''

LOOP_TESTS = '''
from fixtures.target import learner_module

adder = learner_module(__file__, "adder")


def test_first():
    assert adder.add(1, 2) == 3


def test_second():
    assert adder.add(2, 2) == 4


def test_third():
    assert adder.add(0, 0) == 0
'''


def test_a_loop_names_the_learners_line_and_the_other_tests_in_it_are_cut_short(fake_pack: FakePack, tmp_path: Path) -> None:
    fake_pack.write("katas/01_demo/01_adder/kata.toml", "timeout = 3\n")  # the pack's default is 10 s
    fake_pack.write("katas/01_demo/01_adder/adder.py", LOOPING)
    fake_pack.write("katas/01_demo/01_adder/test_adder.py", LOOP_TESTS)
    run = fake_pack.pytest("katas", "-p", "no:randomly", env={"KATA_HOME": str(tmp_path / "home")}, timeout=60)
    assert run.returncode == 1 and "2 failed, 1 passed" in run.output, run.output
    assert "This test did not finish in 3 s and was stopped. It was running add() in katas/01_demo/01_adder/adder.py, line" in run.output, run.output
    assert "line 6, when it was stopped" in run.output or "line 5, when it was stopped" in run.output, run.output
    assert "add() in katas/01_demo/01_adder/adder.py ran out of time in test_first, and this test was still inside it after 2 s" in run.output, run.output
    seconds = float(run.output.rsplit(" in ", 1)[1].split("s")[0])
    assert seconds < 3 + 2 + 3, f"the second test waited the full limit again ({seconds} s)"


def test_counting_with_scalar_instead_of_the_loud_method_fails_1_5(pack: Pack) -> None:
    solution = stubs.solution_source(pack.solution_file(KATAS[1]).read_text())
    assert ".scalar_one())" in solution
    pack.learner_file(KATAS[1]).write_text(solution.replace(".scalar_one())", ".scalar())"))
    results = json.loads(pack.kata("test", "1.5", "--json").stdout)
    failed = [t["name"] for t in results["tests"] if t["status"] != "pass"]
    assert failed == ["test_count_titles_fails_loudly_when_the_answer_is_not_one_row"], failed


def cloned_from_upstream(pack: Pack, tmp_path: Path) -> Path:
    """Make the pack copy a git clone of an upstream repository holding the same first version."""
    upstream = tmp_path / "upstream"
    shutil.copytree(pack.root, upstream)
    git(upstream, "init", "-q")
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "the pack, first version")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    shutil.move(clone / ".git", pack.root / ".git")
    return upstream


def test_an_update_that_cannot_be_pulled_leaves_the_learners_files_as_they_were(pack: Pack, tmp_path: Path) -> None:
    upstream = cloned_from_upstream(pack, tmp_path)
    for root, message in ((upstream, "upstream moved on"), (pack.root, "the learner's own commit")):
        (root / "notes.txt").write_text(message)
        git(root, "add", "notes.txt")
        git(root, "commit", "-qm", message)
    pack.solve()
    mine = pack.learner_file().read_text()
    result = pack.kata("update")
    assert result.exit_code == 1, result.output
    assert "`git pull --ff-only` failed" in result.output and "your files are as they were" in result.output, result.output
    assert pack.learner_file().read_text() == mine


def test_pulling_a_newer_pack_keeps_the_learners_edits(pack: Pack, tmp_path: Path) -> None:
    """Two commits of the pack: the second changes the stub of a kata the learner solved, and adds a kata."""
    upstream = cloned_from_upstream(pack, tmp_path)  # the learner's checkout is a clone of upstream

    pack.solve()  # 1.1 solved, 1.5 started
    mine = pack.learner_file().read_text()
    started = pack.learner_file(KATAS[1]).read_text() + "# started\n"
    pack.learner_file(KATAS[1]).write_text(started)

    solution = upstream / "solutions" / KATAS[0] / "introduction.py"
    solution.write_text(solution.read_text().replace('"""', '"""Reworded. ', 1))
    (upstream / "katas" / KATAS[0] / "introduction.py").write_text(stubs.stub_source(solution.read_text()))
    new = "01_fundamentals/02_installation_setup"
    for tree in ("katas", "solutions"):
        shutil.copytree(PACK_ROOT / tree / new, upstream / tree / new, ignore=shutil.ignore_patterns("__pycache__"))
    stubs.write_stubs(Path(new), upstream / "katas" / new)
    git(upstream, "add", "-A")
    git(upstream, "commit", "-qm", "the pack, second version: 1.1 reworded, 1.2 added")

    plain = subprocess.run(["git", "-C", str(pack.root), "pull", "--ff-only"], check=False, capture_output=True, text=True)
    assert plain.returncode != 0 and "would be overwritten" in plain.stderr, "plain git pull refuses (README says so)"

    result = pack.kata("update")
    assert result.exit_code == 0, result.output
    assert pack.learner_file().read_text() == mine and pack.learner_file(KATAS[1]).read_text() == started
    assert (pack.root / "katas" / new / "kata.toml").exists()
    assert f"The stub of katas/{KATAS[0]}/introduction.py changed in this update; your version is kept" in result.output
    assert f"New katas: {new}" in result.output and "a copy is in .kata-backups/" in result.output, result.output
    assert "3 katas" in pack.kata("list").output
    assert git(pack.root, "rev-parse", "HEAD") == git(upstream, "rev-parse", "HEAD")
    assert git(pack.root, "diff", "--stat", "--", f"katas/{KATAS[0]}").strip(), "1.1 is still the learner's edit"
