"""Fixtures the adapter tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from healthcheck import HealthCheck


@pytest.fixture
def failing() -> Iterator[HealthCheck]:
    health = HealthCheck()
    health.add_check(lambda: (True, "ok"), name="database")
    health.add_check(lambda: (False, "queue unreachable"), name="queue")
    yield health
    health.close()
