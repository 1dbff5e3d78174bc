#!/usr/bin/env python3
"""Benchmark of feedback speed, measured in one run (not a timed test; the figures go in the README).

    .venv/bin/python scripts/bench.py [--pg-url URL] [--runs N] [--skip-pack]

1. One kata's wall time beside the floor: a bare pytest run of one trivial test importing sqlalchemy.
2. Per-test cost of the isolation fixtures beside create_all/drop_all per test, on each backend.
3. The whole pack's verification with -n auto: each step of scripts/verify.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACK_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ONE_KATA = "katas/01_fundamentals/05_connection_basics"
# One kata of each later kind: ORM, the shared factory_boy dataset, async + FastAPI, Alembic.
MORE_KATAS = (
    "katas/03_orm_basics/06_querying_objects",
    "katas/05_orm_querying/06_eager_loading",
    "katas/07_async/06_fastapi_async",
    "katas/08_alembic/05_running_migrations",
)
TESTS_PER_VARIANT = 200

FLOOR_TEST = "import sqlalchemy\n\n\ndef test_trivial():\n    assert sqlalchemy.__version__\n"

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
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 5):
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return elapsed


def median_of(runs: int, command: list[str], cwd: Path) -> float:
    timed(command, cwd)  # warm the file cache
    return statistics.median(timed(command, cwd) for _ in range(runs))


def bench_one_kata(runs: int) -> tuple[float, float, float]:
    """(floor, floor without the plugins the pack switches off, one kata)."""
    floor_dir = Path(tempfile.mkdtemp(prefix="kata-floor-"))
    (floor_dir / "test_floor.py").write_text(FLOOR_TEST)
    (floor_dir / "pytest.ini").write_text("[pytest]\n")
    bare = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_floor.py"]
    floor = median_of(runs, bare, floor_dir)
    floor_same_plugins = median_of(
        runs, [*bare, "-p", "no:anyio", "-p", "no:faker", "-p", "no:pytest_alembic"], floor_dir
    )
    shutil.rmtree(floor_dir)
    kata = median_of(runs, [PYTHON, "-m", "pytest", "-q", ONE_KATA, "--solutions"], PACK_ROOT)
    return floor, floor_same_plugins, kata


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

    floor, floor_same_plugins, kata = bench_one_kata(args.runs)
    print(f"1. One kata ({ONE_KATA}, --solutions), median of {args.runs}:")
    print(f"   floor (bare pytest, one trivial test importing sqlalchemy): {floor:.2f} s")
    print(f"   the same, without the plugins the pack turns off:          {floor_same_plugins:.2f} s")
    print(
        f"   one kata:                                                   {kata:.2f} s  "
        f"({kata / floor:.2f}x the floor, {kata / floor_same_plugins:.2f}x the like-for-like floor)"
    )

    for other in MORE_KATAS:
        seconds = median_of(args.runs, [PYTHON, "-m", "pytest", "-q", other, "--solutions"], PACK_ROOT)
        print(f"   {other.removeprefix('katas/'):<58} {seconds:.2f} s  ({seconds / floor_same_plugins:.2f}x)")

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
        for title, seconds in bench_pack(args.pg_url):
            total += seconds
            print(f"   {title:<44} {seconds:6.1f} s")
        print(f"   {'total':<44} {total:6.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
