"""HealthCheck's settings: one immutable object, validated as a whole when built."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from numbers import Real
from typing import Any, Generic, TypeVar, overload

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
    share: str | None = None

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
        fix(self, "share", _share(self.share))
        for name in ("success_headers", "failed_headers"):
            fix(self, name, _headers(name, getattr(self, name)))
        for name in ("success_status", "failed_status", "warn_status"):
            _status(name, getattr(self, name))
        for name in ("success_handler", "failed_handler"):
            handler = getattr(self, name)
            if handler is not None and not callable(handler):
                raise _not_a_field(
                    name, f"{name} must be a callable or None, got {type(handler).__name__}"
                )
        for name in ("max_output", "max_section"):
            limit = getattr(self, name)
            if limit is not None and limit < 0:
                raise ValueError(f"{name} must be a number of characters >= 0 or None, got {limit}")

    def status_code(self, status: Status) -> int:
        """The HTTP status for an overall state."""
        if status is Status.FAIL:
            return self.failed_status
        return self.success_status if status is Status.PASS else self.warn_status


G = TypeVar("G")
S = TypeVar("S")


class _Setting(Generic[G, S]):
    """One of HealthCheck's settings as an attribute: reading it reads the settings; assigning
    it builds new settings, validated as on construction (a value of type ``S`` is read back
    as ``G``: ``None`` becomes the default, say)."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Setting[G, S]: ...

    @overload
    def __get__(self, obj: _SettingAttributes, owner: type) -> G: ...

    def __get__(self, obj: _SettingAttributes | None, owner: type) -> Any:
        return self if obj is None else getattr(obj._settings, self._name)

    def __set__(self, obj: _SettingAttributes, value: S) -> None:
        obj._change(**{self._name: value})


class _Fixed(_Setting[Any, object]):
    """A setting that only the constructor takes (the pool and the grace period are made from
    it): readable; assigning it is an error rather than a value silently ignored."""

    def __set__(self, obj: _SettingAttributes, value: object) -> None:
        raise AttributeError(
            f"{self._name} is fixed when the HealthCheck is made: HealthCheck({self._name}=...)"
        )


class _SettingAttributes:
    """HealthCheck's settings as attributes, as py-healthcheck had them: reading one reads the
    settings; assigning one builds new settings, validated as on construction."""

    _settings: Settings

    def _change(self, **change: Any) -> None:
        self._settings = dataclasses.replace(self._settings, **change)

    grace_period: _Fixed = _Fixed("Seconds after start-up during which failures only warn.")
    max_workers: _Fixed = _Fixed("The most threads running synchronous checks at once.")
    share: _Fixed = _Fixed(
        "The directory through which the processes of one host share results, if any."
    )

    success_status: _Setting[int, int] = _Setting("The HTTP status of a passing answer.")
    success_headers: _Setting[dict[str, str], Mapping[str, str] | None] = _Setting(
        "The headers of a passing answer (``None``: JSON's content type)."
    )
    success_handler: _Setting[Handler | None, Handler | None] = _Setting(
        "Builds a passing answer's body; ``None`` answers ``OK``."
    )
    success_ttl: _Setting[float, float | None] = _Setting(
        "Seconds a passing result is kept (``None`` or 0: not kept)."
    )
    failed_status: _Setting[int, int] = _Setting("The HTTP status of a failing answer.")
    failed_headers: _Setting[dict[str, str], Mapping[str, str] | None] = _Setting(
        "The headers of a failing answer (``None``: JSON's content type)."
    )
    failed_handler: _Setting[Handler | None, Handler | None] = _Setting(
        "Builds a failing answer's body; ``None`` answers ``NOT OK``."
    )
    failed_ttl: _Setting[float, float | None] = _Setting(
        "Seconds a failing result is kept (``None`` or 0: not kept)."
    )
    error_timeout: _Setting[float | None, float | None] = _Setting(
        "Seconds a check may run unless it has its own timeout (``None`` or 0: no limit)."
    )
    warn_status: _Setting[int, int] = _Setting(
        "The HTTP status of an answer whose worst state is a warning."
    )
    build_info: _Setting[BuildInfo | None, BuildInfo | None] = _Setting(
        "Build fields added to the body, if any."
    )
    interval: _Setting[float | None, float | None] = _Setting(
        "Seconds between background runs; ``None``: checks run on demand."
    )
    scrubber: _Setting[Scrubber, Scrubber | None] = _Setting(
        "What masks secrets in outputs, sections and logs (``None``: the default)."
    )
    max_output: _Setting[int | None, int | None] = _Setting(
        "Longest check output, in characters of JSON (``None``: no limit)."
    )
    max_section: _Setting[int | None, int | None] = _Setting(
        "Longest body section, in characters of JSON (``None``: no limit)."
    )


def _status(what: str, value: Any) -> None:
    """An HTTP status code: a whole number from 100 to 599."""
    _choice(what, value, int, optional=False)
    if not 100 <= value <= 599:
        raise ValueError(f"{what} must be an HTTP status code (100-599), got {value}")


def _headers(what: str, value: Any) -> dict[str, str]:
    """Headers as a dict of strings (``None`` or none at all: JSON's content type, as in
    py-healthcheck)."""
    if not value:
        return _json_headers()
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _not_a_field(what, f"{what} must be a mapping of header names to strings or None")
    for name, text in value.items():
        # A line break would end the header (or split the response); a name is a token.
        if not _HEADER_NAME.fullmatch(name) or any(c in text for c in "\r\n\0"):
            raise ValueError(f"{what} holds an invalid header: {name!r}: {text!r}")
    return dict(value)


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


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
    # Waits beyond threading.TIMEOUT_MAX overflow; nan and inf are not durations. As a float
    # first: Decimal("NaN") refuses to be compared at all.
    if not 0 <= float(value) <= defaults.MAX_SECONDS:
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
    if seconds is not None and seconds < defaults.MIN_INTERVAL:
        raise ValueError(
            f"interval must be at least {defaults.MIN_INTERVAL:g} seconds, got {value!r}"
        )
    return seconds


def _share(value: Any) -> str | None:
    """The shared directory as a path string; ``None`` (or "") shares nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise _not_a_field("share", f"share must be a directory path or None, got {value!r}")
    return value


def _names(names: Iterable[str]) -> frozenset[str]:
    """A set of names, where a lone string is one name, not its letters."""
    return frozenset([names] if isinstance(names, str) else names)
