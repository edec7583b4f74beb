"""``path("health/", include("healthcheck.contrib.django.urls"))``: a pattern for each route
the endpoints serve (``healthcheck``, ``healthcheck/<check>``, ``healthcheck/group/<group>``,
the probes, ``metrics``, ``environment``), so that the project's own URLs stay its own."""

from __future__ import annotations

import re
from typing import Any

from ..._optional import require
from . import conf, views

django_urls: Any = require("django.urls", extra="django")

app_name = "healthcheck"


def _patterns() -> list[Any]:
    patterns = []
    for route in conf.endpoints().routes:
        base = re.escape(route.path.strip("/"))
        name = route.kind if route.path == f"/{route.kind}" else route.path.strip("/")
        below = f"{base}/" if base else ""
        patterns.append(django_urls.re_path(rf"^(?P<path>{base})/?$", views.serve, name=name))
        if route.by_name:
            patterns.append(
                django_urls.re_path(
                    rf"^(?P<path>{below}[^/]+)/?$", views.serve, name=f"{name}-check"
                )
            )
        if route.grouped:
            patterns.append(
                django_urls.re_path(
                    rf"^(?P<path>{below}group/[^/]+)/?$", views.serve, name=f"{name}-group"
                )
            )
    return patterns


urlpatterns = _patterns()
