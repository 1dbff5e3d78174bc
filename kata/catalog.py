"""The catalogue of katas: metadata from each kata.toml, hints and tasks from each README.md.

One source per fact: id, title, difficulty and minutes live in kata.toml; the hints and the
tasks live in the README the learner reads (the `kata` command shows the same hints).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kata import paths
from kata.paths import KATAS, SOLUTIONS, kata_relpath

DIFFICULTIES = ("easy", "medium", "hard")
_HINT = re.compile(r"<details>\s*<summary>(?P<title>.*?)</summary>(?P<body>.*?)</details>", re.DOTALL)
_TASK = re.compile(r"^###\s+(\d+)\.\s+(.+)$", re.MULTILINE)
_CURRICULUM_ROW = re.compile(r"^\|\s*(\d+\.\d+)\s*\|\s*([a-z0-9_]+)\s*\|", re.MULTILINE)


@dataclass(frozen=True)
class Kata:
    """One kata: where it lives and what its metadata says."""

    id: str
    title: str
    difficulty: str
    minutes: int
    directory: Path  # relative to katas/ and solutions/, e.g. 02_core/05_insert_statements

    @property
    def slug(self) -> str:
        return self.directory.name.split("_", 1)[1]

    @property
    def module(self) -> str:
        return self.directory.parts[0]

    @property
    def path(self) -> Path:
        return KATAS / self.directory

    @property
    def solution_path(self) -> Path:
        return SOLUTIONS / self.directory

    @property
    def readme(self) -> str:
        return (self.path / "README.md").read_text()

    @property
    def hints(self) -> list[str]:
        """The README's hints in order, each as its summary line and text."""
        return [f"{m['title'].strip()}\n{m['body'].strip()}" for m in _HINT.finditer(self.readme)]

    @property
    def tasks(self) -> dict[int, str]:
        return {int(number): title.strip() for number, title in _TASK.findall(self.readme)}


def load(directory: Path) -> Kata:
    """Read one kata from its directory under katas/."""
    meta = tomllib.loads((KATAS / directory / "kata.toml").read_text())
    return Kata(
        id=str(meta["id"]),
        title=str(meta["title"]),
        difficulty=str(meta["difficulty"]),
        minutes=int(meta["minutes"]),
        directory=directory,
    )


def all_katas() -> list[Kata]:
    """Every kata, in curriculum order."""
    directories = sorted(p.parent.relative_to(KATAS) for p in KATAS.glob("*/*/kata.toml"))
    return [load(d) for d in directories]


def find(key: str) -> Kata:
    """A kata by id (`2.5`), slug (`insert_statements`), directory (`katas/02_core/05_insert_statements`),
    or an existing path inside it, relative or absolute (`./katas/...`, `.`, a file of the kata)."""
    wanted = key.strip().rstrip("/")
    if Path(wanted).exists():
        try:
            wanted = str(kata_relpath(Path(wanted)))
        except ValueError:
            pass  # a path outside the pack: maybe a slug that is also a file name here
    for kata in all_katas():
        if wanted in (kata.id, kata.slug, str(kata.directory), f"katas/{kata.directory}", kata.directory.name):
            return kata
    raise LookupError(f"no kata called {key!r}; the ids are those of docs/curriculum.md, e.g. 2.5")


def curriculum() -> dict[str, str]:
    """Every kata the curriculum plans (docs/curriculum.md), built or not: id -> slug."""
    try:
        text = (paths.PACK_ROOT / "docs" / "curriculum.md").read_text()
    except OSError:
        return {}
    return dict(_CURRICULUM_ROW.findall(text))


def unknown(key: str) -> str:
    """Why `key` names no kata, in one sentence: a kata of the curriculum not built here, or the
    close matches (a slug with dashes, a typo, an id of a neighbour)."""
    katas = all_katas()
    wanted = key.strip().strip("/")
    normalised = re.sub(r"[-\s]+", "_", wanted.lower())
    planned = curriculum()
    built = {k.id for k in katas}
    by_slug = {slug: kata_id for kata_id, slug in planned.items()}
    planned_id = wanted if wanted in planned else by_slug.get(normalised)
    if planned_id is not None and planned_id not in built:
        return (
            f"{planned_id} ({planned[planned_id]}) is in the curriculum (docs/curriculum.md) but not built in "
            f"this checkout, which has {_range(katas)}; `kata list` shows them."
        )
    names: dict[str, Kata] = {}
    for kata in katas:
        for name in (kata.id, kata.slug, kata.directory.name):
            names.setdefault(name, kata)
    close = difflib.get_close_matches(normalised, list(names), n=3, cutoff=0.75)
    if normalised in names and normalised not in close:
        close.insert(0, normalised)
    suggestions: list[str] = []
    for name in close:
        kata = names[name]
        shown = name if name == kata.id else f"{name} ({kata.id})"
        if not any(s.endswith(f"({kata.id})") or s == kata.id for s in suggestions):
            suggestions.append(shown)
    if suggestions:
        return f"There is no kata called {key!r}; did you mean {' or '.join(suggestions)}? `kata list` shows the ids."
    return f"There is no kata called {key!r}; `kata list` shows the ids (like 1.5)."


def _range(katas: list[Kata]) -> str:
    modules = sorted({k.module.split("_", 1)[0] for k in katas})
    if not modules:
        return "no katas"
    return f"module {modules[0]}" if len(modules) == 1 else f"modules {modules[0]}-{modules[-1]}"
