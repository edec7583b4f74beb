"""HealthCheck's settings: one immutable object, validated as a whole when built."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from typing import Any

from . import defaults
from .build import BuildInfo
from .render.compat import json_failed_handler, json_success_handler
from .result import Status
from .scrub import DEFAULT as DEFAULT_SCRUBBER
from .scrub import Scrubber

#: A body builder: ``handler(results, **sections)``, as in py-healthcheck.
Handler = Callable[..., Any]

#: What a number of seconds may be given as (then taken as a float).
_NUMBER = (Real, Decimal)


def _json_headers() -> dict[str, str]:
    return dict(defaults.JSON_HEADERS)


@dataclass(frozen=True)
class Settings:
    """Every :class:`~healthcheck.HealthCheck` setting, checked on creation: a bad value is a
    ``TypeError`` or ``ValueError`` naming its parameter. ``dataclasses.replace`` checks again.

    Durations are kept as floats (a TTL of ``None`` as 0: nothing cached), a ``None`` scrubber
    as the default one, and ``None`` headers as the JSON content type."""

    success_status: int = 200
    success_headers: dict[str, str] = dataclasses.field(default_factory=_json_headers)
    success_handler: Handler | None = json_success_handler
    success_ttl: float = defaults.SUCCESS_TTL
    failed_status: int = 500
    failed_headers: dict[str, str] = dataclasses.field(default_factory=_json_headers)
    failed_handler: Handler | None = json_failed_handler
    failed_ttl: float = defaults.FAILED_TTL
    error_timeout: float | None = defaults.ERROR_TIMEOUT
    warn_status: int = 200
    grace_period: float = 0
    build_info: BuildInfo | None = None
    interval: float | None = None
    scrubber: Scrubber = DEFAULT_SCRUBBER
    max_output: int | None = defaults.MAX_OUTPUT
    max_section: int | None = defaults.MAX_SECTION
    max_workers: int = defaults.MAX_WORKERS

    def __post_init__(self) -> None:
        # In the order HealthCheck() always checked them: with several bad values, the
        # same one is reported.
        fix = object.__setattr__
        fix(self, "success_ttl", _ttl("success_ttl", self.success_ttl))
        _choice("warn_status", self.warn_status, int, optional=False)
        fix(self, "failed_ttl", _ttl("failed_ttl", self.failed_ttl))
        fix(self, "error_timeout", _seconds("error_timeout", self.error_timeout))
        _choice("build_info", self.build_info, BuildInfo)
        fix(self, "scrubber", _choice("scrubber", self.scrubber, Scrubber) or DEFAULT_SCRUBBER)
        _choice("max_output", self.max_output, int)
        _choice("max_section", self.max_section, int)
        fix(self, "interval", _interval(_choice("interval", self.interval, _NUMBER)))
        grace_period = _choice("grace_period", self.grace_period, _NUMBER)  # None: no grace
        fix(self, "grace_period", _seconds("grace_period", grace_period) or 0)
        _choice("max_workers", self.max_workers, int, optional=False)
        if self.max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        for name in ("success_headers", "failed_headers"):
            if getattr(self, name) is None:
                fix(self, name, _json_headers())

    def status_code(self, status: Status) -> int:
        """The HTTP status for an overall state."""
        if status is Status.FAIL:
            return self.failed_status
        return self.success_status if status is Status.PASS else self.warn_status


class _SettingAttributes:
    """HealthCheck's settings as attributes, as py-healthcheck had them: reading one reads the
    settings; assigning one builds new settings, validated as on construction."""

    _settings: Settings

    def _change(self, **change: Any) -> None:
        self._settings = dataclasses.replace(self._settings, **change)

    @property
    def success_status(self) -> int:
        """The HTTP status of a passing answer."""
        return self._settings.success_status

    @success_status.setter
    def success_status(self, value: int) -> None:
        self._change(success_status=value)

    @property
    def success_headers(self) -> dict[str, str]:
        """The headers of a passing answer (``None``: JSON's content type)."""
        return self._settings.success_headers

    @success_headers.setter
    def success_headers(self, value: Mapping[str, str] | None) -> None:
        self._change(success_headers=value)

    @property
    def success_handler(self) -> Handler | None:
        """Builds a passing answer's body; ``None`` answers ``OK``."""
        return self._settings.success_handler

    @success_handler.setter
    def success_handler(self, value: Handler | None) -> None:
        self._change(success_handler=value)

    @property
    def success_ttl(self) -> float:
        """Seconds a passing result is kept (``None`` or 0: not kept)."""
        return self._settings.success_ttl

    @success_ttl.setter
    def success_ttl(self, value: float | None) -> None:
        self._change(success_ttl=value)

    @property
    def failed_status(self) -> int:
        """The HTTP status of a failing answer."""
        return self._settings.failed_status

    @failed_status.setter
    def failed_status(self, value: int) -> None:
        self._change(failed_status=value)

    @property
    def failed_headers(self) -> dict[str, str]:
        """The headers of a failing answer (``None``: JSON's content type)."""
        return self._settings.failed_headers

    @failed_headers.setter
    def failed_headers(self, value: Mapping[str, str] | None) -> None:
        self._change(failed_headers=value)

    @property
    def failed_handler(self) -> Handler | None:
        """Builds a failing answer's body; ``None`` answers ``NOT OK``."""
        return self._settings.failed_handler

    @failed_handler.setter
    def failed_handler(self, value: Handler | None) -> None:
        self._change(failed_handler=value)

    @property
    def failed_ttl(self) -> float:
        """Seconds a failing result is kept (``None`` or 0: not kept)."""
        return self._settings.failed_ttl

    @failed_ttl.setter
    def failed_ttl(self, value: float | None) -> None:
        self._change(failed_ttl=value)

    @property
    def error_timeout(self) -> float | None:
        """Seconds a check may run unless it has its own timeout (``None`` or 0: no limit)."""
        return self._settings.error_timeout

    @error_timeout.setter
    def error_timeout(self, value: float | None) -> None:
        self._change(error_timeout=value)

    @property
    def warn_status(self) -> int:
        """The HTTP status of an answer whose worst state is a warning."""
        return self._settings.warn_status

    @warn_status.setter
    def warn_status(self, value: int) -> None:
        self._change(warn_status=value)

    @property
    def build_info(self) -> BuildInfo | None:
        """Build fields added to the body, if any."""
        return self._settings.build_info

    @build_info.setter
    def build_info(self, value: BuildInfo | None) -> None:
        self._change(build_info=value)

    @property
    def interval(self) -> float | None:
        """Seconds between background runs; ``None``: checks run on demand."""
        return self._settings.interval

    @interval.setter
    def interval(self, value: float | None) -> None:
        self._change(interval=value)

    @property
    def scrubber(self) -> Scrubber:
        """What masks secrets in outputs, sections and logs (``None``: the default)."""
        return self._settings.scrubber

    @scrubber.setter
    def scrubber(self, value: Scrubber | None) -> None:
        self._change(scrubber=value)

    @property
    def max_output(self) -> int | None:
        """Longest check output, in characters of JSON (``None``: no limit)."""
        return self._settings.max_output

    @max_output.setter
    def max_output(self, value: int | None) -> None:
        self._change(max_output=value)

    @property
    def max_section(self) -> int | None:
        """Longest body section, in characters of JSON (``None``: no limit)."""
        return self._settings.max_section

    @max_section.setter
    def max_section(self, value: int | None) -> None:
        self._change(max_section=value)


def _choice(what: str, value: Any, kind: type | tuple[type, ...], optional: bool = True) -> Any:
    """``value`` if it is a ``kind`` (or ``None``, when ``optional``); else a TypeError that says
    why: py-healthcheck turned every keyword argument into a body field, and ``what`` is a
    parameter of its own here."""
    if (value is None and optional) or (isinstance(value, kind) and not isinstance(value, bool)):
        return value
    kinds = kind if isinstance(kind, tuple) else (kind,)
    wanted = " or ".join(k.__name__ for k in kinds) + (" or None" if optional else "")
    raise _not_a_field(what, f"{what} must be {wanted}, got {type(value).__name__}")


def _not_a_field(what: str, problem: str) -> TypeError:
    return TypeError(
        f"{problem}; {what} is a parameter here, not a custom field as in py-healthcheck: "
        f"add_section({what!r}, ...) adds a field of that name"
    )


def _seconds(what: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, _NUMBER):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}")
    # Waits beyond threading.TIMEOUT_MAX overflow; nan and inf are not durations.
    if not 0 <= value <= defaults.MAX_SECONDS:
        raise ValueError(
            f"{what} must be between 0 and {defaults.MAX_SECONDS:g} seconds, got {value!r}"
        )
    return float(value)


def _ttl(what: str, value: float | None) -> float:
    """A result's life in seconds: ``None`` or 0 caches nothing (as in py-healthcheck); a
    string, a negative number or nan is an error naming the parameter."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, _NUMBER)):
        raise TypeError(f"{what} must be a number of seconds or None, got {value!r}")
    return _seconds(what, value) or 0.0


def _interval(value: float | None) -> float | None:
    seconds = _seconds("interval", value)
    if seconds is not None and seconds <= 0:
        raise ValueError(f"interval must be a positive number of seconds, got {value!r}")
    return seconds


def _names(names: Iterable[str]) -> frozenset[str]:
    """A set of names, where a lone string is one name, not its letters."""
    return frozenset([names] if isinstance(names, str) else names)
