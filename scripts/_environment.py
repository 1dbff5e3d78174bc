"""The pack's virtual environment: created on first use, reinstalled when pyproject.toml changes.

Standard library only: this runs on a machine that has nothing but Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import venv
from pathlib import Path

PACK_ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("KATA_VENV", PACK_ROOT / ".venv"))
STAMP = VENV / ".kata-installed"
LOG = VENV / "pip-install.log"

# What pip prints when it cannot reach the package index (or a proxy in front of it).
_UNREACHABLE = re.compile(
    r"Failed to establish a new connection|NewConnectionError|Max retries exceeded|ConnectionRefused|"
    r"Connection refused|Temporary failure in name resolution|Name or service not known|"
    r"nodename nor servname|Network is unreachable|Read timed out|ConnectTimeout|ProxyError|"
    r"Could not fetch URL|SSLError|getaddrinfo failed",
    re.IGNORECASE,
)
_COLLECTING = re.compile(r"^\s*(?:Collecting|Requirement already satisfied:)\s+([A-Za-z0-9_.\-\[\]]+)")


def venv_bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def ensure_environment(extras: str = "all", *, show_progress: bool = False) -> Path:
    """Create .venv and install the pack into it (editable) if needed; return its python.

    `show_progress` (scripts/start.py) reports pip's progress as it goes; without it (verify.py,
    CI) one line before and nothing after unless it fails. A failure is one sentence and exit code 1.
    """
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under whatever python3 the learner has
        sys.exit(f"The pack needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((PACK_ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    python = venv_bin("python")
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    print("Installing the pack and its dependencies (a minute or two the first time) ...", flush=True)
    run_pip(python, ["install", "--disable-pip-version-check", "-e", f".[{extras}]"], show_progress=show_progress)
    STAMP.write_text(wanted)
    return python


def run_pip(python: Path, arguments: list[str], *, show_progress: bool = False) -> None:
    """Run `python -m pip ARGUMENTS` from the pack's root; on failure exit with one sentence.

    pip's full output goes to .venv/pip-install.log either way.
    """
    process = subprocess.Popen(
        [str(python), "-m", "pip", *arguments],
        cwd=PACK_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PIP_PROGRESS_BAR": "off"},
    )
    assert process.stdout is not None
    output: list[str] = []
    progress = _Progress() if show_progress else None
    for line in process.stdout:
        output.append(line)
        if progress is not None:
            progress.saw(line)
    code = process.wait()
    if progress is not None:
        progress.done(code == 0)
    text = "".join(output)
    try:
        LOG.parent.mkdir(parents=True, exist_ok=True)
        LOG.write_text(text)
        log = f"pip's output is in {LOG}"
    except OSError:
        log = "pip's output: " + " / ".join(text.strip().splitlines()[-3:])
    if code != 0:
        sys.exit(failure_sentence(text, log))


def failure_sentence(pip_output: str, log: str) -> str:
    """What went wrong, in one sentence, from pip's output (and, where pip only says it found no
    version, from asking the index ourselves: without retries pip does not say it could not connect)."""
    index = os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple"
    found_nothing = "from versions: none" in pip_output or "No matching distribution" in pip_output
    if _UNREACHABLE.search(pip_output) or (found_nothing and not _reachable(index)):
        return (
            f"The package index ({index}) could not be reached, so nothing was installed: check the "
            "internet connection (or the proxy, or PIP_INDEX_URL), then run `python3 scripts/start.py` "
            f"again ({log})."
        )
    last = next((line.strip() for line in reversed(pip_output.splitlines()) if line.strip()), "no output")
    return f"pip could not install the pack's dependencies ({last}); {log}."


def _reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False


class _Progress:
    """pip's progress in a line: how many packages so far and which one, then the install step."""

    def __init__(self) -> None:
        self.count = 0
        self.on_terminal = sys.stdout.isatty()
        self.retrying = False

    def saw(self, line: str) -> None:
        found = _COLLECTING.match(line)
        if found:
            self.count += 1
            name = found.group(1)
            if self.on_terminal:
                print(f"\r  {self.count:3d} packages checked: {name[:40]:<40}", end="", flush=True)
            elif self.count % 10 == 1:
                print(f"  {self.count} packages checked ({name}) ...", flush=True)
        elif line.startswith("Installing collected packages"):
            if self.on_terminal:
                print()
            print(f"  installing {line.count(',') + 1} packages (the longest step) ...", flush=True)
        elif line.startswith("WARNING: Retrying"):
            if not self.retrying:  # pip says it once per attempt: once is enough here
                self.retrying = True
                print("\n  pip cannot connect to the package index; it tries again a few times ...", flush=True)
        elif line.startswith("ERROR"):
            if self.on_terminal and self.count:
                print()
            print(f"  pip: {line.strip()[:160]}", flush=True)

    def done(self, ok: bool) -> None:
        if self.on_terminal and self.count:
            print()
        if ok:
            print("  done.", flush=True)
