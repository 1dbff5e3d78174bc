"""scripts/start.py: pip's progress, one sentence when the package index cannot be reached, and closing
steps that match the README."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
sys.path.insert(0, str(SCRIPTS))

import _environment
import start


def test_an_unreachable_package_index_is_one_sentence_saying_how_to_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_environment, "LOG", tmp_path / "pip-install.log")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")  # nothing listens on port 9
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    with pytest.raises(SystemExit) as stopped:
        _environment.run_pip(
            Path(sys.executable),
            ["download", "--no-deps", "-d", str(tmp_path), "kata-no-such-package"],
            show_progress=True,
        )
    message = str(stopped.value.code)
    assert message.startswith("The package index (http://127.0.0.1:9/simple) could not be reached"), message
    assert "run `python3 scripts/start.py` again" in message and "Traceback" not in message, message
    assert len(message.splitlines()) == 1
    assert (tmp_path / "pip-install.log").read_text(), "pip's own output is kept for whoever wants it"
    shown = capsys.readouterr().out
    assert "pip: " in shown or "packages checked" in shown, f"progress while pip works:\n{shown}"


def test_other_pip_failures_name_pips_last_line() -> None:
    output = "Collecting nothing\nERROR: Failed building wheel for kata-no-such-package\n"
    assert _environment.failure_sentence(output, "pip's output is in x.log") == (
        "pip could not install the pack's dependencies (ERROR: Failed building wheel for "
        "kata-no-such-package); pip's output is in x.log."
    )


def test_pips_retry_warnings_mean_the_index_could_not_be_reached() -> None:
    output = (
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
        "broken by 'NewConnectionError(\"Failed to establish a new connection: [Errno 111] Connection refused\")': /simple/x/\n"
    )
    assert "could not be reached" in _environment.failure_sentence(output, "log")


def test_progress_counts_packages_and_says_when_it_installs(capsys: pytest.CaptureFixture[str]) -> None:
    progress = _environment._Progress()
    for line in [
        "Obtaining file:///pack\n",
        "Collecting sqlalchemy>=2.1\n",
        "Collecting pytest\n",
        "Installing collected packages: sqlalchemy, pytest, kata\n",
        "Successfully installed ...\n",
    ]:
        progress.saw(line)
    progress.done(True)
    shown = capsys.readouterr().out
    assert "1 packages checked (sqlalchemy)" in shown or "packages checked: sqlalchemy" in shown, shown
    assert "installing 3 packages" in shown and shown.rstrip().endswith("done."), shown


def test_the_closing_steps_introduce_kata_as_the_readme_says() -> None:
    steps = start.next_steps(". .venv/bin/activate")
    readme = (SCRIPTS.parent / "README.md").read_text()
    assert steps.strip() in readme, f"README.md's quick start should show what start.py prints:\n{steps}"
    assert "kata next" in steps and "kata watch" in steps
