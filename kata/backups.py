"""Copies of a learner's files taken before anything overwrites them, and putting them back (`kata restore`):
nothing a learner wrote is lost."""

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


def backup_folders() -> list[Path]:
    """The backups there are, newest first."""
    if not BACKUPS.is_dir():
        return []
    return sorted((p for p in BACKUPS.iterdir() if p.is_dir()), key=lambda p: p.name, reverse=True)


def saved_files(folder: Path) -> list[Path]:
    """The files one backup holds, relative to the pack (where they are restored to)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def find_backup(name: str) -> Path:
    """A backup by its folder name (`20261121-030201`) or path; LookupError when there is none."""
    for candidate in (BACKUPS / Path(name).name, Path(name)):
        if candidate.is_dir() and candidate.resolve().parent == BACKUPS.resolve():
            return candidate
    raise LookupError(name)


def restore(folder: Path) -> tuple[list[Path], Path | None]:
    """Put a backup's files back where they were; what they replace is backed up first (and returned)."""
    relative = saved_files(folder)
    replaced = backup([PACK_ROOT / r for r in relative if (PACK_ROOT / r).exists() and
                       (PACK_ROOT / r).read_bytes() != (folder / r).read_bytes()])
    for r in relative:
        (PACK_ROOT / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / r, PACK_ROOT / r)
    return [PACK_ROOT / r for r in relative], replaced
