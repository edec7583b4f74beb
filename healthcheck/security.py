"""py-healthcheck's ``healthcheck.security`` module path: ``safe_dict``.

This package masks secrets with :class:`~healthcheck.Scrubber`, which looks at values as well
as keys; ``safe_dict`` keeps py-healthcheck's narrower contract for code that calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["MASK", "safe_dict"]

#: What a masked value becomes.
MASK = "********"


def safe_dict(
    dictionary: Mapping[Any, Any],
    blacklist: Iterable[str] = ("key", "token", "pass"),
    max_deep: int = 5,
) -> Any:
    """A copy of ``dictionary`` whose values under keys containing a ``blacklist`` word (in
    any case) are ``"********"``.

    Nested mappings are walked, up to ``max_deep`` levels; deeper ones, and the whole input when
    ``max_deep <= 0``, are returned as they are. Other values are kept unchanged. As in
    py-healthcheck, a nested mapping is walked even when its own key is blacklisted, and any
    object with ``keys()`` and ``[]`` is taken (``flask.request.headers``, say).

    Two corrections: a ``blacklist`` given as one string is one word (py-healthcheck took each
    of its letters for a word), and its words match in any case, as the keys do.
    """
    if max_deep <= 0:
        return dictionary
    if not callable(getattr(dictionary, "keys", None)):
        raise TypeError(f"safe_dict() needs a mapping, got {type(dictionary).__name__}")
    words = [word.lower() for word in ([blacklist] if isinstance(blacklist, str) else blacklist)]
    result = {}
    # keys() and [] only, as py-healthcheck: header objects and other mapping-likes work too
    for key in dictionary.keys():
        value = dictionary[key]
        if isinstance(value, Mapping):
            result[key] = safe_dict(value, words, max_deep - 1)
        elif any(word in str(key).lower() for word in words):
            result[key] = MASK
        else:
            result[key] = value
    return result
