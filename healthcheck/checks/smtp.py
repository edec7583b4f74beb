"""SMTP: greeting, EHLO, optional STARTTLS and login, NOOP, QUIT (standard library)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from urllib.parse import unquote

from .. import defaults
from ..result import Outcome, Status
from ._base import (
    BuiltinCheck,
    check_name,
    checked_url,
    display_url,
    failure,
    flag,
    refused,
    seconds,
)

__all__ = ["SMTPCheck", "smtp_check"]

_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True, eq=False)
class SMTPCheck(BuiltinCheck):
    """Talk to the mail server at ``host``:``port`` as far as sending would start."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None = field(repr=False)
    password: str | None = field(repr=False)

    def __call__(self) -> Outcome:
        try:
            if self.implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (smtplib.SMTPException, OSError) as exc:
            return failure(exc, [self.password])
        try:
            client.ehlo()
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if self.user is not None:
                client.login(self.user, self.password or "")
            code, message = client.noop()
            server = (client.ehlo_resp or b"").decode("utf-8", "replace").partition("\n")[0]
        except (smtplib.SMTPException, OSError) as exc:
            return failure(exc, [self.password])
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()
        if code != 250:
            text = message.decode("utf-8", "replace")
            return Outcome(Status.FAIL, f"NOOP answered {code} {text}")
        return Outcome(Status.PASS, f"NOOP {code} from {server.strip() or self.host}")


def smtp_check(
    url: str = "smtp://127.0.0.1:25",
    *,
    starttls: bool = False,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> SMTPCheck:
    """A checker that greets the mail server at ``url``: ``smtp://[user:password@]host[:25]``
    (``starttls=True`` upgrades the connection first) or ``smtps://host[:465]`` (TLS from the
    start), logs in when the URL has a user, and ends with NOOP and QUIT. Nothing is sent."""
    parts = checked_url(
        "smtp_check",
        url,
        schemes=_PORTS,
        expected="an smtp:// or smtps:// URL",
        example="'smtp://user:password@mail.internal:587'",
    )
    if flag("smtp_check", "starttls", starttls) and parts.scheme == "smtps":
        expected = "False for smtps://, TLS from the start (starttls=True is for smtp://)"
        raise refused("smtp_check", "starttls", expected, "False", starttls)
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return SMTPCheck(
        check_name("smtp_check", name, "smtp"),
        seconds("smtp_check", timeout),
        display_url(url),
        str(parts.hostname),
        parts.port or _PORTS[parts.scheme],
        parts.scheme == "smtps",
        starttls,
        user,
        password,
    )
