"""``python manage.py healthcheck``: run the project's checks here, as ``healthcheck run``
does, with the same options, output and exit codes."""

from __future__ import annotations

import sys
from typing import Any

from ..... import cli
from ....._optional import require
from ...conf import endpoints, health

base: Any = require("django.core.management.base", extra="django")
exceptions: Any = require("django.core.exceptions", extra="django")


class Command(base.BaseCommand):  # type: ignore[misc]
    help = (
        "Run the project's health checks; exit 0 passing (warnings included), 1 failing, "
        "2 misused or too slow."
    )
    # Django's system checks load the URLconf, which a HEALTHCHECK mistake breaks with a
    # traceback: this command reports its own mistakes on one line instead.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's class attribute

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", metavar="NAME", help="run only the check with this name")
        parser.add_argument("--tag", action="append", default=[], metavar="T")
        parser.add_argument("--group", metavar="NAME", help="run only this group's checks")
        parser.add_argument("--exclude", action="append", default=[], metavar="NAME")
        parser.add_argument("--timeout", type=float, default=30.0, metavar="S")
        parser.add_argument("--format", choices=("text", "json", "nagios"), default="text")
        parser.add_argument("--verbose-checks", "-V", action="store_true", dest="per_check",
                            help="one line per check")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        def project_health() -> Any:
            try:
                endpoints()  # the whole setting, as the site would use it
                return health()
            except exceptions.ImproperlyConfigured as exc:  # one line, exit 2 (UNKNOWN)
                raise cli.Misuse(str(exc)) from None

        code = cli.conclude(
            lambda: cli.run_checks(
                project_health(),
                "django",
                options["check"],
                options["tag"],
                options["timeout"],
                options["exclude"],
                options["group"],
            ),
            options["format"],
            options["per_check"],
        )
        sys.exit(code)
