"""What `kata list` and `kata progress` show: the pack at a glance, from file comparisons and the progress database."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from kata import display
from kata.catalog import Kata, all_katas
from kata.progress import Progress
from kata.status import FAILING, NOT_RUN, PASSING, UNTOUCHED, Status

STYLES = {UNTOUCHED: "dim", NOT_RUN: "yellow", FAILING: "red", PASSING: "green"}


def kata_table(katas: list[Kata], states: dict[str, Status]) -> RenderableType:
    """Every kata with id, title, difficulty and status, a row per module above its katas, and a total."""
    table = Table()
    for column in ("id", "title", "difficulty", "status"):
        table.add_column(column)
    current = None
    for kata in katas:
        if kata.module != current:
            if current is not None:
                table.add_section()
            table.add_row("", Text(kata.module, style="bold"), "", "")
            current = kata.module
        state = states[kata.id]
        table.add_row(kata.id, kata.title, kata.difficulty, Text(str(state), style=STYLES[state.state]))
    counts = {name: sum(1 for k in katas if states[k.id].state == name) for name in STYLES}
    total = f"{display.plural(len(katas), 'kata')}: " + ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    solved = sum(1 for k in katas if states[k.id].solved_at is not None)
    if solved > counts[PASSING]:
        total += f"; {solved} solved at some point (your progress keeps them, whatever the files are now)"
    return Group(table, Text(total))


def completion(states: dict[str, Status], progress: Progress) -> RenderableType:
    """A bar per module, the totals and the hints used."""
    katas = all_katas()
    table = Table(title="Completion", title_justify="left")
    for column in ("module", "", "passing", "failing", "solved before"):
        table.add_column(column)
    modules: dict[str, list[Kata]] = {}
    for kata in katas:
        modules.setdefault(kata.module, []).append(kata)
    for module, members in modules.items():
        passing = sum(1 for k in members if states[k.id].state == PASSING)
        failing = sum(1 for k in members if states[k.id].state == FAILING)
        solved = sum(1 for k in members if states[k.id].solved_at is not None)
        bar = ProgressBar(total=len(members), completed=passing, width=24)
        table.add_row(module, bar, f"{passing}/{len(members)}", str(failing), f"{solved}/{len(members)}")
    passing = sum(1 for k in katas if states[k.id].state == PASSING)
    earlier = [k for k in katas if states[k.id].solved_at is not None and states[k.id].state != PASSING]
    hints = progress.hints_shown()
    used = display.plural(sum(hints.values()), "hint")
    helped = display.plural(sum(1 for n in hints.values() if n), "kata")
    lines: list[RenderableType] = [table, Text(f"{passing} of {display.plural(len(katas), 'kata')} pass; {used} used on {helped}.")]
    if earlier:
        when = ", ".join(f"{k.id} on {states[k.id].solved_at:%Y-%m-%d}" for k in earlier[:5]) + (" ..." if len(earlier) > 5 else "")
        lines.append(Text(f"Solved before but not passing with the files as they are now: {when}."))
    return Group(*lines)


def practice_record(progress: Progress) -> RenderableType:
    """The latest practice attempts and the personal bests."""
    attempts = progress.attempts(limit=10)
    if not attempts:
        return Text("No practice yet: `kata practice` starts a timed session.")
    katas = {k.id: k for k in all_katas()}

    def name(kata_id: str) -> str:
        return f"{kata_id} {katas[kata_id].title}" if kata_id in katas else kata_id

    history = Table(title="Practice (latest 10)", title_justify="left")
    for column in ("kata", "when", "outcome", "time"):
        history.add_column(column)
    for attempt in attempts:
        time = display.duration(attempt.seconds) if attempt.seconds is not None else "-"
        history.add_row(name(attempt.kata_id), display.when(attempt.started_at), attempt.outcome, time)
    bests = Table(title="Personal bests", title_justify="left")
    for column in ("kata", "best", "expected"):
        bests.add_column(column)
    for kata_id, seconds in sorted(progress.personal_bests().items()):
        expected = f"{katas[kata_id].minutes} min" if kata_id in katas else "-"
        bests.add_row(name(kata_id), display.duration(seconds), expected)
    return Group(history, bests)
