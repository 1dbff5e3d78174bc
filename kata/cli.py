"""The `kata` command: the comfortable way around the pack (plain `pytest` on a kata works too).

Each command is a few lines here; the work is in checking, status, display, practice,
watching, report and progress. Errors are one sentence and exit code 1 (usage errors: 2).
"""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from kata import backups, checking, display, paths
from kata.backups import backup
from kata.catalog import Kata, all_katas
from kata.errors import KataError
from kata.report import exercism_results
from kata.status import is_untouched, learner_paths
from kata.stubs import learner_files, solution_source, write_stubs

# SQLAlchemy (the progress database), watchfiles and rich's live display are imported by the
# commands that use them: `kata test` starts its run before paying for them.
if TYPE_CHECKING:
    from kata.progress import Progress


class FriendlyGroup(TyperGroup):
    """Runs the subcommands; a KataError becomes its sentence on stderr and exit code 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KataError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(1) from None


app = typer.Typer(
    name="kata",
    cls=FriendlyGroup,
    help=__doc__.splitlines()[0] if __doc__ else None,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,  # errors as one plain sentence, not a box
    pretty_exceptions_enable=False,
)
console = display.console

KataId = Annotated[str, typer.Argument(help="a kata id like 2.5 (its slug or directory work too)", show_default=False)]
DbUrl = Annotated[
    str | None,
    typer.Option("--db-url", metavar="URL", help="database to test on (default $KATA_DB_URL, else SQLite)"),
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")]


def main() -> None:
    """Entry point of the `kata` script."""
    app(prog_name="kata")


def stdin_is_interactive() -> bool:
    return sys.stdin.isatty()


def _progress() -> Progress:
    from sqlalchemy.exc import SQLAlchemyError

    from kata.progress import HOME_ENV, Progress

    try:
        return Progress()
    except (SQLAlchemyError, OSError) as error:
        reason = getattr(error, "orig", None) or error
        raise KataError(
            f"The progress database cannot be opened ({reason}); point ${HOME_ENV} at a folder you can write to."
        ) from None


def _confirm(question: str, yes: bool, what: str) -> None:
    if yes:
        return
    if not stdin_is_interactive():
        raise KataError(f"{what} needs a confirmation and there is no terminal to ask on; add --yes to go ahead.")
    if not typer.confirm(question, default=False):
        console.print("Nothing done.")
        raise typer.Exit(1)


def _spoiler_check(kata: Kata, progress: Progress, yes: bool, what: str) -> None:
    if kata.id in progress.ever_green():
        return
    _confirm(f"{kata.id} does not pass yet: show {what} anyway (spoilers)?", yes, f"Showing {what} of {kata.id} before it passes")


@app.command("list")
def list_(
    module: Annotated[str | None, typer.Option("--module", "-m", help="only this module (2, 02 or 02_core)")] = None,
) -> None:
    """Every kata with its id, title, difficulty and your status, grouped by module."""
    from kata import overview

    katas = checking.module_katas(module) if module else all_katas()
    console.print(overview.kata_table(katas, checking.statuses(_progress())))


@app.command("next")
def next_(db_url: DbUrl = None) -> None:
    """The first kata not passing yet: where its files are, its instructions, its test result."""
    progress = _progress()
    kata = checking.next_kata(progress)
    if kata is None:
        console.print("Every kata passes. `kata practice` times you on them again.")
        return
    console.print(display.instructions(kata))
    console.print(f"\nYour files: {', '.join(paths.shown(p) for p in learner_paths(kata))}")
    with display.running(display.heading(kata)):
        result = checking.check(kata, progress, db_url=db_url)
    console.print(display.summary(kata, result))
    console.print(f"\n`kata watch {kata.id}` re-runs the tests on every save; `kata hint {kata.id}` gives a hint.")


@app.command("test")
def test(
    key: KataId,
    solutions: Annotated[bool, typer.Option("--solutions", help="test the reference solution instead of your files")] = False,
    db_url: DbUrl = None,
    report: Annotated[Path | None, typer.Option("--report", metavar="FILE", help="also write Exercism-style results.json")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print only Exercism-style results JSON")] = False,
) -> None:
    """Run a kata's tests: counts, the first failure explained, the SQL it sent. Exit code 0 only when green."""
    kata = checking.kata(key)
    if report is not None:
        _check_writable(report)  # before the run, not after it
    with display.running(display.heading(kata)):
        started = checking.start(kata, db_url=db_url, solutions=solutions)
        progress = _progress()  # opened (SQLAlchemy imported) while the tests run
        result = checking.finish(started, progress)
    results = exercism_results(kata, result)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
    else:
        console.print(display.summary(kata, result, tree="solutions/" if solutions else "your files"))
    if report is not None:
        try:
            report.write_text(json.dumps(results, indent=2) + "\n")
        except OSError as error:
            raise KataError(f"The results cannot be written to {report} ({error.strerror or error}).") from None
        if not as_json:
            console.print(f"Results written to {report}.")
    if not result.green:
        raise typer.Exit(1)


def _check_writable(report: Path) -> None:
    """The same sentence as a failed write would give, before the run instead of after it."""
    folder = report.parent if str(report.parent) else Path(".")
    problem = (
        errno.EISDIR if report.is_dir()
        else errno.ENOENT if not folder.is_dir()
        else errno.EACCES if not os.access(report if report.exists() else folder, os.W_OK)
        else None
    )
    if problem is not None:
        raise KataError(f"The results cannot be written to {report} ({os.strerror(problem)}).")


@app.command()
def hint(key: KataId) -> None:
    """The next hint of a kata: one more each time you ask."""
    kata = checking.kata(key)
    hints = kata.hints
    number = _progress().take_hint(kata.id, len(hints))
    if number == 0:
        console.print(f"All {len(hints)} hints of {kata.id} are shown already; they are in its README.md too.")
        return
    console.print(display.hint(number, len(hints), hints[number - 1]))
    if number < len(hints):
        console.print(f"`kata hint {kata.id}` again for the next one.")


@app.command()
def solution(key: KataId, yes: Yes = False) -> None:
    """Show the reference solution (asks first while the kata does not pass)."""
    kata = checking.kata(key)
    _spoiler_check(kata, _progress(), yes, "the solution")
    for relative in learner_files(kata.directory):
        path = kata.solution_path / relative
        text = solution_source(path.read_text()) if path.suffix == ".py" else path.read_text()
        console.print(display.code(path, text))


@app.command()
def diff(key: KataId, yes: Yes = False) -> None:
    """A diff of your files against the reference solution (asks first while the kata does not pass)."""
    kata = checking.kata(key)
    checking.require_files(kata)
    _spoiler_check(kata, _progress(), yes, "the diff against the solution")
    same = True
    for relative in learner_files(kata.directory):
        mine, theirs = kata.path / relative, kata.solution_path / relative
        reference = solution_source(theirs.read_text()) if theirs.suffix == ".py" else theirs.read_text()
        shown = display.diff(mine, mine.read_text(), theirs, reference)
        if shown is not None:
            same = False
            display.print_diff(shown)
    if same:
        console.print(f"Your files of {kata.id} are the same as the reference solution.")


@app.command()
def reset(
    key: Annotated[str | None, typer.Argument(help="the kata to reset", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="reset every kata")] = False,
    yes: Yes = False,
) -> None:
    """Restore the pristine stub (your version is backed up first, and the backup's place shown)."""
    if key is not None and every:
        raise KataError("Name one kata to reset (`kata reset 1.5`) or use --all, not both.")
    if key is None and not every:
        raise KataError("Name the kata to reset (`kata reset 1.5`), or --all for every kata.")
    katas = all_katas() if every else [checking.kata(key or "")]
    edited = [k for k in katas if not is_untouched(k)]
    if not edited:
        console.print("Nothing to reset: " + (f"{katas[0].id} is" if len(katas) == 1 else "every kata is") + " untouched.")
        return
    names = ", ".join(k.id for k in edited) if len(edited) <= 5 else f"{len(edited)} katas"
    _confirm(f"Replace your files of {names} with the pristine stub (a backup is kept)?", yes, f"Resetting {names}")
    saved = backup([path for k in edited for path in learner_paths(k)])
    for kata in edited:
        write_stubs(kata.directory, kata.path)
        console.print(f"{display.heading(kata)}: pristine again.")
    if saved is not None:
        console.print(f"Your version is saved in {paths.shown(saved)}/ (`kata restore {saved.name}` puts it back)")


@app.command()
def restore(
    name: Annotated[str | None, typer.Argument(help="the backup to put back (default: list them)", show_default=False)] = None,
    yes: Yes = False,
) -> None:
    """Put back files from a backup in .kata-backups/ (what they replace is backed up first); without a name, list the backups."""
    folders = backups.backup_folders()
    if name is None:
        if not folders:
            console.print("No backups yet: `kata reset` (and the authors' stub tool) keeps one before it overwrites anything.")
            return
        for folder in folders:
            files = backups.saved_files(folder)
            console.print(f"{folder.name}: {', '.join(str(f) for f in files[:3])}" + (f" and {len(files) - 3} more" if len(files) > 3 else ""))
        console.print(f"`kata restore {folders[0].name}` puts the newest back.")
        return
    try:
        folder = backups.find_backup(name)
    except LookupError:
        known = ", ".join(f.name for f in folders[:5]) or "none yet"
        raise KataError(f"There is no backup called {name!r} in .kata-backups/ (the newest: {known}).") from None
    files = backups.saved_files(folder)
    _confirm(f"Put back {len(files)} file(s) from {folder.name} (what they replace is backed up first)?", yes, f"Restoring {folder.name}")
    restored, replaced = backups.restore(folder)
    for path in restored:
        console.print(f"restored: {paths.shown(path)}")
    if replaced is not None:
        console.print(f"What they replaced is saved in {paths.shown(replaced)}/")


@app.command()
def watch(
    key: Annotated[str | None, typer.Argument(help="the kata to start at (default: the next one)", show_default=False)] = None,
    db_url: DbUrl = None,
) -> None:
    """Re-run the current kata's tests on every save; move to the next kata when it turns green. Ctrl-C stops."""
    from kata import watching

    progress = _progress()
    start = checking.kata(key) if key else checking.next_kata(progress)
    if start is None:
        console.print("Every kata passes. `kata practice` times you on them again.")
        return
    try:
        watching.watch(start, progress, db_url)
    except KeyboardInterrupt:
        console.print("\nStopped watching.")


@app.command("practice")
def practice_(
    key: Annotated[str | None, typer.Argument(help="the kata to practise (default: your weakest)", show_default=False)] = None,
    module: Annotated[str | None, typer.Option("--module", "-m", help="pick from this module")] = None,
    pick_random: Annotated[bool, typer.Option("--random", help="pick a kata at random")] = False,
    weakest: Annotated[bool, typer.Option("--weakest", help="pick what you solved slowest or failed most (the default)")] = False,
    minutes: Annotated[int | None, typer.Option("--minutes", min=1, help="time allowed (default: the kata's expected minutes)")] = None,
    no_watch: Annotated[bool, typer.Option("--no-watch", help="set up the fresh copy and start the clock, then return")] = False,
    check: Annotated[bool, typer.Option("--check", help="test the practice copy under way once and record the time if green")] = False,
    fresh: Annotated[bool, typer.Option("--fresh", help="start over on a new copy even if a practice is under way (the old copy is backed up)")] = False,
    db_url: DbUrl = None,
) -> None:
    """A timed session on a fresh copy of a kata's stub (your own files in katas/ are not touched); a practice under way is resumed."""
    from kata import practice

    progress = _progress()
    if check:
        if not key:
            raise KataError("Say which practice to check: `kata practice 1.5 --check`.")
        session = practice.resume(checking.kata(key), progress, db_url)
        result = session.check()
        console.print(display.summary(session.kata, result, tree="practice copy"))
        if result.green:
            console.print(practice.summary(session.kata, progress, session.attempt.id))
            return
        console.print(f"{display.duration(session.elapsed)} on the clock so far.")
        raise typer.Exit(1)
    if sum([key is not None, pick_random, weakest]) > 1 or (key is not None and module is not None):
        raise KataError("Choose one of: a kata id, --random, --weakest (--module narrows the last two).")
    kata, why = practice.choose(key, module, pick_random, progress)
    session, note = practice.begin(kata, progress, minutes, db_url, fresh=fresh)
    console.print(f"Practice: {display.heading(kata)} ({why}), {session.attempt.minutes} min allowed.")
    if note:
        console.print(note)
    console.print(f"{'Your copy' if note.startswith('Resuming') else 'Your fresh copy'}: {session.directory}")
    if no_watch:
        console.print(f"Edit it, then `kata practice {kata.id} --check` records your time once the tests pass.")
        return
    try:
        practice.run_interactive(session)
    except KeyboardInterrupt:
        console.print("\nStopped: the attempt is recorded as abandoned.")
    console.print(practice.summary(kata, progress, session.attempt.id))


@app.command("update")
def update_() -> None:
    """Pull the newer pack (git pull --ff-only) and keep your edited katas: they are backed up, set aside, and written back."""
    from kata import update

    done = update.update()
    console.print(done.pulled or "Pulled.")
    if done.saved is not None:
        console.print(f"Your {len(done.kept)} edited file(s) are kept; a copy is in {paths.shown(done.saved)}/")
    for path in done.changed_stubs:
        console.print(
            f"The stub of {paths.shown(path)} changed in this update; your version is kept: "
            f"`git diff -- {paths.shown(path)}` shows how it differs from the new stub."
        )
    katas = sorted({Path(*p.relative_to(paths.KATAS).parts[:2]) for p in done.new_files if p.name == "kata.toml"})
    if katas:
        console.print(f"New katas: {', '.join(str(k) for k in katas)} (`kata list` shows them).")


@app.command("progress")
def progress_() -> None:
    """Completion per module, hints used, practice history and personal bests."""
    from kata import overview

    progress = _progress()
    console.print(overview.completion(checking.statuses(progress), progress))
    console.print(overview.practice_record(progress))


if __name__ == "__main__":
    main()
