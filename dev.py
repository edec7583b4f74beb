#!/usr/bin/env python3
"""Set up .venv and run the demo or the whole test suite (standard library only).

python3 dev.py demo [--framework tornado] [--port 5000]
python3 dev.py test [pytest arguments]
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def setup() -> None:
    """Create .venv and install the package with every extra, unless pyproject is unchanged."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    print("installing .[all,test] into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    if STAMP.exists():
        # A .venv from before the rename holds this project as "healthcheck" too.
        uninstall = [str(PYTHON), "-m", "pip", "uninstall", "--yes", "--quiet", "healthcheck"]
        subprocess.run(uninstall, check=False, capture_output=True)
    subprocess.run([*pip, "-e", f"{ROOT}[all,test]"], check=True)
    STAMP.write_text(wanted)


def run(*command: str) -> int:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    setup()
    if argv[0] == "demo":
        return run(str(PYTHON), "-m", "healthcheck", "demo", *argv[1:])
    for step in (
        (str(PYTHON), "-m", "ruff", "check", "healthcheck", "tests", "bench", "dev.py"),
        (str(PYTHON), "-m", "mypy"),
        (str(PYTHON), "-m", "pytest", *argv[1:]),
    ):
        code = run(*step)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
