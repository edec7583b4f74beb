"""Bounded responses: outputs and sections are cut at max_output / max_section with a marker,
a runaway checker cannot make a response huge or slow, and depth never breaks a response."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from healthcheck import EnvironmentDump, HealthCheck, Outcome, Scrubber
from healthcheck.defaults import MAX_OUTPUT, MAX_SECTION
from healthcheck.jsonable import bound

MASK = "********"
SECRET = "S3cr3tL1m1t7a"  # noqa: S105 - a fake secret, distinct from anything else
HANG = 5.0
#: error_timeout for checks whose megabytes of output take a moment to scrub on a slow machine.
SLOW = 60.0
ROOT = Path(__file__).resolve().parent.parent
#: A few megabytes stand in for the "100 MB" runaway output, to keep the suite fast.
HUGE = 5_000_000
#: Plenty for a body whose every output is bounded.
SMALL_BODY = 100_000
#: For work that is linear in its input and takes milliseconds: generous, to catch only the
#: quadratic (minutes) behaviour, not a slow machine.
ISOLATED_TIMEOUT = 6.0


def marker(more: int) -> str:
    return f"... [truncated: {more} more characters]"


def run_body(health: HealthCheck) -> tuple[str, dict[str, Any]]:
    body, _, _ = health.run()
    assert isinstance(body, str)
    return body, json.loads(body)


def output_of(health: HealthCheck, name: str) -> Any:
    _, data = run_body(health)
    (result,) = [r for r in data["results"] if r["checker"] == name]
    return result["output"]


def run_isolated(code: str, what: str) -> str:
    """Run ``code`` in a fresh interpreter; fail (rather than hang the suite) if it is slow."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            capture_output=True,
            text=True,
            timeout=ISOLATED_TIMEOUT,
            cwd=ROOT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} did not finish within {ISOLATED_TIMEOUT:g} s")
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- bound -------------------------------------------------------------------------------------


def test_bound_leaves_values_within_the_limit_alone() -> None:
    assert bound("x" * 10, 10) == "x" * 10
    assert bound({"a": 1}, 100) == {"a": 1}
    assert bound(12345678901234567890, 3) == 12345678901234567890
    assert bound("x" * 10_000, None) == "x" * 10_000


def test_bound_cuts_a_string_and_says_how_much_was_cut() -> None:
    assert bound("abcdefghij", 4) == "abcd" + marker(6)


def test_bound_cuts_the_json_of_a_structure() -> None:
    value = {"rows": list(range(100))}
    text = json.dumps(value)

    assert bound(value, 20) == text[:20] + marker(len(text) - 20)


# -- max_output --------------------------------------------------------------------------------


def test_the_default_max_output_is_16384_characters() -> None:
    assert MAX_OUTPUT == 16_384
    assert HealthCheck().max_output == 16_384


def test_an_output_over_the_default_limit_is_truncated_with_a_marker(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health()
    health.add_check(lambda: (True, "x" * 20_000), name="chatty")

    output = output_of(health, "chatty")

    assert output == "x" * 16_384 + marker(20_000 - 16_384)
    assert output.endswith("[truncated: 3616 more characters]")


def test_an_output_at_the_limit_is_not_truncated(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health()
    health.add_check(lambda: (True, "x" * 16_384), name="exact")

    assert output_of(health, "exact") == "x" * 16_384


def test_max_output_is_configurable(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health(max_output=100)
    health.add_check(lambda: (True, "y" * 150), name="text")
    health.add_check(lambda: (False, {"rows": list(range(100))}), name="rows")

    text = output_of(health, "text")
    rows = output_of(health, "rows")

    assert text == "y" * 100 + marker(50)
    rows_json = json.dumps({"rows": list(range(100))})
    assert rows == rows_json[:100] + marker(len(rows_json) - 100)


def test_max_output_none_turns_the_limit_off(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health(max_output=None)
    health.add_check(lambda: (True, "z" * 50_000), name="long")

    assert output_of(health, "long") == "z" * 50_000


def test_an_exception_message_over_the_limit_is_truncated(
    make_health: Callable[..., HealthCheck],
) -> None:
    def noisy() -> tuple[bool, str]:
        raise RuntimeError("e" * 30_000)

    health = make_health()
    health.add_check(noisy)

    output = output_of(health, "noisy")

    assert output == "e" * 16_384 + marker(30_000 - 16_384)


def test_secrets_are_masked_before_the_output_is_cut(
    make_health: Callable[..., HealthCheck],
) -> None:
    # The password straddles the cut: cutting first would leave its start unmasked.
    prefix = "x" * (100 - len("postgresql://app:") - 4)
    health = make_health(max_output=100)
    health.add_check(lambda: (False, f"{prefix}postgresql://app:{SECRET}@db/x and more"), name="db")

    output = output_of(health, "db")

    assert "[truncated:" in output
    assert SECRET[:4] not in output


def test_a_huge_output_still_gives_a_small_response(
    make_health: Callable[..., HealthCheck], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="healthcheck")
    health = make_health(error_timeout=SLOW)
    health.add_check(lambda: (True, "x" * HUGE), name="huge_pass")
    health.add_check(lambda: (False, "y" * HUGE), name="huge_fail")
    health.add_check(lambda: (False, ["item"] * (HUGE // 8)), name="huge_list")

    body, data = run_body(health)

    assert len(body) < SMALL_BODY
    assert data["status"] == "failure"
    for result in data["results"]:
        assert result["output"].endswith(" more characters]")
    # The log gets the bounded output too, not megabytes per failing check.
    assert caplog.records
    assert all(len(r.getMessage()) < SMALL_BODY for r in caplog.records)


def test_a_huge_output_full_of_secrets_gives_a_small_response_without_them(
    make_health: Callable[..., HealthCheck],
) -> None:
    line = f"retry {{n}}: could not connect to postgresql://app:{SECRET}@db:5432/x\n"
    text = "".join(line.format(n=n) for n in range(HUGE // len(line)))
    health = make_health(error_timeout=SLOW)
    health.add_check(lambda: (False, text), name="db")

    body, _ = run_body(health)

    assert len(body) < SMALL_BODY
    assert SECRET not in body
    assert f"postgresql://app:{MASK}@db:5432/x" in body


def test_a_huge_observed_value_or_unit_still_gives_a_small_response(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(error_timeout=SLOW)
    health.add_check(lambda: Outcome("pass", "ok", "x" * HUGE, "y" * HUGE), name="huge")

    body, data = run_body(health)

    assert len(body) < SMALL_BODY
    (result,) = data["results"]
    assert result["observed_value"].endswith(" more characters]")
    assert result["observed_unit"].endswith(" more characters]")


# -- max_section -------------------------------------------------------------------------------


def test_the_default_max_section_is_one_megabyte() -> None:
    assert MAX_SECTION == 1_048_576
    assert HealthCheck().max_section == MAX_SECTION
    assert EnvironmentDump().max_section == MAX_SECTION


def test_a_health_check_section_over_max_section_is_truncated(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(max_section=1_000, notes="n" * 5_000)
    health.add_section("table", lambda: {"rows": ["r"] * 1_000})
    health.add_section("small", {"fits": True})
    health.add_check(lambda: (True, "ok"), name="ok")

    _, data = run_body(health)

    assert data["notes"] == "n" * 1_000 + marker(4_000)
    table_json = json.dumps({"rows": ["r"] * 1_000})
    assert data["table"] == table_json[:1_000] + marker(len(table_json) - 1_000)
    assert data["small"] == {"fits": True}


def test_a_huge_health_check_section_is_cut_at_the_default_limit(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(dump="d" * HUGE)
    health.add_check(lambda: (True, "ok"), name="ok")

    body, data = run_body(health)

    assert data["dump"] == "d" * MAX_SECTION + marker(HUGE - MAX_SECTION)
    assert len(body) < MAX_SECTION + SMALL_BODY


def test_an_environment_section_over_max_section_is_truncated() -> None:
    env = EnvironmentDump(
        include_os=False,
        include_python=False,
        include_process=False,
        max_section=1_000,
        notes="n" * 5_000,
        small={"fits": True},
    )

    data = env.collect()

    assert data["notes"] == "n" * 1_000 + marker(4_000)
    assert data["small"] == {"fits": True}


def test_a_truncated_environment_section_is_scrubbed_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AAA_DB_PASSWORD", SECRET)
    monkeypatch.setenv("AAA_DATABASE_URL", f"postgresql://app:{SECRET}@db/x")

    body, status, _ = EnvironmentDump(max_section=200).run()
    data = json.loads(body)

    assert status == 200
    assert SECRET not in body
    for name in ("python", "process"):  # both far longer than 200 characters of JSON
        assert isinstance(data[name], str)
        assert data[name].endswith(" more characters]")


def test_a_huge_environment_section_is_cut_at_the_default_limit() -> None:
    env = EnvironmentDump(
        include_os=False, include_python=False, include_process=False, dump="d" * HUGE
    )

    body, _, _ = env.run()

    assert json.loads(body)["dump"] == "d" * MAX_SECTION + marker(HUGE - MAX_SECTION)


# -- time: scrubbing is linear in the size of what it scrubs -----------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "'-' * 100_000",  # a long rule of dashes, as in a formatted table or log separator
        "'a.' * 100_000",  # a long dotted run, as in a list of host names joined by dots
    ],
    ids=["dashes", "dots"],
)
def test_a_long_output_is_scrubbed_in_linear_time(payload: str) -> None:
    out = run_isolated(
        f"""
        import json
        from healthcheck import HealthCheck
        payload = {payload}
        health = HealthCheck()
        health.add_check(lambda: (True, payload), name="long")
        body, status, _ = health.run()
        print(status, len(body))
        """,
        f"HealthCheck.run() on an output of {payload}",
    )

    status, size = out.split()
    assert status == "200"
    assert int(size) < SMALL_BODY


def test_a_huge_plain_output_is_scrubbed_quickly() -> None:
    out = run_isolated(
        f"""
        import time
        from healthcheck.scrub import DEFAULT
        text = "lorem ipsum dolor sit amet, " * ({HUGE} // 28)
        started = time.perf_counter()
        DEFAULT.scrub_text(text)
        print(time.perf_counter() - started)
        """,
        "scrub_text() on 5 MB of words",
    )

    assert float(out) < ISOLATED_TIMEOUT


# -- depth -------------------------------------------------------------------------------------

DEEP = 10_000


def deep_list(depth: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(depth):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


def test_a_deeply_nested_output_is_cut_not_fatal(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health()
    health.add_check(lambda: (True, deep_list(DEEP)), name="deep")

    body, data = run_body(health)

    assert data["status"] == "success"
    assert "<nested too deeply>" in body


def test_a_self_referencing_output_is_cut_not_fatal(
    make_health: Callable[..., HealthCheck],
) -> None:
    loop: dict[str, Any] = {"name": "loop", "password": SECRET}
    loop["self"] = loop
    health = make_health()
    health.add_check(lambda: (True, loop), name="cyclic")

    body, _ = run_body(health)

    assert SECRET not in body
    assert output_of(health, "cyclic") == {"name": "loop", "password": MASK, "self": "<cycle>"}


def test_a_deeply_nested_section_is_cut_not_fatal(make_health: Callable[..., HealthCheck]) -> None:
    health = make_health(tree=deep_list(DEEP))
    health.add_check(lambda: (True, "ok"), name="ok")

    body, _ = run_body(health)

    assert "<nested too deeply>" in body
    env_body, _, _ = EnvironmentDump(
        include_os=False, include_python=False, tree=deep_list(DEEP)
    ).run()
    assert "<nested too deeply>" in env_body


DEEP_JSON_TEXT = "[" * DEEP + "]" * DEEP


def test_an_output_holding_deeply_nested_json_text_does_not_hang_the_run() -> None:
    # The JSON is held in a string, which to_jsonable does not cut; the scrubber parses it.
    out = run_isolated(
        f"""
        import json
        from healthcheck import HealthCheck
        health = HealthCheck()  # the default: no error_timeout
        health.add_check(lambda: (True, "[" * {DEEP} + "]" * {DEEP}), name="deep")
        body, status, _ = health.run()
        (result,) = json.loads(body)["results"]
        print(status, result["status"], isinstance(result["output"], str))
        """,
        "HealthCheck.run() with an output of deeply nested JSON text",
    )

    assert out.split() == ["200", "pass", "True"]


def test_a_health_check_section_holding_deeply_nested_json_text_is_not_fatal(
    make_health: Callable[..., HealthCheck],
) -> None:
    health = make_health(blob=DEEP_JSON_TEXT)
    health.add_check(lambda: (True, "ok"), name="ok")

    _, data = run_body(health)

    assert data["status"] == "success"
    assert isinstance(data["blob"], str)


def test_an_environment_section_holding_deeply_nested_json_text_is_not_fatal() -> None:
    env = EnvironmentDump(
        include_os=False, include_python=False, include_process=False, blob=DEEP_JSON_TEXT
    )

    body, status, _ = env.run()

    assert status == 200
    assert isinstance(json.loads(body)["blob"], str)


class MeasuringScrubber(Scrubber):
    """Records how much text it is asked to mask."""

    def __init__(self) -> None:
        super().__init__()
        self.lengths: list[int] = []

    def scrub(self, data: Any, *, by_key: bool = True) -> Any:
        if isinstance(data, str):
            self.lengths.append(len(data))
        return super().scrub(data, by_key=by_key)


def test_a_huge_output_is_cut_before_it_is_masked(make_health: Callable[..., HealthCheck]) -> None:
    scrubber = MeasuringScrubber()
    health = make_health(scrubber=scrubber, max_output=1000, error_timeout=SLOW)
    tail = f" postgresql://app:{SECRET}@db/x" + "y" * HUGE
    health.add_check(lambda: (False, "x" * 990 + tail), name="huge")
    output = output_of(health, "huge")
    assert max(scrubber.lengths) < 10_000  # a bounded start, not the megabytes
    assert SECRET[:3] not in output  # a secret across the cut is masked whole first
    assert output.endswith(marker(990 + len(tail) - 1000 - len(SECRET) + len(MASK)))  # masked


def test_log_records_are_cut_masked_and_carry_no_exception_object(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from healthcheck.defaults import LOG_LIMIT
    from healthcheck.scrub import LogScrubber

    logger = logging.getLogger("healthcheck.test")
    logger.addFilter(LogScrubber())
    caplog.set_level(logging.ERROR, logger="healthcheck.test")
    try:
        raise ValueError(f"dsn postgresql://app:{SECRET}@db/x")
    except ValueError:
        logger.exception("failed with %s", "z" * (3 * LOG_LIMIT), stack_info=True)
    (record,) = caplog.records
    assert record.exc_info is None  # JSON formatters and Sentry would read it unmasked
    assert "ValueError: dsn postgresql://app:********@db/x" in (record.exc_text or "")
    assert len(record.getMessage()) < LOG_LIMIT + 100
    assert SECRET not in caplog.text and record.stack_info


@pytest.mark.parametrize(
    "unit",
    ["eyJaaaaaaaaa-", "x://a:", "a=", "a: ", "--pass ", "Authorization: ", "-u a:", "redis-cli "],
)
def test_masking_stays_linear_on_runs_of_almost_secrets(unit: str) -> None:
    """Each shape repeated over a megabyte: quadratic masking would take minutes (a JWT-like
    run once took 1.6 s for 150 KB), linear masking a second or two."""
    run_isolated(
        f"""
        from healthcheck.scrub import DEFAULT
        DEFAULT.scrub_text({unit!r} * (1_000_000 // {len(unit)}))
        """,
        f"scrub_text() on a megabyte of {unit!r}",
    )


def test_a_secret_masked_whole_even_when_masks_shrink_what_comes_before(
    make_health: Callable[..., HealthCheck],
) -> None:
    """Long secrets shrink to the mask, so the text after them moves towards the limit: a
    secret cut in two where the masked start ends must not come inside it."""
    limit = 1000
    before = " ".join(f"password={'p' * 1000}" for _ in range(6))  # 6 x 1000 -> 6 x 8
    keep = 2 * limit + 4096
    prefix = " postgresql://app:"
    url = f"{prefix}{SECRET}{'Q' * 40}@db/x"
    # The masked start ends 10 characters into the password.
    filler = "y" * (keep - len(before) - len(prefix) - 10)
    health = make_health(max_output=limit, error_timeout=SLOW)
    health.add_check(lambda: (False, before + filler + url + " tail" * 1000), name="long")
    output = output_of(health, "long")
    assert "postgresql://app:" in output  # the shrinking brought it inside the limit
    assert SECRET[:5] not in output
    assert "[truncated:" in output


class StructureMeasuringScrubber(Scrubber):
    """Records the JSON size of each structure and the length of each text it masks."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def scrub(self, data: Any, *, by_key: bool = True) -> Any:
        self.sizes.append(len(json.dumps(data)))
        return super().scrub(data, by_key=by_key)

    def scrub_text(self, text: str) -> str:
        self.sizes.append(len(text))
        return super().scrub_text(text)


def test_a_huge_structured_output_and_section_are_cut_before_they_are_masked(
    make_health: Callable[..., HealthCheck],
) -> None:
    rows = {f"row{i}": "x" * 90 for i in range(HUGE // 100)}  # megabytes of JSON
    rows["db_password"] = SECRET
    scrubber = StructureMeasuringScrubber()
    health = make_health(scrubber=scrubber, max_output=1000, error_timeout=SLOW)
    health.add_check(lambda: (True, rows), name="rows")
    output = output_of(health, "rows")
    assert max(scrubber.sizes) < 10_000
    assert "[truncated:" in output and SECRET not in output

    scrubber.sizes.clear()
    env = EnvironmentDump(
        include_os=False, include_python=False, include_process=False,
        scrubber=scrubber, max_section=1000, rows=rows,
    )  # fmt: skip
    body, _, _ = env.run()
    assert max(scrubber.sizes) < 10_000
    assert SECRET not in body and "[truncated:" in body
