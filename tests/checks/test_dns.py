"""dns_check with names that never leave this machine: ``localhost`` (from /etc/hosts) and
names the resolver refuses before sending a query. No test sends a DNS packet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from healthcheck import Status
from healthcheck.checks.dns import async_dns_check, dns_check
from tests.checks.conftest import assert_no_leak, call

Factory = Callable[..., Any]
FACTORIES: list[Factory] = [dns_check, async_dns_check]


@pytest.mark.parametrize("factory", FACTORIES)
def test_localhost_resolves(factory: Factory) -> None:
    check = factory("localhost")
    outcome = call(check)
    assert outcome.status is Status.PASS
    assert outcome.output.startswith("localhost -> ")
    assert "127.0.0.1" in outcome.output or "::1" in outcome.output
    assert outcome.observed_unit == "addresses" and outcome.observed_value >= 1
    assert check.__name__ == "dns-localhost" and check.target == "localhost"


@pytest.mark.parametrize("factory", FACTORIES)
@pytest.mark.parametrize("host", ["a" * 64 + ".example", "empty..label.example"])
def test_an_invalid_name_is_refused_when_the_check_is_made(factory: Factory, host: str) -> None:
    with pytest.raises(ValueError, match=r"dns_check host: .*\(a label empty or too long\)$"):
        factory(host)


def test_a_thousand_runs_leak_nothing() -> None:
    assert_no_leak(dns_check("localhost"), None)
