"""Build information shown in the body: version, commit and release id."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass

from .jsonable import JSON

#: Where CI systems and platforms put the commit (GitHub Actions, GitLab, Heroku, ...).
COMMIT_VARIABLES = ("GIT_COMMIT", "SOURCE_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "SOURCE_VERSION")
RELEASE_VARIABLES = ("RELEASE_ID", "HEROKU_RELEASE_VERSION")


@dataclass(frozen=True)
class BuildInfo:
    """What is deployed: ``version``, ``commit`` and ``release_id``; unset ones are omitted."""

    version: str | None = None
    commit: str | None = None
    release_id: str | None = None

    @classmethod
    def from_environment(cls, version: str | None = None, *, use_git: bool = True) -> BuildInfo:
        """The commit from ``GIT_COMMIT`` (or another CI variable, or ``git`` when available)
        and the release id from ``RELEASE_ID``."""
        commit = _first_set(COMMIT_VARIABLES) or (_git_commit() if use_git else None)
        return cls(version=version, commit=commit, release_id=_first_set(RELEASE_VARIABLES))

    def fields(self) -> dict[str, JSON]:
        return {
            name: value
            for name, value in (
                ("version", self.version),
                ("commit", self.commit),
                ("release_id", self.release_id),
            )
            if value is not None
        }


def _first_set(names: tuple[str, ...]) -> str | None:
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _git_commit() -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=2, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None
