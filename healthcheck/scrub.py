"""The one place that decides what is secret and masks it.

Two rules, applied at every depth of dicts and lists (and inside JSON held in a string):

- by key name: a value under a key such as ``DB_PASSWORD``, ``clientSecret`` or ``X-Api-Key``
  is masked whatever it holds;
- by value, whatever the key: URL passwords, ``password=`` pairs, command-line password
  options, ``Bearer``/``Basic`` credentials, PEM private keys and well-known token shapes.
"""

from __future__ import annotations

import ast
import json
import logging
import re
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence

from .defaults import LOG_LIMIT, SECRET_MASK
from .jsonable import JSON, bound, cut, masked_within, to_jsonable

# Secret if the key contains one of these anywhere (py-healthcheck's rule was key, token,
# pass; the longer words are the same rule for spellings the short ones miss).
_SUBSTRINGS = (
    "key",
    "token",
    "pass",
    "pwd",
    "secret",
    "credential",
    "private",
    "signature",
    "signing",
    "cookie",
    "session",
    "jwt",
    "bearer",
    "salt",
    "dsn",
)
# Secret only as a whole word: "auth" is, "author" is not.
_WORDS = frozenset({"auth", "authorization", "authentication", "creds", "sig", "pw"})
# Secret at the end of a name: BASICAUTH, HTTPAUTH, bindpw, ROOTPW.
_ENDINGS = ("auth", "pw")

# Names that contain a secret word but hold none (the working directory, in POSIX shells).
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})

_WORD_SPLIT = re.compile(r"[^a-zA-Z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

# Every pattern runs in linear time: quantifiers are bounded or start only where a token
# starts, so a megabyte of dots or dashes cannot stall a worker (no quadratic backtracking).

# user:password@ in a URL of any scheme. The password runs to the next "@": people write
# "/", "#" and "?" unescaped in passwords, and masking a little too much is the safe side.
_URL_USERINFO = re.compile(
    r"(?P<keep>[a-zA-Z][a-zA-Z0-9+.-]{0,30}://[^:/?#@\s]{0,1024}:)"
    r"(?:(?!://)[^@\s]){1,16384}(?=@)"  # not across another URL: each start reads to the next
)
# A token as the whole userinfo (https://ghp_...@github.com/, Sentry's key@ DSNs): long, and
# with a digit, unlike a user name.
_URL_TOKEN = re.compile(
    r"(?P<keep>[a-zA-Z][a-zA-Z0-9+.-]{0,30}://)(?=[A-Za-z0-9_~.-]{0,2048}\d)"
    r"[A-Za-z0-9_~.-]{20,2048}(?=[@:])"  # https://TOKEN:x-oauth-basic@github.com too
)
# name=value and name: value, in DSNs (libpq, ODBC/ADO, Azure connection strings), query
# strings (SAS sig=, X-Amz-Signature=), config dumps and JSON text; masked when the name is a
# secret's by the key rule (Scrubber.is_secret_key), so both rules agree.
_PAIR_NAME = re.compile(
    r"(?:(?<![\w-])|(?<=-D))"  # a word's start, or a Java property: -Dpassword=
    # quoted, or quoted inside a quoted string: \"password\": \"...\"
    r"\\?[\"']?(?P<name>[A-Za-z0-9_][\w.-]{0,127})\\?[\"']?[ \t]{0,8}[=:][ \t]{0,8}"
)
# Values that say whether there is a password, not what it is: "(using password: YES)".
_NOT_VALUES = frozenset(
    {"yes", "no", "true", "false", "none", "null", "on", "off", "required", "optional", "set",
     "unset", "missing", "empty"}
)  # fmt: skip
_PAIR_VALUE = re.compile(
    r"(?!(?i:bearer|basic|token|digest)\s)"  # a scheme: the credential after it is masked
    r"(?:'(?:[^'\\\n]|\\.){0,1024}'|\"(?:[^\"\\\n]|\\.){0,1024}\""
    r"|\\\"(?:[^\"\\\n]|\\[^\"\n]){0,1024}\\\""  # \"...\" inside a quoted string
    r"|\[[^\]\n]{0,1024}\]|\{[^}\n]{0,1024}\}"  # a list or an object, whole
    r"|[^\s&;,'\"]{1,1024})"
)
# Words that make a command-line option's value secret: --password, --pass=, --passphrase,
# --api_key, --db-token, --client-secret, --credentials-file.
_OPTION_WORDS = (
    r"(?:pass|pwd|pw|secret|token|key|credential|auth|sig|session|jwt|cookie|dsn|bearer)"
)
_OPTION = re.compile(
    r"(?P<keep>(?<![\w-])(?P<name>--?[\w.-]{0,64}?" + _OPTION_WORDS + r"[\w.-]{0,64})"
    r"(?:=|[ \t]{1,8}))(?!--)\S{1,1024}",
    re.IGNORECASE,
)
# Options named after a secret that take none: --no-password, --password-stdin, --ask-pass,
# --anyauth, --no-sign-request. The word after them is the next option or argument.
_FLAG = re.compile(
    r"--?(?:no-|ask-|any)[\w.-]*|--?[\w.-]*-(?:stdin|warning|request|prompt|required)",
    re.IGNORECASE,
)
_OPTION_NAME = re.compile(r"--?[\w.-]*" + _OPTION_WORDS + r"[\w.-]*", re.IGNORECASE)
# mysql -pSECRET (a glued value that is not a port number) and curl -u user:password.
# mysql's -pSECRET, glued: only after a mysql client's name (-pedantic, -p8080:80 are others').
_SHORT_OPTION = re.compile(
    r"(?P<keep>\b(?:mysql|mariadb)[\w-]{0,16}(?:[ \t]+\S+){0,12}?[ \t]+-p)(?=\S)\S{1,1024}"
)
# openssl's pass phrase arguments: -passin pass:SECRET
_PASS_ARG = re.compile(r"(?P<keep>(?<!\S)pass:)\S{1,1024}")
# Programs whose short option takes a password as the next argument: -pw (PuTTY's plink,
# pscp), -a (redis-cli), -p (sshpass).
_SHORT_PASSWORD = re.compile(
    r"(?P<keep>(?<![\w-])(?:-pw[ \t]+"
    r"|(?:redis|valkey)-cli(?:[ \t]+\S+){0,12}?[ \t]+-a[ \t]*"  # -a SECRET, -aSECRET
    r"|sshpass(?:[ \t]+\S+){0,6}?[ \t]+-p[ \t]*))"
    r"(?!-)\S{1,1024}"
)
# A command line as Python shows a list of strings: "Command '['mysql', '-pS']' returned..."
_ARGV_REPR = re.compile(r"\[(?:'[^'\\\n]{0,1024}', ){1,64}'[^'\\\n]{0,1024}'\]")
_USER_OPTION = re.compile(r"(?P<keep>(?<!\S)(?:-u|--user)(?:=|[ \t]{1,8})[^\s:]{1,256}:)\S{1,1024}")
# HTTP authorization schemes (any case, RFC 7235): the credential must hold a digit or base64
# punctuation, so prose such as "basic configuration" is left alone; Digest's whole parameter
# list (its response and nonce).
_AUTH_HEADER = re.compile(
    r"(?P<keep>\b(?:bearer|basic|token)\s+)(?=[A-Za-z0-9._~+/=-]{0,2048}[0-9+/=])"
    r"[A-Za-z0-9._~+/=-]{8,2048}",
    re.IGNORECASE,
)
# An Authorization header's credential, whatever its scheme (SSWS, ApiKey, Negotiate...).
_AUTHORIZATION = re.compile(
    r"(?P<keep>\b(?:proxy-)?authorization[\"']?[ \t]{0,8}[:=][ \t]{0,8}[\"']?"
    r"(?:[A-Za-z][\w-]{0,31}[ \t]{1,8})?)[^\s\"',;})\]]{1,4096}",
    re.IGNORECASE,
)
# Schemes whose credentials are a list of parameters: Digest, OAuth 1.0, Hawk, MAC.
_DIGEST = re.compile(
    r"(?P<keep>\b(?:digest|oauth|hawk|mac)\s+)(?=[\w-]{1,32}=)[^\r\n]{1,4096}", re.IGNORECASE
)
_COOKIE = re.compile(r"(?P<keep>\b(?:set-)?cookie[ \t]{0,8}:[ \t]{0,8})[^\r\n]{1,4096}", re.I)
_PEM = re.compile(
    r"-----BEGIN (?P<kind>[A-Z0-9 ]{0,32}PRIVATE KEY(?: BLOCK)?)-----"
    r".*?(?:-----END [A-Z0-9 ]{0,32}PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
# URLs that are credentials themselves: the path after the fixed part is the secret.
_WEBHOOK = re.compile(
    r"(?P<keep>https?://(?:hooks\.slack\.com/(?:services|workflows|triggers)/"
    r"|(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/))[\w/-]{1,512}",
    re.IGNORECASE,
)
_TOKENS = re.compile(
    r"\b(?:"
    r"gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{40,}"
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"  # Stripe keys
    r"|sk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_-]{20,}"  # OpenAI and Anthropic API keys
    r"|xox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}"  # AWS access key ids
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API keys
    r"|ya29\.[0-9A-Za-z_-]{20,}"  # Google OAuth access tokens
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab personal access tokens
    r"|SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}"  # SendGrid
    r"|npm_[A-Za-z0-9]{36}"  # npm
    r"|pypi-[A-Za-z0-9_-]{50,}"  # PyPI
    # JWTs. The header may not run across another "eyJ": else a long run of them with no
    # dot would be searched from each, in quadratic time.
    r"|eyJ(?:(?!eyJ)[A-Za-z0-9_-]){5,2048}\.eyJ[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{8,8192}"
    r")"
)


# In running text ("name=value", "Name: value") the key rule goes word by word, so that
# "KeyboardInterrupt: stop" stays readable: a word that is, starts or ends like a secret's.
_TEXT_WORDS = frozenset(
    {"key", "keys", "sig", "auth", "authorization", "authentication", "pw", "pass"}
)
# "pass" and "key" count as whole words or endings only: "passed=12" is a count, and
# "KeyboardInterrupt: stop" no secret.
_TEXT_STEMS = (
    "passw", "passphrase", "passcode", "creds",
    *(word for word in _SUBSTRINGS if word not in ("pass", "key")),
)  # fmt: skip
_TEXT_ENDINGS = ("key", "keys", "auth", "pw", "pwd", "pass", "password", "token", "secret")
# Exception names head most "Name: message" lines: "KeyError: 'id'" is no secret pair.
_EXCEPTION_ENDINGS = ("Error", "Exception", "Warning", "Interrupt", "Exit")


def _counts(pair: str, text: str, start: int) -> bool:
    """Whether ``pass: ...`` / ``pass=12/12`` at ``start`` is a test count, not a password."""
    return "=" not in pair or _COUNT.match(text, start) is not None


_COUNT = re.compile(r"\d+(?:/\d+)?(?![^\s,;&])")


def _secret_value(value: str, mask: str) -> bool:
    """Whether a secret pair's value is worth masking: not masked already, nor a yes or a
    no."""
    return mask not in value and value.strip("\"'()").lower() not in _NOT_VALUES


#: How many judged names (and scrubbed texts) a scrubber remembers.
_JUDGED_KEPT = 4096
#: The longest text whose scrubbed form is remembered.
_SCRUBBED_LENGTH = 256


class Scrubber:
    """Masks secrets in keys, values and text.

    ``keys`` and ``values`` add regular expressions (strings or compiled) to the built-in
    rules: a key matching one of ``keys`` is secret; any match of one of ``values`` in a
    string is masked. ``mask_all`` masks every value of what it is asked to scrub with
    :meth:`scrub_values` (Spring Boot's default), for locked-down deployments.
    """

    def __init__(
        self,
        *,
        keys: Iterable[str | re.Pattern[str]] = (),
        values: Iterable[str | re.Pattern[str]] = (),
        mask: str = SECRET_MASK,
        mask_all: bool = False,
    ) -> None:
        self.mask = mask
        self.mask_all = mask_all
        self._keys = [re.compile(k, re.IGNORECASE) if isinstance(k, str) else k for k in keys]
        self._values = [re.compile(v) if isinstance(v, str) else v for v in values]
        #: Names judged already: the same few come again and again (environ, pairs in text).
        self._judged: dict[str, bool] = {}
        self._judged_in_text: dict[str, bool] = {}
        #: Short texts scrubbed already: checks say the same few things ("ok") run after run.
        self._scrubbed: dict[str, str] = {}

    def is_secret_key(self, key: object) -> bool:
        """True when a mapping key names a secret."""
        name = str(key)
        known = self._judged.get(name)
        if known is None:
            if len(self._judged) >= _JUDGED_KEPT:
                self._judged.clear()
            known = self._judged[name] = self._judge(name)
        return known

    def _is_secret_pair(self, name: str) -> bool:
        """Whether ``name`` in ``name=value`` or ``Name: value`` in running text names a
        secret (the key rule, word by word)."""
        known = self._judged_in_text.get(name)
        if known is None:
            if len(self._judged_in_text) >= _JUDGED_KEPT:
                self._judged_in_text.clear()
            words = [w.lower() for w in _WORD_SPLIT.split(name) if w]
            known = (
                name not in _NOT_SECRET
                and not name.endswith(_EXCEPTION_ENDINGS)
                and (
                    any(
                        w in _TEXT_WORDS or w.startswith(_TEXT_STEMS) or w.endswith(_TEXT_ENDINGS)
                        for w in words
                    )
                    or any(pattern.search(name) for pattern in self._keys)
                )
            )
            self._judged_in_text[name] = known
        return known

    def _judge(self, name: str) -> bool:
        if name in _NOT_SECRET:
            return False
        lowered = name.lower()
        if any(word in lowered for word in _SUBSTRINGS) or lowered.endswith(_ENDINGS):
            return True
        if any(word.lower() in _WORDS for word in _WORD_SPLIT.split(name) if word):
            return True
        return any(pattern.search(name) for pattern in self._keys)

    def scrub_text(self, text: str) -> str:
        """``text`` with every secret-looking value masked."""
        known = self._scrubbed.get(text)
        if known is not None:
            return known
        scrubbed = self._scrub_text(text)
        if len(text) <= _SCRUBBED_LENGTH:
            if len(self._scrubbed) >= _JUDGED_KEPT:
                self._scrubbed.clear()
            self._scrubbed[text] = scrubbed
        return scrubbed

    def _scrub_text(self, text: str) -> str:
        mask = self.mask

        def keep(match: re.Match[str]) -> str:
            return match.group("keep") + mask

        def option(match: re.Match[str]) -> str:  # a flag takes no value: leave the next
            return match.group(0) if _FLAG.fullmatch(match.group("name")) else keep(match)

        def fresh(match: re.Match[str]) -> str:  # masked already by a rule before: as it is
            return match.group(0) if text.startswith(mask, match.end("keep")) else keep(match)

        # Each pattern only where its marker occurs: most text has none, and stays cheap.
        if "', '" in text:
            text = _ARGV_REPR.sub(self._argv_repr, text)
        if "PRIVATE KEY" in text:
            text = _PEM.sub(lambda m: f"-----{m.group('kind')} {mask}-----", text)
        if "://" in text:
            text = _WEBHOOK.sub(keep, text)
            text = _URL_USERINFO.sub(keep, text)
            text = _URL_TOKEN.sub(keep, text)
        if "-" in text:
            text = _OPTION.sub(option, text)
            text = _SHORT_OPTION.sub(keep, text)
            text = _PASS_ARG.sub(keep, text)
            text = _SHORT_PASSWORD.sub(keep, text)
            text = _USER_OPTION.sub(keep, text)
        text = _DIGEST.sub(keep, text)
        text = _AUTH_HEADER.sub(keep, text)
        text = _AUTHORIZATION.sub(fresh, text)  # any other scheme
        text = _COOKIE.sub(keep, text)
        if "=" in text or ":" in text:  # after the schemes: "Authorization: Bearer x"
            text = self._mask_pairs(text)
        text = _TOKENS.sub(mask, text)
        for pattern in self._values:
            text = pattern.sub(mask, text)
        return text

    def _argv_repr(self, match: re.Match[str]) -> str:
        """A list of strings shown by Python, masked as the command line it is."""
        try:
            argv = ast.literal_eval(match.group())
        except (ValueError, SyntaxError):
            return match.group()
        return repr(self.scrub_argv(argv)) if isinstance(argv, list) else match.group()

    def _mask_pairs(self, text: str) -> str:
        """Mask the value of every ``name=value`` / ``name: value`` whose name is a secret's.
        The value of any other pair is searched too (``https://host/p?X-Amz-Signature=...``
        is a pair named ``https`` holding a secret pair), so matches are taken one at a time."""
        parts, done, start = [], 0, 0
        while (pair := _PAIR_NAME.search(text, start)) is not None:
            start = pair.end()  # on into the value: it may hold a pair of its own
            name = pair.group("name")
            # "pass=x" holds one; "pass: 12" and "pass=12/12" in a report are counts.
            counted = name.lower() == "pass" and _counts(pair.group(), text, start)
            if self._is_secret_pair(name) and not counted:
                value = _PAIR_VALUE.match(text, start)
                # A scheme whose credential a rule before masked ("Authorization: SSWS ***")
                masked_after = value is not None and text.startswith(self.mask, value.end() + 1)
                if (
                    value is not None
                    and not masked_after
                    and _secret_value(value.group(), self.mask)
                ):
                    parts += [text[done:start], self.mask]
                    done = start = value.end()
        return "".join([*parts, text[done:]]) if parts else text

    def scrub(self, data: JSON, *, by_key: bool = True) -> JSON:
        """A copy of JSON-like ``data`` with secrets masked at every depth.

        ``data`` must be what :func:`~healthcheck.jsonable.to_jsonable` returns (no cycles,
        bounded depth); strings holding a JSON object or array are scrubbed inside. With
        ``by_key`` false only values are judged (for data whose keys are names of things,
        such as installed packages).
        """
        if isinstance(data, str):
            return self._scrub_string(data)
        if isinstance(data, Mapping):
            return {
                # A key can hold a secret too: {"postgresql://app:pw@db/x": "up"}
                (self.scrub_text(k) if isinstance(k, str) else k): self.mask
                if by_key and v not in (None, "") and self.is_secret_key(k)
                else self.scrub(v, by_key=by_key)
                for k, v in data.items()
            }
        if isinstance(data, list):
            strings = [v for v in data if isinstance(v, str)]
            if strings and len(strings) == len(data):  # maybe a command line
                return self.scrub_argv(strings)
            return [self.scrub(v, by_key=by_key) for v in data]
        return data

    def scrub_bounded(
        self,
        data: JSON,
        limit: int | None,
        scrub: Callable[[JSON], JSON] | None = None,
        *,
        all_values: bool = False,
    ) -> JSON:
        """``scrub(data)`` (default :meth:`scrub`; ``all_values``: :meth:`scrub_values`) cut
        to ``limit`` characters of JSON, masking no more than a bounded start of what is too
        long: masking megabytes would stall a thread. What is far too long is masked as
        text, its JSON (name=value pairs, URLs, tokens...), then cut."""
        scrub = scrub or (self.scrub_values if all_values else self.scrub)
        if limit is None or data is None or isinstance(data, (bool, int, float)):
            return scrub(data)
        if isinstance(data, str):
            if len(data) <= limit:  # most outputs: short, masked whole
                return cut(_as_text(scrub(data)), limit)
            return masked_within(data, limit, lambda text: _as_text(scrub(text)))
        text = json.dumps(data)
        if len(text) <= 2 * limit + _SMALL_MARGIN:  # small enough: masked by its structure
            return bound(scrub(data), limit)
        if all_values and self.mask_all:
            return self.mask
        return masked_within(text, limit, self.scrub_text)

    def scrub_values(self, data: JSON) -> JSON:
        """:meth:`scrub`, or with ``mask_all`` every leaf value masked."""
        if not self.mask_all:
            return self.scrub(data)
        if isinstance(data, Mapping):
            return {k: self.scrub_values(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self.scrub_values(v) for v in data]
        return self.mask

    def scrub_argv(self, argv: Sequence[str]) -> list[JSON]:
        """A command line with secrets masked, including ``--password value`` pairs and the
        password options of a few programs (``redis-cli -a``, ``sshpass -p``, ``mysql -pX``,
        ``plink -pw``)."""
        program = argv[0].rsplit("/", 1)[-1] if argv else ""
        takes_password = (*_PASSWORD_OPTIONS.get(program, ()), "-pw")
        mysql = program.startswith(("mysql", "mariadb"))
        scrubbed: list[JSON] = []
        hide_next = False
        previous = ""
        for arg in argv:
            if hide_next and not arg.startswith("--"):  # "--password -x": -x is the password
                scrubbed.append(self.mask)
                hide_next = False
            elif previous in ("-u", "--user") and ":" in arg:  # curl -u user:password
                scrubbed.append(f"{arg.partition(':')[0]}:{self.mask}")
            elif mysql and arg.startswith("-p") and len(arg) > 2:  # mysql -pSECRET
                scrubbed.append("-p" + self.mask)
            else:
                hide_next = (
                    bool(_OPTION_NAME.fullmatch(arg)) and not _FLAG.fullmatch(arg)
                ) or arg in takes_password
                scrubbed.append(self._scrub_string(arg))
            previous = arg
        return scrubbed

    def _scrub_string(self, text: str) -> str:
        if text.lstrip()[:1] in ("{", "["):
            try:
                nested = json.loads(text)
            except (ValueError, RecursionError):  # not JSON, or nested beyond the parser
                nested = None
            if isinstance(nested, (dict, list)):
                # to_jsonable cuts absurd nesting, so scrubbing it cannot recurse too deep
                return json.dumps(self.scrub(to_jsonable(nested)))
        return self.scrub_text(text)


#: Programs' short options whose next argument is a password.
_PASSWORD_OPTIONS = {"redis-cli": ("-a",), "valkey-cli": ("-a",), "sshpass": ("-p",)}

#: Past twice the limit and this, a structure is masked as text (see Scrubber.scrub_bounded).
_SMALL_MARGIN = 4096


def _as_text(value: JSON) -> str:
    return value if isinstance(value, str) else json.dumps(value)


#: The default rules, shared by everything that is not given its own scrubber.
DEFAULT = Scrubber()


def is_secret_key(key: object) -> bool:
    """True when a mapping key names a secret (the default rules)."""
    return DEFAULT.is_secret_key(key)


def scrub_mapping(mapping: Mapping[str, str], mask: str = SECRET_MASK) -> dict[str, str]:
    """A copy of ``mapping`` with secret keys' values, and secrets in other values, masked."""
    scrubber = DEFAULT if mask == DEFAULT.mask else Scrubber(mask=mask)
    return {
        k: mask if scrubber.is_secret_key(k) else scrubber.scrub_text(v) for k, v in mapping.items()
    }


def mask_url(text: str, mask: str = "***") -> str:
    """``text`` with every URL password masked: ``postgresql://app:***@db/x``."""
    return _URL_USERINFO.sub(lambda m: m.group("keep") + mask, text)


class LogScrubber(logging.Filter):
    """Masks secrets in this package's log records, tracebacks included: a driver error that
    quotes a DSN must not put its password in the log either."""

    def __init__(self, scrubber: Scrubber = DEFAULT) -> None:
        super().__init__()
        self.scrubber = scrubber

    def filter(self, record: logging.LogRecord) -> bool:
        # A HealthCheck with its own scrubber passes it along: extra={"scrubber": ...}
        scrubber = getattr(record, "scrubber", None) or self.scrubber
        record.msg = masked_within(record.getMessage(), LOG_LIMIT, scrubber.scrub_text)
        record.args = None
        if record.exc_info:
            if not record.exc_text:
                text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
                record.exc_text = masked_within(text, LOG_LIMIT, scrubber.scrub_text)
            # The exception itself goes: JSON formatters and Sentry read it, not exc_text, and
            # its message and locals are unmasked. Formatters still print exc_text.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = masked_within(record.stack_info, LOG_LIMIT, scrubber.scrub_text)
        return True


logging.getLogger("healthcheck").addFilter(LogScrubber())
