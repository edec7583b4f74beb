"""README.rst's Python examples, each with the title of the section it stands in."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.rst"
_BLOCK = re.compile(r"^\.\. code-block:: python\n\n((?:    .*\n|\n)+)", re.MULTILINE)
_TITLE = re.compile(r"^(\S[^\n]*)\n([-~=])\2+\n", re.MULTILINE)


def python_examples() -> list[tuple[str, str]]:
    """``(section title, source)`` of every Python code block, in order."""
    text = README.read_text()
    titles = [(m.start(), m.group(1)) for m in _TITLE.finditer(text)]
    examples = []
    for block in _BLOCK.finditer(text):
        title = next((t for start, t in reversed(titles) if start < block.start()), "")
        source = "\n".join(line[4:] for line in block.group(1).splitlines())
        examples.append((title, source))
    return examples


def example(title: str) -> str:
    """The one Python example of section ``title``."""
    (source,) = [source for section, source in python_examples() if section == title]
    return source
