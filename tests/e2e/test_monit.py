"""monit running contrib/monit/healthcheck.monitrc against a real app: ``healthcheck probe`` and
``healthcheck run`` as ``check program``, and monit's own ``protocol http`` test; the state
monit reports follows the app's health."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.checks.conftest import private_server
from tests.e2e.conftest import HERE, ROOT, eventually, gunicorn_backend, program
from tests.servers import free_port

MONITRC = ROOT / "contrib" / "monit" / "healthcheck.monitrc"
SERVICES = {"app_probe", "app_checks", "app"}


def monitrc(folder: Path, port: int, app_port: int, state_file: Path) -> str:
    """The example, with this test's paths and ports, and a cycle of one second."""
    command = str(Path(sys.executable).parent / "healthcheck")
    text = MONITRC.read_text()
    text = text.replace("set daemon 30", "set daemon 1")
    text = text.replace("/usr/local/bin/healthcheck", command)
    text = text.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    text = text.replace("port 8000", f"port {app_port}")
    text = text.replace("for 2 cycles", "")
    text = text.replace("PYTHONPATH=/srv/app", f"PYTHONPATH={HERE} E2E_STATE={state_file}")
    text = text.replace("myapp.health:health", "app:health")
    return (
        f"set logfile {folder}/monit.log\nset pidfile {folder}/monit.pid\n"
        f"set idfile {folder}/monit.id\nset statefile {folder}/monit.state\n"
        f"set httpd port {port} address 127.0.0.1\n    allow 127.0.0.1\n" + text
    )


def states(port: int) -> dict[str, bool]:
    """Each service's name and whether monit finds it healthy (status 0), once monitored."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_status?format=xml", timeout=5) as r:
        tree = ElementTree.fromstring(r.read())  # noqa: S314 - our own monit, on loopback
    return {
        s.findtext("name", ""): s.findtext("status") == "0"
        for s in tree.iter("service")
        if s.findtext("name") in SERVICES and s.findtext("monitor") == "1"
    }


def test_monit_follows_the_health_of_the_app(folder: Path) -> None:
    binary = program("monit", "monit")
    with gunicorn_backend("a", folder) as app:
        port = free_port()
        control = folder / "monitrc"
        control.write_text(monitrc(folder, port, app.port, app.state_file))
        control.chmod(0o600)  # monit refuses a control file others may read
        syntax = subprocess.run([binary, "-t", "-c", str(control)], capture_output=True, text=True)
        assert syntax.returncode == 0, syntax.stdout + syntax.stderr
        with private_server([binary, "-I", "-c", str(control)], port, failed=pytest.fail):
            healthy = dict.fromkeys(SERVICES, True)
            failing = dict.fromkeys(SERVICES, False)
            eventually(lambda: states(port) == healthy, 30, "monit to find all healthy")
            app.set("queue unreachable")
            eventually(lambda: states(port) == failing, 30, "monit to see every failure")
            app.set("ok")
            eventually(lambda: states(port) == healthy, 30, "monit to see it recover")
