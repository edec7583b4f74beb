"""``user:password@`` in an http(s) URL, as the Basic ``Authorization`` header urllib would not
make of it (standard library only: the command line's probe uses it too)."""

from __future__ import annotations

import base64
from urllib.parse import SplitResult, unquote, urlunsplit


def basic_auth(parts: SplitResult) -> tuple[str, str | None]:
    """The URL of ``parts`` without its user and password, and the Basic ``Authorization``
    header they make (``None`` without them)."""
    if parts.username is None and parts.password is None:
        return urlunsplit(parts), None
    host = parts.netloc.rpartition("@")[2]
    pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
    token = base64.b64encode(pair.encode()).decode("ascii")
    return urlunsplit(parts._replace(netloc=host)), f"Basic {token}"
