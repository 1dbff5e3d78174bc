"""The pack's own rules, checked on every kata (rustlings' `dev check`): layout, metadata, README, stubs."""

from __future__ import annotations

import ast
import re

import pytest

from kata import catalog, stubs
from kata.paths import KATAS, PACK_ROOT, SOLUTIONS

KATAS_FOUND = catalog.all_katas()
IDS = [k.id for k in KATAS_FOUND]
CURRICULUM_ROW = re.compile(r"^\| (\d+)\.(\d+) \| ([a-z0-9_]+) \|", re.MULTILINE)
CURRICULUM_TEXT = (PACK_ROOT / "docs" / "curriculum.md").read_text()
CURRICULUM = {f"{m}.{t}": slug for m, t, slug in CURRICULUM_ROW.findall(CURRICULUM_TEXT)}
MODULE_DIRS = set(re.findall(r"^## (\d\d_[a-z_]+)$", CURRICULUM_TEXT, re.MULTILINE))


def test_every_kata_directory_has_metadata_and_a_solution() -> None:
    kata_dirs = {p.relative_to(KATAS) for p in KATAS.glob("*/*") if p.is_dir() and p.name != "__pycache__"}
    solution_dirs = {p.relative_to(SOLUTIONS) for p in SOLUTIONS.glob("*/*") if p.is_dir()}
    listed = {k.directory for k in KATAS_FOUND}
    assert kata_dirs == listed, f"kata directories without kata.toml: {sorted(map(str, kata_dirs - listed))}"
    assert solution_dirs == kata_dirs, (
        f"katas/ and solutions/ must mirror each other; only in katas/: "
        f"{sorted(map(str, kata_dirs - solution_dirs))}, only in solutions/: {sorted(map(str, solution_dirs - kata_dirs))}"
    )


def test_kata_ids_are_unique() -> None:
    assert len(IDS) == len(set(IDS)), f"duplicate ids: {sorted(i for i in IDS if IDS.count(i) > 1)}"


@pytest.mark.parametrize("kata", KATAS_FOUND, ids=IDS)
class TestKata:
    def test_id_and_slug_match_the_curriculum_and_the_directory(self, kata: catalog.Kata) -> None:
        module_number, kata_number = (int(part.split("_", 1)[0]) for part in kata.directory.parts)
        assert kata.id == f"{module_number}.{kata_number}", f"{kata.directory} should have id {module_number}.{kata_number}"
        assert CURRICULUM.get(kata.id) == kata.slug, f"curriculum row {kata.id} is {CURRICULUM.get(kata.id)!r}"
        assert kata.module in MODULE_DIRS, (
            f"module directory {kata.module!r} is not a '## NN_name' heading of docs/curriculum.md: {sorted(MODULE_DIRS)}"
        )

    def test_the_pack_readme_lists_it(self, kata: catalog.Kata) -> None:
        assert kata.slug in (PACK_ROOT / "README.md").read_text(), (
            f"README.md's Contents section does not mention {kata.slug}: add it to the module's row"
        )

    def test_metadata_is_complete(self, kata: catalog.Kata) -> None:
        assert kata.title.strip(), "title is empty"
        assert kata.difficulty in catalog.DIFFICULTIES, f"difficulty must be one of {catalog.DIFFICULTIES}"
        assert 5 <= kata.minutes <= 240, f"minutes={kata.minutes} is not a plausible expected time"

    def test_readme_teaches(self, kata: catalog.Kata) -> None:
        readme = kata.readme
        assert readme.startswith(f"# {kata.id} "), f"README.md should start with '# {kata.id} <title>'"
        for section in ("## Tasks", "## Hints", "## Further information"):
            assert section in readme, f"README.md lacks a '{section}' section"
        assert len(kata.hints) >= 2, "README.md needs at least two <details><summary>Hint …</summary> blocks"
        assert all(len(h.split("\n", 1)[-1].strip()) > 20 for h in kata.hints), "a hint is (nearly) empty"
        assert "docs.sqlalchemy.org" in readme.split("## Further information", 1)[1], "link the SQLAlchemy docs"
        assert kata.tasks, "README.md has no '### 1. …' task headings under ## Tasks"

    def test_tests_are_enough_and_tied_to_tasks(self, kata: catalog.Kata) -> None:
        tests, tasks_used = [], set()
        for path in kata.path.glob("test_*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                    tests.append(node.name)
                    tasks_used |= _task_numbers(node)
        assert len(tests) >= 5, f"{kata.directory} has {len(tests)} tests; a kata needs at least 5"
        unknown = tasks_used - set(kata.tasks)
        assert not unknown, f"tests are marked with tasks {sorted(unknown)} that README.md does not have"
        untested = set(kata.tasks) - tasks_used
        assert not untested, f"README tasks {sorted(untested)} have no test marked @pytest.mark.task(n)"

    def test_the_stub_is_generated_from_the_solution(self, kata: catalog.Kata) -> None:
        files = list(stubs.learner_files(kata.directory))
        assert files, f"solutions/{kata.directory} has no files"
        blocks = sum(f.suffix == ".py" and stubs.BEGIN_SOLUTION in (kata.solution_path / f).read_text() for f in files)
        assert blocks, "the solution has no '# BEGIN SOLUTION' block: the learner would have nothing to write"
        stale = [str(p.relative_to(PACK_ROOT)) for p in stubs.stale_stubs([kata.directory])]
        assert not stale, (
            f"{stale}: the committed stub differs from what the solution generates. Authors: "
            f"`python -m kata.stubs katas/{kata.directory}` regenerates it, then commit both. "
            "(A learner's own edits are not checked here: the committed stub is.)"
        )


    def test_the_stub_defines_every_name_the_solution_does(self, kata: catalog.Kata) -> None:
        for relative in stubs.learner_files(kata.directory):
            if relative.suffix != ".py":
                continue
            solution = _top_level_names((kata.solution_path / relative).read_text())
            stub = _top_level_names(str(stubs.pristine_text(kata.directory, relative)), assignments=True)
            missing = solution - stub
            assert not missing, (
                f"{relative}: the stub lacks {sorted(missing)}, which the solution defines. "
                "A '# BEGIN SOLUTION' block probably swallowed them (is an '# END SOLUTION' misplaced?)"
            )


def _top_level_names(source: str, assignments: bool = False) -> set[str]:
    """Public functions and classes: what the tests call (module-level tables or helpers that the
    learner is asked to write may legitimately be missing from a stub); with `assignments`, also
    names bound by `=` (a legacy stub's `Base = declarative_base()` stands for a class)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif assignments and isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return {name for name in names if not name.startswith("_")}


def test_test_file_names_are_unique_across_the_pack() -> None:
    names = [p.name for p in KATAS.glob("*/*/test_*.py")]
    assert len(names) == len(set(names)), f"pytest needs unique test file names: {sorted(n for n in names if names.count(n) > 1)}"


def _task_numbers(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    found = set()
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "task"
            and decorator.args
            and isinstance(decorator.args[0], ast.Constant)
        ):
            found.add(int(decorator.args[0].value))
    return found


def test_stub_markers_are_parsed_as_documented() -> None:
    solution = (
        "import x\n\n"
        "def f() -> int:\n"
        '    """Doc."""\n'
        "    # BEGIN SOLUTION\n"
        "    return 1\n"
        "    # END SOLUTION\n\n"
        "# BEGIN SOLUTION\n"
        "VALUE = 2\n"
        "# END SOLUTION\n"
        "# BEGIN STUB\n"
        "# VALUE = None  # TODO\n"
        "# END STUB\n"
    )
    assert stubs.stub_source(solution) == (
        "import x\n\n"
        "def f() -> int:\n"
        '    """Doc."""\n'
        f"    {stubs.TODO}\n"
        "    raise NotImplementedError\n\n"
        "VALUE = None  # TODO\n"
    )
    assert stubs.solution_source(solution) == "import x\n\ndef f() -> int:\n    \"\"\"Doc.\"\"\"\n    return 1\n\nVALUE = 2\n"


@pytest.mark.parametrize(
    "broken",
    [
        "    # BEGIN SOLUTION\n    return 1\n",
        "# END SOLUTION\n",
        "# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n",
        "    # BEGIN SOLUTION\n    return 1\n    # BEGIN SOLUTION\n    return 2\n    # END SOLUTION\n",
        "# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n# BEGIN STUB\n#X = 2\n# END STUB\n",
    ],
    ids=["unclosed", "unopened", "module-level-without-stub", "end-missing-before-next", "stub-not-commented"],
)
def test_broken_markers_are_refused(broken: str) -> None:
    with pytest.raises(stubs.MarkerError):
        stubs.stub_source(broken)


def test_a_stub_does_not_give_away_an_answer_it_asks_for() -> None:
    """A value the learner must write (a solution block's string literals: a down_revision's id) does
    not appear elsewhere in the same stub, e.g. in a migration's "Revises:" docstring line."""
    for kata in stubs.kata_directories():
        for relative in stubs.learner_files(kata):
            if relative.suffix != ".py":
                continue
            solution = (SOLUTIONS / kata / relative).read_text()
            answers = set()
            for block in solution.split(stubs.BEGIN_SOLUTION)[1:]:
                body = block.split(stubs.END_SOLUTION, 1)[0]
                answers |= set(re.findall(r"down_revision[^=]*=\s*[\"']([0-9a-f]{6,})[\"']", body))
            stub = str(stubs.pristine_text(kata, relative))
            given = sorted(a for a in answers if a in stub)
            assert not given, f"the stub of {kata}/{relative} shows {given}, which the learner is asked to write"
