"""Scrubber: what counts as a secret, by key name and by value, and how it is masked."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthcheck import Scrubber
from healthcheck.jsonable import to_jsonable
from healthcheck.scrub import DEFAULT, is_secret_key, mask_url, scrub_mapping

MASK = "********"
SECRET = "S3cr3tValue42"  # noqa: S105 - a fake secret, distinct from anything else

# Realistic, but fake, credentials of each well-known shape.
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
GITHUB_PAT = "github_pat_11ABCDEFG0123456789abc_" + "Zy9" * 19 + "xw"
STRIPE_KEY = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
SLACK_TOKEN = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"  # noqa: S105
AWS_KEY_ID = "AKIA" + "IOSFODNN7EXAMPLE"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM_BODY = "MIIEowIBAAKCAQEA7bq8example0key0material\nQmFzZTY0IGJvZHkgb2YgYSBrZXk="
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----"


def assert_hidden(original: str, scrubbed: Any, *secrets: str) -> None:
    text = scrubbed if isinstance(scrubbed, str) else json.dumps(scrubbed)
    for secret in secrets:
        assert secret not in text, f"{secret!r} survived scrubbing of {original!r}: {text!r}"
    assert MASK in text


# -- by key name -------------------------------------------------------------------------------

SECRET_KEYS = [
    "key",
    "KEY",
    "token",
    "access_token",
    "refreshToken",
    "pass",
    "passwd",
    "password",
    "PASSWORD",
    "Password",
    "pAsSwOrD",
    "DB_PASSWORD",
    "dbPassword",
    "pwd",
    "Pwd",
    "DB_PWD",
    "secret",
    "clientSecret",
    "SECRET_KEY",
    "credential",
    "credentials",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "creds",
    "auth",
    "AUTH",
    "basic-auth",
    "auth_header",
    "authorization",
    "Authorization",
    "proxy-authorization",
    "private",
    "private_key",
    "privateKey",
    "signature",
    "X-Hub-Signature",
    "signing_key",
    "signingSecret",
    "salt",
    "PASSWORD_SALT",
    "cookie",
    "Set-Cookie",
    "session",
    "SESSION_ID",
    "sessionid",
    "dsn",
    "SENTRY_DSN",
    "jwt",
    "JWT_SECRET",
    "bearer",
    "bearer_token",
    "API_KEY",
    "apiKey",
    "api_key",
    "api-key",
    "x-api-key",
    "X-API-KEY",
    "APIKEY",
    "apikey",
]

NOT_SECRET_KEYS = [
    "author",
    "AUTHOR",
    "authors",
    "authority",
    "PATH",
    "HOME",
    "LANG",
    "PWD",
    "OLDPWD",
    "name",
    "host",
    "hostname",
    "port",
    "user",
    "username",
    "count",
    "items",
    "status",
    "version",
    "url",
]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_a_value_under_a_secret_key_name_is_masked(key: str) -> None:
    assert DEFAULT.is_secret_key(key)
    assert is_secret_key(key)
    assert DEFAULT.scrub({key: SECRET, "host": "db"}) == {key: MASK, "host": "db"}


@pytest.mark.parametrize("key", NOT_SECRET_KEYS)
def test_a_value_under_an_ordinary_key_name_stays_visible(key: str) -> None:
    assert not DEFAULT.is_secret_key(key)
    assert DEFAULT.scrub({key: "visible value"}) == {key: "visible value"}


def test_a_whole_structure_under_a_secret_key_is_masked() -> None:
    data = {"credentials": {"user": "app", "password": SECRET}, "session": [SECRET, 1]}

    assert DEFAULT.scrub(data) == {"credentials": MASK, "session": MASK}


def test_secret_keys_are_found_at_every_depth_of_dicts_and_lists() -> None:
    data = {
        "services": [
            {"name": "db", "config": {"host": "db", "port": 5432, "password": SECRET}},
            [{"deeper": [{"apiKey": SECRET, "region": "eu"}]}],
        ],
        "token": SECRET,
    }

    scrubbed = DEFAULT.scrub(data)

    assert scrubbed == {
        "services": [
            {"name": "db", "config": {"host": "db", "port": 5432, "password": MASK}},
            [{"deeper": [{"apiKey": MASK, "region": "eu"}]}],
        ],
        "token": MASK,
    }


def test_scrub_does_not_change_its_argument() -> None:
    data = {"password": SECRET, "nested": {"token": SECRET}}

    DEFAULT.scrub(data)

    assert data == {"password": SECRET, "nested": {"token": SECRET}}


def test_keys_that_are_not_strings_are_judged_after_to_jsonable() -> None:
    data = to_jsonable({("db", "password"): SECRET, 7: "seven", ("db", "host"): "db.internal"})

    scrubbed = DEFAULT.scrub(data)

    assert scrubbed == {"('db', 'password')": MASK, "7": "seven", "('db', 'host')": "db.internal"}


def test_keys_that_are_not_strings_are_judged_by_their_text_even_before_to_jsonable() -> None:
    scrubbed = DEFAULT.scrub({("api", "key"): SECRET, 7: "seven"})

    assert scrubbed == {("api", "key"): MASK, 7: "seven"}


def test_a_json_object_held_in_a_string_comes_back_as_json_with_secrets_masked() -> None:
    held = json.dumps({"user": "app", "password": SECRET, "port": 5432})

    scrubbed = DEFAULT.scrub({"config": held})

    assert isinstance(scrubbed, dict)
    assert isinstance(scrubbed["config"], str)
    assert json.loads(scrubbed["config"]) == {"user": "app", "password": MASK, "port": 5432}


def test_json_held_in_a_string_is_scrubbed_at_every_depth() -> None:
    inner = json.dumps({"dsn": SECRET, "url": f"redis://:{SECRET}@cache:6379/0"})
    held = json.dumps([{"name": "cache", "settings": inner}])

    scrubbed = DEFAULT.scrub(held)

    assert isinstance(scrubbed, str)
    assert SECRET not in scrubbed
    outer = json.loads(scrubbed)
    assert json.loads(outer[0]["settings"]) == {
        "dsn": MASK,
        "url": f"redis://:{MASK}@cache:6379/0",
    }


def test_a_string_that_only_looks_like_json_is_scrubbed_as_text() -> None:
    text = f"[error] connect to postgresql://app:{SECRET}@db/x failed"

    assert DEFAULT.scrub(text) == f"[error] connect to postgresql://app:{MASK}@db/x failed"


def test_by_key_false_judges_only_values() -> None:
    data = {"keyring": "24.3.1", "password-strength": "1.0", "url": f"amqp://u:{SECRET}@mq/"}

    scrubbed = DEFAULT.scrub(data, by_key=False)

    assert scrubbed == {
        "keyring": "24.3.1",
        "password-strength": "1.0",
        "url": f"amqp://u:{MASK}@mq/",
    }


# -- by value: URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"postgresql://app:{SECRET}@db:5432/x", f"postgresql://app:{MASK}@db:5432/x"),
        (f"postgresql+psycopg://app:{SECRET}@db/x", f"postgresql+psycopg://app:{MASK}@db/x"),
        (
            f"mongodb+srv://admin:{SECRET}@cluster0.example.net/db?retryWrites=true",
            f"mongodb+srv://admin:{MASK}@cluster0.example.net/db?retryWrites=true",
        ),
        (f"amqp://guest:{SECRET}@rabbit:5672/vhost", f"amqp://guest:{MASK}@rabbit:5672/vhost"),
        (f"redis://:{SECRET}@cache:6379/0", f"redis://:{MASK}@cache:6379/0"),
        (f"rediss://default:{SECRET}@cache:6380", f"rediss://default:{MASK}@cache:6380"),
        (f"mysql://u:{SECRET}@h/db", f"mysql://u:{MASK}@h/db"),
        (
            f"https://deploy:{SECRET}@git.example.com/repo.git",
            f"https://deploy:{MASK}@git.example.com/repo.git",
        ),
        (f"ftp://anon:{SECRET}@files.example.com", f"ftp://anon:{MASK}@files.example.com"),
        (f"smtp://mailer:{SECRET}@mail:587", f"smtp://mailer:{MASK}@mail:587"),
    ],
)
def test_a_url_password_is_masked_for_every_scheme(url: str, expected: str) -> None:
    assert DEFAULT.scrub_text(url) == expected
    assert DEFAULT.scrub({"anything": url}) == {"anything": expected}


def test_a_url_password_is_masked_inside_surrounding_text() -> None:
    text = (
        f'connection to server at "db" failed: postgresql://app:{SECRET}@db:5432/x; '
        f"fallback redis://:{SECRET}@cache/0 too"
    )

    assert DEFAULT.scrub_text(text) == (
        f'connection to server at "db" failed: postgresql://app:{MASK}@db:5432/x; '
        f"fallback redis://:{MASK}@cache/0 too"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/health",
        "postgresql://db:5432/x",
        "postgresql://app@db:5432/x",
        "redis://cache:6379/0",
        "http://localhost:8080/status?verbose=1",
    ],
)
def test_a_url_without_a_password_is_left_alone(url: str) -> None:
    assert DEFAULT.scrub_text(url) == url


def test_mask_url_masks_only_url_passwords() -> None:
    assert mask_url(f"postgresql://app:{SECRET}@db/x") == "postgresql://app:***@db/x"
    assert mask_url(f"redis://:{SECRET}@cache") == "redis://:***@cache"
    assert mask_url("https://example.com/a?b=c") == "https://example.com/a?b=c"


def test_a_url_password_in_a_mapping_key_is_masked() -> None:
    # A checker reporting per-backend state, keyed by connection URL, must not publish the
    # password in the key: "by value, whatever the key" includes the key itself.
    data = {f"postgresql://app:{SECRET}@db/x": "up", "redis://cache/0": "up"}

    scrubbed = DEFAULT.scrub(data)

    assert SECRET not in json.dumps(scrubbed)
    assert "redis://cache/0" in scrubbed


# -- by value: key=value pairs and command lines -----------------------------------------------


@pytest.mark.parametrize(
    ("dsn", "expected"),
    [
        (
            f"host=db user=app password={SECRET} dbname=x",
            f"host=db user=app password={MASK} dbname=x",
        ),
        (
            f"host=db password='a b {SECRET}' dbname=x",
            f"host=db password={MASK} dbname=x",
        ),
        (
            f'host=db password="{SECRET} c" port=5432',
            f"host=db password={MASK} port=5432",
        ),
        (f"PASSWORD={SECRET}", f"PASSWORD={MASK}"),
        (f"Driver={{ODBC}};Server=db;pwd={SECRET};", f"Driver={{ODBC}};Server=db;pwd={MASK};"),
    ],
)
def test_password_pairs_in_a_dsn_are_masked(dsn: str, expected: str) -> None:
    assert DEFAULT.scrub_text(dsn) == expected


def test_password_options_in_a_string_are_masked() -> None:
    assert DEFAULT.scrub_text(f"--password={SECRET}") == f"--password={MASK}"
    assert DEFAULT.scrub_text(f"--db-password={SECRET}") == f"--db-password={MASK}"
    assert (
        DEFAULT.scrub_text(f"pg_dump --host db --db-password={SECRET} -p 5432")
        == f"pg_dump --host db --db-password={MASK} -p 5432"
    )


def test_scrub_argv_masks_option_values_in_both_forms_and_leaves_other_options() -> None:
    argv = [
        "app.py",
        "--password",
        SECRET,
        "--db-password=" + SECRET,
        "-p",
        "5432",
        "--host",
        "db.internal",
        "--verbose",
    ]

    assert DEFAULT.scrub_argv(argv) == [
        "app.py",
        "--password",
        MASK,
        "--db-password=" + MASK,
        "-p",
        "5432",
        "--host",
        "db.internal",
        "--verbose",
    ]


def test_a_list_of_strings_is_scrubbed_as_a_command_line() -> None:
    scrubbed = DEFAULT.scrub({"cmd": ["worker", "--password", SECRET, "--port", "8000"]})

    assert scrubbed == {"cmd": ["worker", "--password", MASK, "--port", "8000"]}


def test_a_short_option_with_a_number_is_left_alone() -> None:
    assert DEFAULT.scrub_argv(["psql", "-p", "5432", "-h", "db"]) == [
        "psql",
        "-p",
        "5432",
        "-h",
        "db",
    ]
    assert DEFAULT.scrub_text("psql -p 5432 -h db") == "psql -p 5432 -h db"


# -- by value: credentials, keys and tokens ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Authorization: Bearer {SECRET}.abc-def", f"Authorization: Bearer {MASK}"),
        (f"Bearer {JWT}", f"Bearer {MASK}"),
        ("Authorization: Basic dXNlcjpTM2NyM3RWYWx1ZTQy", f"Authorization: Basic {MASK}"),
        (
            f"sent headers {{Authorization: Bearer {SECRET}}}",
            f"sent headers {{Authorization: Bearer {MASK}}}",
        ),
    ],
)
def test_bearer_and_basic_credentials_are_masked(text: str, expected: str) -> None:
    assert DEFAULT.scrub_text(text) == expected


def test_an_authorization_header_value_under_any_key_is_masked() -> None:
    headers = {"X-Forwarded-Header": f"Bearer {SECRET}", "Accept": "application/json"}

    assert DEFAULT.scrub(headers) == {
        "X-Forwarded-Header": f"Bearer {MASK}",
        "Accept": "application/json",
    }


def test_the_auth_scheme_is_matched_case_insensitively() -> None:
    # RFC 7235: the auth-scheme is case-insensitive; "bearer <token>" is a valid header value.
    text = f"authorization: bearer {SECRET}"

    assert SECRET not in DEFAULT.scrub_text(text)


def test_a_pem_private_key_block_is_masked_whole() -> None:
    text = f"loaded key:\n{PEM}\nfrom /etc/app/key.pem"

    scrubbed = DEFAULT.scrub_text(text)

    assert "MIIEowIBAAKCAQEA7bq8example0key0material" not in scrubbed
    assert "QmFzZTY0IGJvZHkgb2YgYSBrZXk=" not in scrubbed
    assert scrubbed.startswith("loaded key:\n")
    assert scrubbed.endswith("\nfrom /etc/app/key.pem")
    assert MASK in scrubbed


@pytest.mark.parametrize(
    "kind", ["PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]
)
def test_every_kind_of_pem_private_key_is_masked(kind: str) -> None:
    block = f"-----BEGIN {kind}-----\n{PEM_BODY}\n-----END {kind}-----"

    assert_hidden(block, DEFAULT.scrub_text(block), "MIIEowIBAAKCAQEA7bq8example0key0material")


def test_a_pem_certificate_is_not_a_secret() -> None:
    cert = "-----BEGIN CERTIFICATE-----\nMIIBpublic\n-----END CERTIFICATE-----"

    assert DEFAULT.scrub_text(cert) == cert


@pytest.mark.parametrize(
    "token",
    [GITHUB_TOKEN, GITHUB_PAT, STRIPE_KEY, SLACK_TOKEN, AWS_KEY_ID, JWT],
    ids=["github", "github_pat", "stripe", "slack", "aws", "jwt"],
)
def test_well_known_token_shapes_are_masked_whatever_the_key(token: str) -> None:
    assert DEFAULT.scrub_text(token) == MASK
    assert DEFAULT.scrub_text(f"using {token} for uploads") == f"using {MASK} for uploads"
    assert DEFAULT.scrub({"value": token, "list": [1, token]}) == {"value": MASK, "list": [1, MASK]}


@pytest.mark.parametrize(
    "text",
    [
        "ghp_tooshort",
        "AKIA-not-a-key",
        "AKIAlowercase123456",
        "sk_live_short",
        "eyJ-not-a-jwt",
    ],
)
def test_near_misses_of_token_shapes_are_left_alone(text: str) -> None:
    assert DEFAULT.scrub_text(text) == text


# -- what stays visible ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/usr/local/bin:/usr/bin:/bin",
        "/home/app",
        "C.UTF-8",
        "en_US.UTF-8",
        "5432",
        "db.internal",
        "db.internal:5432",
        "https://example.com/health",
        "the quick brown fox jumps over the lazy dog",
        "connection refused",
        "Token expired",
        "user=app dbname=x host=db",
        "-p 5432",
        "",
    ],
)
def test_ordinary_values_stay_visible(text: str) -> None:
    assert DEFAULT.scrub_text(text) == text
    assert DEFAULT.scrub({"value": text}) == {"value": text}


def test_numbers_booleans_and_none_are_returned_as_they_are() -> None:
    data = {"port": 5432, "ratio": 0.5, "ok": True, "missing": None, "list": [1, 2.5, False, None]}

    assert DEFAULT.scrub(data) == data


def test_environment_like_mappings() -> None:
    environ = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/app",
        "LANG": "C.UTF-8",
        "PWD": "/srv/app",
        "PORT": "8080",
        "DB_HOST": "db.internal",
        "DB_PASSWORD": SECRET,
        "DATABASE_URL": f"postgresql://app:{SECRET}@db/x",
        "GITHUB_TOKEN": GITHUB_TOKEN,
    }

    scrubbed = DEFAULT.scrub(environ)

    assert scrubbed == {
        "PATH": "/usr/bin:/bin",
        "HOME": "/home/app",
        "LANG": "C.UTF-8",
        "PWD": "/srv/app",
        "PORT": "8080",
        "DB_HOST": "db.internal",
        "DB_PASSWORD": MASK,
        "DATABASE_URL": f"postgresql://app:{MASK}@db/x",
        "GITHUB_TOKEN": MASK,
    }
    assert scrub_mapping(environ) == scrubbed


# -- configuration -----------------------------------------------------------------------------


def test_extra_key_patterns_add_to_the_built_in_ones() -> None:
    scrubber = Scrubber(keys=[r"^internal_"])

    scrubbed = scrubber.scrub(
        {"internal_id": "abc", "INTERNAL_REF": "def", "my_internal": "ghi", "password": "x"}
    )

    assert scrubbed == {
        "internal_id": MASK,
        "INTERNAL_REF": MASK,
        "my_internal": "ghi",
        "password": MASK,
    }
    assert not DEFAULT.is_secret_key("internal_id")  # the default rules are unchanged


def test_extra_value_patterns_are_masked_wherever_they_occur() -> None:
    scrubber = Scrubber(values=[r"INT-[0-9]{6}"])

    scrubbed = scrubber.scrub(
        {"ticket": "see INT-123456 and INT-654321", "other": ["INT-000001", 1], "short": "INT-12"}
    )

    assert scrubbed == {"ticket": f"see {MASK} and {MASK}", "other": [MASK, 1], "short": "INT-12"}
    assert DEFAULT.scrub_text("INT-123456") == "INT-123456"


def test_the_mask_text_is_configurable() -> None:
    scrubber = Scrubber(mask="[hidden]")

    scrubbed = scrubber.scrub(
        {
            "password": SECRET,
            "url": f"postgresql://app:{SECRET}@db/x",
            "conninfo": f"host=db password={SECRET}",
            "argv": ["run", "--password", SECRET],
            "token": GITHUB_TOKEN,
            "note": f"key {GITHUB_TOKEN}",
        }
    )

    assert scrubbed == {
        "password": "[hidden]",
        "url": "postgresql://app:[hidden]@db/x",
        "conninfo": "host=db password=[hidden]",
        "argv": ["run", "--password", "[hidden]"],
        "token": "[hidden]",
        "note": "key [hidden]",
    }
    assert MASK not in json.dumps(scrubbed)


def test_the_mask_text_is_used_for_pem_blocks_too() -> None:
    scrubbed = Scrubber(mask="[hidden]").scrub_text(PEM)

    assert "[hidden]" in scrubbed
    assert PEM_BODY.splitlines()[0] not in scrubbed


def test_mask_all_masks_every_leaf_value_and_keeps_the_shape() -> None:
    scrubber = Scrubber(mask_all=True)

    scrubbed = scrubber.scrub_values(
        {"host": "db", "port": 5432, "tags": ["a", 1, None], "nested": {"x": True}}
    )

    assert scrubbed == {
        "host": MASK,
        "port": MASK,
        "tags": [MASK, MASK, MASK],
        "nested": {"x": MASK},
    }


def test_without_mask_all_scrub_values_is_scrub() -> None:
    data = {"host": "db", "password": SECRET, "url": f"redis://:{SECRET}@cache"}

    assert DEFAULT.scrub_values(data) == DEFAULT.scrub(data)
    assert DEFAULT.scrub_values(data) == {
        "host": "db",
        "password": MASK,
        "url": f"redis://:{MASK}@cache",
    }


# -- the shapes an outside review found unmasked ----------------------------------------------

TOKEN = "S3cr3tShape42"  # noqa: S105 - a fake secret


@pytest.mark.parametrize(
    "text",
    [
        f"postgresql://app:{TOKEN}/x#y?z@db/shop",  # URL password with / # ?
        f'Authorization: Digest username="u", realm="r", nonce="n1", response="{TOKEN}"',
        f"run --password -{TOKEN}",
        f"run --pass={TOKEN}",
        f"run --passphrase {TOKEN}",
        f"run --api_key {TOKEN}",
        f"mysql -u root -p{TOKEN} shop",
        f"curl -u admin:{TOKEN} http://127.0.0.1/",
        f"pass={TOKEN} user=app",
        f"ldap bindpw={TOKEN}",
        f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={TOKEN}==;EndpointSuffix=x",
        f"Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey={TOKEN}=",
        f"https://a.blob.core.windows.net/c/b?sv=2020-08-04&sig={TOKEN}%3D&se=2030",
        f"https://s3.amazonaws.com/b/k?X-Amz-Credential=x&X-Amz-Signature={TOKEN}ab12",
        f"Cookie: session={TOKEN}; theme=dark",
        f"Set-Cookie: id={TOKEN}; HttpOnly",
        f"https://hooks.slack.com/services/T000/B000/{TOKEN}",
        f"https://discord.com/api/webhooks/1234567/{TOKEN}-abc",
        f"OPENAI_KEY is sk-proj-{TOKEN}abcdefghijklmnop",
        f'{{"DB_PASS": "{TOKEN}", "host": "db"}}',
        # a second outside review
        f"Authorization: SSWS {TOKEN}",
        f"Authorization: ApiKey {TOKEN}",
        f"Proxy-Authorization: Negotiate {TOKEN}",
        f"postgresql://app:{TOKEN}{'x' * 300}@db/shop",
        f"run --pw {TOKEN}",
        f"run --sig {TOKEN}",
        f"run --session {TOKEN}",
        f"run --jwt {TOKEN}",
        f"run --cookie {TOKEN}",
        f"run --dsn {TOKEN}",
        f"redis-cli -h cache -a {TOKEN} ping",
        f"sshpass -p {TOKEN} ssh host",
        f"plink -pw {TOKEN} host",
        f"https://{TOKEN}0123456789@github.com/org/repo.git",
        f"-----BEGIN PGP PRIVATE KEY BLOCK-----\n{TOKEN}\n-----END PGP PRIVATE KEY BLOCK-----",
        f"java -Dpassword={TOKEN} -jar app.jar",
        # a third review
        f"vault -token={TOKEN}",
        f"consul -token {TOKEN}",
        f"app -secret {TOKEN}",
        f"app -password {TOKEN}",
        f"openssl rsa -passin pass:{TOKEN} -in key.pem",
        f"java -jar app.jar --db.password={TOKEN}",
        f"java -jar app.jar --spring.datasource.password {TOKEN}",
        f'log: {{\\"password\\": \\"{TOKEN}\\"}}',
        f'{{"api_keys": ["{TOKEN}", "other"]}} and more',
        f"https://{TOKEN}0123456789:x-oauth-basic@github.com/org/repo.git",
        f'Authorization: OAuth oauth_consumer_key="k", oauth_signature="{TOKEN}"',
        f'Authorization: Hawk id="dh37", ts="1353832234", mac="{TOKEN}"',
        f"{'x' * 70}_password={TOKEN}",
        f"1password={TOKEN}",
        # a fourth review
        f"Command '['mysql', '--password', '{TOKEN}']' returned non-zero exit status 1.",
        f"Command '['curl', '-u', 'me:{TOKEN}', 'http://x']' failed",
        f"redis-cli -p 6379 -a {TOKEN} ping",
        f"redis-cli -a{TOKEN} ping",
        f"/usr/bin/redis-cli --no-auth-warning -a {TOKEN}",
        f"/usr/bin/sshpass -v -p {TOKEN} ssh host",
        f"curl --anyauth -u user:{TOKEN} http://127.0.0.1/",
    ],
)
def test_every_secret_shape_is_masked(text: str) -> None:
    assert TOKEN not in DEFAULT.scrub_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "psql -h db -p 5432 shop",
        "psql -p5432 shop",
        "python -u app.py",
        "Error: connection refused",
        "host: db.internal, port: 5432",
        "http://db.internal:8080/health",
        "basic configuration loaded",
        "KeyboardInterrupt: stop",
        "KeyError: 'user_id'",
        "monitor: keyboard: us",
        "pass: 12, fail: 0",
        "passed=12 failed=0",
        "passing: 4/5",
        "Access denied for user 'root'@'localhost' (using password: YES)",
        "docker run -p8080:80 -p 127.0.0.1:5432:5432 image",
        "postgresql://app@db/shop",
        "gcc -pedantic -pipe -pthread main.c",
        "cp -pr src dst && tar -pxf archive.tar",
        "docker run -p8080:80/udp image",
        "PWD=/srv/app",
        "password: required",
        "tests pass=12/12",
        "pg_dump --no-password -h db shop",
        "docker login --password-stdin -u deploy registry",
        "ansible-playbook --ask-pass -i hosts site.yml",
        "aws s3 ls --no-sign-request --region eu-west-1",
        "redis-cli -p 6379 ping",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert DEFAULT.scrub_text(text) == text


def test_names_ending_in_auth_or_pw_are_secret_keys() -> None:
    assert DEFAULT.scrub({"pw": TOKEN, "BASICAUTH": TOKEN, "ROOTPW": TOKEN, "author": "Ann"}) == {
        "pw": MASK, "BASICAUTH": MASK, "ROOTPW": MASK, "author": "Ann"
    }  # fmt: skip


def test_a_password_option_value_that_starts_with_a_dash_is_masked_in_argv() -> None:
    assert DEFAULT.scrub_argv(["app", "--password", f"-{TOKEN}", "-u", f"me:{TOKEN}"]) == [
        "app", "--password", MASK, "-u", f"me:{MASK}"
    ]  # fmt: skip


def test_a_letters_only_credential_in_an_authorization_header_is_masked() -> None:
    text = "Authorization: Bearer abcdefghijklmnopqrstuv"
    assert DEFAULT.scrub_text(text) == f"Authorization: Bearer {MASK}"


@pytest.mark.parametrize(
    ("argv", "masked"),
    [
        (["redis-cli", "-h", "cache", "-a", TOKEN, "ping"], 4),
        (["sshpass", "-p", TOKEN, "ssh", "host"], 2),
        (["/usr/bin/mysql", "-u", "root", f"-p{TOKEN}", "shop"], 3),
        (["plink", "-pw", TOKEN, "host"], 2),
        (["vault", "-token", TOKEN], 2),
        (["java", f"--db.password={TOKEN}"], 1),
    ],
)
def test_program_password_options_are_masked_in_argv(argv: list[str], masked: int) -> None:
    scrubbed = DEFAULT.scrub_argv(argv)
    assert TOKEN not in json.dumps(scrubbed)
    assert MASK in str(scrubbed[masked])
    assert DEFAULT.scrub_argv(["psql", "-p", "5432"]) == ["psql", "-p", "5432"]


def test_a_text_scrubbed_again_is_masked_by_its_own_scrubbers_rules() -> None:
    # Scrubbed texts are remembered per scrubber: a second scrubber with rules of its own
    # must not be handed the first one's answer, nor the first the second's.
    own = Scrubber(values=[r"hunter2"])
    text = "login with hunter2 failed"
    for _ in range(3):
        assert own.scrub_text(text) == f"login with {own.mask} failed"
        assert DEFAULT.scrub_text(text) == text
    long = "token=abc " + "x" * 400  # past what is remembered: masked all the same
    for _ in range(2):
        assert DEFAULT.scrub_text(long).startswith(f"token={DEFAULT.mask}")
