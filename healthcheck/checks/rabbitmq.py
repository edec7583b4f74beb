"""RabbitMQ (AMQP 0-9-1): open a connection and a channel, then close both (pika)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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
)

if TYPE_CHECKING:
    import pika
    import pika.adapters.utils.connection_workflow as workflow
    import pika.exceptions
else:
    pika = require("pika", extra="rabbitmq")
    require("pika.exceptions", extra="rabbitmq")
    workflow = require("pika.adapters.utils.connection_workflow", extra="rabbitmq")

# pika raises some connection errors from outside its AMQPError tree.
_ERRORS = (pika.exceptions.AMQPError, workflow.AMQPConnectorException, OSError)

__all__ = ["RabbitMQCheck", "rabbitmq_check"]


@dataclass(frozen=True, eq=False)
class RabbitMQCheck(BuiltinCheck):
    """Open a connection and a channel to ``url``."""

    url: str = field(repr=False)

    def _parameters(self) -> pika.URLParameters:
        params = pika.URLParameters(self.url)
        params.socket_timeout = self.timeout
        # stack_timeout bounds the whole handshake (TCP, TLS, AMQP), which a server that
        # accepts and then stays silent would otherwise stretch to pika's 15 s default.
        params.stack_timeout = self.timeout
        params.blocked_connection_timeout = self.timeout
        params.connection_attempts = 1
        return params

    def __call__(self) -> Outcome:
        try:
            connection = pika.BlockingConnection(self._parameters())
        except workflow.AMQPConnectorStackTimeout:
            return Outcome(Status.FAIL, f"no AMQP handshake within {self.timeout:g} s")
        except _ERRORS as exc:
            return failure(_cause(exc), [url_password(self.url)])
        try:
            connection.channel().close()
        except _ERRORS as exc:
            return failure(exc, [url_password(self.url)])
        finally:
            if connection.is_open:
                connection.close()
        return Outcome(Status.PASS, "connection and channel opened")


def _cause(exc: BaseException) -> BaseException:
    """The error that says what happened: pika wraps a refused connection in two layers."""
    if isinstance(exc, pika.exceptions.AMQPConnectionError) and len(exc.args) == 1:
        exc = exc.args[0] if isinstance(exc.args[0], BaseException) else exc
    if isinstance(exc, workflow.AMQPConnectorPhaseErrorBase) and exc.exception is not None:
        exc = exc.exception
    return exc


def rabbitmq_check(
    url: str = "amqp://guest:guest@localhost:5672/%2F",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> RabbitMQCheck:
    """A checker that opens (and closes) a connection and a channel to RabbitMQ at ``url``
    (``amqp://user:password@host:5672/vhost``; ``amqps://`` for TLS)."""
    expected = "an AMQP URL (amqp://, or amqps:// for TLS)"
    example = "'amqp://guest:guest@localhost:5672/%2F'"
    checked_url(
        "rabbitmq_check", url, schemes=("amqp", "amqps"), expected=expected, example=example
    )
    try:  # its options (?heartbeat=30) as pika reads them when the check runs
        pika.URLParameters(url)
    except (ValueError, TypeError, pika.exceptions.AMQPError) as exc:
        note = str(exc)
        raise refused("rabbitmq_check", "url", expected, example, url, note) from None
    return RabbitMQCheck(
        check_name("rabbitmq_check", name, "rabbitmq"),
        seconds("rabbitmq_check", timeout),
        display_url(url),
        url,
    )
