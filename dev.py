#!/usr/bin/env python3
"""Set up .venv and run the demo or the whole test suite (standard library only).

python3 dev.py demo [--framework tornado] [--port 5000]
python3 dev.py test [pytest arguments]
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


#: What the demo needs to run (its frameworks, /metrics, the real services it checks); the
#: tests need every extra and their own tools.
DEMO_EXTRAS = "flask,tornado,prometheus,redis,postgresql"
TEST_EXTRAS = "all,test"


def setup(extras: str) -> None:
    """Create .venv and install the package with ``extras``, unless that (or everything, for
    the tests) is installed already for this pyproject.toml."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    installed = STAMP.read_text().split() if STAMP.exists() else []
    if f"{digest}:{extras}" in installed or f"{digest}:{TEST_EXTRAS}" in installed:
        return
    if not PYTHON.exists():
        print(f"creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    print(f"installing .[{extras}] into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    if STAMP.exists():
        # A .venv from before the rename holds this project as "healthcheck" too.
        uninstall = [str(PYTHON), "-m", "pip", "uninstall", "--yes", "--quiet", "healthcheck"]
        subprocess.run(uninstall, check=False, capture_output=True)
    subprocess.run([*pip, "-e", f"{ROOT}[{extras}]"], check=True)
    kept = [line for line in installed if line.startswith(f"{digest}:")]
    STAMP.write_text("\n".join([*kept, f"{digest}:{extras}"]) + "\n")


def run(*command: str) -> int:
    """Run ``command`` to its end: Ctrl-C reaches it (the same terminal) and ends this quietly;
    SIGTERM to this script is passed on, so that nothing is left holding a port."""
    print("+", " ".join(command), flush=True)
    child = subprocess.Popen(command, cwd=ROOT)

    def pass_on(signum: int, frame: object) -> None:
        child.send_signal(signum)

    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, pass_on)
    try:
        return child.wait()
    except KeyboardInterrupt:
        try:
            return child.wait(10)
        except (KeyboardInterrupt, subprocess.TimeoutExpired):
            child.kill()
            return child.wait()


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    setup(DEMO_EXTRAS if argv[0] == "demo" else TEST_EXTRAS)
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
