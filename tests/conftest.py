"""Helpers for the pack's own tests: a tiny fake pack to run the harness against, in a fresh process."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kata.paths import PACK_ROOT
from tests.warm_pytest import run_pytest

POSTGRES_URL_ENV = "KATA_PG_URL"


@dataclass
class Run:
    returncode: int
    output: str


class FakePack:
    """A copy of the harness with katas written by the test: one concern per kata, like rustlings' fake pack."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in ("conftest.py", "pyproject.toml"):
            shutil.copy(PACK_ROOT / name, root / name)
        for package in ("fixtures", "kata"):
            shutil.copytree(PACK_ROOT / package, root / package, ignore=shutil.ignore_patterns("__pycache__"))
        (root / "katas").mkdir()
        (root / "solutions").mkdir()

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def pytest(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
        # The outer run's worker and database settings are not the fake pack's.
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("KATA_", "PYTEST_XDIST", "PYTEST_CURRENT"))
        }
        environment.update(env or {})
        result = run_pytest(["-p", "no:cacheprovider", *args], self.root, environment, timeout)
        return Run(result.returncode, result.stdout + result.stderr)


@pytest.fixture
def fake_pack(tmp_path: Path) -> FakePack:
    return FakePack(tmp_path)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL URL for tooling tests that need it; they skip, saying how to enable them, without it."""
    url = os.environ.get(POSTGRES_URL_ENV) or os.environ.get("KATA_DB_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(f"PostgreSQL checks are off: set {POSTGRES_URL_ENV}=postgresql+psycopg://USER@HOST:5432/DB")
    return url


# The tooling tests that start inner runs take seconds each, the rest milliseconds: those modules
# go first, the slowest first, so that at the end both workers are finishing quick tests.
SLOWEST_FIRST = (
    "test_isolation.py",
    "test_warm.py",
    "test_cli_loops.py",
    "test_reports.py",
    "test_learner_checkout.py",
    "test_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: place for place, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the same order on every worker


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """-n's default distribution, as work stealing: an idle worker takes over tests still queued on
    a busy one, so one slow test late in a worker's queue does not leave the other worker idle."""
    if config.getvalue("dist") != "load":
        return None  # another --dist was asked for: xdist makes it
    from xdist.scheduler import WorkStealingScheduling

    return WorkStealingScheduling(config, log)
