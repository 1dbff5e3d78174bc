#!/usr/bin/env python3
"""Benchmark of feedback speed, measured in one run (not a timed test; the figures go in the README).

    .venv/bin/python scripts/bench.py [--pg-url URL] [--runs N] [--skip-pack]

1. One kata's wall time beside the floor: a bare pytest run of one trivial test importing sqlalchemy;
   what `kata test` adds over plain pytest; and the save-to-result time of `kata watch` (a warm
   re-run) beside a cold run of the same kata.
2. Per-test cost of the isolation fixtures beside create_all/drop_all per test, on each backend.
3. The whole pack's verification with -n auto: each step of scripts/verify.py.

Section 1 runs as on a learner's machine: Python writes its bytecode caches (this machine's
environment sets PYTHONDONTWRITEBYTECODE=1; that is dropped for section 1, kept for section 3 as CI has it).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

PACK_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ONE_KATA = "katas/01_fundamentals/05_connection_basics"
ONE_KATA_ID = "1.5"
LEARNER_ENV = {"PYTHONDONTWRITEBYTECODE": ""}  # empty is unset for Python: it writes bytecode caches
# One kata of each later kind: ORM, the shared factory_boy dataset, async + FastAPI, Alembic.
MORE_KATAS = (
    "katas/03_orm_basics/06_querying_objects",
    "katas/05_orm_querying/06_eager_loading",
    "katas/07_async/06_fastapi_async",
    "katas/08_alembic/05_running_migrations",
)
TESTS_PER_VARIANT = 200

# Per-test durations (setup + call + teardown) are collected by this plugin and written as JSON.
TIMING_CONFTEST = '''
import json, os, statistics
_durations = {}

def pytest_runtest_logreport(report):
    _durations[report.nodeid] = _durations.get(report.nodeid, 0.0) + report.duration

def pytest_sessionfinish(session):
    groups = {}
    for nodeid, seconds in _durations.items():
        variant = nodeid.split("::")[1].split("[")[0].removeprefix("test_")
        groups.setdefault(variant, []).append(seconds * 1000)
    with open(os.environ["KATA_BENCH_OUT"], "w") as out:
        json.dump({k: statistics.median(v) for k, v in groups.items()}, out)
'''

ISOLATION_TESTS = f'''
import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, func, insert, select

N = pytest.mark.parametrize("i", range({TESTS_PER_VARIANT}))
metadata = MetaData()
authors = Table("b_authors", metadata, Column("id", Integer, primary_key=True), Column("name", String(50)))
books = Table("b_books", metadata, Column("id", Integer, primary_key=True),
              Column("author_id", ForeignKey("b_authors.id")), Column("title", String(50)))
reviews = Table("b_reviews", metadata, Column("id", Integer, primary_key=True),
                Column("book_id", ForeignKey("b_books.id")), Column("stars", Integer))


def work(conn):
    metadata.create_all(conn)
    conn.execute(insert(authors), [{{"id": 1, "name": "a"}}, {{"id": 2, "name": "b"}}])
    conn.execute(insert(books), [{{"id": 1, "author_id": 1, "title": "x"}}, {{"id": 2, "author_id": 2, "title": "y"}}])
    conn.execute(insert(reviews), [{{"book_id": 1, "stars": 5}}, {{"book_id": 2, "stars": 3}}])
    assert conn.execute(select(func.count()).select_from(reviews)).scalar_one() == 2


@pytest.fixture
def create_drop(database):
    """The naive alternative: real tables created and dropped around every test."""
    engine = database.engine
    metadata.create_all(engine)
    with engine.connect() as conn:
        yield conn
        conn.commit()
    metadata.drop_all(engine)


@N
def test_bare(i):
    """No fixture at all: pytest's own per-test cost, subtracted to get each fixture's cost."""


@pytest.fixture
def trivial():
    """A fixture that does nothing: what pytest's fixture machinery alone costs."""
    yield None


@N
def test_trivial_fixture(trivial, i):
    pass


@N
def test_connection_empty(connection, i):
    pass


@N
def test_connection_with_work(connection, i):
    work(connection)


@N
def test_session_with_work(session, i):
    work(session.connection())


@N
def test_create_drop_empty(create_drop, i):
    pass


@N
def test_create_drop_with_work(create_drop, i):
    conn = create_drop
    conn.execute(insert(authors), [{{"id": 1, "name": "a"}}, {{"id": 2, "name": "b"}}])
    conn.execute(insert(books), [{{"id": 1, "author_id": 1, "title": "x"}}, {{"id": 2, "author_id": 2, "title": "y"}}])
    conn.execute(insert(reviews), [{{"book_id": 1, "stars": 5}}, {{"book_id": 2, "stars": 3}}])
    assert conn.execute(select(func.count()).select_from(reviews)).scalar_one() == 2
'''


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    environment = {k: v for k, v in {**os.environ, **(env or {})}.items() if v != ""}
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 5):
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return elapsed


def median_of(runs: int, command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    env = {**LEARNER_ENV, **(env or {})}
    timed(command, cwd, env)  # warm the file cache (and write the bytecode caches)
    return statistics.median(timed(command, cwd, env) for _ in range(runs))


def pack_plugin_flags() -> list[str]:
    """The plugin flags of the pack's pytest addopts (--disable-plugin-autoload, then -p each)."""
    addopts = tomllib.loads((PACK_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    flags = [flag for flag in addopts if flag == "--disable-plugin-autoload"]
    for flag, value in itertools.pairwise(addopts):
        if flag == "-p":
            flags += ["-p", value]
    return flags


def floor_command(floor_dir: Path, imports: set[str], same_plugins: bool) -> list[str]:
    """A bare pytest run of one trivial test that imports sqlalchemy and `imports`."""
    names = sorted({"sqlalchemy", *imports})
    test = "".join(f"import {name}\n" for name in names) + "\n\ndef test_trivial():\n    assert sqlalchemy.__version__\n"
    path = floor_dir / f"test_floor_{len(list(floor_dir.glob('test_*.py')))}.py"
    path.write_text(test)
    return [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(pack_plugin_flags() if same_plugins else []), path.name]


def bench_katas(runs: int) -> list[tuple[str, float, float, float]]:
    """Per kata: (name, seconds, like-for-like floor, the kind's floor: the same, importing what its tests import)."""
    sys.path.insert(0, str(PACK_ROOT))
    from kata.warm import third_party_imports

    floor_dir = Path(tempfile.mkdtemp(prefix="kata-floor-"))
    (floor_dir / "pytest.ini").write_text("[pytest]\n")
    like_for_like = median_of(runs, floor_command(floor_dir, set(), same_plugins=True), floor_dir)
    measured = []
    for kata in (ONE_KATA, *MORE_KATAS):
        kind_floor = median_of(runs, floor_command(floor_dir, third_party_imports(PACK_ROOT / kata), same_plugins=True), floor_dir)
        seconds = median_of(runs, [PYTHON, "-m", "pytest", "-q", kata, "--solutions", "-p", "no:cacheprovider"], PACK_ROOT)
        measured.append((kata.removeprefix("katas/"), seconds, like_for_like, kind_floor))
    shutil.rmtree(floor_dir)
    return measured


def bench_floor(runs: int) -> float:
    """The bare floor with pytest's default plugin loading, for reference."""
    floor_dir = Path(tempfile.mkdtemp(prefix="kata-floor-"))
    (floor_dir / "pytest.ini").write_text("[pytest]\n")
    floor = median_of(runs, floor_command(floor_dir, set(), same_plugins=False), floor_dir)
    shutil.rmtree(floor_dir)
    return floor


def bench_kata_test(runs: int) -> tuple[float, float]:
    """(plain pytest, `kata test`) on the same kata, same options, alternated so that load hits both alike."""
    home = Path(tempfile.mkdtemp(prefix="kata-bench-home-"))
    plain = [PYTHON, "-m", "pytest", "-q", ONE_KATA, "--solutions", "-p", "no:cacheprovider"]
    command = [str(Path(PYTHON).parent / "kata"), "test", ONE_KATA_ID, "--solutions"]
    env = {**LEARNER_ENV, "KATA_HOME": str(home)}
    timed(plain, PACK_ROOT, env), timed(command, PACK_ROOT, env)
    pairs = [(timed(plain, PACK_ROOT, env), timed(command, PACK_ROOT, env)) for _ in range(runs)]
    shutil.rmtree(home)
    return statistics.median(p for p, _ in pairs), statistics.median(k for _, k in pairs)


def bench_warm_rerun(runs: int) -> float:
    """Save-to-result of `kata watch` on kata 1.5: the time from writing the learner's file to the
    result line on screen, in a copy of the pack (the learner's own files are never touched)."""
    scratch = Path(tempfile.mkdtemp(prefix="kata-bench-watch-"))
    root, home = scratch / "pack", scratch / "home"
    kata_dir = ONE_KATA.removeprefix("katas/")
    root.mkdir()
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(PACK_ROOT / name, root / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db")
    for package in ("fixtures", "kata"):
        shutil.copytree(PACK_ROOT / package, root / package, ignore=ignore)
    other = "01_fundamentals/01_introduction"  # left unsolved: a green 1.5 then waits, and a save re-runs it
    for tree in ("katas", "solutions"):
        for directory in (kata_dir, other):
            shutil.copytree(PACK_ROOT / tree / directory, root / tree / directory, ignore=ignore)
    sys.path.insert(0, str(PACK_ROOT))
    from kata.stubs import learner_files, solution_source, stub_source, write_stubs

    write_stubs(Path(other), root / "katas" / other)

    (relative,) = list(learner_files(Path(kata_dir)))
    solution_text = (root / "solutions" / kata_dir / relative).read_text()
    versions = [solution_source(solution_text), stub_source(solution_text, str(relative))]
    learner_file = root / "katas" / kata_dir / relative
    learner_file.write_text(versions[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("KATA_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"KATA_PACK_ROOT": str(root), "KATA_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"})
    watch = subprocess.Popen(
        [str(Path(PYTHON).parent / "kata"), "watch", ONE_KATA_ID], cwd=root, env=env,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue[tuple[float, str]] = queue.Queue()

    def read() -> None:
        assert watch.stdout is not None
        for line in watch.stdout:
            lines.put((time.perf_counter(), line))

    threading.Thread(target=read, daemon=True).start()

    def next_result(deadline: float = 60.0) -> float:
        end = time.perf_counter() + deadline
        while time.perf_counter() < end:
            try:
                at, line = lines.get(timeout=1.0)
            except queue.Empty:
                continue
            if "(your files, SQLite):" in line:
                return at
        watch.kill()
        raise SystemExit("kata watch printed no result within a minute")

    try:
        next_result()  # the first run (cold: it starts the warm process)
        time.sleep(1.0)
        seconds = []
        for i in range(2 * runs):
            time.sleep(0.5)  # let the watcher settle, as between a learner's saves
            saved = time.perf_counter()
            learner_file.write_text(versions[i % 2])
            seconds.append(next_result() - saved)
    finally:
        watch.terminate()
        watch.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)
    return statistics.median(seconds)


def bench_isolation(url: str) -> dict[str, float]:
    bench_dir = PACK_ROOT / ".bench"
    shutil.rmtree(bench_dir, ignore_errors=True)
    bench_dir.mkdir()
    try:
        (bench_dir / "conftest.py").write_text(TIMING_CONFTEST)
        (bench_dir / "test_bench_isolation.py").write_text(ISOLATION_TESTS)
        out = bench_dir / "timings.json"
        timed(
            [PYTHON, "-m", "pytest", "-q", "-p", "no:xdist", str(bench_dir), "--db-url", url],
            PACK_ROOT,
            env={"KATA_BENCH_OUT": str(out)},
        )
        return dict(json.loads(out.read_text()))
    finally:
        shutil.rmtree(bench_dir, ignore_errors=True)


def bench_pack(pg_url: str | None) -> list[tuple[str, float]]:
    """Time each step of the pack's test command (scripts/verify.py), as CI runs it."""
    from verify import steps  # scripts/ is on sys.path: this file's own directory

    env = {"KATA_PG_URL": pg_url} if pg_url else {}
    return [(title, timed(command, PACK_ROOT, env)) for title, command in steps(pg_url)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=os.environ.get("KATA_PG_URL"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-pack", action="store_true", help="leave out the whole-pack timing")
    args = parser.parse_args()

    print(f"1. One kata at a time, `pytest KATA --solutions`, median of {args.runs}:")
    print(f"   floor: bare pytest, one trivial test importing sqlalchemy, default plugins: {bench_floor(args.runs):.2f} s")
    for name, seconds, like_for_like, kind_floor in bench_katas(args.runs):
        print(
            f"   {name:<44} {seconds:.2f} s: {seconds / like_for_like:.2f}x the like-for-like floor ({like_for_like:.2f} s), "
            f"{seconds / kind_floor:.2f}x its kind's floor ({kind_floor:.2f} s)"
        )
    print("   (like-for-like: the same trivial test with the pack's plugins; a kind's floor also imports what the kata's tests import)")
    plain, kata_test = bench_kata_test(args.runs)
    print(f"   `kata test {ONE_KATA_ID} --solutions` {kata_test:.2f} s, plain pytest {plain:.2f} s: adds {kata_test - plain:.2f} s")
    warm = bench_warm_rerun(args.runs)
    cold = median_of(args.runs, [PYTHON, "-m", "pytest", "-q", ONE_KATA, "--solutions", "-p", "no:cacheprovider"], PACK_ROOT)
    print(f"   warm re-run: {warm:.2f} s, cold run: {cold:.2f} s, ratio {warm / cold:.2f}")
    print("   (warm re-run: `kata watch`, from saving the file to the result on screen; cold: `pytest` of the same kata)")

    print(f"\n2. Per-test cost, ms, median of {TESTS_PER_VARIANT} tests (setup + call + teardown):")
    backends = [("SQLite", "sqlite://")] + ([("PostgreSQL", args.pg_url)] if args.pg_url else [])
    print(f"   {'variant':<28}" + "".join(f"{name:>12}" for name, _ in backends))
    results = {name: bench_isolation(url) for name, url in backends}
    variants = ("bare", "trivial_fixture", "connection_empty", "connection_with_work", "session_with_work", "create_drop_empty", "create_drop_with_work")
    for variant in variants:
        print(f"   {variant:<28}" + "".join(f"{results[name][variant]:>12.2f}" for name, _ in backends))
    print("   What each fixture adds over a do-nothing fixture (empty bodies):")
    for name, _ in backends:
        r = results[name]
        isolation = r["connection_empty"] - r["trivial_fixture"]
        create_drop = r["create_drop_empty"] - r["trivial_fixture"]
        print(
            f"   {name}: isolation {isolation:.2f} ms, create/drop {create_drop:.2f} ms ({create_drop / isolation:.0f}x); "
            f"whole tests, pytest included: {r['connection_empty']:.2f} vs {r['create_drop_empty']:.2f} ms "
            f"({r['create_drop_empty'] / r['connection_empty']:.1f}x)"
        )

    if not args.skip_pack:
        print("\n3. Whole pack verification (the steps of scripts/verify.py), -n auto:")
        total = 0.0
        per_backend: dict[str, float] = {}
        for title, seconds in bench_pack(args.pg_url):
            total += seconds
            print(f"   {title:<44} {seconds:6.1f} s")
            if title.startswith("katas vs"):
                backend = title.rsplit(", ", 1)[-1]
                per_backend[backend] = per_backend.get(backend, 0.0) + seconds
        print(f"   {'total':<44} {total:6.1f} s")
        for backend, seconds in per_backend.items():
            print(f"   the katas on {backend}, solutions plus pristine stubs: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
