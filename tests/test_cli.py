"""The `kata` command, driven with typer's CliRunner on a temporary copy of the pack."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from kata import cli, display
from kata.catalog import find
from kata.progress import PracticeAttempt, Progress
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


@pytest.mark.parametrize("module", ["1", "01", "01_fundamentals", "fundamentals", "katas/01_fundamentals/"])
def test_a_module_is_accepted_by_the_names_the_error_lists(pack: Pack, module: str) -> None:
    result = pack.kata("list", "--module", module)
    assert result.exit_code == 0 and "2 katas" in result.output, result.output


def test_test_goes_red_then_green_and_writes_exercism_results(pack: Pack) -> None:
    report = pack.root / "results.json"
    red = pack.kata("test", "1.1", "--report", str(report))
    assert red.exit_code == 1, red.output
    assert "red: 0 passed" in red.output and "failed" in red.output, red.output
    assert "first failure" in red.output and "│ test_" in red.output and "is not written yet" in red.output, red.output
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


def test_a_report_that_cannot_be_written_is_one_sentence(pack: Pack) -> None:
    target = pack.root / "no such folder" / "results.json"
    result = pack.kata("test", "1.1", "--report", str(target))
    assert result.exit_code == 1 and (result.exception is None or isinstance(result.exception, SystemExit))
    assert result.output.strip().splitlines() == [f"Error: The results cannot be written to {target} (No such file or directory)."], (
        "said before the tests run, not after"
    )


def test_solution_and_diff_wrap_long_lines_instead_of_cropping_them(pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display.console, "width", 60)
    longest = max(pack.solution_file().read_text().splitlines(), key=len)
    assert len(longest) > 60
    for command in ("solution", "diff"):
        shown = pack.kata(command, "1.1", "--yes")
        assert shown.exit_code == 0, shown.output
        assert longest.split()[-1] in shown.output, f"{command} cropped {longest!r}:\n{shown.output}"


def test_a_broken_test_file_is_an_error_not_a_crash(pack: Pack) -> None:
    test_file = pack.root / "katas" / INTRO / "test_introduction.py"
    test_file.write_text(test_file.read_text() + "\ndef broken(:\n")
    result = pack.kata("test", "1.1", "--json")
    assert result.exit_code == 1
    results = json.loads(result.stdout)
    assert results["status"] == "error" and "SyntaxError" in results["message"] and results["tests"] == []


def short_timeout(pack: Pack, seconds: int = 3) -> None:
    """The pack copy's time limits (60 s for collection, 10 s per kata test), shortened for the hanging-code tests."""
    pyproject = pack.root / "pyproject.toml"
    text = pyproject.read_text()
    assert "\ntimeout = 60\n" in text
    pyproject.write_text(text.replace("\ntimeout = 60\n", f"\ntimeout = {seconds}\n"))
    for kata in KATAS:
        metadata = pack.root / "katas" / kata / "kata.toml"
        metadata.write_text(metadata.read_text() + f"timeout = {seconds}\n")


def test_a_loop_at_module_level_stops_after_the_timeout_not_after_the_whole_run(pack: Pack) -> None:
    short_timeout(pack)
    pack.learner_file().write_text(pristine(pack) + "\nwhile True:\n    __import__('textwrap').dedent('  x\\n' * 500)\n")  # mostly in a library's frame
    loop = len(pristine(pack).splitlines()) + 2  # `while True:`, then its body
    started = time.monotonic()
    result = pack.kata("test", "1.1")
    assert time.monotonic() - started < 45, "stopped in collection, where pytest-timeout does not look"
    assert result.exit_code == 1, result.output
    assert "did not finish in 3 s" in result.output, result.output
    assert any(f"introduction.py, line {n}:" in result.output for n in (loop, loop + 1)), result.output


def test_a_loop_in_a_function_stops_the_run_at_the_first_timeout(pack: Pack) -> None:
    short_timeout(pack)
    pack.learner_file().write_text(pristine(pack).replace("raise NotImplementedError", "while True:\n        pass"))
    started = time.monotonic()
    result = pack.kata("test", "1.1")
    assert time.monotonic() - started < 45, "one test ran out of time; the others would each take as long"
    assert result.exit_code == 1, result.output
    assert "0 passed, 1 failed" in result.output and "not run" in result.output, result.output
    assert "did not finish in 3 s and was stopped" in result.output, result.output
    assert "It was running " in result.output and "introduction.py, line " in result.output, result.output


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


def test_a_kata_can_be_named_by_a_path_to_its_folder_or_file(pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(pack.root)
    for key in (str(pack.learner_file()), f"./katas/{INTRO}/", f"katas/{INTRO}/introduction.py"):
        result = pack.kata("hint", key)
        assert result.exit_code == 0 and "Hint" in result.output, (key, result.output)
    monkeypatch.chdir(pack.root / "katas" / INTRO)
    assert "Hint" in pack.kata("hint", ".").output
    assert pack.kata("hint", "../").exit_code == 1, "a module's folder is not a kata"


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


def test_practice_checked_green_after_the_time_allowed_is_out_of_time(pack: Pack) -> None:
    assert pack.kata("practice", "1.1", "--no-watch", "--minutes", "1").exit_code == 0
    progress = Progress()
    with progress.sessions.begin() as session:
        attempt = session.get_one(PracticeAttempt, progress.attempts("1.1")[0].id)
        attempt.started_at -= timedelta(minutes=2)
    pack.solve(into=pack.home / "practice" / "1.1" / "katas" / INTRO / "introduction.py")
    checked = pack.kata("practice", "1.1", "--check")
    assert "1.1 Introduction: out of time" in checked.output, checked.output
    assert progress.attempts("1.1")[0].outcome == "out of time" and not progress.personal_bests()


def test_practice_picks_from_a_module_at_random_and_rejects_two_choices(pack: Pack) -> None:
    picked = pack.kata("practice", "--module", "1", "--random", "--no-watch")
    assert picked.exit_code == 0 and "(picked at random)" in picked.output, picked.output
    expected = "Error: Choose one of: a kata id, --random, --weakest (--module narrows the last two)."
    for two_choices in (("1.1", "--random"), ("1.1", "--module", "1")):
        both = pack.kata("practice", *two_choices)
        assert both.exit_code == 1 and both.output.strip() == expected, (two_choices, both.output)


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


@pytest.mark.parametrize("where", ["a file", "under a file"])
def test_a_data_directory_that_cannot_be_made_is_one_sentence(
    pack: Pack, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    blocker = pack.root / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("KATA_HOME", str(blocker if where == "a file" else blocker / "home"))
    result = pack.kata("list")
    assert result.exit_code == 1 and (result.exception is None or isinstance(result.exception, SystemExit)), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The progress database cannot be opened (")
    assert lines[0].endswith("point $KATA_HOME at a folder you can write to.")


def test_an_unreachable_postgresql_is_one_sentence(pack: Pack) -> None:
    result = pack.kata("test", "1.5", "--db-url", "postgresql+psycopg://postgres@127.0.0.1:1/x")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: The database at postgresql+psycopg://postgres@127.0.0.1:1/x cannot be reached")
    assert "leave both out to test on SQLite" in lines[0]


def test_diff_off_a_terminal_is_a_patch_that_applies(pack: Pack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display.console, "width", 40)  # narrower than the code: nothing may wrap
    text = pack.learner_file().read_text().replace("raise NotImplementedError", "return None  # a long line of my own attempt at it", 1)
    pack.learner_file().write_text(text)
    shown = pack.kata("diff", "1.1", "--yes")
    assert shown.exit_code == 0, shown.output
    patch = pack.root / "mine.patch"
    patch.write_text(shown.stdout)
    assert "-    return None  # a long line of my own attempt at it\n" in shown.stdout, shown.stdout
    if shutil.which("patch") is None:
        pytest.skip("no `patch` here to apply the diff with")
    # patch(1) applies it to the learner's file (the old name, which exists); git apply would pick the new name.
    applied = subprocess.run(
        ["patch", "-p0", "--dry-run", "-i", str(patch)], cwd=pack.root, capture_output=True, text=True, check=False
    )
    assert applied.returncode == 0 and "introduction.py" in applied.stdout, (applied.stdout + applied.stderr, shown.stdout)


def test_an_unknown_id_suggests_close_matches_and_knows_the_curriculum(pack: Pack) -> None:
    (pack.root / "docs").mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "docs" / "curriculum.md", pack.root / "docs" / "curriculum.md")
    for typed in ("connection-basics", "Connection Basics", "conection_basics"):
        result = pack.kata("hint", typed)
        assert result.exit_code == 1 and "did you mean connection_basics (1.5)?" in result.output, (typed, result.output)
        assert len(result.output.strip().splitlines()) == 1
    planned = pack.kata("test", "2.5")  # in the curriculum, not in this two-kata copy
    assert planned.exit_code == 1, planned.output
    assert planned.output.strip() == (
        "Error: 2.5 (insert_statements) is in the curriculum (docs/curriculum.md) but not built in this checkout, "
        "which has module 01; `kata list` shows them."
    )
    assert "in the curriculum" in pack.kata("watch", "insert-statements").output


def test_the_failure_panel_names_the_test_in_full_and_puts_the_error_and_the_learners_line_first(
    pack: Pack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(display.console, "width", 80)
    directory = KATAS[1]
    solution = pack.solution_file(directory)
    pack.solve(directory)
    learner = pack.learner_file(directory)
    learner.write_text(learner.read_text().replace("SELECT count(*) FROM books", "SELECT count(*) FROM book"))
    result = pack.kata("test", "1.5")
    assert result.exit_code == 1, result.output
    text = " ".join(line.strip("│ ") for line in result.output.splitlines())  # the panel's lines, unwrapped
    assert "test_count_titles_counts_the_rows_in_the_table[" in text and "(task 1)" in text, result.output
    error = text.index("no such table: book")
    yours = text.index("your code: katas/01_fundamentals/05_connection_basics/connection_basics.py, line")
    assert error < yours < text.index("the test: katas/") < text.index("Your code sent 1 statement:"), result.output
    assert "site-packages" not in result.output and "E   " not in result.output, result.output
    assert solution.exists()

    learner.write_text("def count_titles(connection)\n    return 0\n")
    broken = pack.kata("test", "1.5")
    assert "has a syntax error on line 1" in " ".join(line.strip("│ ") for line in broken.output.splitlines()), broken.output
    assert "task" not in broken.output, "a syntax error belongs to no task"
    assert "sent" not in broken.output, "the learner's code never ran: no SQL to show"


def test_a_green_kata_using_a_deprecated_api_passes_and_says_so(pack: Pack) -> None:
    directory = KATAS[1]
    pack.solve(directory)
    learner = pack.learner_file(directory)
    legacy = (
        "def count_titles(connection: Connection) -> int:\n"
        "    from sqlalchemy import func, table\n"
        "    from sqlalchemy.orm import Session\n\n"
        "    with Session(connection) as session:\n"
        "        return int(session.query(func.count()).select_from(table('books')).scalar())\n\n\n"
    )
    text = learner.read_text()
    start, end = text.index("def count_titles"), text.index("def find_book")
    learner.write_text(text[:start] + legacy + text[end:])
    result = pack.kata("test", "1.5")
    assert result.exit_code == 0 and "green" in result.output, result.output
    said = " ".join(result.output.split())
    assert "passed, but uses a deprecated API: katas/01_fundamentals/05_connection_basics/connection_basics.py, line" in said, said
    assert "Session.query() is the legacy Query API" in said and "Use session.scalars(select(" in said, said


def test_kata_test_shows_that_it_runs_and_for_how_long_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from rich.console import Console

    for terminal in (True, False):
        screen = io.StringIO()
        monkeypatch.setattr(display, "console", Console(file=screen, force_terminal=terminal, width=80))
        with display.running("1.5 Connection basics"):
            time.sleep(0.3)
        shown = screen.getvalue()
        if terminal:
            assert "running the tests of 1.5 Connection basics..." in shown and "0:00:00" in shown, shown
        else:
            assert shown == "", "off a terminal the result alone says how long it took"


def test_practice_check_names_the_practice_copy_not_the_learners_own_file(pack: Pack) -> None:
    pack.solve()  # the learner's own file in katas/ is solved: a message naming it would mislead
    assert pack.kata("practice", "1.1", "--no-watch", "--minutes", "5").exit_code == 0
    checked = pack.kata("practice", "1.1", "--check")
    assert checked.exit_code == 1, checked.output
    text = "".join(line.strip("│ ") for line in checked.output.splitlines())  # the panel's lines, unwrapped
    copy = pack.home / "practice" / "1.1" / "katas" / INTRO / "introduction.py"
    assert f"in {copy} is not written yet" in text, checked.output
    assert " katas/01_fundamentals" not in checked.output, checked.output


def test_the_learners_sql_is_never_cut_before_the_tests() -> None:
    import io

    from rich.console import Console

    mine = "".join(f"  {n}. SELECT {n}\n     params: ()\n" for n in range(1, 10))  # 18 lines: more than fit
    listing = f"Your code sent 9 statements:\n{mine}The test itself sent 4 statements (set-up and checks):\n  - CREATE TABLE t (x INTEGER)\n  - INSERT INTO t VALUES (?)  (x3)\n"
    console = Console(width=100, record=True, file=io.StringIO())
    for part in display._sql(listing):
        console.print(part)
    shown = console.export_text()
    assert "SELECT 7" in shown and "CREATE TABLE" not in shown, shown
    assert "The test itself sent 4 statements (set-up and checks)" in shown, "still counted"
    short = listing.replace(mine, "  1. SELECT 1\n     params: ()\n").replace("9 statements", "1 statement")
    console = Console(width=100, record=True, file=io.StringIO())
    for part in display._sql(short):
        console.print(part)
    assert "CREATE TABLE t (x INTEGER)" in console.export_text()


def test_the_installed_kata_command_starts_outside_the_pack_root(pack: Pack, tmp_path: Path) -> None:
    # `python -m kata` from the pack root has the root on sys.path; the console script does not, so
    # the command must never import the harness (fixtures/) at start-up.
    script = Path(sys.executable).with_name("kata")
    if not script.exists():
        pytest.skip("the pack is not installed into this Python (no `kata` console script)")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = subprocess.run(
        [str(script), "list"], cwd=elsewhere, env=pack.environment(), capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stdout + run.stderr
