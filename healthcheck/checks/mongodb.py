"""MongoDB: the ``ping`` command over a client made and closed on each run (PyMongo, sync and
async)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    checked_url,
    display_url,
    failure,
    refused,
    seconds,
    url_password,
    url_scheme,
)

if TYPE_CHECKING:
    import pymongo
    import pymongo.errors
else:
    pymongo = require("pymongo", extra="mongodb")
    require("pymongo.errors", extra="mongodb")
    require("pymongo.uri_parser", extra="mongodb")

__all__ = ["AsyncMongoDBCheck", "MongoDBCheck", "async_mongodb_check", "mongodb_check"]


def _options(timeout: float) -> dict[str, Any]:
    # Server selection is what waits for an unreachable server: PyMongo retries it for 30 s
    # by default, connection refused or not.
    ms = timeout * 1000
    return {
        "serverSelectionTimeoutMS": ms,
        "connectTimeoutMS": ms,
        "socketTimeoutMS": ms,
        "appname": "healthcheck",
    }


def _failure(exc: pymongo.errors.PyMongoError, url: str) -> Outcome:
    outcome = failure(exc, [url_password(url)])
    # ServerSelectionTimeoutError appends a long topology description to the cause.
    output = str(outcome.output).split(", Timeout: ")[0]
    return Outcome(Status.FAIL, output)


@dataclass(frozen=True, eq=False)
class MongoDBCheck(BuiltinCheck):
    """Run ``ping`` against ``url``."""

    url: str = field(repr=False)

    def __call__(self) -> Outcome:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            self.url, **_options(self.timeout)
        )
        try:
            client.admin.command("ping")
        except pymongo.errors.PyMongoError as exc:
            return _failure(exc, self.url)
        finally:
            client.close()
        return Outcome(Status.PASS, "ping ok")


@dataclass(frozen=True, eq=False)
class AsyncMongoDBCheck(BuiltinCheck):
    """:class:`MongoDBCheck` with ``pymongo.AsyncMongoClient``."""

    url: str = field(repr=False)

    async def __call__(self) -> Outcome:
        client: pymongo.AsyncMongoClient[dict[str, Any]] = pymongo.AsyncMongoClient(
            self.url, **_options(self.timeout)
        )
        try:
            await client.admin.command("ping")
        except pymongo.errors.PyMongoError as exc:
            return _failure(exc, self.url)
        finally:
            await client.close()
        return Outcome(Status.PASS, "ping ok")


def mongodb_check(
    url: str = "mongodb://localhost:27017",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> MongoDBCheck:
    """A checker that runs ``ping`` on MongoDB at ``url`` (``mongodb://`` or
    ``mongodb+srv://``)."""
    return MongoDBCheck(*_settings("mongodb_check", url, name, timeout))


def async_mongodb_check(
    url: str = "mongodb://localhost:27017",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> AsyncMongoDBCheck:
    """:func:`mongodb_check` for event loops (``pymongo.AsyncMongoClient``). Against a server
    that accepts connections and never answers, PyMongo's async monitor leaves its socket to
    the garbage collector (with a ``ResourceWarning``); the synchronous check does not."""
    return AsyncMongoDBCheck(*_settings("async_mongodb_check", url, name, timeout))


def _settings(
    factory: str, url: object, name: object, timeout: object
) -> tuple[str, float, str, str]:
    """The checker's name, timeout, target and URL, checked as PyMongo would when it runs
    (a ``mongodb+srv://`` URL but for its DNS records, looked up then)."""
    expected = "a mongodb:// or mongodb+srv:// URL"
    example = "'mongodb://localhost:27017'"
    # Several hosts (mongodb://a:27017,b:27017/) are PyMongo's to read.
    schemes = ("mongodb", "mongodb+srv")
    checked_url(factory, url, schemes=schemes, expected=expected, example=example, split=False)
    text = str(url)
    try:
        if url_scheme(text) == "mongodb+srv":
            # parse_uri would look the SRV records up: only what they cannot change is checked.
            netloc = text.partition("://")[2].partition("/")[0].partition("?")[0]
            host = netloc.rpartition("@")[2]
            if not host or "," in host or ":" in host:
                raise pymongo.errors.InvalidURI("one host name, and no port, in mongodb+srv://")
            query = text.partition("?")[2]
            if query:
                pymongo.uri_parser.split_options(query)
        else:
            pymongo.uri_parser.parse_uri(text)
    except (pymongo.errors.PyMongoError, ValueError) as exc:
        raise refused(factory, "url", expected, example, url, str(exc)) from None
    return check_name(factory, name, "mongodb"), seconds(factory, timeout), display_url(text), text
