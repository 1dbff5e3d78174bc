"""`kata update`: pull a newer pack into a checkout where the learner has edited katas, keeping their files.

A learner's work is uncommitted changes to the committed stubs. Plain `git pull` refuses as soon as
the update changes a stub the learner edited ("Your local changes ... would be overwritten by
merge"), and `git pull --autostash` leaves conflict markers in the learner's file. This command:

1. copies every changed or deleted file under katas/ to .kata-backups/<time>/ (and says where);
2. puts the committed versions back in their place, so the working tree is clean there;
3. runs `git pull --ff-only` (a learner who committed work of their own gets git's own message);
4. writes the learner's files back over the new stubs (deleted ones are deleted again), and names
   the katas whose stub changed in the update and the katas that are new.

If the pull fails, the learner's files are written back as they were and nothing else changed.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kata import paths
from kata.backups import backup
from kata.errors import KataError


@dataclass
class Update:
    saved: Path | None  # the backup of the learner's files
    kept: list[Path] = field(default_factory=list)  # learner files written back after the pull
    changed_stubs: list[Path] = field(default_factory=list)  # of those, the ones whose stub the update changed
    new_files: list[Path] = field(default_factory=list)  # files under katas/ the update added
    pulled: str = ""  # git's own summary


def git(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        completed = subprocess.run(
            ["git", "-C", str(paths.PACK_ROOT), *args], check=False, capture_output=True, text=True, timeout=300
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise KataError(f"git could not be run ({error}); `kata update` needs git.") from None
    if check and completed.returncode != 0:
        raise KataError(f"`git {' '.join(args)}` failed: {_reason(completed)}")
    return completed


def _reason(completed: subprocess.CompletedProcess[str]) -> str:
    """git's own sentence: its `fatal:` or `error:` line, else its last line."""
    lines = [line.strip() for line in (completed.stderr or completed.stdout).strip().splitlines() if line.strip()]
    chosen = next((line for line in lines if line.startswith(("fatal:", "error:"))), lines[-1] if lines else "no message")
    return chosen.removeprefix("fatal: ").removeprefix("error: ")


def learner_changes() -> tuple[list[Path], list[Path]]:
    """Tracked files under katas/ that differ from HEAD: (modified, deleted)."""
    modified: list[Path] = []
    deleted: list[Path] = []
    listing = git("status", "--porcelain=v1", "-z", "--untracked-files=no", "--", "katas").stdout
    for entry in filter(None, listing.split("\0")):
        state, name = entry[:2], entry[3:]
        path = paths.PACK_ROOT / name
        (deleted if "D" in state else modified).append(path)
    return modified, deleted


def update() -> Update:
    if not (paths.PACK_ROOT / ".git").exists():
        raise KataError("This pack is not a git clone, so there is nothing to pull: download the new pack and copy your katas/ files into it.")
    before = git("rev-parse", "HEAD").stdout.strip()
    modified, deleted = learner_changes()
    saved = backup(modified)
    keep = {path: path.read_bytes() for path in modified}
    relative = [str(p.relative_to(paths.PACK_ROOT)) for p in modified + deleted]
    if relative:
        git("checkout", "HEAD", "--", *relative)
    pulled = git("pull", "--ff-only", check=False)
    for path, content in keep.items():  # the learner's files come back, whatever the pull did
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for path in deleted:
        path.unlink(missing_ok=True)
    if pulled.returncode != 0:
        raise KataError(
            f"`git pull --ff-only` failed ({_reason(pulled).rstrip('.')}); your files are as they were"
            + (f" (and backed up in {paths.shown(saved)}/)" if saved else "")
            + ". If you committed work of your own, run `git pull` yourself."
        )
    after = git("rev-parse", "HEAD").stdout.strip()
    changed = set(git("diff", "--name-only", before, after, "--", "katas").stdout.split())
    added = git("diff", "--name-only", "--diff-filter=A", before, after, "--", "katas").stdout.split()
    return Update(
        saved=saved,
        kept=modified,
        changed_stubs=[p for p in modified if str(p.relative_to(paths.PACK_ROOT)) in changed],
        new_files=[paths.PACK_ROOT / name for name in added],
        pulled=(pulled.stdout or "").strip(),
    )
