"""The project's authorize hook: staff see the details."""

from __future__ import annotations

from typing import Any


def staff_only(request: Any) -> bool:
    return bool(request.user.is_authenticated and request.user.is_staff)
