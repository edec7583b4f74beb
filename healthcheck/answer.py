"""The py-healthcheck answer to a report: ``(body, status, headers)``, as ``run()`` gives it.

The body of the last whole run is kept, and served again (the cached path) while the results it
was built from are still those a run would read; answers about some of the checks keep their
body template too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import defaults
from ._engine.source import ReportSource
from .build import BuildInfo
from .check import Check
from .render.compat import DEFAULT_HANDLERS, STATUS_WORDS, BodyTemplate
from .result import CheckResult, Report, Status
from .sections import Sections
from .settings import Handler, Settings

#: ``run()``'s answer: ``(body, status, headers)``, which Flask accepts as a view's return.
Response = tuple[Any, int, dict[str, str]]
#: Where results are read from: the engine (on demand) or the background runner.
Source = ReportSource
#: A source and its generation, taken before a run's results are read from it.
Stamp = tuple[Source, int]

#: How many answers about some of the checks keep their body template.
_PARTS_KEPT = 256


def stamp(source: Source) -> Stamp:
    """``source`` and its generation now; take it before reading the results."""
    return source, source.generation


class CompatAnswer:
    """Builds the py-healthcheck answer and keeps what makes the next one cheap.

    Everything it needs (settings, sections, the registry, where results come from) is passed
    in by the caller, so it never reaches back into the :class:`~healthcheck.HealthCheck` that
    owns it."""

    def __init__(self) -> None:
        # The last answer built from a template, reusable while its result objects are the
        # current ones: the cached path then costs a lookup and a string join.
        self._kept: _Answer | None = None
        #: The same for answers about some of the checks (by name, or with exclusions).
        self._parts: dict[tuple[tuple[Check, ...], bool], _Part] = {}

    def forget(self) -> None:
        """Drop every kept answer (the sections changed, or this is a forked child)."""
        self._kept = None
        self._parts = {}

    def respond(
        self,
        report: Report,
        settings: Settings,
        sections: Sections,
        registry: tuple[Check, ...],
        taken: Stamp | None = None,
        source: Source | None = None,
    ) -> Response:
        """The answer for ``report``. ``taken``, stamped before ``report`` was read, lets a
        whole run's answer be kept for the cached path, if ``source`` (where results are read
        from now) is still the one it stamped: when a start() or stop() from another thread
        switched sources meanwhile, an answer kept might hold the other source's results and
        pass for its own."""
        status = report.status
        failed = status is Status.FAIL
        handler = settings.failed_handler if failed else settings.success_handler
        headers = settings.failed_headers if failed else settings.success_headers
        if handler is None:
            body: Any = "NOT OK" if failed else "OK"
        elif any(handler is default for default in DEFAULT_HANDLERS):
            # Ours, not the handler: it knows success and failure, not warning.
            held = taken if taken is not None and taken[0] is source else None
            template = self._template_for(report, handler, settings, sections, registry, held)
            body = template.render()
        else:
            body = handler(compat_results(report), **body_sections(settings, sections))
        return body, settings.status_code(status), dict(headers)

    def template(
        self,
        report: Report,
        settings: Settings,
        sections: Sections,
        registry: tuple[Check, ...],
    ) -> tuple[BodyTemplate, int, dict[str, str]] | None:
        """:meth:`respond`'s answer as a body template (whose ``render()`` writes the current
        timestamp), status and headers; ``None`` when a custom handler or a section evaluated
        per request makes the body."""
        failed = report.status is Status.FAIL
        handler = settings.failed_handler if failed else settings.success_handler
        if handler is None or sections.dynamic:
            return None
        if not any(handler is default for default in DEFAULT_HANDLERS):
            return None
        headers = settings.failed_headers if failed else settings.success_headers
        template = self._template_for(report, handler, settings, sections, registry, None)
        return template, settings.status_code(report.status), dict(headers)

    def cached(
        self, registry: tuple[Check, ...], settings: Settings, source: Source | None
    ) -> Response | None:
        """What a whole run would answer right now if that needs no check to run and no body
        to build; ``None`` otherwise. ``source``: where results are read from now, ``None``
        when background mode is about to start."""
        answer = self._kept
        if (
            answer is None
            or source is None
            or answer.checks is not registry
            or answer.source is not source
        ):
            return None
        # Nothing landed since, and none of its results has expired: still the same results.
        if source.generation != answer.generation or source.timer() >= answer.fresh_until:
            return None
        failed = answer.status is Status.FAIL
        if answer.handler is not (settings.failed_handler if failed else settings.success_handler):
            return None
        if answer.build_info is not settings.build_info:
            return None
        headers = settings.failed_headers if failed else settings.success_headers
        return answer.template.render(), settings.status_code(answer.status), dict(headers)

    def _template_for(
        self,
        report: Report,
        handler: Handler,
        settings: Settings,
        sections: Sections,
        registry: tuple[Check, ...],
        taken: Stamp | None,
    ) -> BodyTemplate:
        word = STATUS_WORDS[report.status]
        if sections.dynamic:  # evaluated per request: nothing to keep
            return BodyTemplate(
                word,
                compat_results(report),
                body_sections(settings, sections),
                results_are_json=True,
            )
        build_info = settings.build_info
        answer = self._kept
        if answer is not None and answer.matches(report, handler, build_info):
            template = answer.template
        else:
            # a check by name, a set less exclusions
            part = self._parts.get((report.checks, report.named))
            if part is not None and part.matches(report, handler, build_info):
                return part.template
            template = BodyTemplate(
                word,
                compat_results(report),
                body_sections(settings, sections),
                results_are_json=True,
            )
            if taken is None or report.checks is not registry:
                if len(self._parts) >= _PARTS_KEPT:
                    self._parts.clear()  # a client cycling through ?exclude= sets
                self._parts[report.checks, report.named] = _Part(
                    report.results, handler, build_info, template
                )
        if taken is not None and report.checks is registry:
            # A whole run: keep it for the cached path while its results are the current ones.
            source, generation = taken
            self._kept = _Answer(
                source,
                report.checks,
                report.results,
                report.status,
                handler,
                template,
                build_info,
                generation,
                fresh_until=source.fresh_until(report.checks),
            )
        return template


def compat_results(report: Report) -> list[dict[str, Any]]:
    """py-healthcheck's result objects, each with ``since``: when its state began, as far as
    this process has seen."""
    results = []
    for index, result in enumerate(report.results):
        since = report.since(index)
        results.append(result.compat if since is None else {**result.compat, "since": since})
    return results


def body_sections(settings: Settings, sections: Sections) -> dict[str, Any]:
    """The body's fields besides the results: build information, then the custom sections,
    scrubbed and bounded."""
    scrubber = settings.scrubber
    build = settings.build_info.fields() if settings.build_info else {}
    fields = {
        name: scrubber.scrub_bounded(value, settings.max_section, all_values=True)
        for name, value in sections.evaluate({"scrubber": scrubber}).items()
    }
    return {**build, **fields}


def unknown(error: str) -> Response:
    """The answer for a check or group name that is not registered: ``error`` says which."""
    body = BodyTemplate(STATUS_WORDS[Status.FAIL], [], {"error": error})
    return body.render(), 404, dict(defaults.JSON_HEADERS)


@dataclass(frozen=True)
class _Answer:
    """A whole run's body template and what it was built from."""

    source: Source
    checks: tuple[Check, ...]
    results: tuple[CheckResult, ...]
    status: Status
    handler: Handler
    template: BodyTemplate
    build_info: BuildInfo | None
    #: The source's generation when it was built, and until when (cache clock) all its results
    #: are fresh: while both hold, the source holds exactly these results.
    generation: int
    fresh_until: float

    def matches(self, report: Report, handler: Handler, build_info: BuildInfo | None) -> bool:
        return (
            handler is self.handler
            and build_info is self.build_info
            and report.checks is self.checks
            and all(a is b for a, b in zip(report.results, self.results))
        )


@dataclass(frozen=True)
class _Part:
    """The body template of an answer about some of the checks, and what it was built from."""

    results: tuple[CheckResult, ...]
    handler: Handler
    build_info: BuildInfo | None
    template: BodyTemplate

    def matches(self, report: Report, handler: Handler, build_info: BuildInfo | None) -> bool:
        return (
            handler is self.handler
            and build_info is self.build_info
            and len(report.results) == len(self.results)
            and all(a is b for a, b in zip(report.results, self.results))
        )
