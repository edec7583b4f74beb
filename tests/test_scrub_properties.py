"""Properties of scrubbing, for any structure: no planted secret survives, ordinary data is
untouched, nothing raises, and whatever a checker returns the response is strict JSON."""

from __future__ import annotations

import base64
import decimal
import json
import logging
import string
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck as Hypothesis
from hypothesis import given, settings
from hypothesis import strategies as st

from healthcheck import EnvironmentDump, HealthCheck, Outcome, Scrubber, Status
from healthcheck.jsonable import to_jsonable
from healthcheck.scrub import DEFAULT

MASK = "********"
HANG = 5.0
ALNUM = string.ascii_letters + string.digits
SETTINGS = settings(max_examples=200, deadline=None)
SLOW_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[Hypothesis.too_slow]
)

# -- strategies --------------------------------------------------------------------------------

#: Any JSON-like value: what to_jsonable returns.
json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

#: A distinctive secret: never the mask, never produced by anything but the test.
secrets = st.text(alphabet="0123456789abcdef", min_size=8, max_size=24).map(lambda h: "S3cr3t" + h)

SECRET_KEY_NAMES = [
    "password",
    "pw",
    "BASICAUTH",
    "bindpw",
    "DB_PASSWORD",
    "passwd",
    "pwd",
    "token",
    "access_token",
    "apiKey",
    "API_KEY",
    "x-api-key",
    "APIKEY",
    "secret",
    "clientSecret",
    "credentials",
    "auth",
    "Authorization",
    "private_key",
    "signature",
    "signing_key",
    "salt",
    "cookie",
    "session",
    "SENTRY_DSN",
    "jwt",
    "bearer",
]
URL_SCHEMES = [
    "postgresql",
    "postgresql+psycopg",
    "mysql",
    "mongodb+srv",
    "amqp",
    "redis",
    "rediss",
    "https",
    "ftp",
]


def alnum(size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=ALNUM, min_size=size, max_size=size)


def in_text(fragment: str) -> st.SearchStrategy[str]:
    """``fragment`` inside arbitrary text, set apart by spaces as in any message."""
    return st.tuples(st.text(max_size=15), st.text(max_size=15)).map(
        lambda around: f"{around[0]} {fragment} {around[1]}"
    )


# A plant is (secret, item): item is ("value", v) to put anywhere, or ("pair", key, v) to put
# in a mapping; the secret is the text that must not survive.
Plant = tuple[str, tuple[Any, ...]]


@st.composite
def keyed_plants(draw: st.DrawFn) -> Plant:
    secret = draw(secrets)
    key = draw(st.sampled_from(SECRET_KEY_NAMES))
    value = draw(
        st.sampled_from(
            [secret, f"value {secret}", [secret, 1], {"inner": secret}, {"list": [[secret]]}]
        )
    )
    return secret, ("pair", key, value)


@st.composite
def text_plants(draw: st.DrawFn) -> Plant:
    secret = draw(secrets)
    scheme = draw(st.sampled_from(URL_SCHEMES))
    user = draw(st.sampled_from(["app", "", "admin", "guest"]))
    fragment = draw(
        st.sampled_from(
            [
                f"{scheme}://{user}:{secret}@db.internal:5432/x",
                f"host=db user=app password={secret} dbname=x",
                f"host=db password='{secret} has spaces' dbname=x",
                f"--password={secret}",
                f"--db-password={secret}",
                f"Authorization: Bearer {secret}",
                f"-----BEGIN PRIVATE KEY-----\nMII{secret}\n{secret}==\n-----END PRIVATE KEY-----",
                # shapes an outside review found unmasked
                f"{scheme}://{user}:{secret}/a#b?c@db.internal/x",
                f'Authorization: Digest username="u", nonce="n", response="{secret}"',
                f"--password -{secret}",
                f"--pass={secret}",
                f"--passphrase {secret}",
                f"--api_key {secret}",
                f"mysql -u root -p{secret} shop",
                f"curl -u admin:{secret} http://127.0.0.1/",
                f"pass={secret}",
                f"bindpw={secret}",
                f"AccountName=a;AccountKey={secret}==;EndpointSuffix=x",
                f"SharedAccessKeyName=k;SharedAccessKey={secret}=",
                f"https://a.blob.core.windows.net/c?sv=1&sig={secret}",
                f"https://s3.amazonaws.com/b?X-Amz-Signature={secret}",
                f"Cookie: session={secret}; theme=dark",
                f"https://hooks.slack.com/services/T0/B0/{secret}",
                f"https://discord.com/api/webhooks/1/{secret}",
                f"sk-proj-{secret}abcdefghij",
            ]
        )
    )
    return secret, ("value", draw(in_text(fragment)))


@st.composite
def basic_plants(draw: st.DrawFn) -> Plant:
    credentials = base64.b64encode(f"app:{draw(secrets)}".encode()).decode()
    return credentials, ("value", draw(in_text(f"Authorization: Basic {credentials}")))


@st.composite
def token_plants(draw: st.DrawFn) -> Plant:
    token = draw(
        st.one_of(
            alnum(36).map(lambda s: "ghp_" + s),
            alnum(82).map(lambda s: "github_pat_" + s),
            alnum(24).map(lambda s: "sk_live_" + s),
            st.tuples(st.text("0123456789", min_size=12, max_size=12), alnum(24)).map(
                lambda p: f"xoxb-{p[0]}-{p[1]}"
            ),
            st.text(string.ascii_uppercase + string.digits, min_size=16, max_size=16).map(
                lambda s: "AKIA" + s
            ),
            st.tuples(alnum(20), alnum(30), alnum(43)).map(lambda p: f"eyJ{p[0]}.eyJ{p[1]}.{p[2]}"),
        )
    )
    return token, ("value", draw(st.sampled_from([token, f"using {token} now"])))


@st.composite
def argv_plants(draw: st.DrawFn) -> Plant:
    secret = draw(secrets)
    option = draw(st.sampled_from(["--password", "--db-password", "--token", "--api-key"]))
    return secret, ("value", ["app.py", "--host", "db", option, secret, "-p", "5432"])


@st.composite
def json_text_plants(draw: st.DrawFn) -> Plant:
    secret, item = draw(st.one_of(keyed_plants(), text_plants()))
    held: Any = {item[1]: item[2]} if item[0] == "pair" else [item[1]]
    wrapper = draw(st.sampled_from(["object", "array"]))
    held = {"config": held} if wrapper == "object" else [1, held]
    return secret, ("value", json.dumps(held))


plants = st.one_of(
    keyed_plants(),
    text_plants(),
    basic_plants(),
    token_plants(),
    argv_plants(),
    json_text_plants(),
)


def insert(draw: st.DrawFn, tree: Any, item: tuple[Any, ...], planted: set[int]) -> Any:
    """A copy of ``tree`` with ``item`` put somewhere at random, at any depth, but not inside
    an earlier plant (``planted`` holds their ids): a command line stays a command line."""
    if isinstance(tree, dict) and tree and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(tree)))
        if isinstance(tree[key], (dict, list)) and id(tree[key]) not in planted:
            return {**tree, key: insert(draw, tree[key], item, planted)}
    if isinstance(tree, list) and tree and draw(st.booleans()):
        index = draw(st.integers(0, len(tree) - 1))
        if isinstance(tree[index], (dict, list)) and id(tree[index]) not in planted:
            inner = insert(draw, tree[index], item, planted)
            return [*tree[:index], inner, *tree[index + 1 :]]
    if item[0] == "pair":
        _, key, value = item
        if isinstance(tree, dict):
            return {**tree, key: value}
        item = ("value", {key: value})
    value = item[1]
    planted.add(id(value))
    if isinstance(tree, dict):
        return {**tree, draw(st.text(max_size=10)): value}
    if isinstance(tree, list):
        index = draw(st.integers(0, len(tree)))
        return [*tree[:index], value, *tree[index:]]
    return [tree, value]


@st.composite
def planted(draw: st.DrawFn) -> tuple[Any, list[str]]:
    tree = draw(json_like)
    found = []
    values = []  # keeps the plants alive, so their ids stay theirs
    ids: set[int] = set()
    for _ in range(draw(st.integers(1, 4))):
        secret, item = draw(plants)
        values.append(item)
        tree = insert(draw, tree, item, ids)
        found.append(secret)
    # A later plant may replace an earlier one under the same key; the last always stays.
    text = json.dumps(tree)
    return tree, [secret for secret in found if secret in text]


# -- (1) no planted secret survives ------------------------------------------------------------


@SETTINGS
@given(planted())
def test_no_planted_secret_survives_scrubbing_at_any_depth(case: tuple[Any, list[str]]) -> None:
    tree, planted_secrets = case

    text = json.dumps(DEFAULT.scrub(tree))

    for secret in planted_secrets:
        assert secret not in text


@SETTINGS
@given(planted(), st.sampled_from(["[hidden]", "<redacted>", "xxx"]))
def test_no_planted_secret_survives_with_another_mask(
    case: tuple[Any, list[str]], mask: str
) -> None:
    tree, planted_secrets = case

    text = json.dumps(Scrubber(mask=mask).scrub(tree))

    for secret in planted_secrets:
        assert secret not in text


@SLOW_SETTINGS
@given(planted())
def test_no_planted_secret_reaches_a_health_check_body(case: tuple[Any, list[str]]) -> None:
    tree, planted_secrets = case
    with HealthCheck(error_timeout=HANG, max_output=None, section=tree) as health:
        health.add_check(lambda: (False, tree), name="returns")
        health.add_check(lambda: (True, {"nested": [tree]}), name="nests")

        body, _, _ = health.run()

    for secret in planted_secrets:
        assert secret not in body


@SLOW_SETTINGS
@given(planted())
def test_no_planted_secret_reaches_an_environment_dump(case: tuple[Any, list[str]]) -> None:
    tree, planted_secrets = case
    env = EnvironmentDump(include_os=False, include_python=False, include_process=False, s=tree)

    body, _, _ = env.run()

    for secret in planted_secrets:
        assert secret not in body


# -- (2) ordinary values are untouched ---------------------------------------------------------

HARMLESS_KEYS = [
    "name",
    "port",
    "host",
    "count",
    "items",
    "region",
    "status",
    "version",
    "enabled",
    "url",
    "path",
    "user",
    "latency_ms",
]
HARMLESS_STRINGS = [
    "https://example.com/health",
    "redis://cache:6379/0",
    "postgresql://app@db:5432/x",
    "db.internal",
    "db.internal:5432",
    "127.0.0.1",
    "/usr/local/bin:/usr/bin:/bin",
    "C.UTF-8",
    "-p",
    "5432",
    "--verbose",
    "host=db port=5432 dbname=x",
    "GET /health HTTP/1.1",
    "connection refused",
    "",
]

ordinary = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=string.ascii_lowercase, max_size=12)
    | st.sampled_from(HARMLESS_STRINGS),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(HARMLESS_KEYS), children, max_size=5)
    ),
    max_leaves=30,
)


@SETTINGS
@given(ordinary)
def test_ordinary_values_are_returned_unchanged(value: Any) -> None:
    assert DEFAULT.scrub(value) == value
    assert DEFAULT.scrub_values(value) == value
    assert Scrubber(mask="[hidden]").scrub(value) == value


@SLOW_SETTINGS
@given(ordinary)
def test_ordinary_outputs_and_sections_reach_the_body_unchanged(value: Any) -> None:
    with HealthCheck(error_timeout=HANG, max_output=None, section=value) as health:
        health.add_check(lambda: (True, value), name="returns")

        body, _, _ = health.run()

    data = json.loads(body)
    assert data["results"][0]["output"] == value
    assert data["section"] == value


# -- (3) scrubbing never raises ----------------------------------------------------------------

#: Text that is JSON, so the scrubber parses and re-serialises it.
json_text = json_like.map(json.dumps)
anything_json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | json_text
    | st.text(alphabet='[]{}":,-=@/ ', max_size=30),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text() | json_text, children, max_size=5)
    ),
    max_leaves=30,
)


@SETTINGS
@given(anything_json_like)
def test_scrub_never_raises_and_returns_json(value: Any) -> None:
    for scrubber in (DEFAULT, Scrubber(mask_all=True), Scrubber(keys=["x"], values=["[0-9]+"])):
        json.dumps(scrubber.scrub(value))
        json.dumps(scrubber.scrub(value, by_key=False))
        json.dumps(scrubber.scrub_values(value))


@SETTINGS
@given(st.text(), st.lists(st.text(), max_size=8))
def test_scrub_text_and_argv_never_raise(text: str, argv: list[str]) -> None:
    assert isinstance(DEFAULT.scrub_text(text), str)
    scrubbed = DEFAULT.scrub_argv(argv)
    assert len(scrubbed) == len(argv)
    assert isinstance(DEFAULT.is_secret_key(text), bool)


def deep_list(depth: int) -> list[Any]:
    root: list[Any] = []
    node = root
    for _ in range(depth):
        child: list[Any] = []
        node.append(child)
        node = child
    return root


def deep_dict(depth: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth):
        child: dict[str, Any] = {}
        node["password" if len(node) else "child"] = child
        node = child
    return root


def test_scrub_never_raises_after_to_jsonable_on_a_10000_deep_list() -> None:
    scrubbed = DEFAULT.scrub(to_jsonable(deep_list(10_000)))

    assert "<nested too deeply>" in json.dumps(scrubbed)


def test_scrub_never_raises_after_to_jsonable_on_a_10000_deep_dict() -> None:
    scrubbed = DEFAULT.scrub(to_jsonable(deep_dict(10_000)))

    assert "<nested too deeply>" in json.dumps(scrubbed)


def test_scrub_never_raises_after_to_jsonable_on_cycles() -> None:
    loop: dict[str, Any] = {"password": "S3cr3tCycle01", "host": "db"}
    loop["self"] = loop
    ring: list[Any] = ["a"]
    ring.append([ring, {"back": loop}])

    assert DEFAULT.scrub(to_jsonable(loop)) == {"password": MASK, "host": "db", "self": "<cycle>"}
    assert DEFAULT.scrub(to_jsonable(ring)) == [
        "a",
        ["<cycle>", {"back": {"password": MASK, "host": "db", "self": "<cycle>"}}],
    ]
    assert Scrubber(mask_all=True).scrub_values(to_jsonable(loop)) == {
        "password": MASK,
        "host": MASK,
        "self": MASK,
    }


def test_scrub_never_raises_on_a_string_holding_10000_deep_json() -> None:
    # to_jsonable bounds structures, not text: JSON held in a string is parsed by scrub itself.
    for text in ("[" * 10_000 + "]" * 10_000, '{"a":' * 10_000 + "1" + "}" * 10_000):
        scrubbed = DEFAULT.scrub({"payload": text})

        assert isinstance(scrubbed, dict)
        assert isinstance(scrubbed["payload"], str)


def test_scrub_never_raises_on_a_string_holding_json_nested_just_below_the_parse_limit() -> None:
    # Deep enough to be rejected by nothing but recursion: json.loads accepts it.
    text = "[" * 600 + "]" * 600
    json.loads(text)

    scrubbed = DEFAULT.scrub(text)

    assert isinstance(scrubbed, str)


# -- (4) whatever a checker returns, the response is strict JSON -------------------------------


class BrokenStr:
    def __str__(self) -> str:
        raise RuntimeError("no str")


class BigInt(int):
    """An int too long for str() (over 4300 digits) whose repr hypothesis can still print."""

    def __repr__(self) -> str:
        return f"BigInt(<{self.bit_length()} bits>)"


hashables = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.binary(max_size=10),
    lambda children: st.tuples(children, children) | st.frozensets(children, max_size=3),
    max_leaves=6,
)
python_values = st.recursive(
    hashables
    | st.complex_numbers()
    | st.decimals()
    | st.datetimes()
    | st.sampled_from(
        [
            BigInt(10**5000),
            BigInt(-(2**20_000)),
            float("nan"),
            float("inf"),
            -float("inf"),
            decimal.Decimal("NaN"),
            Status.WARN,
            BrokenStr(),
            "postgresql://app:S3cr3tAny001@db/x",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.sets(hashables, max_size=4)
        | st.dictionaries(hashables, children, max_size=4)
    ),
    max_leaves=25,
)
observed = st.none() | st.integers() | st.floats() | st.text(max_size=5)
checker_returns = st.one_of(
    python_values,
    st.tuples(python_values, python_values),
    st.tuples(st.sampled_from(list(Status)), python_values),
    st.builds(
        Outcome,
        st.sampled_from(list(Status)),
        python_values,
        observed,
        st.none() | st.text(max_size=5),
    ),
)


def reject_constant(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


CODES = {"success": 200, "warning": 200, "failure": 500}


def make_checker(value: Any, raises: bool) -> Callable[[], Any]:
    def checker() -> Any:
        if raises:
            raise RuntimeError(value)
        return value

    return checker


@SLOW_SETTINGS
@given(checker_returns, st.booleans(), python_values)
def test_any_checker_return_value_gives_a_strict_json_response(
    value: Any, raises: bool, section: Any
) -> None:
    with HealthCheck(error_timeout=HANG, extra=section) as health:
        health.add_check(make_checker(value, raises), name="anything")

        body, code, _ = health.run()

    assert isinstance(body, str)
    data = json.loads(body, parse_constant=reject_constant)
    assert isinstance(data, dict)
    assert code == CODES[data["status"]]
    (result,) = data["results"]
    assert result["checker"] == "anything"
    assert result["status"] in {"pass", "warn", "fail"}
    assert result["passed"] is (result["status"] != "fail")
    assert "S3cr3tAny001" not in body
    if raises:
        assert code == 500
        assert result["status"] == "fail"


@SLOW_SETTINGS
@given(python_values)
def test_any_environment_section_gives_a_strict_json_response(section: Any) -> None:
    env = EnvironmentDump(include_os=False, include_python=False, include_process=False, x=section)

    body, code, _ = env.run()

    assert code == 200
    data = json.loads(body, parse_constant=reject_constant)
    assert set(data) == {"x"}
    assert "S3cr3tAny001" not in body


# -- (1b) every channel: exceptions and their log records, argv and environ, the CLI --------


class _Formatted(logging.Handler):
    """Every record of the package's logger as a formatter writes it, traceback included."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@SLOW_SETTINGS
@given(st.one_of(text_plants(), basic_plants(), token_plants()))
def test_no_planted_secret_reaches_an_exception_answer_or_its_log_records(plant: Plant) -> None:
    secret, (_, message) = plant
    handler = _Formatted()
    logger = logging.getLogger("healthcheck")
    logger.addHandler(handler)
    try:
        with HealthCheck(error_timeout=HANG, failed_ttl=0) as health:

            def raises() -> tuple[bool, str]:
                raise RuntimeError(message)

            health.add_check(raises, name="raises")
            body, _, _ = health.run()
    finally:
        logger.removeHandler(handler)
    assert secret not in body
    assert handler.records and all(r.exc_info is None for r in handler.records)
    assert not any(secret in line for line in handler.lines)


@SLOW_SETTINGS
@given(st.one_of(text_plants(), basic_plants(), token_plants(), argv_plants()))
def test_no_planted_secret_reaches_the_environment_through_argv_or_environ(plant: Plant) -> None:
    import os
    import sys

    secret, (_, value) = plant
    argv = value if isinstance(value, list) else ["app.py", value]
    saved_argv, saved_env = sys.argv, os.environ.get("HC_PLANTED")
    sys.argv = argv
    os.environ["HC_PLANTED"] = " ".join(argv).replace("\x00", "")  # no NUL in environ
    try:
        body, _, _ = EnvironmentDump(include_os=False, include_python=False).run()
    finally:
        sys.argv = saved_argv
        if saved_env is None:
            del os.environ["HC_PLANTED"]
        else:
            os.environ["HC_PLANTED"] = saved_env
    assert secret not in body


@SLOW_SETTINGS
@given(st.one_of(text_plants(), basic_plants(), token_plants()))
def test_no_planted_secret_reaches_the_command_line_output(plant: Plant) -> None:
    import contextlib
    import io
    import sys
    import types

    from healthcheck.cli import main

    secret, (_, output) = plant
    module = types.ModuleType("planted_health")
    module.health = HealthCheck(error_timeout=HANG)  # type: ignore[attr-defined]
    module.health.add_check(lambda: (False, output), name="db")  # type: ignore[attr-defined]
    sys.modules["planted_health"] = module
    printed = io.StringIO()
    try:
        for fmt in ("text", "json", "nagios"):
            with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
                main(["run", "planted_health:health", "--verbose", "--format", fmt])
    finally:
        del sys.modules["planted_health"]
        module.health.close()  # type: ignore[attr-defined]
    assert secret not in printed.getvalue()
