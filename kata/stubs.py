"""Stubs are generated from the solutions, so the two can never drift.

A solution file marks what the learner must write:

    def report_version() -> str:
        \"\"\"Return the installed SQLAlchemy version.\"\"\"
        # BEGIN SOLUTION
        return sqlalchemy.__version__
        # END SOLUTION

In the stub the block becomes a TODO and ``raise NotImplementedError``. When the stub
needs something else in its place (module-level code, a deliberately wrong starting
point), a ``# BEGIN STUB`` / ``# END STUB`` block right after it holds that text,
commented out in the solution and uncommented in the stub.

Run ``python -m kata.stubs [katas/<module>/<kata> ...]`` to rewrite stubs from solutions/,
``--check`` to only compare.

What is checked is the pack, not a learner's work: a stub is current when what its solution
generates equals the stub as COMMITTED (``git show HEAD:<path>``) or as it is on disk (an author
who regenerated and has not committed yet). A file that differs from its committed stub is a
learner's (or an author's uncommitted) edit: ``--check`` reports it as such and passes, and
regeneration leaves it alone unless ``--force`` is given (then it is backed up first, and the
backup's folder named; ``kata restore`` puts it back). Outside a git checkout (a tarball) the
file on disk is all there is to compare with, so an edited file counts as out of date there:
run the author check in a clone.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kata.backups import backup
from kata.paths import KATAS, PACK_ROOT, SOLUTIONS, shown

BEGIN_SOLUTION = "# BEGIN SOLUTION"
END_SOLUTION = "# END SOLUTION"
BEGIN_STUB = "# BEGIN STUB"
END_STUB = "# END STUB"
TODO = "# TODO: your code here; the docstring above says what it must do."


class MarkerError(ValueError):
    """A solution file whose markers do not pair up."""


def stub_source(solution: str, filename: str = "<solution>") -> str:
    """The learner's starting file for one solution file's text."""
    lines = solution.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped == BEGIN_SOLUTION:
            indent = _indent(lines[i])
            end = _find(lines, i + 1, END_SOLUTION, filename)
            i = end + 1
            if i < len(lines) and lines[i].strip() == BEGIN_STUB:
                stub_end = _find(lines, i + 1, END_STUB, filename)
                out.extend(
                    _uncomment(line, _indent(lines[i]), f"{filename}:{number + 1}")
                    for number, line in enumerate(lines[i + 1 : stub_end], start=i + 1)
                )
                i = stub_end + 1
            else:
                if not indent:
                    raise MarkerError(
                        f"{filename}:{end + 1}: a module-level solution block needs a "
                        f"'{BEGIN_STUB}' block after it (raising at import would break every test)"
                    )
                out.append(f"{indent}{TODO}\n{indent}raise NotImplementedError\n")
        elif stripped in (END_SOLUTION, BEGIN_STUB, END_STUB):
            raise MarkerError(f"{filename}:{i + 1}: '{stripped}' without its opening marker")
        else:
            out.append(lines[i])
            i += 1
    return "".join(out)


def solution_source(solution: str) -> str:
    """The solution as a learner should read it: markers and stub-only blocks removed."""
    out: list[str] = []
    in_stub = False
    for line in solution.splitlines(keepends=True):
        stripped = line.strip()
        if stripped == BEGIN_STUB:
            in_stub = True
        elif stripped == END_STUB:
            in_stub = False
        elif not in_stub and stripped not in (BEGIN_SOLUTION, END_SOLUTION):
            out.append(line)
    return "".join(out)


def learner_files(kata: Path) -> Iterator[Path]:
    """The files a learner edits in one kata, relative to its directory (those solutions/ holds)."""
    root = SOLUTIONS / kata
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield path.relative_to(root)


def write_stubs(kata: Path, destination: Path) -> list[Path]:
    """Write the pristine stub files of one kata (`02_core/05_insert`) under `destination`."""
    written = []
    for relative in learner_files(kata):
        source, target = SOLUTIONS / kata / relative, destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix == ".py":
            target.write_text(stub_source(source.read_text(), str(source)))
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


def pristine_text(kata: Path, relative: Path) -> str | bytes:
    """What one learner file looks like untouched."""
    source = SOLUTIONS / kata / relative
    if source.suffix == ".py":
        return stub_source(source.read_text(), str(source))
    return source.read_bytes()


def kata_directories() -> list[Path]:
    """Every kata directory that has a solution, relative to solutions/ (`01_fundamentals/01_introduction`)."""
    # A kata's files may all sit in subfolders (8.3's migration environment): any file below counts.
    return sorted(
        p.relative_to(SOLUTIONS)
        for p in SOLUTIONS.glob("*/*")
        if p.is_dir() and p.name != "__pycache__" and any(True for _ in learner_files(p.relative_to(SOLUTIONS)))
    )


def matches_stub(kata: Path, relative: Path, current: Path) -> bool:
    """Whether the file at `current` is exactly the pristine stub of one learner file (missing: no)."""
    if not current.exists():
        return False
    expected = pristine_text(kata, relative)
    return (current.read_bytes() if isinstance(expected, bytes) else current.read_text()) == expected


def committed_texts(paths: list[Path]) -> dict[Path, bytes | None] | None:
    """Each file's content as committed at HEAD (None: not committed); None when the pack is not a
    git checkout or git is missing. One `git cat-file --batch` for all of them: cheap for the pack."""
    if not paths or not (PACK_ROOT / ".git").exists():
        return None
    request = "".join(f"HEAD:{path.relative_to(PACK_ROOT).as_posix()}\n" for path in paths).encode()
    try:
        answer = subprocess.run(
            ["git", "cat-file", "--batch"], input=request, cwd=PACK_ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found: dict[Path, bytes | None] = {}
    position = 0
    for path in paths:
        end = answer.index(b"\n", position)
        header = answer[position:end].split()
        position = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            found[path] = answer[position : position + size]
            position += size + 1
        else:  # "<object> missing" (not committed) or not a file
            found[path] = None
    return found


@dataclass(frozen=True)
class StubReport:
    """The stub check of some katas: what the pack must fix, and what is the learner's own."""

    stale: list[Path]  # the committed stub (and the file on disk) differ from what the solution generates
    edited: list[Path]  # differ from the committed stub: a learner's work (or an uncommitted change), left alone
    committed_known: bool  # False outside a git checkout: edits cannot be told apart from stale stubs


def stub_report(katas: list[Path] | None = None) -> StubReport:
    """Compare pristine stubs (generated from solutions/) with the committed stubs, file by file."""
    expected: dict[Path, bytes] = {}
    for kata in katas if katas is not None else kata_directories():
        for relative in learner_files(kata):
            text = pristine_text(kata, relative)
            expected[KATAS / kata / relative] = text.encode() if isinstance(text, str) else text
    committed = committed_texts(list(expected))
    stale, edited = [], []
    for path, pristine in expected.items():
        current = path.read_bytes() if path.exists() else None
        recorded = committed.get(path) if committed is not None else current
        if recorded is not None and current != recorded:
            edited.append(path)
        if pristine not in (current, recorded):
            stale.append(path)
    return StubReport(stale, edited, committed is not None)


def stale_stubs(katas: list[Path] | None = None) -> list[Path]:
    """Learner files whose committed stub differs from what their solution generates."""
    return stub_report(katas).stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.stubs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list stubs that are out of date")
    parser.add_argument(
        "--force",
        action="store_true",
        help="also overwrite files that differ from their committed stub (a learner's work: backed up first)",
    )
    parser.add_argument("katas", nargs="*", help="kata directories (katas/02_core/05_insert); default: all")
    args = parser.parse_args(argv)
    chosen = [Path(*Path(k).resolve().relative_to(KATAS).parts[:2]) for k in args.katas] or None
    try:
        report = stub_report(chosen)
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    edited = set(report.edited)
    if args.check:
        for path in report.stale:
            print(f"out of date: {shown(path)} (the committed stub differs from what its solution generates)")
        if report.edited:
            print(
                f"{len(report.edited)} file(s) differ from their committed stub (your own work, or changes not "
                "committed yet): not checked, left alone."
            )
        if not report.committed_known and report.stale:
            print("(not a git checkout: an edited file cannot be told from an out-of-date stub here)")
        return 1 if report.stale else 0
    rewrite = [p for p in report.stale if args.force or p not in edited]
    kept = [p for p in report.stale if p not in rewrite]
    # Every file rewritten is copied first, even one that looked untouched.
    saved = backup(rewrite)
    for path in rewrite:
        kata = Path(*path.relative_to(KATAS).parts[:2])
        relative = path.relative_to(KATAS / kata)
        text = pristine_text(kata, relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        print(f"rewrote: {shown(path)}")
    if saved:
        print(f"the previous versions are in {shown(saved)}/ (`kata restore {saved.name}` puts them back)")
    for path in kept:
        print(f"left alone: {shown(path)} differs from its committed stub (your work?); --force overwrites it after a backup")
    if not rewrite and not kept:
        print("every stub is up to date")
    return 1 if kept else 0


def _find(lines: list[str], start: int, marker: str, filename: str) -> int:
    opening = BEGIN_SOLUTION if marker == END_SOLUTION else BEGIN_STUB
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped == marker:
            return j
        if stripped in (BEGIN_SOLUTION, BEGIN_STUB):
            raise MarkerError(
                f"{filename}:{j + 1}: '{stripped}' inside the block opened at line {start}: "
                f"is a '{marker}' missing before it?"
            )
    raise MarkerError(f"{filename}:{start}: no '{marker}' closes the '{opening}' block opened here")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _uncomment(line: str, indent: str, where: str) -> str:
    body = line[len(indent):] if line.startswith(indent) else line.lstrip()
    if body.strip() == "#" or not body.strip():
        return "\n"
    if not body.startswith("# "):
        raise MarkerError(
            f"{where}: every line of a stub block starts with '# ' (hash, space) at the marker's "
            f"indentation; this one does not: {line.rstrip()!r}"
        )
    return indent + body[2:]


if __name__ == "__main__":
    sys.exit(main())
