"""Every Python example in README.rst runs, and the Flask apps in them answer."""

from __future__ import annotations

import os

import pytest

from tests.readme import README, python_examples
from tests.test_migrations import COVERED

#: The migration recipes need real backends and servers: tests/test_migrations.py runs them.
GENERIC = [source for section, source in python_examples() if section not in COVERED]


def test_the_readme_has_examples() -> None:
    assert len(GENERIC) >= 5


@pytest.mark.parametrize("source", GENERIC, ids=lambda s: s.splitlines()[0][:40])
def test_example_runs(source: str) -> None:
    environment = os.environ.copy()  # what an example sets stays in it
    namespace: dict[str, object] = {"__name__": "readme_example"}
    try:
        exec(compile(source, str(README), "exec"), namespace)  # noqa: S102 - our own README
    finally:
        os.environ.clear()
        os.environ.update(environment)
    app = namespace.get("app")
    if app is not None and hasattr(app, "test_client"):
        client = app.test_client()
        for rule in app.url_map.iter_rules():
            if "<" not in rule.rule and rule.endpoint != "static":
                # Served and healthy, or refused by the example's own access rules.
                assert client.get(rule.rule).status_code in (200, 403), rule.rule
    health = namespace.get("health")
    if health is not None and hasattr(health, "stop"):
        health.stop()


def test_the_readme_is_valid_restructuredtext() -> None:
    import io

    import docutils.core

    warnings = io.StringIO()
    docutils.core.publish_doctree(
        README.read_text(),
        settings_overrides={"report_level": 2, "halt_level": 5, "warning_stream": warnings},
    )
    assert warnings.getvalue() == ""


def test_the_readme_opens_with_the_two_commands() -> None:
    lines = README.read_text().splitlines()
    first_block = lines.index(".. code-block:: console")
    commands = [
        line.strip().split("#")[0].strip() for line in lines[first_block + 2 : first_block + 4]
    ]
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]


def _run(title: str) -> dict[str, object]:
    from tests.readme import example

    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(example(title), str(README), "exec"), namespace)  # noqa: S102 - our README
    return namespace


def test_the_ten_lines_serve_the_environment_to_local_callers_only() -> None:
    app = _run("Ten lines")["app"]
    client = app.test_client()  # type: ignore[attr-defined]
    assert client.get("/environment").status_code == 200
    remote = client.get("/environment", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    proxied = client.get("/environment", headers={"X-Forwarded-For": "203.0.113.9"})
    assert remote.status_code == 403 and proxied.status_code == 403
    assert client.get("/healthcheck").status_code == 200


def test_the_tornado_example_serves_the_environment_to_local_callers_only() -> None:
    from tests.http import get
    from tests.servers import tornado_app_server

    remote = {"X-Forwarded-For": "203.0.113.9"}
    with tornado_app_server(_run("Tornado")["app"]) as base:
        answers = {path: get(base + path, headers=remote).status for path in
                   ("/environment", "/ops/environment")}  # fmt: skip
        local = get(base + "/ops/environment").status
        health = get(base + "/healthcheck").status
    assert answers == {"/environment": 404, "/ops/environment": 403}
    assert local == 200 and health == 200


def test_the_token_example_lets_the_token_in(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.readme import python_examples

    (source,) = [s for _, s in python_examples() if "def authorize(req)" in s]
    monkeypatch.setenv("HEALTH_TOKEN", "s3cret-for-the-scraper")
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["TOKEN"] == "s3cret-for-the-scraper"  # noqa: S105 - its branch ran
