"""Turning arbitrary Python values into something ``json.dumps`` always accepts."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Union

#: A value ``json.dumps`` serialises as it is.
JSON = Union[None, bool, int, float, str, list["JSON"], dict[str, "JSON"]]

# Deeper than any sane payload, shallower than the interpreter's recursion limit.
_MAX_DEPTH = 64
# Python refuses to print ints of more than 4300 digits (about 14,284 bits).
_MAX_BITS = 14_000


def to_jsonable(value: object) -> JSON:
    """Return a copy of ``value`` that is valid JSON.

    Mapping keys become strings, tuples, lists and sets become lists, non-finite floats and any
    other object become ``str(value)``; cycles and absurd nesting are cut with a marker instead
    of raising. The result never needs ``json.dumps(default=...)``.
    """
    return _convert(value, 0, set())


def _convert(value: object, depth: int, seen: set[int]) -> JSON:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_BITS:
        return f"<integer of {value.bit_length()} bits>"
    if isinstance(value, str):
        return valid_text(value)
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= _MAX_DEPTH:
        return "<nested too deeply>"
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        if id(value) in seen:
            return "<cycle>"
        seen.add(id(value))
        try:
            if isinstance(value, Mapping):
                return {_key(k): _convert(v, depth + 1, seen) for k, v in value.items()}
            # Sets are sorted so bodies do not change between runs; by the guarded str().
            items = sorted(value, key=_str) if isinstance(value, (set, frozenset)) else value
            return [_convert(v, depth + 1, seen) for v in items]
        finally:
            seen.discard(id(value))
    return _str(value)


def _key(key: object) -> str:
    return valid_text(key) if isinstance(key, str) else _str(key)


def valid_text(text: str) -> str:
    """``text`` as valid Unicode: lone surrogates (the undecodable bytes of an environment
    variable or an argument, as Python keeps them) become visible escapes, ``\\udcff``,
    since UTF-8 cannot encode them and a text or HTML answer would fail on them."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _str(value: object) -> str:
    try:
        return valid_text(str(value))
    except Exception:  # a broken __str__ must not break a response
        return f"<unprintable {type(value).__name__}>"


def bound(value: JSON, limit: int | None) -> JSON:
    """``value``, or if its JSON is longer than ``limit`` characters, a string holding the
    start of that JSON and a marker, so one runaway output cannot make a response huge."""
    if limit is None or value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else json.dumps(value)
    return value if len(text) <= limit else cut(text, limit)


def cut(text: str, limit: int, dropped: int = 0) -> str:
    """``text``, or its first ``limit`` characters and a marker counting the rest; ``dropped``
    characters were taken off its end already (see :func:`masked_within`)."""
    if len(text) <= limit and not dropped:
        return text
    more = max(len(text) - limit, 0) + dropped
    return f"{text[:limit]}... [truncated: {more} more characters]"


def masked_within(text: str, limit: int, mask: Callable[[str], str]) -> str:
    """``mask(text)`` cut to ``limit`` characters, masking only a bounded start of ``text``:
    masking is linear, but 100 MB of it would still stall a thread.

    The start masked runs well past the limit, so that where it ends (perhaps in the middle of
    a secret, which is then not recognised) lies past the limit after masking too. Masks
    shorter than the secrets they replace pull that end in: then a longer start is masked, and
    at worst the end is dropped."""
    keep = 2 * limit + _MARGIN
    while len(text) > keep:
        masked = mask(text[:keep])
        if len(masked) >= limit + _MARGIN:
            return cut(masked, limit, len(text) - keep)
        if keep >= _GROWTH**2 * (2 * limit + _MARGIN):
            safe = masked[: max(len(masked) - _MARGIN, 0)]
            return cut(safe, limit, len(text) - keep + len(masked) - len(safe))
        keep *= _GROWTH
    return cut(mask(text), limit)


#: How much longer the next start masked is, twice at most.
_GROWTH = 4
#: How far past the limit text is masked before it is cut: the longest secret masked whole.
_MARGIN = 4096
