"""smtp_check against a real SMTP server (aiosmtpd) on a loopback port: greeting, login,
STARTTLS with an untrusted certificate, a closed port and a silent listener."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from tests.checks.conftest import (
    assert_fails_within,
    assert_no_leak,
    free_port,
    require_driver,
    timed,
    unavailable,
)

require_driver("aiosmtpd")

from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from healthcheck.checks import smtp_check  # noqa: E402

PASSWORD = "mail-s3cret-pw"  # noqa: S105 - the test server's


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    port = free_port()
    controller = Controller(
        Sink(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
        server_hostname="mail.test",
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl is not installed (apt-get install openssl)")
    folder: Path = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [str(openssl), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, tls_context=context)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def test_passes_greeting_the_server(server: int) -> None:
    outcome = smtp_check(f"smtp://127.0.0.1:{server}")()
    assert (outcome.status, outcome.output) == (Status.PASS, "NOOP 250 from mail.test")


def test_logs_in_with_the_urls_credentials(server: int) -> None:
    good = smtp_check(f"smtp://app:{PASSWORD}@127.0.0.1:{server}")()
    bad = smtp_check(f"smtp://app:wrong-password-x@127.0.0.1:{server}")()
    assert good.status is Status.PASS
    assert bad.status is Status.FAIL and "535" in str(bad.output)
    assert "wrong-password-x" not in str(bad.output)


def test_starttls_with_a_certificate_nobody_trusts_fails(tls_server: int) -> None:
    outcome = smtp_check(f"smtp://127.0.0.1:{tls_server}", starttls=True)()
    assert outcome.status is Status.FAIL and "CERTIFICATE_VERIFY_FAILED" in str(outcome.output)
    plain = smtp_check(f"smtp://127.0.0.1:{tls_server}")()
    assert plain.status is Status.PASS  # without STARTTLS it never looks at the certificate


def test_registers_under_its_name_and_leaks_nothing(server: int) -> None:
    health = HealthCheck()
    health.add_check(smtp_check(f"smtp://127.0.0.1:{server}"))
    body, status, _ = health.run()
    assert status == 200 and '"checker": "smtp"' in body
    health.close()
    assert_no_leak(smtp_check(f"smtp://127.0.0.1:{server}"), server, times=100)


def test_closed_port_fails_at_once(closed_port: int) -> None:
    result = timed(smtp_check(f"smtp://127.0.0.1:{closed_port}", timeout=1))
    assert_fails_within(result, 1, "refused")


def test_silent_server_fails_within_the_timeout(silent_port: int) -> None:
    result = timed(smtp_check(f"smtp://127.0.0.1:{silent_port}", timeout=0.3))
    assert_fails_within(result, 0.3, "timed out")


@pytest.mark.parametrize(
    ("url", "options", "message"),
    [
        ("http://127.0.0.1", {}, "smtp://"),
        ("smtp://", {}, "smtp://"),
        ("smtps://127.0.0.1", {"starttls": True}, "TLS from the start"),
    ],
)
def test_what_is_not_an_smtp_url_is_refused(url: str, options: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        smtp_check(url, **options)
