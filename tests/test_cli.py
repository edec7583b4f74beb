"""The real ``healthcheck`` command, in a subprocess, against real servers on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from healthcheck import HealthCheck, Status
from healthcheck.integrations.wsgi import HealthWSGI
from tests.http import wsgi_server
from tests.servers import free_port

COMMAND = [sys.executable, "-m", "healthcheck"]


def healthcheck(
    *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, str]]:
    """A healthy, a failing, a warning and a slow service, plus a plain non-health app."""
    healthy = HealthCheck()
    healthy.add_check(lambda: (True, "database ok"), name="database")
    healthy.add_check(lambda: (True, "cache ok"), name="cache")
    failing = HealthCheck()
    failing.add_check(lambda: (True, "database ok"), name="database")
    failing.add_check(lambda: (False, "queue unreachable"), name="queue")
    warning = HealthCheck()
    warning.add_check(lambda: (Status.WARN, "disk 91% full"), name="disk")
    release = threading.Event()

    def hangs() -> tuple[bool, str]:
        release.wait(30)
        return True, "too late"

    slow = HealthCheck()
    slow.add_check(hangs, name="slow")

    def plain(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        bad = environ["PATH_INFO"] == "/down"
        start_response(
            "503 Service Unavailable" if bad else "200 OK", [("Content-Type", "text/plain")]
        )
        return [b"down" if bad else b"hello"]

    apps = {
        "healthy": HealthWSGI(healthy),
        "failing": HealthWSGI(failing),
        "warning": HealthWSGI(warning),
        "slow": HealthWSGI(slow),
        "plain": plain,
    }
    with (
        wsgi_server(apps["healthy"]) as h,
        wsgi_server(apps["failing"]) as f,
        wsgi_server(apps["warning"]) as w,
        wsgi_server(apps["slow"]) as s,
        wsgi_server(apps["plain"]) as p,
    ):
        yield {"healthy": h, "failing": f, "warning": w, "slow": s, "plain": p}
    release.set()
    for health in (healthy, failing, warning, slow):
        health.close(timeout=5)


def test_probe_a_healthy_service(servers: dict[str, str]) -> None:
    done = healthcheck("probe", servers["healthy"] + "/healthcheck")
    assert done.returncode == 0
    assert done.stdout.startswith("passing: ")
    assert "2 checks (2 pass)" in done.stdout
    assert len(done.stdout.splitlines()) == 1


def test_probe_a_failing_service_verbose(servers: dict[str, str]) -> None:
    done = healthcheck("probe", servers["failing"] + "/healthcheck", "--verbose")
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("failing: ") and "not passing: queue" in lines[0]
    assert "[-]queue failed: queue unreachable" in lines[1:][1]
    assert lines[1].startswith("[+]database ok (")


def test_probe_understands_every_format_of_ours(servers: dict[str, str]) -> None:
    base = servers["failing"]
    for path in (
        "/healthcheck?format=health%2Bjson",
        "/healthcheck?format=text",
        "/readyz?verbose",
    ):
        done = healthcheck("probe", base + path, "--verbose")
        assert done.returncode == 1, path
        assert any(line.startswith("[-]queue") for line in done.stdout.splitlines()), path
    assert healthcheck("probe", servers["healthy"] + "/livez").returncode == 0


def test_probe_a_plain_body_by_its_status_code(servers: dict[str, str]) -> None:
    assert healthcheck("probe", servers["plain"] + "/").returncode == 0
    assert healthcheck("probe", servers["plain"] + "/down").returncode == 1


def test_probe_a_warning_is_healthy_but_says_so(servers: dict[str, str]) -> None:
    done = healthcheck("probe", servers["warning"] + "/healthcheck")
    assert done.returncode == 0
    assert done.stdout.startswith("passing with warnings: ")


def test_probe_a_slow_service_times_out(servers: dict[str, str]) -> None:
    started = time.monotonic()
    done = healthcheck("probe", servers["slow"] + "/healthcheck", "--timeout", "0.5")
    assert done.returncode == 2
    assert "no answer within 0.5 s" in done.stderr
    assert time.monotonic() - started < 20  # a hang would hit the subprocess timeout


def test_probe_a_closed_port() -> None:
    done = healthcheck("probe", f"http://127.0.0.1:{free_port()}/healthcheck")
    assert done.returncode == 2
    assert done.stderr.startswith("unreachable: ")
    assert "Traceback" not in done.stderr


def test_nagios_format(servers: dict[str, str]) -> None:
    ok = healthcheck("probe", servers["healthy"] + "/healthcheck", "--format", "nagios")
    warn = healthcheck("probe", servers["warning"] + "/healthcheck", "--format", "nagios")
    critical = healthcheck("probe", servers["failing"] + "/healthcheck", "--format", "nagios")
    closed = healthcheck("probe", f"http://127.0.0.1:{free_port()}/", "--format", "nagios")
    misused = healthcheck("probe", "ftp://example.invalid/", "--format", "nagios")
    assert ok.returncode == 0 and ok.stdout.startswith("HEALTHCHECK OK - ")
    perfdata = ok.stdout.strip().partition(" | ")[2]
    labels = [item.split("=")[0] for item in perfdata.split()]
    assert labels == ["database", "cache"]
    assert all(item.endswith("s;;;0") for item in perfdata.split())
    assert (warn.returncode, warn.stdout.split(" - ")[0]) == (1, "HEALTHCHECK WARNING")
    assert (critical.returncode, critical.stdout.split(" - ")[0]) == (2, "HEALTHCHECK CRITICAL")
    assert closed.returncode == 2 and closed.stdout.startswith("HEALTHCHECK CRITICAL - unreachable")
    assert misused.returncode == 3


@pytest.fixture
def app_module(tmp_path: Path) -> Path:
    (tmp_path / "shop_health.py").write_text(
        "import threading\n"
        "from healthcheck import HealthCheck\n"
        "health = HealthCheck()\n"
        "health.add_check(lambda: (True, 'db ok'), name='database', tags=['ready'])\n"
        "health.add_check(lambda: (False, 'no stock feed'), name='feed', tags=['feeds'])\n"
        "hung = HealthCheck()\n"
        "hung.add_check(lambda: threading.Event().wait(), name='forever')\n"
        "not_a_health = 42\n"
        "def broken():\n"
        "    raise ConnectionError('refused')\n"
        "raising = HealthCheck()\n"
        "raising.add_check(broken)\n"
    )
    return tmp_path


def test_run_in_process(app_module: Path) -> None:
    everything = healthcheck("run", "shop_health:health", "--verbose", cwd=app_module)
    ready = healthcheck("run", "shop_health:health", "--tag", "ready", cwd=app_module)
    one = healthcheck(
        "run", "shop_health:health", "--check", "feed", "--format", "json", cwd=app_module
    )
    assert everything.returncode == 1
    assert "[-]feed failed: no stock feed" in everything.stdout
    assert ready.returncode == 0 and "1 check (1 pass)" in ready.stdout
    assert one.returncode == 1
    assert '"name": "feed"' in one.stdout and '"status": "fail"' in one.stdout


def test_run_with_nagios_output(app_module: Path) -> None:
    done = healthcheck(
        "run", "shop_health:health", "--tag", "ready", "--format", "nagios", cwd=app_module
    )
    assert done.returncode == 0
    assert done.stdout.startswith("HEALTHCHECK OK - ")
    assert "database=" in done.stdout.split(" | ")[1]


def test_run_gives_up_after_its_timeout(app_module: Path) -> None:
    done = healthcheck("run", "shop_health:hung", "--timeout", "0.5", cwd=app_module)
    assert done.returncode == 2
    assert "did not finish within 0.5 s" in done.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("shop_health", "expected MODULE:ATTR"),
        ("no_such_module:health", "cannot import 'no_such_module'"),
        ("shop_health:missing", "has no attribute 'missing'"),
        ("shop_health:not_a_health", "is a int, not a HealthCheck"),
    ],
)
def test_run_misuse_is_one_clear_line(app_module: Path, target: str, message: str) -> None:
    done = healthcheck("run", target, cwd=app_module)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_check_name_is_misuse(app_module: Path) -> None:
    done = healthcheck("run", "shop_health:health", "--check", "nope", cwd=app_module)
    assert done.returncode == 2 and "no check named 'nope'" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["probe"], ["probe", "http://x", "--timeout", "soon"], ["frobnicate"], ["run"]],
)
def test_bad_arguments_are_one_line_and_exit_2(args: list[str]) -> None:
    done = healthcheck(*args)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "see --help" in done.stderr


@pytest.mark.parametrize("command", [[], ["probe"], ["run"], ["demo"]])
def test_every_command_has_help(command: list[str]) -> None:
    done = healthcheck(*command, "--help")
    assert done.returncode == 0
    assert "usage: healthcheck" in done.stdout


def test_the_console_script_is_installed(servers: dict[str, str]) -> None:
    script = Path(sys.executable).parent / ("healthcheck.exe" if os.name == "nt" else "healthcheck")
    done = subprocess.run(
        [str(script), "probe", servers["healthy"] + "/healthcheck"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.startswith("passing")


def test_the_command_line_loads_nothing_but_the_standard_library() -> None:
    """`healthcheck probe` runs every few seconds in containers: importing the command line
    must not load the package (its engine, psutil, cachetools)."""
    import subprocess
    import sys

    script = (
        "import sys; import healthcheck.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('healthcheck', 'psutil', 'cachetools', 'flask', 'tornado')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert (
        done.stdout.strip()
        == "['healthcheck', 'healthcheck._about', 'healthcheck.cli', 'healthcheck.vocabulary']"
    )


# -- the probe under hostile servers and URLs (outside review F3-F5) ---------------------------


@pytest.fixture
def raw_server() -> Iterator[tuple[str, list[bytes], list[bytes]]]:
    """A socket server on loopback that answers each connection with ``script``: a list of
    chunks sent 0.5 s apart (a trickle); yields its base URL, the script and the requests it
    read."""
    import socket as sockets

    script: list[bytes] = []
    stop = threading.Event()
    seen: list[bytes] = []
    listener = sockets.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                seen.append(conn.recv(65536))
                for chunk in script:
                    if stop.wait(0.5):
                        return
                    try:
                        conn.sendall(chunk)
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", script, seen
    finally:
        stop.set()
        thread.join(10)
        listener.close()


def test_probe_timeout_bounds_the_whole_answer_not_each_read(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    base, script, _ = raw_server
    body = b'{"status": "success"}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    script += [head + b"Content-Length: %d\r\n\r\n" % len(body)] + [bytes([c]) for c in body]
    done = healthcheck("probe", base + "/healthcheck", "--timeout", "1")
    assert done.returncode == 2  # a trickle is too slow, not healthy
    assert "no answer within 1 s" in done.stderr


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://127.0.0.1:abc/",
        "http://127.0.0.1:8000/a b",
        "http://127.0.0.1:99999/",
    ],
)
def test_a_malformed_url_is_one_line_and_exit_2(url: str) -> None:
    done = healthcheck("probe", url)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("healthcheck: ")


@pytest.mark.parametrize(
    ("scheme", "rest", "secret", "shown", "sent"),
    [
        # user:password@ is sent as Basic authentication (monitor:s3cr@t), shown masked
        (
            "http://monitor:s3cr%40t@",
            "/healthcheck",
            "s3cr",
            "monitor:***@127.0.0.1",
            b"Authorization: Basic bW9uaXRvcjpzM2NyQHQ=",
        ),
        # a secret-looking query value is sent as given, shown masked; any case of scheme
        (
            "HTTP://",
            "/healthcheck?token=abc123&verbose=1",
            "abc123",
            "token=***&verbose=***",
            b"token=abc123",
        ),
    ],
)
def test_secrets_in_the_url_are_sent_and_never_printed(
    raw_server: tuple[str, list[bytes], list[bytes]],
    scheme: str,
    rest: str,
    secret: str,
    shown: str,
    sent: bytes,
) -> None:
    base, script, seen = raw_server
    script.append(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    done = healthcheck("probe", base.replace("http://", scheme) + rest, "--timeout", "5")
    assert done.returncode == 1
    assert secret not in done.stdout + done.stderr
    assert shown in done.stdout
    assert sent in seen[0]


def test_a_redirect_loop_is_followed_five_times_then_unhealthy(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    base, script, seen = raw_server
    script.append(
        b"HTTP/1.1 302 Found\r\nLocation: /healthcheck\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n"
    )
    done = healthcheck("probe", base + "/healthcheck", "--timeout", "20")
    assert done.returncode == 1
    assert "answered 302 (a redirect not followed" in done.stdout
    assert len(seen) <= 6  # the first request and at most five redirects


@pytest.mark.parametrize("location", ["file:///etc/passwd", "http://127.0.0.2:9/elsewhere"])
def test_a_redirect_to_another_origin_is_not_followed_and_unhealthy(
    raw_server: tuple[str, list[bytes], list[bytes]], location: str
) -> None:
    base, script, seen = raw_server
    script.append(
        b"HTTP/1.1 301 Moved\r\nLocation: %s\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n" % location.encode()
    )
    done = healthcheck("probe", base + "/healthcheck", "--timeout", "10")
    assert (done.returncode, len(seen)) == (1, 1)
    assert "answered 301" in done.stdout


def test_a_redirect_within_the_origin_is_followed() -> None:
    from tests.http import wsgi_server

    def app(environ: dict[str, Any], start: Any) -> list[bytes]:
        if environ["PATH_INFO"] == "/health":
            start("302 Found", [("Location", "/health/")])
            return [b""]
        start("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "success"}']

    with wsgi_server(app) as base:
        done = healthcheck("probe", base + "/health", "--timeout", "10")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "answered 200" in done.stdout


@pytest.mark.parametrize("word", ["OUT_OF_SERVICE", "unhealthy", "DOWN", "sleepy"])
def test_down_like_and_unknown_states_are_unhealthy(
    raw_server: tuple[str, list[bytes], list[bytes]], word: str
) -> None:
    base, script, _ = raw_server
    body = b'{"status": "%s"}' % word.encode()
    script.append(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body) + body
    )
    assert healthcheck("probe", base + "/healthcheck", "--timeout", "10").returncode == 1


def test_an_answer_too_large_to_judge_is_unhealthy(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    # Cut at 1 MiB, a failure could hide past the cut: fail closed, never open.
    base, script, _ = raw_server
    body = b'{"status": "success", "pad": "' + b"x" * (2 << 20) + b'", "status2": "failure"}'
    script.append(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body) + body
    )
    done = healthcheck("probe", base + "/healthcheck", "--timeout", "10")
    assert done.returncode == 1
    assert "too much to judge" in done.stdout


def test_a_timeout_of_zero_says_what_is_allowed() -> None:
    done = healthcheck("probe", "http://127.0.0.1:9/", "--timeout", "0")
    assert done.returncode == 2
    assert "more than 0 and at most 86400" in done.stderr


@pytest.mark.parametrize("fmt", ["text", "nagios"])
def test_a_hostile_answer_cannot_move_the_terminal_or_forge_a_status_line(
    raw_server: tuple[str, list[bytes], list[bytes]], fmt: str
) -> None:
    base, script, _ = raw_server
    body = (
        b'{"status": "failure", "results": [{"checker": "db", "passed": false, '
        b'"output": "down\\nHEALTHCHECK OK - fake | x=1\\u001b[2J"}]}'
    )
    script.append(
        b"HTTP/1.1 500 Oops\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body) + body
    )
    done = healthcheck("probe", base + "/healthcheck", "--verbose", "--format", fmt)
    assert done.returncode in (1, 2)
    assert "\x1b" not in done.stdout
    lines = done.stdout.splitlines()
    assert not any(line.startswith("HEALTHCHECK OK") for line in lines)
    assert "down\\nHEALTHCHECK OK - fake" in done.stdout
    if fmt == "nagios":  # "|" starts performance data on any line: none may come from a name
        assert [line.count("|") for line in lines] == [0] * len(lines)


def test_a_deeply_nested_answer_is_judged_not_a_traceback(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    base, script, _ = raw_server
    body = b"[" * 100_000 + b"]" * 100_000
    script.append(
        b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
    )
    done = healthcheck("probe", base + "/healthcheck", "--timeout", "10")
    assert "Traceback" not in done.stderr
    assert done.returncode == 0  # a 200 whose body is none of ours


def test_run_prints_a_failing_check_on_one_line_without_a_traceback(app_module: Path) -> None:
    done = healthcheck("run", "shop_health:raising", "--verbose", cwd=app_module)
    assert done.returncode == 1
    assert "[-]broken failed: refused" in done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_a_url_that_is_not_http_is_refused_without_being_printed() -> None:
    done = healthcheck("probe", "ftp://user:pw-s3cret@127.0.0.1/x?token=t0ken")
    assert done.returncode == 2
    assert "scheme: ftp" in done.stderr
    assert "s3cret" not in done.stderr and "t0ken" not in done.stderr


def test_bare_query_values_and_fragments_are_not_printed(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    base, script, _ = raw_server
    script.append(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    done = healthcheck("probe", base + "/healthcheck?S3cr3tBare#frag-s3cret", "--timeout", "5")
    assert done.returncode == 1
    assert "S3cr3tBare" not in done.stdout and "frag-s3cret" not in done.stdout
    assert "?***" in done.stdout


def test_a_healthy_verdict_with_a_failing_check_is_a_warning(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    base, script, _ = raw_server
    body = b'{"status": "UP", "components": {"db": {"status": "UP"}, "queue": {"status": "DOWN"}}}'
    script.append(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n" % len(body) + body
    )
    done = healthcheck("probe", base + "/health", "--format", "nagios", "--timeout", "5")
    assert done.returncode == 1  # WARNING
    assert done.stdout.startswith("HEALTHCHECK WARNING - passing with warnings")


def test_nagios_performance_labels_hold_no_line_breaks_in_any_spelling() -> None:
    from healthcheck.cli import CheckLine, Verdict, render

    names = ["a\u2028b", "c\x85d", "e\u202ef", "g|h=1"]
    checks = [CheckLine(name, "pass", "", 0.001) for name in names]
    text, _ = render(Verdict("pass", "healthy", checks), "nagios", verbose=False)
    (line,) = text.splitlines()
    perfdata = line.partition(" | ")[2]
    assert perfdata.isascii() and "|" not in perfdata
    assert perfdata.count("=") == len(names)  # one per item: "=" ends a label, so none in one


def test_an_import_error_is_printed_with_its_secrets_masked(tmp_path: Path) -> None:
    (tmp_path / "broken_app.py").write_text(
        "raise RuntimeError('cannot connect to postgresql://app:Imp0rtS3cret@db/x')\n"
    )
    done = healthcheck("run", "broken_app:health", cwd=tmp_path)
    assert done.returncode == 2
    assert "Imp0rtS3cret" not in done.stderr and "postgresql://app:" in done.stderr


def test_a_tag_no_check_has_is_a_usage_error(app_module: Path) -> None:
    done = healthcheck("run", "shop_health:health", "--tag", "raedy", cwd=app_module)
    assert done.returncode == 2
    assert "no check tagged 'raedy'" in done.stderr


def test_nagios_mode_reports_misuse_as_unknown_on_stdout(app_module: Path) -> None:
    bad_option = healthcheck("probe", "--format", "nagios", "--timeout", "x", "http://h/")
    bad_target = healthcheck("run", "nope:health", "--format", "nagios", cwd=app_module)
    for done in (bad_option, bad_target):
        assert done.returncode == 3
        assert done.stdout.startswith("HEALTHCHECK UNKNOWN - ")


def test_a_user_name_alone_and_path_parameters_are_not_printed(
    raw_server: tuple[str, list[bytes], list[bytes]],
) -> None:
    base, script, _ = raw_server
    script.append(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    url = base.replace("http://", "http://T0kenUser@") + "/health;jsessionid=S3ssion"
    done = healthcheck("probe", url, "--timeout", "5")
    assert done.returncode == 1
    assert "T0kenUser" not in done.stdout and "S3ssion" not in done.stdout
    assert "***@" in done.stdout and ";***" in done.stdout
