"""Django: ``SELECT 1`` through one of the project's configured database connections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import BuiltinCheck, failure, seconds

# Django ships no type hints; its modules are typed Any here.
django_db: Any = require("django.db", extra="django")

__all__ = ["DjangoDatabaseCheck", "django_database_check"]


@dataclass(frozen=True, eq=False)
class DjangoDatabaseCheck(BuiltinCheck):
    """Run ``SELECT 1`` on ``connections[alias]``."""

    alias: str

    def __call__(self) -> Outcome:
        connection = django_db.connections[self.alias]
        password = connection.settings_dict.get("PASSWORD")
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except django_db.Error as exc:
            return failure(exc, [password])
        finally:
            # Django keeps one connection per thread until a request ends, and the check
            # threads serve no requests: close it, unless a caller's transaction is open.
            if not connection.in_atomic_block:
                connection.close()
        return Outcome(Status.PASS, f"{connection.vendor} ok")


def django_database_check(
    alias: str = "default",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> DjangoDatabaseCheck:
    """A checker that runs ``SELECT 1`` on Django's database ``alias``. Driver timeouts are
    the project's (``DATABASES[alias]["OPTIONS"]``); ``timeout`` is the checker's."""
    return DjangoDatabaseCheck(name or f"django-db:{alias}", seconds(timeout), alias, alias)
