"""The test project with a misspelt check in ``HEALTHCHECK``."""

from __future__ import annotations

from tests.django_project.settings import *  # noqa: F403

HEALTHCHECK = {"CHECKS": ["databse"]}
