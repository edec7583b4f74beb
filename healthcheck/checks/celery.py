"""Celery: the app's workers answer a broadcast ping (celery's own remote control)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import defaults
from .._optional import require
from ..result import Outcome, Status
from ._base import BuiltinCheck, check_name, display_url, failure, in_thread, refused, seconds

require("celery", extra="celery")

__all__ = ["CeleryCheck", "celery_check"]


@dataclass(frozen=True, eq=False)
class CeleryCheck(BuiltinCheck):
    """Ping ``app``'s workers through its broker; pass as soon as ``min_workers`` have answered
    (their count is the observed value), fail when fewer do within the time limit."""

    app: Any = field(repr=False)
    min_workers: int

    def __call__(self) -> Outcome:
        # The ping waits for replies until its own deadline, well inside the check's time
        # limit; it ends as soon as min_workers have answered.
        wait = self.timeout * 0.5

        def ping() -> Any:
            # One connection and one attempt to make it (kombu would retry for many seconds),
            # with socket timeouts for a broker that accepts and never answers.
            # (polling_interval: how often kombu's Redis transport looks for the replies.)
            timeouts = {
                "socket_timeout": wait,
                "socket_connect_timeout": wait,
                "polling_interval": min(0.05, wait / 4),
            }
            with self.app.connection_for_write(
                connect_timeout=wait, transport_options=timeouts
            ) as connection:
                connection.ensure_connection(max_retries=0, timeout=wait)
                return self.app.control.ping(
                    timeout=wait, connection=connection, limit=self.min_workers
                )

        try:
            # A thread of its own as well: whatever a broker client does, the check answers.
            replies = in_thread(ping, self.timeout * 0.95, "healthcheck-celery") or []
        except TimeoutError:
            return Outcome(Status.FAIL, f"the broker did not answer within {self.timeout:g} s")
        except Exception as exc:  # kombu's and the broker client's errors alike
            return failure(exc)
        workers = sorted(name for reply in replies for name in reply)
        count = len(workers)
        if count < self.min_workers:
            wanted = f"{self.min_workers} wanted" if self.min_workers > 1 else "none answered"
            return Outcome(
                Status.FAIL, f"{count} workers answered the ping ({wanted})", count, "workers"
            )
        return Outcome(Status.PASS, f"{count} answered: {', '.join(workers)}", count, "workers")


def celery_check(
    app: Any,
    *,
    min_workers: int = 1,
    name: str | None = None,
    timeout: float = defaults.CHECK_TIMEOUT,
) -> CeleryCheck:
    """A checker that pings the workers of the Celery ``app`` and passes when at least
    ``min_workers`` answer within ``timeout`` seconds."""
    control = getattr(app, "control", None)
    if control is None or not callable(getattr(control, "ping", None)):
        expected = "a Celery application"
        example = "Celery('proj', broker='redis://localhost:6379/0')"
        raise refused("celery_check", "app", expected, example, app, wrong_type=True)
    expected = "a whole number of workers from 1"
    if isinstance(min_workers, bool) or not isinstance(min_workers, int):
        raise refused("celery_check", "min_workers", expected, "1", min_workers, wrong_type=True)
    if min_workers < 1:
        raise refused("celery_check", "min_workers", expected, "1", min_workers)
    broker = str(getattr(app.conf, "broker_url", None) or "celery")
    return CeleryCheck(
        check_name("celery_check", name, "celery"),
        seconds("celery_check", timeout),
        display_url(broker),
        app,
        min_workers,
    )
