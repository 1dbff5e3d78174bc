"""Copies of a learner's files taken before anything overwrites them: nothing a learner wrote is lost."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from kata.paths import PACK_ROOT

BACKUPS = PACK_ROOT / ".kata-backups"


def backup(paths: list[Path]) -> Path | None:
    """Copy the files that exist into .kata-backups/<timestamp>/ (same relative paths); return that folder."""
    existing = [p for p in paths if p.exists()]
    if not existing:
        return None
    folder = BACKUPS / time.strftime("%Y%m%d-%H%M%S")
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = BACKUPS / f"{time.strftime('%Y%m%d-%H%M%S')}-{suffix}"
    for path in existing:
        target = folder / path.resolve().relative_to(PACK_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    return folder
