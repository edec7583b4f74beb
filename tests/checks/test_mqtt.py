"""mqtt_check against the Mosquitto on 127.0.0.1:1883, a Mosquitto of our own that requires a
password, a closed port and a silent listener."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from healthcheck import Status
from tests.checks.conftest import (
    LOOPBACK,
    SilentListener,
    assert_fails_within,
    assert_no_leak,
    free_port,
    private_server,
    require_driver,
    require_service,
    timed,
    unavailable,
)

require_driver("paho.mqtt.client")

from healthcheck.checks.mqtt import mqtt_check  # noqa: E402

PORT = 1883
URL = f"mqtt://127.0.0.1:{PORT}"


@pytest.fixture
def server() -> str:
    require_service("mosquitto", PORT)
    return URL


@pytest.fixture(scope="module")
def guarded() -> Iterator[str]:
    """A Mosquitto that only lets in alice / right-pw; its URL without credentials."""
    # Not pytest's tmp_path: Mosquitto started as root reads its files as the mosquitto
    # user, who cannot enter pytest's private base directory.
    with tempfile.TemporaryDirectory(prefix="healthcheck-mosquitto-") as name:
        directory = Path(name)
        directory.chmod(0o755)
        yield from _guarded(directory)


def _guarded(directory: Path) -> Iterator[str]:
    passwd = directory / "passwd"
    try:
        subprocess.run(
            ["mosquitto_passwd", "-c", "-b", str(passwd), "alice", "right-pw"],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        unavailable(f"mosquitto_passwd failed: {exc}")
    passwd.chmod(0o644)
    port = free_port()
    config = directory / "mosquitto.conf"
    config.write_text(
        f"listener {port} {LOOPBACK}\nallow_anonymous false\npassword_file {passwd}\n"
        "persistence false\nlog_dest stderr\n"
    )
    with private_server(["mosquitto", "-c", str(config)], port):
        yield f"mqtt://{LOOPBACK}:{port}"


def test_passes_when_up(server: str) -> None:
    check = mqtt_check(server)
    outcome = check()
    assert (outcome.status, outcome.output) == (Status.PASS, "connected and disconnected")
    assert check.__name__ == "mqtt"


def test_passes_with_the_right_password(guarded: str) -> None:
    assert mqtt_check(guarded.replace("//", "//alice:right-pw@"))().status is Status.PASS


def test_bad_credentials_fail_without_showing_the_password(guarded: str) -> None:
    check = mqtt_check(guarded.replace("//", "//alice:s3cr3t-pw@"))
    outcome = check()
    assert outcome.status is Status.FAIL
    assert "refused by the broker: Not authorized" in outcome.output
    assert "s3cr3t-pw" not in f"{outcome} {check!r} {check.name}"
    assert "alice:***@" in repr(check)


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(mqtt_check(f"mqtt://127.0.0.1:{closed_port}", timeout=1))
    assert_fails_within(result, 1, "connection refused")


def test_silent_listener_fails_within_the_timeout(silent_port: int) -> None:
    result = timed(mqtt_check(f"mqtt://127.0.0.1:{silent_port}", timeout=0.5))
    assert_fails_within(result, 0.5, "no CONNACK within 0.5 s")


def test_only_mqtt_urls_are_taken() -> None:
    with pytest.raises(
        ValueError, match=r"^mqtt_check url: expected an MQTT URL .*\(scheme 'http'\)$"
    ):
        mqtt_check("http://127.0.0.1:1883")


def test_a_thousand_runs_leak_nothing(server: str) -> None:
    assert_no_leak(mqtt_check(server), PORT)


def test_refused_logins_leak_nothing(guarded: str) -> None:
    port = int(guarded.rsplit(":", 1)[1])
    assert_no_leak(mqtt_check(guarded.replace("//", "//alice:wrong@")), port, times=200)


def test_refused_connections_leak_nothing(closed_port: int) -> None:
    port = closed_port
    assert_no_leak(mqtt_check(f"mqtt://127.0.0.1:{port}"), None)


def test_silent_listeners_leak_nothing(silent_listener: SilentListener) -> None:
    port = silent_listener.port
    check = mqtt_check(f"mqtt://127.0.0.1:{port}", timeout=0.05)
    assert_no_leak(check, port, times=20, listener=silent_listener)
