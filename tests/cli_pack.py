"""A temporary copy of the pack with two real katas, and a temporary data directory, for the `kata` command's tests."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from kata import backups, catalog, display, paths, stubs
from kata.cli import app

KATAS = ("01_fundamentals/01_introduction", "01_fundamentals/05_connection_basics")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db")


@dataclass
class Pack:
    root: Path
    home: Path
    runner: CliRunner

    def kata(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(app, list(args), input=input)

    def learner_file(self, directory: str = KATAS[0]) -> Path:
        return self.root / "katas" / directory / f"{Path(directory).name.split('_', 1)[1]}.py"

    def solution_file(self, directory: str = KATAS[0]) -> Path:
        return self.root / "solutions" / directory / self.learner_file(directory).name

    def solve(self, directory: str = KATAS[0], into: Path | None = None) -> None:
        """Write the reference solution (as `kata solution` shows it) where the learner's file is."""
        (into or self.learner_file(directory)).write_text(stubs.solution_source(self.solution_file(directory).read_text()))

    def environment(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("KATA_", "PYTEST_XDIST", "PYTEST_CURRENT"))}
        return {**keep, "KATA_PACK_ROOT": str(self.root), "KATA_HOME": str(self.home), "NO_COLOR": "1", "COLUMNS": "200"}

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "kata", *args],
            cwd=self.root,
            env=self.environment(),
            stdin=subprocess.PIPE,  # `kata watch` waits for Enter after a green: the test presses it
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # A shell's background job (`cmd &`) inherits SIGINT ignored, and Python then never turns
            # Ctrl-C into KeyboardInterrupt: give the child the default so the tests' Ctrl-C reaches it.
            preexec_fn=_default_sigint if os.name == "posix" else None,
        )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def copy_pack(root: Path) -> None:
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(paths.PACK_ROOT / name, root / name)
    for package in ("fixtures", "kata"):
        shutil.copytree(paths.PACK_ROOT / package, root / package, ignore=_IGNORE)
    for tree in ("katas", "solutions"):
        for kata in KATAS:
            shutil.copytree(paths.PACK_ROOT / tree / kata, root / tree / kata, ignore=_IGNORE)
    for kata in KATAS:  # pristine stubs, not what the learner of this checkout has written in them
        stubs.write_stubs(Path(kata), root / "katas" / kata)


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pack:
    """The pack's tooling pointed at a copy of two katas; progress in a fresh data directory."""
    root, home = (tmp_path / "pack").resolve(), (tmp_path / "home").resolve()
    root.mkdir()
    copy_pack(root)
    targets = {"PACK_ROOT": root, "KATAS": root / "katas", "SOLUTIONS": root / "solutions", "BACKUPS": root / ".kata-backups"}
    for module in (paths, catalog, stubs, backups):
        for name, value in targets.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, value)
    for name in [n for n in os.environ if n.startswith("KATA_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KATA_PACK_ROOT", str(root))
    monkeypatch.setenv("KATA_HOME", str(home))
    monkeypatch.setattr(display.console, "width", 200)
    return Pack(root, home, CliRunner())
