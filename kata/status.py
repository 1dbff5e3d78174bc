"""Where a learner stands on a kata: untouched, edited but not run yet, failing or passing.

Cheap enough for `kata list` over the whole pack: file comparisons and one database query,
never a test run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kata.catalog import Kata
from kata.stubs import learner_files, matches_stub

if TYPE_CHECKING:
    from kata.progress import TestRun

UNTOUCHED = "untouched"
NOT_RUN = "not run yet"
FAILING = "failing"
PASSING = "passing"


@dataclass(frozen=True)
class Status:
    state: str  # of the files as they are now
    edited_since_run: bool = False  # the files changed after the last recorded run
    solved_at: datetime | None = None  # when the kata first passed, whatever the files are now

    def __str__(self) -> str:
        text = self.state + (" (edited since)" if self.edited_since_run else "")
        if self.solved_at is not None and self.state != PASSING:
            text += f"; solved before ({self.solved_at:%Y-%m-%d})"
        return text


def learner_paths(kata: Kata, directory: Path | None = None) -> list[Path]:
    """The files the learner edits in this kata (in katas/, or in `directory`, a copy of it)."""
    return [(directory or kata.path) / relative for relative in learner_files(kata.directory)]


def missing_files(kata: Kata, directory: Path | None = None) -> list[Path]:
    return [path for path in learner_paths(kata, directory) if not path.exists()]


def is_untouched(kata: Kata, directory: Path | None = None) -> bool:
    return all(
        matches_stub(kata.directory, relative, (directory or kata.path) / relative)
        for relative in learner_files(kata.directory)
    )


def fingerprint(kata: Kata, directory: Path | None = None) -> str:
    """A hash of the learner's files as they are now."""
    digest = hashlib.sha256()
    for path in learner_paths(kata, directory):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def status(kata: Kata, last_run: TestRun | None, solved_at: datetime | None = None) -> Status:
    """The current files' state, and apart from it whether (and when) the kata was solved before."""
    if is_untouched(kata):
        return Status(UNTOUCHED, solved_at=solved_at)
    if last_run is None:
        return Status(NOT_RUN, solved_at=solved_at)
    edited = last_run.fingerprint != fingerprint(kata)
    return Status(PASSING if last_run.green else FAILING, edited_since_run=edited, solved_at=solved_at)
