"""Named groups of checks: what add_group accepts, run(group=), a route of its own, and who
sees what of a group over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthcheck import HealthCheck
from healthcheck.endpoints import Endpoints, Request, Route
from healthcheck.exceptions import DuplicateNameError


@pytest.fixture
def health() -> HealthCheck:
    health = HealthCheck()
    health.add_check(lambda: (True, "database ok"), name="database", tags=["backends"])
    health.add_check(lambda: (False, "queue down"), name="queue", tags=["backends"])
    health.add_check(lambda: (True, "disk ok"), name="disk", tags=["host"])
    return health


def names(body: Any) -> list[str]:
    return [r["checker"] for r in json.loads(body)["results"]]


def test_a_group_selects_by_tag_and_by_name(health: HealthCheck) -> None:
    health.add_group("storage", tags=["host"], checks=["database"])
    body, status, _ = health.run(group="storage")
    assert (names(body), status) == (["database", "disk"], 200)
    assert [r.checker for r in health.report(group="storage").results] == ["database", "disk"]
    assert set(health.groups) == {"storage"}
    assert health.groups["storage"].checks == {"database"}


def test_an_unknown_group_answers_404_saying_so(health: HealthCheck) -> None:
    body, status, _ = health.run(group="nope")
    assert status == 404 and json.loads(body)["error"] == "no group named 'nope'"
    with pytest.raises(LookupError, match="no group named 'nope'"):
        health.report(group="nope")


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("", {"tags": ["host"]}), ValueError, "non-empty string"),
        (("a/b", {"tags": ["host"]}), ValueError, "URL path segment"),
        (("..", {"tags": ["host"]}), ValueError, "URL path segment"),
        (("a b", {"tags": ["host"]}), ValueError, "URL path segment"),
        (("g", {}), ValueError, "needs tags"),
        (("g", {"tags": "host"}), TypeError, "not one string"),
        (("g", {"tags": [1]}), TypeError, "must be strings"),
        (("g", {"tags": ["hots"]}), ValueError, "no check is tagged 'hots'"),
        (("g", {"checks": ["databse"]}), ValueError, "no check named 'databse'"),
    ],
)
def test_add_group_refuses_what_would_select_nothing_or_not_route(
    health: HealthCheck, args: tuple[str, dict[str, Any]], error: type, message: str
) -> None:
    name, options = args
    with pytest.raises(error, match=message):
        health.add_group(name, **options)
    assert health.groups == {}


def test_a_group_name_is_taken_once(health: HealthCheck) -> None:
    health.add_group("g", tags=["host"])
    with pytest.raises(DuplicateNameError):
        health.add_group("g", tags=["backends"])


def test_a_route_of_its_own(health: HealthCheck) -> None:
    health.add_group("storage", checks=["database", "disk"])
    endpoints = Endpoints(health, routes=[Route("/health/storage", health, group="storage")])
    reply = endpoints.handle(Request("GET", "/health/storage", remote_addr="127.0.0.1"))
    assert reply is not None and reply.status == 200
    assert names(reply.body) == ["database", "disk"]
    # A group's route answers for no check below it.
    assert endpoints.match("/health/storage/database") is None


@pytest.mark.parametrize(
    ("kind", "group", "message"),
    [("readyz", "storage", "served by a healthcheck route"), ("healthcheck", "x", "no group")],
)
def test_a_group_route_is_checked(health: HealthCheck, kind: str, group: str, message: str) -> None:
    health.add_group("storage", checks=["database"])
    with pytest.raises(ValueError, match=message):
        Route("/g", health, kind=kind, group=group)


def test_an_unauthorised_caller_gets_the_groups_verdict_only(health: HealthCheck) -> None:
    health.add_group("backends", tags=["backends"])
    endpoints = Endpoints(health)
    outside = Request("GET", "/healthcheck/group/backends", remote_addr="203.0.113.9")
    reply = endpoints.handle(outside)
    assert reply is not None and reply.status == 500
    assert json.loads(reply.body) == {"status": "failure"}
    tagged = endpoints.handle(
        Request("GET", "/healthcheck", {"tag": ["host"]}, remote_addr="203.0.113.9")
    )
    assert tagged is not None and tagged.status == 403  # else failures could be bisected


@pytest.mark.parametrize(
    "request_",
    [
        Request("GET", "/healthcheck/group/backends", {"tag": ["host"]}, remote_addr="127.0.0.1"),
        Request("GET", "/healthcheck/disk", {"tag": ["backends"]}, remote_addr="127.0.0.1"),
        Request(
            "GET", "/healthcheck/group/backends", {"exclude": ["database,queue"]},
            remote_addr="127.0.0.1",
        ),
    ],
)  # fmt: skip
def test_a_selection_that_leaves_nothing_is_an_error_not_a_pass(
    health: HealthCheck, request_: Request
) -> None:
    health.add_group("backends", tags=["backends"])
    reply = Endpoints(health).handle(request_)
    assert reply is not None and reply.status == 400
    assert json.loads(reply.body) == {"error": "nothing to check: the selection leaves no check"}


def test_a_group_whose_checks_are_gone_does_not_pass(health: HealthCheck) -> None:
    health.add_group("storage", checks=["disk"])
    endpoints = Endpoints(health)
    asked = Request("GET", "/healthcheck/group/storage", remote_addr="127.0.0.1")
    assert endpoints.handle(asked).status == 200  # type: ignore[union-attr]
    disk = next(check for check in health.checks if check.name == "disk")
    health.checkers.remove(disk.func)
    assert endpoints.handle(asked).status == 400  # type: ignore[union-attr]
    body, status, _ = health.run(group="storage")  # in Python too: not a pass
    assert status == 404 and "selects no check" in json.loads(body)["error"]
