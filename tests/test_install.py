"""The README's install lines, followed in clean virtualenvs: they install this project, under
its own distribution name, with a working ``--version``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthcheck._about import DISTRIBUTION, __version__

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = shutil.ignore_patterns(
    ".*", "build", "dist", "*.egg-info", "__pycache__", "tests", "bench"
)
COMPAT_IMPORTS = (
    "from healthcheck.healthcheck import HealthCheck, basic_exception_handler, "
    "json_success_handler, json_failed_handler, check_reduce\n"
    "from healthcheck.environmentdump import EnvironmentDump\n"
    "from healthcheck.security import safe_dict\n"
    "from healthcheck.timeout import timeout, TimeoutError\n"
    "from healthcheck.tornado_handler import TornadoHandler\n"
    "from healthcheck import HealthCheck, EnvironmentDump, TornadoHandler\n"
    "print('imports ok')\n"
)


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what a clone holds, less the tests and caches."""
    copy = tmp_path_factory.mktemp("clone") / "healthcheck"
    shutil.copytree(ROOT, copy, ignore=NOT_SHIPPED)
    return copy


@pytest.fixture
def clean_venv(tmp_path: Path) -> Iterator[Path]:
    """A new virtualenv's bin directory."""
    venv.create(tmp_path / "venv", with_pip=True)
    yield tmp_path / "venv" / "bin"


def check_installed(bin_dir: Path) -> None:
    version_line = f"{DISTRIBUTION} {__version__}"
    assert run(bin_dir / "healthcheck", "--version").stdout.strip() == version_line
    assert run(bin_dir / "python", "-m", "healthcheck", "--version").stdout.strip() == version_line
    assert run(bin_dir / "python", "-c", COMPAT_IMPORTS).stdout.strip() == "imports ok"
    shown = run(bin_dir / "python", "-m", "pip", "show", DISTRIBUTION).stdout
    assert f"Name: {DISTRIBUTION}" in shown


def test_pip_install_from_a_clone_with_an_extra(source: Path, clean_venv: Path) -> None:
    run(clean_venv / "python", "-m", "pip", "install", "--quiet", ".[tornado]", cwd=source)
    check_installed(clean_venv)


def test_a_wheel_built_with_python_m_build(source: Path, clean_venv: Path, tmp_path: Path) -> None:
    run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", cwd=source)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    assert wheel.name == f"{DISTRIBUTION.replace('-', '_')}-{__version__}-py3-none-any.whl"
    run(clean_venv / "python", "-m", "pip", "install", "--quiet", f"{wheel}[tornado]")
    check_installed(clean_venv)


def test_version_warns_when_py_healthcheck_is_installed_too(source: Path, clean_venv: Path) -> None:
    pip = (clean_venv / "python", "-m", "pip", "install", "--quiet")
    run(*pip, "--no-deps", "py-healthcheck==1.10.1")
    run(*pip, ".", cwd=source)  # ours over theirs: the files are ours, both are recorded
    done = run(clean_venv / "healthcheck", "--version")
    assert done.stdout.strip() == f"{DISTRIBUTION} {__version__}"
    assert "py-healthcheck 1.10.1 is installed too" in done.stderr
    assert "pip uninstall py-healthcheck" in done.stderr


def test_every_readme_install_line_installs_this_project() -> None:
    """No line installs another project by our import name (PyPI's "healthcheck" is not us)."""
    readme = (ROOT / "README.rst").read_text()
    targets = [
        target
        for line in readme.splitlines()
        if line.strip().startswith("pip install") or "&& pip install" in line
        for target in line.split("#")[0].split("pip install", 1)[1].split("&&")[0].split()
        if not target.startswith("-")
    ]
    assert targets, "the README has install lines"
    wheel = f"'dist/{DISTRIBUTION.replace('-', '_')}-{__version__}-py3-none-any.whl"
    for target in targets:
        ours = target.startswith(("'.[", ".", wheel, f"'{DISTRIBUTION}["))
        assert ours or target in ("build", "py-healthcheck"), target


def test_version_says_when_uninstalling_py_healthcheck_deleted_our_files(
    source: Path, clean_venv: Path
) -> None:
    pip = (clean_venv / "python", "-m", "pip")
    run(*pip, "install", "--quiet", "--no-deps", "py-healthcheck==1.10.1")
    run(*pip, "install", "--quiet", ".", cwd=source)
    run(*pip, "uninstall", "--yes", "--quiet", "py-healthcheck")  # takes shared files with it
    done = subprocess.run(
        [str(clean_venv / "healthcheck"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stdout.strip() == f"{DISTRIBUTION} {__version__}"
    assert "files of healthcheck-endpoints are missing or not its own" in done.stderr
    assert "healthcheck/__init__.py" in done.stderr
    assert "pip install --force-reinstall PATH" in done.stderr


def test_version_says_when_py_healthcheck_overwrote_our_files(
    source: Path, clean_venv: Path
) -> None:
    pip = (clean_venv / "python", "-m", "pip", "install", "--quiet")
    run(*pip, ".", cwd=source)
    run(*pip, "py-healthcheck==1.10.1")  # after us, with six: its __init__.py is the one left
    done = subprocess.run(
        [str(clean_venv / "healthcheck"), "--version"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "py-healthcheck 1.10.1 is installed too" in done.stderr
    assert "not its own (healthcheck/__init__.py" in done.stderr
