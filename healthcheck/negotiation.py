"""Choosing a response format from ``?format=`` or the ``Accept`` header."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``Accept`` as ``(media range, q)`` pairs, in header order; malformed parts are skipped."""
    ranges = []
    for part in header.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media, q))
    return ranges


def _quality(offer: str, ranges: Sequence[tuple[str, float]]) -> tuple[float, int]:
    """The q the most specific matching range gives ``offer``, and that specificity."""
    kind = offer.split("/")[0]
    best = (0.0, -1)
    for media, q in ranges:
        if media == offer:
            specificity = 2
        elif media == f"{kind}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best[1]:
            best = (q, specificity)
    return best


def choose(accept: str | None, offers: Mapping[str, str], default: str) -> str:
    """The format (a key of ``offers``, which maps format -> media type, in the server's order
    of preference) the client prefers; ``default`` when it states no preference or accepts
    none of them (a health endpoint answers rather than 406)."""
    if not accept:
        return default
    known = _offers.get(id(offers))
    if known is None or known[0] is not offers:
        known = _offers[id(offers)] = (offers, tuple(offers.items()))
    return _choose(accept, known[1], default)


#: Each offers mapping seen, as the hashable tuple the memo keys on (by id, with the mapping
#: kept alive so that its id is not reused): callers pass the same few module constants.
_offers: dict[int, tuple[Mapping[str, str], tuple[tuple[str, str], ...]]] = {}


@lru_cache(maxsize=256)  # clients send the same few headers again and again
def _choose(accept: str, offers: tuple[tuple[str, str], ...], default: str) -> str:
    ranges = parse_accept(accept)
    if not ranges:
        return default
    best, best_rank = default, (0.0, -1)
    # The default first, so that */* (curl, probes) keeps it; a named type beats a wildcard.
    for name, media in sorted(offers, key=lambda offer: offer[0] != default):
        rank = _quality(media, ranges)
        if rank[0] > 0 and rank > best_rank:
            best, best_rank = name, rank
    return best
