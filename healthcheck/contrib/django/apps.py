"""The Django application: ``INSTALLED_APPS = [..., "healthcheck.contrib.django"]``."""

from __future__ import annotations

from typing import Any

from ..._optional import require

apps: Any = require("django.apps", extra="django")


class HealthCheckConfig(apps.AppConfig):  # type: ignore[misc]
    name = "healthcheck.contrib.django"
    label = "healthcheck"
    verbose_name = "Health checks"
