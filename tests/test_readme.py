"""Every Python example in README.rst runs, and the Flask apps in them answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.rst"
BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:    .*\n|\n)+)", re.MULTILINE)


def python_examples() -> list[str]:
    return [
        "\n".join(line[4:] for line in block.group(1).splitlines())
        for block in BLOCK.finditer(README.read_text())
    ]


def test_the_readme_has_examples() -> None:
    assert len(python_examples()) >= 5


@pytest.mark.parametrize("source", python_examples(), ids=lambda s: s.splitlines()[0][:40])
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
