#!/usr/bin/env python3
"""Get a learner practising: install what the pack needs into .venv, then show the first kata.

    python3 scripts/start.py
"""

from __future__ import annotations

import subprocess
import sys

from _environment import PACK_ROOT, ensure_environment, venv_bin

FIRST_KATA = "katas/01_fundamentals/01_introduction"


def next_steps(activate: str) -> str:
    """The closing lines (README.md's quick start shows the same)."""
    return (
        "\nNext:\n"
        f"  1. {activate}\n"
        "  2. kata next      the first kata: its story, its tasks, where its file is, its tests' result\n"
        "  3. kata watch     edit the file; the tests re-run on every save, and it moves on when they pass\n"
        "`kata --help` lists the rest (hint, solution, diff, reset, practice, progress); plain\n"
        f"`pytest {FIRST_KATA}` works too.\n"
    )


def main() -> int:
    python = ensure_environment(show_progress=True)
    activate = ". .venv/bin/activate" if sys.platform != "win32" else r".venv\Scripts\activate"
    print("\nReady. The first kata's tests, red until you make them green:\n", flush=True)
    subprocess.run([str(venv_bin("pytest")), FIRST_KATA, "-q", "--no-header", "-rN"], cwd=PACK_ROOT, check=False)
    print(next_steps(activate))
    return 0 if python.exists() else 1


if __name__ == "__main__":
    sys.exit(main())
