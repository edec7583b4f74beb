"""A real Nagios running contrib/nagios/healthcheck.cfg: ``healthcheck probe --format nagios``
as a plugin, its state and performance data as Nagios itself parses them, and monitoring-plugins'
``check_http`` on the same URL agreeing."""

from __future__ import annotations

import grp
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, eventually, gunicorn_backend, program

OBJECTS = ROOT / "contrib" / "nagios" / "healthcheck.cfg"
CHECK_HTTP = "/usr/lib/nagios/plugins/check_http"
TOKEN = "nagios-t0ken"  # noqa: S105 - the test app's

MAIN = """
log_file={folder}/nagios.log
cfg_file={folder}/base.cfg
cfg_file={folder}/healthcheck.cfg
status_file={folder}/status.dat
check_result_path={folder}/checkresults
lock_file={folder}/nagios.lock
temp_file={folder}/nagios.tmp
temp_path={folder}
query_socket={folder}/nagios.qh
check_external_commands=0
nagios_user={user}
nagios_group={group}
interval_length=1
check_result_reaper_frequency=1
enable_notifications=0
retain_state_information=0
precached_object_file={folder}/objects.precache
object_cache_file={folder}/objects.cache
process_performance_data=1
resource_file={folder}/resource.cfg
service_perfdata_file={folder}/perfdata
service_perfdata_file_template=$SERVICEDESC$\\t$SERVICESTATE$\\t$SERVICEOUTPUT$\\t\
$SERVICEPERFDATA$
service_perfdata_file_mode=a
"""

#: What the contrib file expects around it: a host, a service template, a time period; and a
#: third service, a misused probe, for UNKNOWN.
BASE = """
define timeperiod {{
    timeperiod_name always
    alias always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}}
define contact {{
    contact_name nobody
    service_notification_period always
    host_notification_period always
    service_notification_options n
    host_notification_options n
    service_notification_commands check_healthcheck
    host_notification_commands check_healthcheck
}}
define host {{
    host_name web-1
    address 127.0.0.1
    max_check_attempts 1
    check_period always
    contacts nobody
    notification_period always
    active_checks_enabled 0
}}
define service {{
    name generic-service
    register 0
    max_check_attempts 1
    check_interval 1
    retry_interval 1
    check_period always
    contacts nobody
    notification_period always
}}
define command {{
    command_name check_misused
    command_line {healthcheck} probe ftp://$HOSTADDRESS$/ --format nagios
}}
define service {{
    use generic-service
    host_name web-1
    service_description misused
    check_command check_misused
}}
"""


def last_states(perfdata: Path) -> dict[str, tuple[str, str, str]]:
    """Each service's latest (state, output, performance data), as Nagios wrote them."""
    found: dict[str, tuple[str, str, str]] = {}
    if perfdata.exists():
        for line in perfdata.read_text().splitlines():
            service, state, output, perf = [*line.split("\t"), "", "", ""][:4]
            found[service] = (state, output, perf)
    return found


#: One performance data item as the plugin guidelines write it: label=value[UOM];warn;crit;min;max
PERF = re.compile(r"'?([^'=]+)'?=([0-9.]+)(s|%|B|KB|MB|TB|c)?;([^;]*);([^;]*);([^;]*);?([^;]*)$")


def check_seconds(perf: str) -> float:
    """The backend check's duration from Nagios's performance data: one item, in seconds,
    with a minimum of 0."""
    items = perf.split()
    assert len(items) == 1, perf
    found = PERF.fullmatch(items[0])
    assert found is not None, perf
    label, value, unit, _warn, _crit, minimum, _max = found.groups()
    assert (label, unit, minimum) == ("backend", "s", "0"), perf
    return float(value)


def test_nagios_runs_the_probe_as_a_plugin_and_check_http_agrees(folder: Path) -> None:
    binary = program("nagios4", "nagios4-core")
    if not Path(CHECK_HTTP).exists():
        program("check_http", "monitoring-plugins-basic")
    healthcheck = str(Path(sys.executable).parent / "healthcheck")
    # The details (a perfdata value per check) only with the token, as for a remote Nagios.
    with gunicorn_backend("a", folder, token=TOKEN) as app:
        (folder / "checkresults").mkdir()
        (folder / "resource.cfg").write_text(f"$USER3$={TOKEN}\n")
        objects = OBJECTS.read_text().replace("/usr/local/bin/healthcheck", healthcheck)
        (folder / "healthcheck.cfg").write_text(objects.replace("!8000", f"!{app.port}"))
        (folder / "base.cfg").write_text(BASE.format(healthcheck=healthcheck))
        user = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        config = folder / "nagios.cfg"
        config.write_text(MAIN.format(folder=folder, user=user, group=group))
        verified = subprocess.run([binary, "-v", str(config)], capture_output=True, text=True)
        assert verified.returncode == 0, verified.stdout[-2000:]
        nagios = subprocess.Popen(
            [binary, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        perfdata = folder / "perfdata"
        try:

            def states(health: str, http: str) -> bool:
                found = last_states(perfdata)
                return (
                    found.get("health", ("",))[0] == health
                    and found.get("health-http", ("",))[0] == http
                    and found.get("misused", ("",))[0] == "UNKNOWN"
                )

            eventually(lambda: states("OK", "OK"), 30, "Nagios to see the app OK")
            found = last_states(perfdata)
            assert found["health"][1].startswith("HEALTHCHECK OK - passing")
            assert check_seconds(found["health"][2]) < 2  # the check's own duration
            assert found["health-http"][1].startswith("HTTP OK")
            assert found["misused"][1].startswith("HEALTHCHECK UNKNOWN - ")

            app.set("slow")
            eventually(lambda: states("WARNING", "OK"), 30, "a warning (HTTP still 200)")
            assert last_states(perfdata)["health"][1].startswith("HEALTHCHECK WARNING - ")
            app.set("database unreachable")
            eventually(lambda: states("CRITICAL", "CRITICAL"), 30, "both CRITICAL")
            found = last_states(perfdata)
            assert found["health"][1].startswith("HEALTHCHECK CRITICAL - ")
            assert "not passing: backend" in found["health"][1]
            check_seconds(found["health"][2])  # failing, still measured
            assert found["health-http"][1].startswith("HTTP CRITICAL")
            assert "500" in found["health-http"][1]
            app.set("ok")
            eventually(lambda: states("OK", "OK"), 30, "both OK again")
        finally:
            nagios.terminate()
            nagios.wait(10)
