"""Inner `python -m pytest` runs for the tooling tests, each in a fresh fork of a warm process.

A cold inner run spends about 1 s of CPU importing pytest, its plugins and SQLAlchemy before it
collects anything, and the tooling tests start dozens. The standard library's forkserver keeps one
process with those third-party packages imported (never the pack's own: no harness state), and
each run is a fresh fork that behaves as a cold `python -m pytest ARGS` started from `cwd` with
exactly `env`: a cold interpreter's sys.path with `cwd` first, the tree under test's harness
imported afresh, its own stdout and stderr, its threads joined before it exits, its exit code.

The fork itself is kata/warm.py's `fork_pytest` (what `kata watch` runs each save with); the
forkserver is one per process, so the two share it (whichever set the preload list when it
started); each run's fork resets what it needs.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import tempfile
from pathlib import Path

from kata.warm import fork_pytest

# What an inner run of the harness imports that costs most of a cold start: pytest and its
# plugins, SQLAlchemy and the drivers. A missing one is skipped by the forkserver.
PRELOAD = [
    "pytest",
    "_pytest.python",
    "_pytest.fixtures",
    "_pytest.terminal",
    "_pytest.reports",
    "_pytest.assertion.rewrite",
    "pdb",
    "faulthandler",
    "tomllib",
    "packaging.version",
    "execnet",
    "xdist.plugin",
    "pytest_timeout",
    "pytest_asyncio.plugin",
    "_hypothesis_pytestplugin",
    "hypothesis",
    "platformdirs",
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "aiosqlite",
    "psycopg",
    "asyncpg",
]


def run_pytest(arguments: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`python -m pytest ARGUMENTS` from `cwd` with exactly `env`, as subprocess.run(capture_output=True, text=True) gives it."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    command = [sys.executable, "-m", "pytest", *arguments]
    with tempfile.TemporaryDirectory(prefix="warm-pytest-") as folder:
        stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
        # A cold interpreter waits for the threads a run left behind before it exits: so does this.
        code = fork_pytest(arguments, cwd, env, stdout, stderr, timeout, wait_for_threads=True)
        if code is None:
            raise subprocess.TimeoutExpired(command, timeout, _read(stdout), _read(stderr))
        return subprocess.CompletedProcess(command, code, _read(stdout), _read(stderr))


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""
