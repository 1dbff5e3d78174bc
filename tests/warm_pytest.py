"""Inner `python -m pytest` runs for the tooling tests, each in a fresh fork of a warm process.

A cold inner run spends about 1 s of CPU importing pytest, its plugins and SQLAlchemy before it
collects anything, and the tooling tests start dozens. The standard library's forkserver keeps one
process with those third-party packages imported (never the pack's own: no harness state), and
each run is a fresh fork that behaves as a cold `python -m pytest ARGS` started from `cwd` with
exactly `env`: a cold interpreter's sys.path with `cwd` first, the tree under test's harness
imported afresh, its own stdout and stderr, its threads joined before it exits, its exit code.

The forkserver is one per process: kata/warm.py (`kata watch`) uses the same one when a test
drives it in-process. Nothing here stops it, so the two only ever share a server (whichever set
the preload list when it started); each run's fork resets what it needs.

This module is imported by the forks themselves: standard library only.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
# Plugins the warm process imported cannot have their asserts rewritten: pytest says so once per
# plugin, about the fork and not about the run under test.
QUIET = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]


def run_pytest(arguments: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """`python -m pytest ARGUMENTS` from `cwd` with exactly `env`, as subprocess.run(capture_output=True, text=True) gives it."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    command = [sys.executable, "-m", "pytest", *arguments]
    with tempfile.TemporaryDirectory(prefix="warm-pytest-") as folder:
        stdout, stderr = Path(folder) / "stdout", Path(folder) / "stderr"
        child = context.Process(
            target=_be_cold_pytest,
            args=([*QUIET, *arguments], str(cwd), env, _cold_sys_path(str(cwd), env.get("PYTHONPATH")), str(stdout), str(stderr)),
            name="tooling-test-pytest",
        )
        child.start()
        try:
            child.join(timeout)
        except BaseException:  # the outer run interrupted: the run ends with it, as with subprocess.run
            child.kill()
            raise
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(command, timeout, _read(stdout), _read(stderr))
        return subprocess.CompletedProcess(command, child.exitcode, _read(stdout), _read(stderr))


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@functools.cache
def _cold_sys_path(cwd: str, pythonpath: str | None) -> list[str]:
    """sys.path of `python -m pytest` started from `cwd`: cwd, then what a fresh interpreter has."""
    environment = {**os.environ, "PYTHONPATH": pythonpath or ""}
    fresh = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
        env=environment, capture_output=True, text=True, check=True,
    )
    return [cwd, *json.loads(fresh.stdout)]


def _be_cold_pytest(arguments: list[str], cwd: str, env: dict[str, str], path: list[str], stdout: str, stderr: str) -> None:
    """In the fresh fork: become `python -m pytest` started from `cwd`, its output in two files."""
    for name in [n for n in sys.modules if n.split(".")[0] == "tests" or n == "__mp_main__"]:
        del sys.modules[name]  # unpickling this function imported them; the run imports its own
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = path
    for fd, name in ((1, stdout), (2, stderr)):
        sink = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(sink, fd)
        os.close(sink)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 (fd 1 outlives the run)
    sys.stderr = open(2, "w", errors="backslashreplace", closefd=False)  # noqa: SIM115
    import pytest

    # multiprocessing turns SystemExit into the exit code after joining the run's threads, as a
    # cold interpreter does when it exits.
    sys.exit(int(pytest.main(arguments)))
