"""The hostile isolation suite (tests/isolation_suite) must pass on every backend, shuffled, in parallel.

Each hostile test commits, rolls back, leaks connections, runs DDL...; the suite's referee fails
any test that does not start on an empty database, and a listener leaked from one test is
caught by the next. Run in fresh processes (tests/warm_pytest.py) so that xdist workers and event
loops are real.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kata.paths import PACK_ROOT
from tests.warm_pytest import run_pytest

SUITE = PACK_ROOT / "tests" / "isolation_suite"


def run_suite(db_url: str, seed: int, workers: str, names_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_pytest(
        [
            str(SUITE), "-o", "python_files=hostile_*.py",
            "-p", "no:cacheprovider", "-q", "-n", workers, "--db-url", db_url,
            # The leak tests leak on purpose; the garbage collector's complaint about them is expected.
            "-W", "ignore::pytest.PytestUnraisableExceptionWarning",
        ],
        PACK_ROOT,
        {**os.environ, "KATA_HOSTILE_SEED": str(seed), "KATA_HOSTILE_DBNAMES": str(names_file or "")},
        timeout=600,
    )


@pytest.mark.parametrize(("seed", "workers"), [(1, "0"), (2, "2")], ids=["serial", "two-workers"])
def test_hostile_suite_on_sqlite(seed: int, workers: str) -> None:
    result = run_suite("sqlite://", seed, workers)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


@pytest.mark.parametrize(("seed", "workers"), [(3, "0"), (4, "2")], ids=["serial", "two-workers"])
def test_hostile_suite_on_postgresql(postgres_url: str, seed: int, workers: str, tmp_path: Path) -> None:
    names_file = tmp_path / "databases.txt"
    result = run_suite(postgres_url, seed, workers, names_file)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    used = names_file.read_text().split()
    assert len(used) == (1 if workers == "0" else int(workers)), f"one database per worker expected: {used}"
    admin = create_engine(postgres_url)
    try:
        with admin.connect() as conn:
            left = conn.execute(text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"), {"names": used})
            assert not left.all(), f"worker databases were not dropped: {used}"
    finally:
        admin.dispose()


@pytest.mark.parametrize("pool", ["QueuePool", "NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool"])
def test_checked_out_connections_counts_with_every_pool_class(pool: str, tmp_path: Path) -> None:
    import sqlalchemy.pool

    from fixtures.isolation import checked_out_connections

    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", poolclass=getattr(sqlalchemy.pool, pool))
    try:
        assert checked_out_connections(engine) == 0
        first = engine.connect()
        first.exec_driver_sql("SELECT 1")
        assert checked_out_connections(engine) == 1, f"{pool}: one connection is checked out"
        if pool != "AssertionPool":  # it refuses a second checkout, by design
            second = engine.connect()
            expected = 1 if pool == "SingletonThreadPool" else 2  # one DBAPI connection per thread
            assert checked_out_connections(engine) == expected, f"{pool}: two Connections are open"
            second.close()
        first.close()
        assert checked_out_connections(engine) == 0, f"{pool}: everything was closed"
        invalidated = engine.connect()
        invalidated.invalidate()
        assert checked_out_connections(engine) == 0, f"{pool}: an invalidated connection is back"
        invalidated.close()
        leaked = engine.connect()
        del leaked
        import gc

        gc.collect()
        assert checked_out_connections(engine) == 0, f"{pool}: a garbage-collected connection is back"
    finally:
        engine.dispose()


def test_worker_role_name_is_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    from fixtures.isolation import worker_role_name

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert worker_role_name("tenant_app") == "kata_tenant_app_gw1"
    monkeypatch.delenv("PYTEST_XDIST_WORKER")
    assert worker_role_name("tenant_app") == "kata_tenant_app_main"
