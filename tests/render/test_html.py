"""The HTML status page and environment page: content, escaping, states, self-containment."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from healthcheck import EnvironmentDump, HealthCheck, Outcome, Report, Status
from healthcheck.render.html import age_text, render_environment_html, render_html

SCRIPT = "<script>alert('pwned')</script>"


class Page(HTMLParser):
    """Collects what tests look at: text, table rows, attributes, and the open-tag balance."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]


def report_of(*checks: tuple[str, Any], **options: Any) -> Report:
    health = HealthCheck()
    for name, value in checks:
        health.add_check(lambda value=value: value, name=name, **options)
    return health.report()


def mixed_report() -> Report:
    health = HealthCheck()
    health.add_check(lambda: (True, "connected"), name="db")
    health.add_check(lambda: Outcome("warn", "81% used", 81, "%"), name="disk", critical=False)
    health.add_check(lambda: (False, SCRIPT), name="cache")
    return health.report()


def rows_by_check(page: Page) -> dict[str, list[str]]:
    return {row[0]: row for row in page.rows[1:]}


# -- the status page ------------------------------------------------------------------------


def test_a_table_row_per_check_failing_first_with_state_since_history_and_more() -> None:
    report = mixed_report()
    now = report.results[0].timestamp + 12.4
    page = Page(render_html(report, now=now))
    assert page.rows[0] == [
        "Check", "State", "Output", "History", "Duration (ms)", "Last run", "Critical"
    ]  # fmt: skip
    # Failing first, then warnings, then passing: what is wrong is on the first screen.
    assert [row[0] for row in page.rows[1:]] == ["cache", "disk", "db"]
    rows = rows_by_check(page)
    db = rows["db"]
    assert db[1] == "\u2713passfor 12 s" and db[2] == "connected" and db[5] == "12 s ago"
    assert db[6] == "yes" and db[3] == "steady"
    assert rows["disk"][1].startswith("!warn") and "observed: 81 %" in rows["disk"][2]
    assert rows["disk"][6] == "no"
    assert rows["cache"][1].startswith("\u2715fail") and rows["cache"][2] == SCRIPT


def test_rows_are_failing_then_warning_then_passing_critical_first_else_in_order() -> None:
    health = HealthCheck()
    for name, value, critical in [
        ("a-pass", (True, "ok"), True),
        ("b-fail-noncritical", (False, "x"), False),
        ("c-warn", Outcome("warn", "w"), True),
        ("d-fail", (False, "x"), True),
        ("e-pass", (True, "ok"), True),
        ("f-fail", (False, "x"), True),
    ]:
        health.add_check(lambda value=value: value, name=name, critical=critical)
    page = Page(render_html(health.report()))
    assert [row[0] for row in page.rows[1:]] == [
        "d-fail", "f-fail", "b-fail-noncritical", "c-warn", "a-pass", "e-pass"
    ]  # fmt: skip


def test_duration_is_in_milliseconds() -> None:
    report = mixed_report()
    page = Page(render_html(report))
    rows = rows_by_check(page)
    for result in report.results:
        ms = result.response_time * 1000
        assert rows[result.checker][4] == (f"{ms:.1f}" if ms >= 0.05 else "<0.1")


def test_outputs_are_escaped_so_no_script_reaches_the_page() -> None:
    html = render_html(mixed_report())
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
    # The page's own refresh script is its only one.
    assert html.count("<script") == 1
    assert "alert" not in html.split("<script")[1].split("</script>")[0]


def test_names_titles_and_structured_outputs_are_escaped() -> None:
    report = report_of(('<b onclick="x">', (False, {"<i>": "</td>"})))
    html = render_html(report, title="<Ops & co>")
    assert "<b onclick" not in html and "<i>" not in html
    page = Page(html)  # still balanced: no injected tag closed a cell early
    assert page.find("title") and "<Ops & co>: fail" in "".join(page.text)
    assert rows_by_check(page)['<b onclick="x">'][2] == '{"<i>": "</td>"}'


@pytest.mark.parametrize(
    ("value", "state", "headline"),
    [
        ((True, "ok"), "pass", "Passing"),
        (Outcome("warn", "slow"), "warn", "Passing with warnings"),
        ((False, "down"), "fail", "Failing"),
    ],
)
def test_banner_shows_the_overall_state_in_words(value: Any, state: str, headline: str) -> None:
    html = render_html(report_of(("api", value)))
    page = Page(html)
    banner = page.find("section", role="status")
    assert banner and banner[0]["class"] == f"banner banner-{state}"
    text = "".join(page.text)
    assert headline in text and state.upper() in text
    assert f"<title>Health: {state}</title>" in html


def test_a_non_critical_failure_makes_the_banner_warn() -> None:
    html = render_html(report_of(("search", (False, "down")), critical=False))
    assert 'class="banner banner-warn"' in html
    assert "1 check: 1 fail" in html


def test_banner_summary_counts_states() -> None:
    assert "3 checks: 1 pass, 1 warn, 1 fail" in render_html(mixed_report())


def test_refresh_script_and_its_no_script_fallback() -> None:
    html = render_html(mixed_report(), refresh=30)
    page = Page(html)
    # Scripts on: reloads while visible (browser-tested); off: the meta tag inside noscript.
    assert page.find("script", **{"data-refresh": "30"})
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in html
    assert "refreshes every 30 s" in "".join(page.text)
    assert "refreshes every 1 h" in render_html(mixed_report(), refresh=3600)  # not "3600 s"
    quiet = render_html(mixed_report(), refresh=0)
    assert "<script" not in quiet and "refresh" not in quiet


def test_default_refresh_is_ten_seconds() -> None:
    assert '<meta http-equiv="refresh" content="10">' in render_html(mixed_report())


def test_the_favicon_is_inline_and_coloured_by_state() -> None:
    icons = {}
    for state, value in (("pass", (True, "ok")), ("fail", (False, "down"))):
        (link,) = Page(render_html(report_of(("api", value)))).find("link", rel="icon")
        assert (link["href"] or "").startswith("data:image/svg+xml,")
        icons[state] = link["href"]
    assert icons["pass"] != icons["fail"]


def test_banner_names_what_fails_and_since_when() -> None:
    health = HealthCheck(success_ttl=0, failed_ttl=0)
    state = {"redis": True}
    health.add_check(lambda: (True, "ok"), name="db")
    health.add_check(lambda: (state["redis"], "refused"), name="redis")
    health.add_check(lambda: (False, "down"), name="search", critical=False)
    first = health.report()
    state["redis"] = False
    report = health.report()
    began = report.results[1].timestamp
    assert report.overall_since == began and report.since(1) == began
    assert report.since(0) == first.results[0].timestamp  # passing since its first result
    page = Page(render_html(report, now=began + 125))
    text = "".join(page.text)
    assert "Failing: redis, search" in text  # the non-critical failure too, after
    assert "for 2 min, since" in text
    assert rows_by_check(page)["redis"][3] == "changed 1 time"


def test_banner_lists_five_names_then_how_many_more() -> None:
    checks = [(f"c{i}", (False, "down")) for i in range(8)]
    text = "".join(Page(render_html(report_of(*checks))).text)
    assert "Failing: c0, c1, c2, c3, c4 and 3 more" in text


def test_a_warning_banner_names_the_warnings() -> None:
    html = render_html(mixed_report().__class__(*_only(mixed_report(), "db", "disk")))
    assert "Passing with warnings: disk" in "".join(Page(html).text)


def _only(report: Report, *names: str) -> tuple[Any, ...]:
    keep = [i for i, c in enumerate(report.checks) if c.name in names]
    return (
        tuple(report.checks[i] for i in keep),
        tuple(report.results[i] for i in keep),
        False,
        tuple(report.histories[i] for i in keep),
    )


def test_the_history_strip_has_a_bar_per_result_and_says_it_in_words() -> None:
    health = HealthCheck(success_ttl=0, failed_ttl=0)
    outcomes = iter([True, False, True, True, False])
    health.add_check(lambda: (next(outcomes), "x"), name="flappy")
    for _ in range(5):
        report = health.report()
    page = Page(render_html(report))
    bars = [a["class"] for t, a in page.tags if t == "i"]
    assert bars == ["m-pass", "m-fail", "m-pass", "m-pass", "m-fail"]
    (strip,) = page.find("span", role="img")
    assert strip["aria-label"] == "last 5 results: 3 pass, 2 fail; changed 3 times"


def test_age_uses_the_given_now() -> None:
    report = report_of(("api", (True, "ok")))
    then = report.results[0].timestamp
    assert "3 min ago" in render_html(report, now=then + 200)
    assert "2 h ago" in render_html(report, now=then + 7300)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s ago"),
        (12.9, "12 s ago"),
        (59, "59 s ago"),
        (60, "1 min ago"),
        (3599, "59 min ago"),
        (3600, "1 h ago"),
        (86400 * 3 + 5, "3 d ago"),
        (-4, "0 s ago"),
    ],
)
def test_age_text(seconds: float, text: str) -> None:
    assert age_text(seconds) == text


def test_without_details_only_the_banner_and_how_to_see_them() -> None:
    html = render_html(mixed_report(), details=False, hidden_hint="Sign in to see more.")
    body = html.split("</head>", 1)[1]
    assert "<table" not in body
    assert "cache" not in body and "connected" not in body and "3 checks" not in body
    assert "process" not in body  # which process answered is a detail too
    assert 'class="banner banner-fail"' in html
    assert '<p class="hint">Sign in to see more.</p>' in html


def test_no_checks() -> None:
    html = render_html(HealthCheck().report())
    assert "No checks are registered." in html and "banner-pass" in html


def test_accessible_markup() -> None:
    html = render_html(mixed_report())
    page = Page(html)
    assert page.find("html", lang="en")
    assert len(page.find("th", scope="col")) == 7
    assert len(page.find("th", scope="row")) == 3
    assert page.find("caption")
    # State is carried by words, never by colour alone.
    assert all(any(w in row[1] for w in ("pass", "warn", "fail")) for row in page.rows[1:])


def self_contained(html: str) -> None:
    lowered = html.lower()
    # The favicon is inline: its SVG names its namespace, which is not a request.
    lowered = lowered.replace("xmlns%3d%27http%3a//www.w3.org/2000/svg%27", "")
    for marker in ("http://", "https://", "src=", "@import", "url("):
        assert marker not in lowered, marker
    page = Page(html)
    assert page.stack == []  # every element closed
    assert all((a["href"] or "").startswith("data:") for a in page.find("link"))


def test_status_page_is_self_contained_and_well_formed() -> None:
    html = render_html(mixed_report())
    assert html.startswith("<!doctype html>")
    self_contained(html)


# -- the environment page -------------------------------------------------------------------


def environment() -> dict[str, Any]:
    return {
        "os": {"platform": "linux", "uname": ["Linux", "host", ""]},
        "python": {
            "version": "3.12.1",
            "pythonpath": ["", "/usr/lib/python3.12"],
            "version_info": {"major": 3, "minor": 12},
            "packages": {"Flask": "3.0.0", "psutil": "5.9.8"},
        },
        "process": {"environ": {"EVIL": SCRIPT, "HOME": "/root"}, "pid": 42},
        "custom": 7,
    }


def test_environment_has_a_section_per_top_level_key_and_a_nav() -> None:
    page = Page(render_environment_html(environment()))
    headings = [t for t, _ in page.tags if t == "h2"]
    assert len(headings) == 4
    sections = [a["id"] for a in page.find("section")]
    assert sections == ["section-os", "section-python", "section-process", "section-custom"]
    assert [a["href"] for a in page.find("a")] == [f"#{s}" for s in sections]


def test_packages_are_a_two_column_table() -> None:
    page = Page(render_environment_html(environment()))
    assert ["Package", "Version"] in page.rows
    assert ["Flask", "3.0.0"] in page.rows and ["psutil", "5.9.8"] in page.rows


def test_lists_are_numbered_items_and_empty_strings_are_shown() -> None:
    html = render_environment_html(environment())
    page = Page(html)
    items = [a for t, a in page.tags if t == "li"]
    assert len(items) == 5  # uname (3) and pythonpath (2)
    assert "/usr/lib/python3.12" in html
    assert html.count("(empty string)") == 2


def test_nested_mappings_are_nested_tables() -> None:
    page = Page(render_environment_html(environment()))
    assert ["major", "3"] in page.rows and ["minor", "12"] in page.rows
    assert ["pid", "42"] in page.rows and ["HOME", "/root"] in page.rows


def test_environment_values_and_keys_are_escaped() -> None:
    data = environment()
    data["<img src=x>"] = {"<k>": "<v>"}
    html = render_environment_html(data, title="<env>")
    assert SCRIPT not in html and "<img" not in html and "<k>" not in html
    assert "&lt;script&gt;" in html and "&lt;env&gt;" in html


def test_environment_page_is_self_contained() -> None:
    self_contained(render_environment_html(environment()))


def test_environment_page_of_a_real_dump() -> None:
    data = json.loads(EnvironmentDump().run()[0])
    html = render_environment_html(data)
    self_contained(html)
    page = Page(html)
    assert ["Package", "Version"] in page.rows
    assert any(row[0] == "pytest" for row in page.rows)


def test_odd_values_do_not_break_the_environment_page() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    html = render_environment_html({"odd": {"set": {3, 1}, "obj": object(), "cycle": cycle}})
    assert "<cycle>" not in html and "&lt;cycle&gt;" in html
    assert re.search(r"&lt;object object at 0x[0-9a-f]+&gt;", html)
    assert Page(html).stack == []


def test_empty_environment() -> None:
    html = render_environment_html({})
    assert "No sections." in html
    self_contained(html)


def test_status_states_use_pills() -> None:
    page = Page(render_html(mixed_report()))
    pills = [a["class"] for t, a in page.tags if t == "span" and "pill" in (a.get("class") or "")]
    assert pills == [f"pill pill-{s.value}" for s in (Status.FAIL, Status.WARN, Status.PASS)]


def test_a_built_in_checks_target_shows_under_its_name_and_names_are_isolated() -> None:
    from healthcheck.checks import disk_check

    health = HealthCheck()
    health.add_check(disk_check("/"))
    health.add_check(lambda: (False, "x"), name="\u202eevil")  # a right-to-left override
    page = Page(render_html(health.report()))
    rows = rows_by_check(page)
    assert "disk-root/" in rows  # the name, then its target, in one cell
    assert page.find("span", **{"class": "target"})
    # Each name in its own bidi context: an override in one cannot turn the banner around.
    assert "<bdi>\u202eevil</bdi>" in render_html(health.report())


def test_any_checkers_target_is_scrubbed_before_it_is_shown() -> None:
    class Database:
        __name__ = "orders-db"
        target = "postgresql://app:S3cretPassw0rd@db/orders"

        def __call__(self) -> tuple[bool, str]:
            return True, "ok"

    health = HealthCheck()
    health.add_check(Database())
    html = render_html(health.report())
    assert "S3cretPassw0rd" not in html and "postgresql://app:" in html
