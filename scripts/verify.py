#!/usr/bin/env python3
"""The pack's whole test suite: tooling tests, then every kata against solutions and pristine stubs,
on SQLite and (when $KATA_PG_URL is set) on PostgreSQL.

    python3 scripts/verify.py                    # SQLite only
    KATA_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres python3 scripts/verify.py

Installs what it needs into .venv first. Exit code 0 only when every step passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from _environment import PACK_ROOT, ensure_environment, venv_bin

PG_ENV = "KATA_PG_URL"


def steps(pg_url: str | None) -> list[tuple[str, list[str]]]:
    pytest = [str(venv_bin("python")), "-m", "pytest", "-q", "-n", "auto", "--no-header"]
    plan = [
        ("committed stubs generated from solutions (your edits are not checked)", [str(venv_bin("python")), "-m", "kata.stubs", "--check"]),
        ("mypy --strict (solutions, harness, tooling)", [str(venv_bin("mypy"))]),
        ("tooling tests", [*pytest, "tests"]),
    ]
    backends = [("SQLite", "sqlite://")] + ([("PostgreSQL", pg_url)] if pg_url else [])
    for name, url in backends:
        plan.append((f"katas vs solutions, {name}", [*pytest, "katas", "--solutions", "--db-url", url]))
        plan.append((f"katas vs pristine stubs, {name}", [*pytest, "katas", "--check-stubs", "--db-url", url]))
    return plan


def main() -> int:
    ensure_environment()
    pg_url = os.environ.get(PG_ENV)
    if not pg_url:
        print(f"PostgreSQL runs are off: set {PG_ENV}=postgresql+psycopg://USER@HOST:5432/DB to include them.")
    results = []
    for title, command in steps(pg_url):
        print(f"\n=== {title} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, cwd=PACK_ROOT).returncode
        results.append((title, code, time.perf_counter() - started))
    print("\n=== summary ===")
    for title, code, seconds in results:
        print(f"  {'ok  ' if code == 0 else 'FAIL'}  {seconds:6.1f} s  {title}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
