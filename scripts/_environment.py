"""The pack's virtual environment: created on first use, reinstalled when pyproject.toml changes.

Standard library only: this runs on a machine that has nothing but Python 3.11+.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

PACK_ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("KATA_VENV", PACK_ROOT / ".venv"))
STAMP = VENV / ".kata-installed"


def venv_bin(name: str) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    suffix = ".exe" if os.name == "nt" else ""
    return VENV / folder / f"{name}{suffix}"


def ensure_environment(extras: str = "all") -> Path:
    """Create .venv and install the pack into it (editable) if needed; return its python."""
    if sys.version_info < (3, 11):
        sys.exit(f"The pack needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((PACK_ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    python = venv_bin("python")
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=False).create(VENV)
    print("Installing the pack and its dependencies (a minute the first time) ...", flush=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-qq", "--disable-pip-version-check", "-e", f".[{extras}]"],
        cwd=PACK_ROOT,
        check=True,
    )
    STAMP.write_text(wanted)
    return python
