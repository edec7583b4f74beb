"""MQTT: connect (until the broker's CONNACK) and disconnect cleanly (paho-mqtt 2)."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, checked_url, display_url, failure, seconds

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt
    import paho.mqtt.enums as enums
else:
    mqtt = require("paho.mqtt.client", extra="mqtt")
    enums = require("paho.mqtt.enums", extra="mqtt")

__all__ = ["MQTTCheck", "mqtt_check"]

_PORTS = {"mqtt": 1883, "tcp": 1883, "mqtts": 8883, "ssl": 8883}

# paho's loop() blocks in select() for this long at most, so the deadline is kept closely.
_TICK = 0.05


@dataclass(frozen=True, eq=False)
class MQTTCheck(BuiltinCheck):
    """Connect to the broker at ``url`` and disconnect."""

    url: str = field(repr=False)

    def __call__(self) -> Outcome:
        parts = urlsplit(self.url)
        password = unquote(parts.password) if parts.password else None
        connack: dict[str, Any] = {}
        # A client id of our own: brokers drop an older session that has the same one.
        client_id = f"healthcheck-{os.getpid()}-{secrets.token_hex(4)}"
        client = mqtt.Client(enums.CallbackAPIVersion.VERSION2, client_id=client_id)
        client.connect_timeout = self.timeout
        client.on_connect = lambda _client, _data, _flags, code, _props: connack.update(code=code)
        if parts.username is not None:
            client.username_pw_set(unquote(parts.username), password)
        if parts.scheme in ("mqtts", "ssl"):
            client.tls_set()
        try:
            client.connect(parts.hostname or "localhost", parts.port or _PORTS[parts.scheme])
            deadline = time.monotonic() + self.timeout
            while "code" not in connack and time.monotonic() < deadline:
                if client.loop(_TICK) != enums.MQTTErrorCode.MQTT_ERR_SUCCESS:
                    break  # the broker closed the connection
        except (OSError, ValueError) as exc:
            return failure(exc, [password])
        finally:
            # Sends DISCONNECT if still connected; paho closes the socket once it is written.
            client.disconnect()
            client.loop(0)
        code = connack.get("code")
        if code is None:
            return Outcome(Status.FAIL, f"no CONNACK within {self.timeout:g} s")
        if code.is_failure:
            return Outcome(Status.FAIL, f"connection refused by the broker: {code}")
        return Outcome(Status.PASS, "connected and disconnected")


def mqtt_check(
    url: str = "mqtt://localhost:1883",
    *,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> MQTTCheck:
    """A checker that connects to the MQTT broker at ``url`` (``mqtt://user:password@host:1883``,
    ``mqtts://`` for TLS), waits for its CONNACK and disconnects."""
    checked_url(
        "mqtt_check",
        url,
        schemes=_PORTS,
        expected="an MQTT URL (mqtt://, or mqtts:// for TLS)",
        example="'mqtt://user:password@localhost:1883'",
    )
    return MQTTCheck(
        check_name("mqtt_check", name, "mqtt"),
        seconds("mqtt_check", timeout),
        display_url(url),
        url,
    )
