"""Every Python example in README.rst runs, and the Flask apps in them answer."""

from __future__ import annotations

import pytest

from tests.readme import README, python_examples
from tests.test_migrations import COVERED

#: The migration recipes need real backends and servers: tests/test_migrations.py runs them.
GENERIC = [source for section, source in python_examples() if section not in COVERED]


def test_the_readme_has_examples() -> None:
    assert len(GENERIC) >= 5


@pytest.mark.parametrize("source", GENERIC, ids=lambda s: s.splitlines()[0][:40])
def test_example_runs(source: str) -> None:
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(source, str(README), "exec"), namespace)  # noqa: S102 - our own README
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
