"""How the `kata` command shows things: one console, test summaries, instructions, code and diffs.

rich honours NO_COLOR, and writes plain text when the output is not a terminal.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from kata import paths
from kata.catalog import Kata
from kata.listing import LEARNER_HEADING, TEST_HEADING
from kata.runner import RunResult, TestOutcome

# rich.markdown and rich.syntax (markdown-it, pygments) are imported where they are used: every
# command pays for its imports before `kata test` can start the tests.
console = Console(highlight=False)
MESSAGE_LINES = 30  # of a failure's message; the rest is in `pytest <kata>`
SQL_LINES = 15


def duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")  # stored in UTC


def heading(kata: Kata) -> str:
    return f"{kata.id} {kata.title}"


@contextmanager
def running(what: str) -> Iterator[None]:
    """A spinner and the time so far while the tests run, on a terminal (gone once they are done);
    off a terminal (a pipe, a file, CI) nothing: the result says how long it took."""
    if not console.is_terminal:
        yield
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as spinner:
        spinner.add_task(f"running the tests of {what}...", total=None)
        yield


def summary(kata: Kata, result: RunResult, *, tree: str = "your files") -> RenderableType:
    """A test run in a few lines: counts, then the first failure explained and the SQL it sent."""
    counts = [f"{result.passed} passed"]
    if result.failed:
        counts.append(f"{result.failed} failed")
    if result.skipped:
        counts.append(f"{result.skipped} skipped")
    if result.count("not run"):
        counts.append(f"{result.count('not run')} not run")
    verdict = Text("green", style="bold green") if result.green else Text("red", style="bold red")
    line = Text.assemble(
        (f"{heading(kata)}", "bold"), f" ({tree}, {result.database}): ", verdict, f": {', '.join(counts)} in {result.seconds:.1f} s"
    )
    parts: list[RenderableType] = [line]
    if result.deprecations:
        lead = "passed, but uses a deprecated API" if result.green else "uses a deprecated API too"
        uses = result.deprecations
        parts.append(Text(f"{lead}: " + "\n  ".join(uses[:5]) + (f"\n  ... and {len(uses) - 5} more" if len(uses) > 5 else ""), style="yellow"))
    if result.errors:
        parts.append(Panel(Text(_clip(result.errors[0], MESSAGE_LINES)), title="the tests could not be collected", border_style="red"))
    failure = result.first_failure
    if failure is not None:
        parts.append(_failure(failure, more=result.failed - 1))
    elif not result.green and not result.errors and result.passed == 0:
        reasons = sorted({t.message for t in result.tests if t.status == "skipped" and t.message})
        parts.append(Text("No test ran" + (f": {reasons[0]}" if reasons else "."), style="yellow"))
    return Group(*parts)


def _failure(test: TestOutcome, more: int) -> RenderableType:
    task = f" (task {test.task})" if test.task is not None else ""
    # The test's name in the panel's body, where it wraps (a title is cut at the panel's width).
    name = Text(f"{test.name}{task}" + (f"; {more} more failed" if more > 0 else ""), style="bold")
    body: list[RenderableType] = [name, Text(_clip(readable(test.message.strip()), MESSAGE_LINES))]
    if test.sql.strip():
        body += _sql(test.sql)
    return Panel(Group(*body), title="first failure", title_align="left", border_style="red")


_FRAME = re.compile(r"^(?P<path>\S.*?):(?P<line>\d+): in (?P<function>\S+)$")


def readable(message: str) -> str:
    """pytest's short traceback reordered for reading: the error first, then where, the learner's
    own line before the test's; frames of installed libraries (SQLAlchemy, the standard library)
    are left out. A message that is not a traceback (the harness's sentences) stays as it is."""
    lines = message.splitlines()
    if not any(line.startswith("E   ") or line == "E" for line in lines):
        return message
    error = [line[4:] if line.startswith("E   ") else "" for line in lines if line.startswith("E")]
    frames: list[tuple[str, str, str, str]] = []
    for index, line in enumerate(lines):
        match = _FRAME.match(line)
        if match is None or Path(match["path"]).is_absolute():  # pytest shows the pack's files relative
            continue
        source = lines[index + 1].strip() if index + 1 < len(lines) and lines[index + 1].startswith("    ") else ""
        frames.append((match["path"], match["line"], match["function"], source))
    yours = [f for f in frames if not Path(f[0]).name.startswith(("test_", "conftest"))]
    tests = [f for f in frames if f not in yours]
    where = [f"your code: {p}, line {n}, in {fn}(): {src}" for p, n, fn, src in reversed(yours)]
    where += [f"the test: {p}, line {n}: {src}" for p, n, _fn, src in tests[:1]]
    return "\n".join(error).strip("\n") + ("\n\n" + "\n".join(where) if where else "")


def _sql(listing: str) -> list[RenderableType]:
    """The harness's listing (fixtures/recording.py): the learner's statements under their heading,
    then the test's own. The test's part is what gets cut short, never the learner's first."""
    listing = textwrap.dedent(listing).strip("\n")
    theirs, marker, tests = listing.partition(f"\n{TEST_HEADING}")
    mine_heading, _, mine = theirs.partition("\n")
    if not mine_heading.startswith(LEARNER_HEADING):  # an older harness's listing: all of it
        return [Text("\nSQL it sent:", style="bold"), _sql_text(_clip(listing, SQL_LINES))]
    parts: list[RenderableType] = [Text("\n" + mine_heading, style="bold")]
    mine_lines = mine.splitlines()
    if mine.strip():
        parts.append(_sql_text(_clip(mine, max(SQL_LINES, 4))))
    if marker:
        # What room the learner's statements leave; when they fill it, the test's are only counted.
        tests_heading, _, test_lines = tests.partition("\n")
        room = SQL_LINES - len(mine_lines)
        if room >= 2:
            parts.append(Text(TEST_HEADING + tests_heading, style="dim bold"))
            parts.append(Text(_clip(test_lines, room), style="dim"))
        else:
            parts.append(Text(TEST_HEADING + tests_heading.rstrip(":") + " (see `pytest` on the kata)", style="dim"))
    return parts


def _sql_text(text: str) -> RenderableType:
    from rich.syntax import Syntax

    return Syntax(text, "sql", theme="ansi_dark", word_wrap=True)


def _clip(text: str, lines: int) -> str:
    split = text.splitlines()
    if len(split) <= lines:
        return text
    return "\n".join(split[:lines] + [f"... ({len(split) - lines} more lines: run pytest on the kata for all of it)"])


def instructions(kata: Kata) -> RenderableType:
    """The kata's README without its hints (those come one at a time from `kata hint`)."""
    from rich.markdown import Markdown

    text = kata.readme.split("## Hints", 1)[0].rstrip()
    return Markdown(text)


def hint(number: int, total: int, text: str) -> RenderableType:
    from rich.markdown import Markdown

    title, _, body = text.partition("\n")
    title = re.sub(r"^Hint\s*\d+\s*", "", title).strip(" :()")
    return Panel(Markdown(body.strip()), title=f"Hint {number} of {total}" + (f" ({title})" if title else ""), title_align="left")


def code(path: Path, text: str) -> RenderableType:
    from rich.syntax import Syntax

    lexer = "python" if path.suffix == ".py" else Syntax.guess_lexer(str(path), text)
    return Panel(Syntax(text, lexer, line_numbers=True, theme="ansi_dark", word_wrap=True), title=paths.shown(path), title_align="left")


def diff(mine: Path, mine_text: str, theirs: Path, theirs_text: str) -> str | None:
    """A unified diff of the learner's file against the solution, or None when they are equal."""
    lines = list(
        difflib.unified_diff(
            mine_text.splitlines(keepends=True),
            theirs_text.splitlines(keepends=True),
            fromfile=paths.shown(mine),
            tofile=paths.shown(theirs),
        )
    )
    if not lines:
        return None
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def print_diff(text: str) -> None:
    """Coloured and wrapped on a terminal; off one (`kata diff 1.5 > my.patch`) the unified diff
    exactly as it is, so that `git apply` and `patch` take it."""
    from rich.syntax import Syntax

    if console.is_terminal:
        console.print(Syntax(text.rstrip("\n"), "diff", theme="ansi_dark", word_wrap=True))
    else:
        console.file.write(text)
        console.file.flush()
