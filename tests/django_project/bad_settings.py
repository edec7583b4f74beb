"""The test project with the ``HEALTHCHECK`` setting given as JSON in ``HC_BAD_HEALTHCHECK``,
for the tests of its mistakes."""

from __future__ import annotations

import json
import os

from tests.django_project.settings import *  # noqa: F403

HEALTHCHECK = json.loads(os.environ.get("HC_BAD_HEALTHCHECK", '{"CHECKS": ["databse"]}'))
