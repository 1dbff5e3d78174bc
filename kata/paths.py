"""Where the pack's trees live: katas/ (the learner's), solutions/ (the reference), and their mirror.

The pack is the directory above this package, unless $KATA_PACK_ROOT names another copy of it
(the `kata` command's tests and its practice workspaces run on copies).
"""

from __future__ import annotations

import os
from pathlib import Path

PACK_ROOT_ENV = "KATA_PACK_ROOT"
RESULTS_ENV = "KATA_RESULTS_FILE"  # where kata.results_plugin writes a run's outcomes for the `kata` command
PACK_ROOT = Path(os.environ.get(PACK_ROOT_ENV) or Path(__file__).resolve().parent.parent).resolve()
KATAS = PACK_ROOT / "katas"
SOLUTIONS = PACK_ROOT / "solutions"


def kata_relpath(path: Path) -> Path:
    """`katas/02_core/05_insert_statements/x.py` -> `02_core/05_insert_statements` (the kata's own dir)."""
    path = path.resolve()
    for root in (KATAS, SOLUTIONS):
        if path.is_relative_to(root):
            relative = path.relative_to(root)
            return Path(*relative.parts[:2])
    raise ValueError(f"{path} is not inside {KATAS} or {SOLUTIONS}")


def shown(path: Path) -> str:
    """A path as the learner should read it: relative to the pack when it is inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(PACK_ROOT))
    except ValueError:
        return str(path)
