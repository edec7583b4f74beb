"""One vocabulary for states, in every format: ``pass``, ``warn`` and ``fail``.

The README's table maps it to the words other formats must keep: py-healthcheck's JSON
(``success``, ``warning``, ``failure``), Nagios (``OK``, ``WARNING``, ``CRITICAL``) and
Kubernetes-style probe lines (``ok``, ``failed``). Plain strings, so that the command line can
import it without the rest of the package.
"""

from __future__ import annotations

#: The states, mildest first.
STATES = ("pass", "warn", "fail")

#: How a run in each state reads in a sentence: the status page's banner, the CLI's verdict.
HEADLINES = {"pass": "passing", "warn": "passing with warnings", "fail": "failing"}

#: The last line of a text or probe body, after the service's or probe's name.
PROBE_ENDINGS = {
    "pass": "check passed",
    "warn": "check passed with warnings",
    "fail": "check failed",
}
