"""Self-contained HTML pages: the status page and the environment dump.

No fonts, images or scripts from elsewhere: a page must render on a machine that can only reach
the service (its one script, which pauses the refresh while the page is hidden, is inline and
allowed by hash). Everything that comes from checkers or sections is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from html import escape
from urllib.parse import quote

from ..history import CheckHistory
from ..jsonable import JSON, to_jsonable
from ..result import Report, Status
from ..vocabulary import HEADLINES

# Symbols as well as colours, so the state never depends on colour vision alone.
_ICONS = {Status.PASS: "\u2713", Status.WARN: "!", Status.FAIL: "\u2715"}
#: The favicon's colour per state: a tab says how the service is at a glance.
_FAVICON_COLOURS = {Status.PASS: "#1a7f37", Status.WARN: "#f4b400", Status.FAIL: "#b42318"}
#: What a viewer who may not see the checks is told (the endpoints say how to see them).
DEFAULT_HIDDEN_HINT = "Check details are hidden from this client."
#: How many names the banner lists before "and N more".
_NAMED = 5

#: Column headings for mappings that read as two-column tables in the environment page.
ENVIRONMENT_COLUMNS = {"packages": ("Package", "Version"), "environ": ("Variable", "Value")}

_CSS = """
:root{--fg:#1f2328;--muted:#57606a;--bg:#f6f8fa;--card:#fff;--line:#d0d7de;
--pass:#1a7f37;--warn:#f4b400;--fail:#b42318;
--pass-soft:#dafbe1;--pass-ink:#116329;--warn-soft:#fff1c2;--warn-ink:#7a4a00;
--fail-soft:#ffe2de;--fail-ink:#a40e26}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.5;
font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:32px 24px 48px}
header{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:8px}
h1{font-size:24px;margin:0 0 16px}
h2{font-size:18px;margin:0 0 12px}
.meta,.muted{color:var(--muted)}
span.muted{font-size:13px;font-style:italic}
.meta{margin:0 0 16px;font-size:13px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:13px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;
box-shadow:0 1px 2px rgba(31,35,40,.06);overflow:auto}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;vertical-align:top;padding:10px 14px;border-bottom:1px solid var(--line)}
tbody tr:last-child>*{border-bottom:0}
thead th{background:#f0f3f6;font-size:12px;text-transform:uppercase;letter-spacing:.04em;
color:var(--muted);white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
white-space:nowrap}
.wrap{white-space:pre-wrap;overflow-wrap:break-word}
"""

_STATUS_CSS = """
.banner{display:flex;align-items:flex-start;gap:16px;padding:20px 24px;border-radius:10px;
margin:0 0 24px;color:#fff}
.banner p{margin:0}
.banner .icon{flex:none;display:grid;place-items:center;width:48px;height:48px;
border-radius:50%;background:rgba(255,255,255,.22);font-size:26px;font-weight:700}
.banner .headline{font-size:26px;font-weight:700;line-height:1.25;overflow-wrap:anywhere}
.banner .summary{font-size:15px;opacity:.95}
.banner-pass{background:var(--pass)}
.banner-warn{background:var(--warn);color:#1f1300}
.banner-warn .icon{background:rgba(0,0,0,.12)}
.banner-fail{background:var(--fail)}
.hint{margin:0 0 24px;padding:12px 16px;border:1px dashed var(--line);border-radius:10px;
background:var(--card)}
.pill{display:inline-flex;align-items:center;gap:6px;padding:2px 10px;border-radius:999px;
font-size:13px;font-weight:600;white-space:nowrap}
.pill-pass{background:var(--pass-soft);color:var(--pass-ink)}
.pill-warn{background:var(--warn-soft);color:var(--warn-ink)}
.pill-fail{background:var(--fail-soft);color:var(--fail-ink)}
.for{display:block;margin-top:4px;font-size:13px;color:var(--muted);white-space:nowrap}
tbody tr.row-pass>th{box-shadow:inset 4px 0 var(--pass)}
tbody tr.row-warn>th{box-shadow:inset 4px 0 var(--warn)}
tbody tr.row-fail>th{box-shadow:inset 4px 0 var(--fail)}
tbody th{font-weight:600;overflow-wrap:anywhere;min-width:9em;max-width:22em}
.target{display:block;font-weight:400;font-size:12px;color:var(--muted)}
.stale{margin:0 0 16px;padding:10px 14px;border-radius:8px;background:var(--warn-soft);
color:var(--warn-ink)}
.output{width:36%;min-width:12em}
.wrap{overflow-wrap:anywhere}
.observed{display:block;margin-top:2px;color:var(--muted);font-size:13px}
.strip{display:inline-flex;gap:1px;align-items:flex-end;height:18px;white-space:nowrap}
.strip i{display:block;width:4px;height:18px;border-radius:1px}
.strip .m-pass{background:var(--pass);height:10px}
.strip .m-warn{background:var(--warn);height:14px}
.strip .m-fail{background:var(--fail)}
.changes{display:block;font-size:12px;color:var(--muted)}
.badge{display:inline-block;margin-left:8px;padding:2px 8px;border-radius:6px;
background:rgba(0,0,0,.16);font-size:13px;letter-spacing:.06em;vertical-align:middle}
.banner-warn .badge{background:rgba(0,0,0,.1)}
.flag{display:inline-block;margin-left:6px;font-size:12px;color:var(--muted)}
.empty{padding:24px;margin:0;color:var(--muted)}
@media (max-width:700px){
main{padding:16px 12px 32px}
.banner{padding:16px;gap:12px}
.banner .icon{width:36px;height:36px;font-size:20px}
.banner .headline{font-size:22px}
.card{overflow:visible}
table.checks,table.checks tbody,table.checks tr,table.checks th,table.checks td{display:block}
table.checks thead{display:none}
table.checks tr{border-bottom:1px solid var(--line);padding:10px 12px 10px 16px}
table.checks tbody tr:last-child{border-bottom:0}
table.checks th,table.checks td{border:0;padding:2px 0}
table.checks tbody tr.row-pass>th,table.checks tbody tr.row-warn>th,
table.checks tbody tr.row-fail>th{box-shadow:none}
table.checks tr.row-pass{box-shadow:inset 4px 0 var(--pass)}
table.checks tr.row-warn{box-shadow:inset 4px 0 var(--warn)}
table.checks tr.row-fail{box-shadow:inset 4px 0 var(--fail)}
table.checks .output{width:auto;min-width:0}
table.checks td[data-label]::before{content:attr(data-label) ": ";color:var(--muted);
font-size:13px}
table.checks td.meta{display:inline-block;margin-right:14px}
table.checks .num{text-align:left}
.for{display:inline;margin-left:8px}
}
@media (min-width:1600px){main{max-width:1500px}body{font-size:17px}}
"""

_ENVIRONMENT_CSS = """
nav{margin:0 0 24px;display:flex;flex-wrap:wrap;gap:8px}
nav a{padding:4px 12px;border:1px solid var(--line);border-radius:999px;background:var(--card);
color:var(--fg);text-decoration:none;font-size:14px}
nav a:hover,nav a:focus{border-color:var(--fg)}
section.card{margin:0 0 24px;padding:16px 20px}
section.card>table{margin:0 -20px -16px;width:calc(100% + 40px)}
table table{border:1px solid var(--line);border-radius:6px;border-collapse:separate;
border-spacing:0}
table table th,table table td{padding:6px 10px}
table.columns{width:auto;min-width:50%}
table.columns tbody th{font-weight:400}
section.card>table>tbody>tr>th{padding-left:20px}
tbody th{white-space:nowrap;font-weight:600}
table:not(.columns)>tbody>tr>td{width:99%}
ol.list{margin:0;padding-left:2.4em}
ol.list li,code.wrap{overflow-wrap:anywhere}
ol.list li::marker{color:var(--muted);font-size:12px}
"""


def render_html(
    report: Report,
    *,
    title: str = "Health",
    refresh: int = 10,
    now: float | None = None,
    details: bool = True,
    hidden_hint: str = DEFAULT_HIDDEN_HINT,
) -> str:
    """A status page: a banner with the overall state, what fails and since when and, with
    ``details``, the checks, failing first, each with how long it has been in its state and
    its last results. The page reloads itself every ``refresh`` seconds (never, if 0), and not
    while it is hidden. Without ``details`` it says ``hidden_hint``: how to see them."""
    now = time.time() if now is None else now
    status = report.status
    # Which process answered: under a prefork server each keeps its own history.
    process = f" &middot; process {os.getpid()}" if details else ""
    parts = [
        f'<header><h1>{escape(title)}</h1><p class="meta">Updated {_utc(now)}{process}'
        + (f" &middot; refreshes every {span_text(refresh)}" if refresh > 0 else "")
        + "</p></header>",
        '<p class="stale" id="stale" role="alert" hidden></p>',
        _banner(report, details, now),
    ]
    if details:
        parts.append(_checks_table(report, now))
    else:
        parts.append(f'<p class="hint">{escape(hidden_hint)}</p>')
    head = _favicon(status)
    if refresh > 0:
        # The script reloads only while the page is seen; without scripts, the meta tag.
        head += (
            f'<noscript><meta http-equiv="refresh" content="{int(refresh)}"></noscript>'
            f'<script data-refresh="{int(refresh)}">{_REFRESH_SCRIPT}</script>'
        )
    return _page(
        f"{title}: {status.value}", _CSS + _STATUS_CSS, "".join(parts), head, "data-status-page"
    )


def render_environment_html(data: Mapping[str, object], *, title: str = "Environment") -> str:
    """The environment dump as a page: one section per top-level key, nested mappings as
    tables, lists as numbered lists, ``packages`` as a package/version table."""
    sections = {str(name): to_jsonable(value) for name, value in data.items()}
    nav = "".join(f'<a href="#{_anchor(name)}">{escape(name)}</a>' for name in sections)
    body = [f"<header><h1>{escape(title)}</h1></header>"]
    if nav:
        body.append(f'<nav aria-label="Sections">{nav}</nav>')
    for name, value in sections.items():
        body.append(
            f'<section class="card" id="{_anchor(name)}" aria-labelledby="h-{_anchor(name)}">'
            f'<h2 id="h-{_anchor(name)}">{escape(name)}</h2>{_value(value, name)}</section>'
        )
    if not sections:
        body.append('<p class="muted">No sections.</p>')
    return _page(title, _CSS + _ENVIRONMENT_CSS, "".join(body))


def age_text(seconds: float) -> str:
    """``"12 s ago"``, ``"3 min ago"``, ``"2 h ago"`` or ``"4 d ago"``."""
    return f"{span_text(seconds)} ago"


def span_text(seconds: float) -> str:
    """``"12 s"``, ``"3 min"``, ``"2 h"`` or ``"4 d"``."""
    seconds = max(0, int(seconds))  # a clock step back shows as "0 s", not negative
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


# -- the status page ------------------------------------------------------------------------

#: Every ``data-refresh`` seconds while the page is seen (a page hidden past its time catches up
#: when shown again), fetches the page anew and puts its body in place: a reload that met a
#: dead server or a proxy's error page would leave the tab there for good, while this keeps the
#: last good page, says it could not refresh, and tries again. A fetch unanswered after the
#: refresh period (5 s at least) is given up, so a hung request cannot stop the refreshes.
#: Fixed text: the Content-Security-Policy allows it by hash.
_REFRESH_SCRIPT = (
    "(function(){var n=1000*document.currentScript.dataset.refresh,due=Date.now()+n,busy=0;"
    "function swap(html){var page=new DOMParser().parseFromString(html,'text/html');"
    "if(!page.querySelector('main[data-status-page]'))throw Error('not the status page');"
    "document.title=page.title;document.body.replaceWith(page.body);"
    "var icon=page.querySelector('link[rel=icon]'),mine=document.querySelector('link[rel=icon]');"
    "if(icon&&mine)mine.href=icon.href;}"
    "function stale(){var note=document.getElementById('stale');if(note){note.hidden=false;"
    "note.textContent='Could not refresh at '+new Date().toLocaleTimeString()+"
    "': this page may be out of date. Trying again.';}}"
    "function tick(){if(busy||document.visibilityState==='hidden'||Date.now()<due)return;"
    "busy=1;due=Date.now()+n;var stop=new AbortController(),"
    "limit=setTimeout(function(){stop.abort();},Math.max(n,5000));"
    "fetch(location.href,{cache:'no-store',headers:{Accept:'text/html'},signal:stop.signal})"
    ".then(function(r){return r.text();}).then(swap).catch(stale)"
    ".then(function(){clearTimeout(limit);busy=0;});}"
    "setInterval(tick,1000);document.addEventListener('visibilitychange',tick);})();"
)


def _order(report: Report) -> list[int]:
    """The rows' order: failing first, then warnings, then passing; critical checks before
    the others; registration order within each."""
    checks, results = report.checks, report.results
    return sorted(
        range(len(results)),
        key=lambda i: (-results[i].status.rank, not checks[i].critical),
    )


def _banner(report: Report, details: bool, now: float) -> str:
    status = report.status
    headline = HEADLINES[status.value].capitalize()
    if details and status is not Status.PASS:
        rank = status.rank
        names = [
            report.checks[i].name
            for i in _order(report)
            if report.weights[i].rank >= rank or report.results[i].status.rank >= rank
        ]
        shown = ", ".join(f"<bdi>{escape(name)}</bdi>" for name in names[:_NAMED])
        if len(names) > _NAMED:
            shown += f" and {len(names) - _NAMED} more"
        headline += f": {shown}"
    summary = []
    since = report.overall_since
    if since is not None:
        summary.append(
            f'for {span_text(now - since)}, since <time datetime="{_iso(since)}">'
            f"{_utc(since)}</time>"
        )
    if details:
        counts = {s: 0 for s in Status}
        for result in report.results:
            counts[result.status] += 1
        total = len(report.results)
        count = f"{total} check{'' if total == 1 else 's'}"
        if total:
            count += ": " + ", ".join(f"{counts[s]} {s.value}" for s in Status if counts[s])
        summary.append(count)
    lines = f'<p class="summary">{" &middot; ".join(summary)}</p>' if summary else ""
    return (
        f'<section class="banner banner-{status.value}" role="status" aria-live="polite">'
        f'<span class="icon" aria-hidden="true">{_ICONS[status]}</span>'
        f'<div><p class="headline">{headline} <span class="badge">{status.value.upper()}</span>'
        f"</p>{lines}</div></section>"
    )


def _checks_table(report: Report, now: float) -> str:
    if not report.results:
        return '<div class="card"><p class="empty">No checks are registered.</p></div>'
    head = "".join(
        f'<th scope="col"{cls}>{label}</th>'
        for label, cls in (
            ("Check", ""),
            ("State", ""),
            ("Output", ' class="output"'),
            ("History", ""),
            ("Duration (ms)", ' class="num"'),
            ("Last run", ""),
            ("Critical", ""),
        )
    )
    rows = "".join(_check_row(report, i, now) for i in _order(report))
    return (
        '<div class="card"><table class="checks"><caption class="sr-only">Checks</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _check_row(report: Report, index: int, now: float) -> str:
    check, result = report.checks[index], report.results[index]
    state = result.status.value
    flags = "".join(
        f'<span class="flag">{word}</span>'
        for word, on in (("timed out", result.timed_out), ("damped", result.damped))
        if on
    )
    since = report.since(index)
    held = ""
    if since is not None:
        held = (
            f'<span class="for" title="since {_utc(since)}">for '
            f'<time datetime="{_iso(since)}">{span_text(now - since)}</time></span>'
        )
    observed = ""
    if result.observed_value is not None:
        unit = f" {result.observed_unit}" if result.observed_unit else ""
        observed = (
            f'<span class="observed">observed: {escape(f"{result.observed_value}{unit}")}</span>'
        )
    history = report.histories[index] if index < len(report.histories) else None
    target = ""
    if check.target is not None:  # a built-in check's: what its name was made from
        target = f'<span class="target"><bdi>{escape(check.target)}</bdi></span>'
    return (
        f'<tr class="row-{state}"><th scope="row"><bdi>{escape(check.name)}</bdi>{target}</th>'
        f'<td><span class="pill pill-{state}"><span aria-hidden="true">'
        f"{_ICONS[result.status]}</span>{state}</span>{flags}{held}</td>"
        f'<td><span class="wrap">{_output(result.output)}</span>{observed}</td>'
        f'<td data-label="History">{_strip(history)}</td>'
        f'<td class="num meta" data-label="Duration (ms)">'
        f"{_milliseconds(result.response_time)}</td>"
        f'<td class="nowrap meta" data-label="Last run">'
        f'<time datetime="{_iso(result.timestamp)}">{age_text(now - result.timestamp)}</time></td>'
        f'<td class="meta" data-label="Critical">{"yes" if check.critical else "no"}</td></tr>'
    )


def _strip(history: CheckHistory | None) -> str:
    """The last results as a row of small bars, oldest first, with a summary for screen
    readers."""
    if history is None:
        return '<span class="muted">&mdash;</span>'
    marks = history.marks
    counts = ", ".join(f"{n} {s.value}" for s in Status if (n := sum(m.status is s for m in marks)))
    changes = history.changes
    said = f"changed {changes} time{'' if changes == 1 else 's'}" if changes else "steady"
    bars = "".join(
        f'<i class="m-{m.status.value}" title="{_clock(m.timestamp)} {m.status.value}"></i>'
        for m in marks
    )
    label = f"last {len(marks)} result{'' if len(marks) == 1 else 's'}: {counts}; {said}"
    return (
        f'<span class="strip" role="img" aria-label="{label}">{bars}</span>'
        f'<span class="changes">{said}</span>'
    )


def _favicon(status: Status) -> str:
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>"
        f"<circle cx='8' cy='8' r='7' fill='{_FAVICON_COLOURS[status]}'/></svg>"
    )
    return f'<link rel="icon" href="data:image/svg+xml,{quote(svg)}">'


def _milliseconds(seconds: float) -> str:
    # A fast check would otherwise read "0.0", as if it had not run at all.
    milliseconds = seconds * 1000
    return f"{milliseconds:.1f}" if milliseconds >= 0.05 else "&lt;0.1"


def _output(output: JSON) -> str:
    if output is None or output == "":
        return '<span class="muted">&mdash;</span>'
    if isinstance(output, str):
        return escape(output)
    return f"<code>{escape(json.dumps(output, separators=(', ', ': ')))}</code>"


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _clock(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%H:%M:%S")


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds")


# -- the environment page -------------------------------------------------------------------


def _value(value: JSON, key: str | None = None) -> str:
    if isinstance(value, dict):
        return _mapping(value, key)
    if isinstance(value, list):
        if not value:
            return '<span class="muted">(empty list)</span>'
        items = "".join(f"<li>{_value(v)}</li>" for v in value)
        return f'<ol class="list">{items}</ol>'
    if value == "":
        return '<span class="muted">(empty string)</span>'
    text = value if isinstance(value, str) else json.dumps(value)
    return f'<code class="wrap">{escape(text)}</code>'


def _mapping(value: dict[str, JSON], key: str | None) -> str:
    if not value:
        return '<span class="muted">(empty)</span>'
    head = table = ""
    columns = ENVIRONMENT_COLUMNS.get(key or "")
    if columns is not None:
        table = ' class="columns"'
        head = "<thead><tr>" + "".join(f'<th scope="col">{c}</th>' for c in columns)
        head += "</tr></thead>"
    rows = "".join(
        f'<tr><th scope="row"><code>{escape(k)}</code></th><td>{_value(v, k)}</td></tr>'
        for k, v in value.items()
    )
    return f"<table{table}>{head}<tbody>{rows}</tbody></table>"


def _anchor(name: str) -> str:
    # Ids must not hold spaces; any other character is fine once escaped.
    return "section-" + escape("-".join(name.split()) or "_")


# -- shared ---------------------------------------------------------------------------------


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


#: The pages' Content-Security-Policy: their own style sheets, the refresh script and the
#: inline favicon, nothing else (no other script, no frame or form), so a check output that
#: slipped past escaping could do nothing.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    f"style-src {_hash(_CSS + _STATUS_CSS)} {_hash(_CSS + _ENVIRONMENT_CSS)}; "
    f"script-src {_hash(_REFRESH_SCRIPT)}; connect-src 'self'; img-src data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _page(title: str, css: str, body: str, head: str = "", marker: str = "") -> str:
    main = f"<main {marker}>" if marker else "<main>"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{head}<title>{escape(title)}</title><style>{css}</style></head>"
        f"<body>{main}{body}</main></body></html>\n"
    )
