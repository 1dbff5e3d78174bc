#!/usr/bin/env python3
"""Get a learner practising: install what the pack needs into .venv, then show the first kata.

    python3 scripts/start.py
"""

from __future__ import annotations

import subprocess
import sys

from _environment import PACK_ROOT, ensure_environment, venv_bin

FIRST_KATA = "katas/01_fundamentals/01_introduction"


def main() -> int:
    python = ensure_environment()
    activate = ". .venv/bin/activate" if sys.platform != "win32" else r".venv\Scripts\activate"
    print("\nReady. The first kata's tests, red until you make them green:\n", flush=True)
    subprocess.run([str(venv_bin("pytest")), FIRST_KATA, "-q", "--no-header", "-rN"], cwd=PACK_ROOT)
    print(
        f"\nNext:\n"
        f"  1. {activate}\n"
        f"  2. read {FIRST_KATA}/README.md and edit the .py file beside it\n"
        f"  3. pytest {FIRST_KATA}          (SQLite; add --db-url postgresql+psycopg://... for PostgreSQL)\n"
        f"  4. compare with solutions/{FIRST_KATA.removeprefix('katas/')}/ once it is green\n"
    )
    return 0 if python.exists() else 1


if __name__ == "__main__":
    sys.exit(main())
