"""The py-healthcheck compatible JSON body."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..jsonable import to_jsonable
from ..result import Status

SUCCESS = "success"
WARNING = "warning"
FAILURE = "failure"

#: The top-level ``status`` word for each overall state.
STATUS_WORDS = {Status.PASS: SUCCESS, Status.WARN: WARNING, Status.FAIL: FAILURE}


def json_success_handler(results: Sequence[Mapping[str, Any]], *args: Any, **sections: Any) -> str:
    """py-healthcheck's body for a passing run: hostname, status, timestamp, results, sections."""
    return render_body(SUCCESS, results, sections)


def json_failed_handler(results: Sequence[Mapping[str, Any]], *args: Any, **sections: Any) -> str:
    """py-healthcheck's body for a failing run."""
    return render_body(FAILURE, results, sections)


#: The handlers whose output :class:`BodyTemplate` reproduces (with "warning" besides).
DEFAULT_HANDLERS = (json_success_handler, json_failed_handler)


def render_body(status: str, results: Sequence[Any], sections: Mapping[str, Any]) -> str:
    return BodyTemplate(status, results, sections).render()


class BodyTemplate:
    """A serialised body with a hole for ``timestamp``.

    Serialising is the costly part of a cached request; the timestamp is the only field that
    changes while the results stay fresh, so it is the only one written per request.
    """

    __slots__ = ("head", "tail")

    # A string no caller produces; its JSON form marks where the timestamp goes.
    _HOLE = "\x00healthcheck-timestamp\x00"

    def __init__(
        self,
        status: str,
        results: Sequence[Any],
        sections: Mapping[str, Any],
        *,
        results_are_json: bool = False,
    ) -> None:
        """``results_are_json``: the results are :attr:`CheckResult.compat` objects, valid
        JSON already, so only the sections need converting (a cold run of a thousand checks
        spent most of its answer converting them again)."""
        data: dict[str, Any] = {
            "hostname": socket.gethostname(),
            "status": status,
            "timestamp": self._HOLE,
            "results": results if results_are_json else to_jsonable(results),
        }
        # Sections may override the fixed fields, as in py-healthcheck.
        data.update(to_jsonable(dict(sections)))  # type: ignore[arg-type]  # a dict in, a dict out
        text = json.dumps(data)
        head, hole, tail = text.partition(json.dumps(self._HOLE))
        self.head: str = head if hole else text
        self.tail: str | None = tail if hole else None

    def render(self) -> str:
        if self.tail is None:
            return self.head
        return self.head + repr(time.time()) + self.tail
