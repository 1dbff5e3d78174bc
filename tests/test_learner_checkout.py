"""The learner's checkout (issue 10): the pack's own checks judge the pack, never the learner's files;
nothing a learner wrote is overwritten without a backup that is named and can be restored."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from kata import stubs
from kata.paths import PACK_ROOT
from tests.conftest import FakePack

PYPROJECT = tomllib.loads((PACK_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]


def test_bare_pytest_runs_the_katas_and_the_cache_plugin_is_on() -> None:
    assert PYPROJECT["testpaths"] == ["katas"], "bare `pytest` is the learner's: the tooling tests run from scripts/verify.py"
    assert "no:cacheprovider" not in PYPROJECT["addopts"], "--lf / --ff need pytest's cache"
    assert ".pytest_cache/" in (PACK_ROOT / ".gitignore").read_text().splitlines()


def test_last_failed_reruns_only_the_failure(fake_pack: FakePack) -> None:
    fake_pack.write("katas/01_demo/01_lf/test_lf.py", "def test_good():\n    pass\n\ndef test_bad():\n    assert False\n")
    command = [sys.executable, "-m", "pytest", "katas", "-q", "-p", "no:xdist"]
    first = subprocess.run(command, cwd=fake_pack.root, capture_output=True, text=True)
    assert "1 failed, 1 passed" in first.stdout, first.stdout
    again = subprocess.run([*command, "--lf"], cwd=fake_pack.root, capture_output=True, text=True)
    assert "1 failed" in again.stdout and "passed" not in again.stdout, again.stdout


def test_a_kata_whose_files_are_all_in_subfolders_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stubs, "SOLUTIONS", tmp_path)
    (tmp_path / "01_m" / "01_flat").mkdir(parents=True)
    (tmp_path / "01_m" / "01_flat" / "flat.py").write_text("X = 1\n")
    (tmp_path / "01_m" / "02_nested" / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "01_m" / "02_nested" / "migrations" / "versions" / "one.py").write_text("X = 1\n")
    assert stubs.kata_directories() == [Path("01_m/01_flat"), Path("01_m/02_nested")]
