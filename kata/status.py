"""Where a learner stands on a kata: untouched, edited but not run yet, failing or passing.

Cheap enough for `kata list` over the whole pack: file comparisons and one database query,
never a test run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kata.catalog import Kata
from kata.progress import TestRun
from kata.stubs import learner_files, matches_stub

UNTOUCHED = "untouched"
NOT_RUN = "not run yet"
FAILING = "failing"
PASSING = "passing"


@dataclass(frozen=True)
class Status:
    state: str
    edited_since_run: bool = False  # the files changed after the last recorded run

    def __str__(self) -> str:
        return self.state + (" (edited since)" if self.edited_since_run else "")


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


def status(kata: Kata, last_run: TestRun | None) -> Status:
    if is_untouched(kata):
        return Status(UNTOUCHED)
    if last_run is None:
        return Status(NOT_RUN)
    return Status(PASSING if last_run.green else FAILING, edited_since_run=last_run.fingerprint != fingerprint(kata))
