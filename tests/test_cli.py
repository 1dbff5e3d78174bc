"""The `kata` command, driven with typer's CliRunner on a temporary copy of the pack."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from kata import cli
from kata.catalog import find
from kata.progress import Progress
from kata.stubs import stub_source
from tests.cli_pack import KATAS, Pack, pack

__all__ = ["pack"]

INTRO = KATAS[0]


def interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend stdin is a terminal, so the confirmation prompts ask (CliRunner feeds the answers)."""
    monkeypatch.setattr(cli, "stdin_is_interactive", lambda: True)


def pristine(pack: Pack, directory: str = INTRO) -> str:
    return stub_source(pack.solution_file(directory).read_text())


def test_list_groups_by_module_with_status_and_a_total(pack: Pack) -> None:
    result = pack.kata("list")
    assert result.exit_code == 0, result.output
    assert "01_fundamentals" in result.output
    assert "1.1" in result.output and "Introduction" in result.output and "easy" in result.output
    assert "2 katas: 2 untouched" in result.output, result.output
    pack.learner_file().write_text(pristine(pack) + "\n# started\n")
    assert "not run yet" in pack.kata("list", "--module", "1").output
    unknown = pack.kata("list", "--module", "42")
    assert unknown.exit_code == 1 and "There is no module '42'" in unknown.output


def test_test_goes_red_then_green_and_writes_exercism_results(pack: Pack) -> None:
    report = pack.root / "results.json"
    red = pack.kata("test", "1.1", "--report", str(report))
    assert red.exit_code == 1, red.output
    assert "red: 0 passed" in red.output and "failed" in red.output, red.output
    assert "first failure: test_" in red.output and "is not written yet" in red.output, red.output
    results = json.loads(report.read_text())
    assert results["version"] == 3 and results["status"] == "fail"
    assert results["tests"] and {"name", "status", "message", "test_code", "task_id"} <= set(results["tests"][0])
    assert {t["status"] for t in results["tests"]} == {"fail"}
    assert "def test_" in results["tests"][0]["test_code"]

    pack.solve()
    green = pack.kata("test", "1.1", "--json")
    assert green.exit_code == 0, green.output
    results = json.loads(green.stdout)
    assert results["status"] == "pass" and {t["status"] for t in results["tests"]} == {"pass"}
    assert "passing" in pack.kata("list").output
    pack.learner_file().write_text(pack.learner_file().read_text() + "# tidied up\n")
    assert "passing (edited since)" in pack.kata("list").output


def test_a_broken_test_file_is_an_error_not_a_crash(pack: Pack) -> None:
    test_file = pack.root / "katas" / INTRO / "test_introduction.py"
    test_file.write_text(test_file.read_text() + "\ndef broken(:\n")
    result = pack.kata("test", "1.1", "--json")
    assert result.exit_code == 1
    results = json.loads(result.stdout)
    assert results["status"] == "error" and "SyntaxError" in results["message"] and results["tests"] == []


def test_next_shows_files_instructions_and_the_test_result(pack: Pack) -> None:
    result = pack.kata("next")
    assert result.exit_code == 0, result.output
    assert "1.1 Introduction" in result.output
    assert "katas/01_fundamentals/01_introduction/introduction.py" in result.output
    assert "Tasks" in result.output and "Hint 1" not in result.output, "the instructions, without the hints"
    assert "red:" in result.output


def test_hints_come_one_at_a_time_and_are_remembered(pack: Pack) -> None:
    total = len(find("1.1").hints)
    first = pack.kata("hint", "1.1")
    assert first.exit_code == 0 and f"Hint 1 of {total}" in first.output and "Hint 2" not in first.output, first.output
    assert f"Hint 2 of {total}" in pack.kata("hint", "introduction").output
    for _ in range(total - 2):
        pack.kata("hint", "1.1")
    done = pack.kata("hint", "1.1")
    assert done.exit_code == 0 and f"All {total} hints of 1.1 are shown already" in done.output
    assert f"{total} hints used on 1 kata." in pack.kata("progress").output


def test_solution_asks_before_the_kata_passes(pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    refused = pack.kata("solution", "1.1")
    assert refused.exit_code == 1 and "add --yes" in refused.output and "def core_books_by" not in refused.output
    interactive(monkeypatch)
    declined = pack.kata("solution", "1.1", input="n\n")
    assert declined.exit_code == 1 and "spoilers" in declined.output and "def core_books_by" not in declined.output
    accepted = pack.kata("solution", "1.1", input="y\n")
    assert accepted.exit_code == 0 and "def core_books_by" in accepted.output
    assert "BEGIN SOLUTION" not in accepted.output, "the markers are the pack's business, not the learner's"


def test_diff_shows_the_learners_changes_and_needs_no_question_once_green(pack: Pack) -> None:
    text = pack.learner_file().read_text().replace("raise NotImplementedError", "return None  # my attempt", 1)
    pack.learner_file().write_text(text)
    asked = pack.kata("diff", "1.1")
    assert asked.exit_code == 1 and "add --yes" in asked.output
    shown = pack.kata("diff", "1.1", "--yes")
    assert shown.exit_code == 0, shown.output
    assert "-    return None  # my attempt" in shown.output and "+++ solutions/01_fundamentals" in shown.output
    Progress().record_run("1.1", passed=9, failed=0, green=True, fingerprint="x", database="SQLite")
    assert pack.kata("diff", "1.1").exit_code == 0
    pack.solve()
    same = pack.kata("diff", "1.1")
    assert "the same as the reference solution" in same.output, same.output


def test_reset_restores_the_stub_even_when_committed_and_says_where_the_backup_is(
    pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack.solve()
    mine = pack.learner_file().read_text()
    if shutil.which("git"):
        git = ["git", "-c", "user.name=l", "-c", "user.email=l@x", "-C", str(pack.root)]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "my work"], check=True)
    refused = pack.kata("reset", "1.1")
    assert refused.exit_code == 1 and "add --yes" in refused.output and pack.learner_file().read_text() == mine
    interactive(monkeypatch)
    assert pack.kata("reset", "1.1", input="n\n").exit_code == 1 and pack.learner_file().read_text() == mine
    result = pack.kata("reset", "1.1", input="y\n")
    assert result.exit_code == 0, result.output
    assert pack.learner_file().read_text() == pristine(pack)
    assert "Your version is saved in .kata-backups/" in result.output, result.output
    folder = result.output.split("saved in ", 1)[1].split()[0]
    assert (pack.root / folder / "katas" / INTRO / "introduction.py").read_text() == mine
    assert "untouched" in pack.kata("reset", "1.1", "--yes").output


def test_reset_all_resets_every_edited_kata(pack: Pack) -> None:
    for directory in KATAS:
        pack.solve(directory)
    result = pack.kata("reset", "--all", "--yes")
    assert result.exit_code == 0, result.output
    assert all(pack.learner_file(d).read_text() == pristine(pack, d) for d in KATAS)
    assert "1.1 Introduction: pristine again" in result.output and "1.5 Connection basics: pristine again" in result.output
    assert pack.kata("reset").exit_code == 1 and pack.kata("reset", "1.1", "--all").exit_code == 1


def test_practice_works_on_a_fresh_copy_and_records_the_time(pack: Pack) -> None:
    pack.solve()  # the learner's own solution, which practice must not touch
    mine = pack.learner_file().read_text()
    started = pack.kata("practice", "1.1", "--no-watch", "--minutes", "5")
    assert started.exit_code == 0, started.output
    copy = pack.home / "practice" / "1.1" / "katas" / INTRO / "introduction.py"
    assert str(copy.parent) in started.output.replace("\n", "")
    assert copy.read_text() == pristine(pack) and pack.learner_file().read_text() == mine
    pack.solve(into=copy)
    checked = pack.kata("practice", "1.1", "--check")
    assert checked.exit_code == 0, checked.output
    assert "Solved 1.1 Introduction in 0:" in checked.output and "Personal best: 0:" in checked.output
    assert "Practice history of 1.1" in checked.output
    attempt = Progress().attempts("1.1")[0]
    assert attempt.outcome == "solved" and attempt.seconds is not None and attempt.runs == 1
    assert pack.learner_file().read_text() == mine
    progress = pack.kata("progress")
    assert "Personal bests" in progress.output and "solved" in progress.output, progress.output
    again = pack.kata("practice", "1.1", "--check")
    assert again.exit_code == 1 and "No practice of 1.1 is under way" in again.output


def test_practice_picks_from_a_module_at_random_and_rejects_two_choices(pack: Pack) -> None:
    picked = pack.kata("practice", "--module", "1", "--random", "--no-watch")
    assert picked.exit_code == 0 and "(picked at random)" in picked.output, picked.output
    both = pack.kata("practice", "1.1", "--random")
    assert both.exit_code == 1 and both.output.strip() == "Error: Choose one of: a kata id, --random, --weakest."


def test_progress_shows_completion_per_module(pack: Pack) -> None:
    Progress().record_run("1.1", passed=9, failed=0, green=True, fingerprint="x", database="SQLite")
    pack.learner_file().write_text(pristine(pack) + "# edited\n")
    result = pack.kata("progress")
    assert result.exit_code == 0, result.output
    assert "01_fundamentals" in result.output and "1/2" in result.output, result.output
    assert "1 of 2 katas pass" in result.output and "No practice yet" in result.output


@pytest.mark.parametrize(
    "command",
    [["test", "9.99"], ["hint", "nope"], ["solution", "9.99"], ["diff", "9.99"], ["reset", "9.99"], ["practice", "9.99"], ["watch", "9.99"]],
    ids=lambda c: c[0],
)
def test_an_unknown_kata_is_one_sentence(pack: Pack, command: list[str]) -> None:
    result = pack.kata(*command)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: There is no kata called {command[1]!r}; `kata list` shows the ids (like 1.5)."]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_missing_learner_file_is_one_sentence(pack: Pack) -> None:
    pack.learner_file().unlink()
    for command in (["test", "1.1"], ["diff", "1.1", "--yes"]):
        result = pack.kata(*command)
        assert result.exit_code == 1, result.output
        assert result.output.strip() == (
            "Error: katas/01_fundamentals/01_introduction/introduction.py does not exist; "
            "`kata reset 1.1` restores the pristine stub."
        )
    assert "not run yet" in pack.kata("list").output  # a missing file is not "untouched"


def test_an_unreachable_postgresql_is_one_sentence(pack: Pack) -> None:
    result = pack.kata("test", "1.5", "--db-url", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The database at postgresql+psycopg://postgres@127.0.0.1:1/x cannot be reached")
    assert "leave both out to test on SQLite" in lines[0]
