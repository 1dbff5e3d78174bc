"""Warm re-runs for `kata watch` and `kata practice`: the imports paid once, each run in a fresh fork.

A cold run of a kata's tests spends most of its time starting Python and importing pytest and
SQLAlchemy, not running the tests. The standard library's forkserver keeps one process with those
imported, and every run is a fresh fork of it: the learner's modules (and the harness's) are
imported anew each time, in a new child, never reloaded; a hang or a crash ends that child only.
A change to anything but the learner's files (tests, harness, installed packages) restarts the
warm process before the next run. Where the forkserver is not available (Windows), runs stay cold.
"""

from __future__ import annotations

import ast
import functools
import json
import multiprocessing
import multiprocessing.forkserver
import os
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

# What every kata run imports and what costs most of a cold start. "__main__": multiprocessing
# imports the parent's main script in each child unless the warm process already has (it must be
# guarded by `if __name__ == "__main__":`, as the `kata` script is).
CORE_MODULES = (
    "__main__",
    "pytest",
    "_pytest.python",
    "_pytest.fixtures",
    "_pytest.terminal",
    "_pytest.reports",
    "xdist.plugin",
    "pytest_timeout",
    "pytest_asyncio.plugin",
    "_hypothesis_pytestplugin",
    "hypothesis",
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
)
# The pack's own packages: imported afresh in every child from the tree under test (a practice
# workspace has its own copy), never taken from the warm process.
PACK_PACKAGES = ("kata", "fixtures", "tests", "conftest")
HARNESS = ("conftest.py", "pyproject.toml", "fixtures", "kata")


def available() -> bool:
    """Whether warm runs can be made here (the forkserver needs fork: not on Windows)."""
    return "forkserver" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class Outcome:
    """How a warm run ended: its exit code (negative: killed by that signal; None: out of time) and what it printed."""

    exitcode: int | None
    output: str
    timed_out: bool = False


class WarmProcess:
    """One warm process for the runs of one pack tree (the pack, or a practice workspace).

    Use as a context manager, or call `close()`: the warm process ends with it.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.starts = 0  # how many times a warm process was started (the tests read it)
        self._preloaded: frozenset[str] = frozenset()
        self._running = False
        self._seen: dict[Path, tuple[Any, ...]] = {}  # what the harness and each kata run looked like
        self._imports: dict[Path, frozenset[str]] = {}  # each kata's test imports (read again when it changes)
        self.restart_reason = ""  # why the last run restarted the warm process ('' when it did not)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self, directory: Path, db_url: str | None = None) -> None:
        """Start the warm process for runs of `directory` now, so its imports overlap other work."""
        self._ensure(directory, db_url)

    def run(
        self, arguments: list[str], environment: dict[str, str], directory: Path, output: Path, timeout: float
    ) -> Outcome:
        """Run `pytest arguments` in a fresh fork with exactly `environment`, from the pack root.

        Output goes to the file `output`. After `timeout` seconds the run is killed.
        """
        self.restart_reason = ""
        self._ensure(directory, environment.get("KATA_DB_URL") or _db_url(arguments))
        # Out at once when pytest is done, not after threads the learner's code left running (the
        # harness has already failed the test that left them): a cold run would wait for them.
        exitcode = fork_pytest(arguments, self.root, environment, output, output, timeout, wait_for_threads=False)
        text = output.read_text(errors="replace") if output.exists() else ""
        return Outcome(exitcode, text, exitcode is None)

    def close(self) -> None:
        """End the warm process (the next run, if any, starts a new one)."""
        if self._running:
            _stop_forkserver()
            self._running = False

    def _ensure(self, directory: Path, db_url: str | None) -> None:
        stamps = {self.root: self._harness_stamp(), directory.resolve(): self._kata_stamp(directory)}
        changed = any(self._seen.get(key, value) != value for key, value in stamps.items())
        if changed or directory.resolve() not in self._imports:
            self._imports[directory.resolve()] = frozenset(third_party_imports(directory))
        wanted = frozenset(CORE_MODULES) | self._imports[directory.resolve()] | _driver_modules(db_url)
        self._seen.update(stamps)
        if self._running and not changed and wanted <= self._preloaded:
            return
        if self._running and changed:
            self.restart_reason = "the tests, the harness or the installed packages changed"
        # (A kata that imports packages the warm process lacks restarts it silently, with them added.)
        self._preloaded = wanted if changed else wanted | self._preloaded
        _stop_forkserver()  # a fork server of an earlier WarmProcess, or of this one before the change
        multiprocessing.get_context("forkserver").set_forkserver_preload(sorted(self._preloaded))
        multiprocessing.forkserver.ensure_running()
        self._running = True
        self.starts += 1

    def _harness_stamp(self) -> tuple[Any, ...]:
        """The harness and the installed packages (a directory's time changes when a package is
        installed in it or removed)."""
        files = [path for name in HARNESS for path in _files(self.root / name)]
        installed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
        return tuple(_stamp(p) for p in sorted(files)) + tuple(_stamp(Path(p)) for p in sorted(installed))

    def _kata_stamp(self, directory: Path) -> tuple[Any, ...]:
        """A kata's tests and other files that are not the learner's, and its module's shared files."""
        from kata.stubs import learner_files  # the learner files of a kata, by its directory in the pack

        try:
            relative = directory.resolve().relative_to(self.root / "katas")
            mine = {directory / name for name in learner_files(Path(*relative.parts[:2]))}
        except ValueError:
            mine = set()
        files = [p for p in _files(directory) if p not in mine] + _files(directory.parent, recursive=False)
        return tuple(_stamp(p) for p in sorted(files))


def _files(folder: Path, recursive: bool = True) -> list[Path]:
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return []
    found = folder.rglob("*") if recursive else folder.iterdir()
    return [p for p in found if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts]


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        status = path.stat()
    except OSError:
        return (str(path), 0, 0)
    return (str(path), status.st_mtime_ns, status.st_size)


def third_party_imports(directory: Path) -> set[str]:
    """The installed packages that the kata's test files and conftests import at module level
    (FastAPI, Alembic, Faker...): worth importing once in the warm process. Never the learner's."""
    names: set[str] = set()
    for path in [*directory.glob("test_*.py"), *directory.glob("conftest.py"), *directory.parent.glob("conftest.py")]:
        try:
            tree = ast.parse(path.read_text(), str(path))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
    return {name for name in names if name.split(".")[0] not in PACK_PACKAGES and _is_installed(name)}


def _is_installed(name: str) -> bool:
    top = name.split(".")[0]
    if top in sys.stdlib_module_names:
        return False
    from importlib.util import find_spec

    try:
        return find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _driver_modules(db_url: str | None) -> frozenset[str]:
    if db_url and db_url.startswith("postgresql"):
        return frozenset({"psycopg", "asyncpg"})
    return frozenset({"aiosqlite"})


def _db_url(arguments: list[str]) -> str | None:
    return arguments[arguments.index("--db-url") + 1] if "--db-url" in arguments[:-1] else None


def _stop_forkserver() -> None:
    # The forkserver is one per process in the standard library; its `_stop` is how CPython's own
    # tests restart it (3.8+). Preloads take effect only when it starts again.
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)
    if callable(stop):
        stop()


def fork_pytest(
    arguments: list[str],
    cwd: Path,
    environment: dict[str, str],
    stdout: Path,
    stderr: Path,
    timeout: float,
    *,
    wait_for_threads: bool,
) -> int | None:
    """`python -m pytest ARGUMENTS` started from `cwd` with exactly `environment`, as a fresh fork of
    the forkserver (started, with the preload list set, if it is not running). Its output goes to
    the files `stdout` and `stderr` (they may be one). Returns its exit code, or None when it ran
    past `timeout` and was killed. Used by the tooling tests too (tests/warm_pytest.py)."""
    context = multiprocessing.get_context("forkserver")
    path = cold_sys_path(str(cwd), environment.get("PYTHONPATH"))
    child = context.Process(
        target=become_pytest,
        args=([*arguments, *QUIET], str(cwd), environment, path, str(stdout), str(stderr), wait_for_threads),
        name="kata-pytest",
    )
    child.start()
    try:
        child.join(timeout)
    except BaseException:  # Ctrl-C (or anything else) while the tests run: the run ends with us
        child.kill()
        child.join(5)
        raise
    if child.exitcode is None:
        child.kill()
        child.join(5)
        return None
    return child.exitcode


# Plugins the warm process imported cannot have their asserts rewritten: pytest says so once per
# plugin, which is about the fork and not about the run under test.
QUIET = ["-W", "ignore::pytest.PytestAssertRewriteWarning"]


@functools.cache
def cold_sys_path(cwd: str, pythonpath: str | None) -> list[str]:
    """sys.path of `python -m pytest` started from `cwd`: cwd, then what a fresh interpreter has."""
    environment = {**os.environ, "PYTHONPATH": pythonpath or ""}
    fresh = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
        env=environment, capture_output=True, text=True, check=True,
    )
    return [cwd, *json.loads(fresh.stdout)]


def become_pytest(
    arguments: list[str], cwd: str, environment: dict[str, str], path: list[str], stdout: str, stderr: str, wait_for_threads: bool
) -> None:
    """In the fresh fork: become `python -m pytest ARGUMENTS` started from `cwd` (a cold
    interpreter's sys.path, environment, working directory and output), and end as it would."""
    for name in [n for n in sys.modules if n.split(".")[0] in PACK_PACKAGES or n == "__mp_main__"]:
        del sys.modules[name]  # the tree under test's own copies, imported afresh by the run
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environment)
    sys.path[:] = path
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    for fd, name in ((1, stdout), (2, stderr)):
        sink = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(sink, fd)
        os.close(sink)
    sys.stdout = open(1, "w", closefd=False, buffering=1)  # noqa: SIM115 (fd 1 outlives the run)
    sys.stderr = open(2, "w", errors="backslashreplace", closefd=False, buffering=1)  # noqa: SIM115
    import pytest

    code = int(pytest.main(arguments))
    if wait_for_threads:
        # multiprocessing turns SystemExit into the exit code after joining the run's threads, as
        # a cold interpreter does when it exits.
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
