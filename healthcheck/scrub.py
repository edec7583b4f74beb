"""The one place that decides what is secret and masks it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .defaults import SECRET_MASK

# py-healthcheck's rule: a key containing one of these words, in any case, holds a secret.
_SECRET_KEY = re.compile(r"key|token|pass", re.IGNORECASE)


def is_secret_key(key: object) -> bool:
    """True when a mapping key names a secret."""
    return bool(_SECRET_KEY.search(str(key)))


def scrub_mapping(mapping: Mapping[str, str], mask: str = SECRET_MASK) -> dict[str, str]:
    """A copy of ``mapping`` with the values of secret keys replaced by ``mask``."""
    return {k: mask if is_secret_key(k) else v for k, v in mapping.items()}


# scheme://user:password@host — any scheme, including postgresql+psycopg, mongodb+srv, and
# redis://:password@host with an empty user.
_URL_USERINFO = re.compile(r"(?P<prefix>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]+@")


def mask_url(text: str, mask: str = "***") -> str:
    """``text`` with every URL password masked: ``postgresql://app:***@db/x``."""
    return _URL_USERINFO.sub(lambda m: f"{m.group('prefix')}{mask}@", text)
