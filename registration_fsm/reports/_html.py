"""The audit as one self-contained HTML page an auditor can open offline.

Everything is inline: the stylesheet, and every drawing as SVG; the page loads nothing, and
its Content-Security-Policy forbids scripts and fetches, so even a string that slipped past
escaping could not run or call out. Every text from an export goes through
:func:`html.escape`; anchors are made here (``r1``, ``r1v3``, ``f7``), never from data.

A large export stays a page a browser opens: every version has its row in the versions table,
but the timeline draws at most :data:`LANE_LIMIT` versions per registration and the report
details at most :data:`DETAIL_LIMIT` versions (those with findings first); versions without
details link to the figure of their path, drawn once for all versions that share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from ._model import KIND_MEANINGS, RegistrationView, ReportModel, VersionView, collector_paused
from ._svg import path_svg, registration_timeline_svg, version_timeline_svg, when

__all__ = ["DETAIL_LIMIT", "LANE_LIMIT", "render_html"]

DETAIL_LIMIT = 300
"""The most versions a report details (path and own timeline), those with findings first."""
LANE_LIMIT = 400
"""The most versions one registration's timeline draws, those with findings first."""

_STYLE = """
:root{--ink:#1d232a;--soft:#5b6570;--line:#d5dbe1;--bad:#c62828;--badbg:#fdecea;
--ok:#2e7d32;--okbg:#e3f4e1;--cust:#1f6fb2;--aws:#555;--faint:#c9ced3}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);margin:0;background:#f6f7f9}
main{max-width:1120px;margin:0 auto;padding:24px}
section>h2:first-child{margin-top:0}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px}h3{font-size:15px;
margin:18px 0 6px}
section,header{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;
margin:0 0 18px}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line)}
th{font-weight:600;color:var(--soft);font-size:12.5px}
tr.bad td{background:var(--badbg)}tr:target td,article:target{outline:2px solid #f0b400}
.verdict{font-weight:600;font-size:15px;padding:6px 10px;border-radius:6px;display:inline-block}
.verdict.ok{background:var(--okbg);color:var(--ok)}.verdict.bad{background:var(--badbg);
color:var(--bad)}
.kind{font:600 12px ui-monospace,Menlo,Consolas,monospace;color:var(--bad)}
.counts{display:flex;gap:14px;flex-wrap:wrap;margin:12px 0}.counts div{border:1px solid
var(--line);border-radius:8px;padding:8px 14px;min-width:130px}.counts b{display:block;
font-size:22px}
.stamps span{white-space:nowrap;margin-right:10px}.stamps .flag{color:var(--bad);font-weight:600}
.note{color:var(--soft);font-size:12.5px}
article{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:12px 0;
overflow-x:auto}article.bad{border-color:var(--bad)}
svg{display:block;max-width:100%;height:auto;font-family:inherit}
.fig text{font-size:11px;text-anchor:middle}
.n rect{fill:#fff;stroke:#8a949e;stroke-width:1.2}.n.vis rect{fill:var(--okbg);stroke:var(--ok)}
.n.cur rect{stroke-width:3}.n.faded rect{fill:#f7f7f7;stroke:#c4c9ce}.n.faded text{fill:#9aa2aa}
.n.bad rect{fill:var(--badbg);stroke:var(--bad);stroke-width:2.5}
.n.miss rect{stroke:var(--bad);stroke-dasharray:5 3;stroke-width:2.5}.n .inner{fill:none}
.e path{fill:none;stroke-width:1.4}.e.cust path{stroke:var(--cust);stroke-width:2}
.e.aws path{stroke:var(--aws)}.e.cust polygon{fill:var(--cust)}.e.aws polygon{fill:var(--aws)}
.e.inf path{stroke-dasharray:5 3}.e.faded path{stroke:var(--faint);stroke-width:1}
.e.faded polygon{fill:var(--faint)}.e.taken path{stroke-width:3}
.el{font-size:9.5px!important;paint-order:stroke;stroke:#fff;stroke-width:3px}
.el.cust{fill:var(--cust)}.el.aws{fill:var(--aws)}.el.faded{fill:#aab1b8}
.el.taken{font-weight:700;font-size:10.5px!important}
.claim path{fill:none;stroke:var(--bad);stroke-width:2.5;stroke-dasharray:7 4}
.claim polygon{fill:var(--bad)}
.tl text{font-size:11px}.tl .tk{fill:var(--soft);font-size:10px}.tick{stroke:#eceff2}
.lane{stroke:#aeb6be;stroke-width:1.5}.drop{stroke:#e1e5e9}.ll{fill:var(--cust)}
.st{stroke:#fff;stroke-width:1}.st.mid{fill:#4f7fb8}.st.ok{fill:var(--ok)}.st.end{fill:#6d7780}
.st.bad{fill:var(--bad)}.badt{fill:var(--bad);font-weight:600}
.legend li{margin:2px 0}.sw{display:inline-block;width:22px;height:10px;border-radius:3px;
vertical-align:middle;margin-right:6px;border:1px solid #999}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _who(registration: RegistrationView) -> str:
    if registration.registration_id is not None:
        return registration.registration_id
    return f"(no RegistrationId) in {registration.source}"


def _version_label(version: VersionView) -> str:
    return f"version {version.number}"


def render_html(model: ReportModel) -> str:
    """The whole report as one HTML document."""
    with collector_paused():
        return _render(model)


def _render(model: ReportModel) -> str:
    details = _detailed(model)
    out: list[str] = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        "<title>Registration audit report</title>"
        f"<style>{_STYLE}</style></head><body><main>"
    ]
    out.extend(_header(model))
    out.extend(_summary(model))
    out.extend(_findings(model))
    out.extend(_errors(model))
    shared: set[str] = set()
    for registration in model.registrations:
        out.extend(_registration(model, registration, details, shared))
    out.extend(_gallery(model, shared))
    out.extend(_legend())
    out.append("</main></body></html>\n")
    return "".join(out)


def _detailed(model: ReportModel) -> set[str]:
    """The anchors of the versions that get details: findings first, then in order."""
    chosen: set[str] = set()
    for want_flagged in (True, False):
        for registration in model.registrations:
            for version in registration.versions:
                if len(chosen) >= DETAIL_LIMIT:
                    return chosen
                if bool(version.findings) is want_flagged:
                    chosen.add(version.anchor)
    return chosen


def _header(model: ReportModel) -> Iterable[str]:
    ok = model.ok
    verdict = "no illegal path found" if ok else "findings to review"
    sources = ", ".join(f"<code>{escape(s)}</code>" for s in model.report.sources) or "none"
    yield (
        "<header><h1>Registration audit report</h1>"
        f'<p><span class="verdict {"ok" if ok else "bad"}">{escape(verdict)}</span> '
        f'{escape(model.report.summary())}</p><p class="note">Sources: {sources}</p></header>'
    )


def _summary(model: ReportModel) -> Iterable[str]:
    report = model.report
    yield '<section id="summary"><h2>Summary</h2><div class="counts">'
    for number, word in (
        (report.registrations_checked, "registrations"),
        (report.versions_checked, "versions"),
        (len(report.findings), "findings"),
        (len(model.errors), "unreadable inputs"),
    ):
        yield f"<div><b>{number:,}</b>{word}</div>"
    yield "</div>"
    if model.by_kind:
        yield "<table><tr><th>kind</th><th>findings</th><th>what it means</th></tr>"
        for kind, count in model.by_kind:
            yield (
                f'<tr><td class="kind">{escape(kind.value)}</td><td>{count:,}</td>'
                f"<td>{escape(KIND_MEANINGS[kind])}</td></tr>"
            )
        yield "</table>"
    else:
        yield "<p>No findings: every version took a legal path.</p>"
    yield "</section>"


def _findings(model: ReportModel) -> Iterable[str]:
    if not model.findings:
        return
    yield (
        '<section id="findings"><h2>Findings</h2><table><tr><th>kind</th><th>where</th>'
        "<th>reason</th></tr>"
    )
    for view in model.findings:
        finding = view.finding
        where = escape(finding.registration_id or finding.source)
        if finding.version_number is not None:
            where += f", version {finding.version_number}"
        if view.target is not None:
            where = f'<a href="#{view.target}">{where}</a>'
        yield (
            f'<tr id="{view.anchor}" class="finding"><td class="kind">'
            f"{escape(finding.kind.value)}</td><td>{where}</td><td>{escape(finding.reason)}"
            f'<div class="note">{escape(finding.source)}</div></td></tr>'
        )
    yield "</table></section>"


def _errors(model: ReportModel) -> Iterable[str]:
    if not model.errors:
        return
    yield '<section id="errors"><h2>Unreadable inputs</h2><table>'
    for source, detail in model.errors:
        yield f"<tr><td><code>{escape(source)}</code></td><td>{escape(detail)}</td></tr>"
    yield "</table></section>"


def _registration(
    model: ReportModel, registration: RegistrationView, details: set[str], shared: set[str]
) -> Iterable[str]:
    count = registration.finding_count
    verdict = (
        f'<span class="verdict bad">{_plural(count, "finding")}</span>'
        if count
        else '<span class="verdict ok">clean</span>'
    )
    status = (
        f"<b>{escape(registration.status)}</b>"
        if registration.status is not None
        else '<span class="note">no describe-registrations record in the inputs</span>'
    )
    yield (
        f'<section class="reg" id="{registration.anchor}"><h2>Registration '
        f"<code>{escape(_who(registration))}</code></h2><p>{verdict} Status: {status} · "
        f"{_plural(len(registration.versions), 'version')} · source "
        f"<code>{escape(registration.source)}</code></p>"
    )
    if registration.findings:
        yield "<ul>"
        for view in registration.findings:
            yield (
                f'<li><a href="#{view.anchor}" class="kind">{escape(view.finding.kind.value)}'
                f"</a> {escape(view.finding.reason)}</li>"
            )
        yield "</ul>"
    versions = registration.versions
    if not versions:
        yield "</section>"
        return
    lanes = _lanes(versions)
    yield "<h3>Timeline</h3>"
    if len(lanes) < len(versions):
        yield (
            f'<p class="note">The timeline draws {len(lanes):,} of {len(versions):,} versions '
            "(those with findings, then the newest); the table below lists every stamp.</p>"
        )
    yield registration_timeline_svg(
        [(f"v{v.number} {v.status_text[:24]}", v.anchor, v.stamps) for v in lanes]
    )
    yield (
        "<h3>Versions</h3><table><tr><th>version</th><th>status</th><th>stamps</th>"
        "<th>path</th><th>findings</th></tr>"
    )
    for version in versions:
        yield _row(version, version.anchor in details, shared)
    yield "</table>"
    for version in versions:
        if version.anchor in details:
            yield from _card(model, registration, version)
    yield "</section>"


def _lanes(versions: tuple[VersionView, ...]) -> list[VersionView]:
    if len(versions) <= LANE_LIMIT:
        return list(versions)
    flagged = [v for v in versions if v.findings][:LANE_LIMIT]
    rest = [v for v in versions if not v.findings]
    room = LANE_LIMIT - len(flagged)
    chosen = flagged + (rest[-room:] if room > 0 else [])
    return sorted(chosen, key=lambda v: v.number or 0)


def _row(version: VersionView, detailed: bool, shared: set[str]) -> str:
    stamps = " ".join(
        [
            f"<span{' class=flag' if s.flagged else ''}>{s.status.value} {when(s.at)}</span>"
            for s in version.stamps
        ]
    )
    if detailed:
        path = f'<a href="#{version.anchor}-d">details</a>'
    elif version.figure is not None:
        shared.add(version.figure)
        path = f'<a href="#{version.figure}">path {version.figure[1:]}</a>'
    else:
        path = "-"
    found = " ".join(
        f'<a href="#{f.anchor}" class="kind">{escape(f.finding.kind.value)}</a>'
        for f in version.findings
    )
    css = ' class="bad"' if version.findings else ""
    return (
        f'<tr id="{version.anchor}"{css}><td>{version.number}</td>'
        f"<td>{escape(version.status_text)}</td><td class=stamps>{stamps}</td>"
        f"<td>{path}</td><td>{found or 'none'}</td></tr>"
    )


def _card(
    model: ReportModel, registration: RegistrationView, version: VersionView
) -> Iterable[str]:
    flagged = bool(version.findings)
    yield (
        f'<article id="{version.anchor}-d"{" class=bad" if flagged else ""}><h3>'
        f'<a href="#{version.anchor}">{escape(_version_label(version))}</a>: '
        f"{escape(version.status_text)}"
        f'<span class="note"> · {escape(_who(registration))}</span></h3>'
    )
    if version.findings:
        yield "<ul>"
        for view in version.findings:
            yield (
                f'<li><a href="#{view.anchor}" class="kind">{escape(view.finding.kind.value)}'
                f"</a> {escape(view.finding.reason)}</li>"
            )
        yield "</ul>"
    figure = model.figures.get(version.figure) if version.figure is not None else None
    if figure is not None:
        if not figure.legal:
            yield (
                '<p class="note">No legal path fits these stamps: the statuses they stamp are '
                "green, the order they claim is drawn in red dashes.</p>"
            )
        yield path_svg(figure)
    else:
        yield '<p class="note">The status is unknown, so no path can be drawn.</p>'
    if version.stamps:
        yield version_timeline_svg(version.stamps)
    yield "</article>"


def _gallery(model: ReportModel, shared: set[str]) -> Iterable[str]:
    if not shared:
        return
    yield (
        '<section id="paths"><h2>Paths</h2><p class="note">The paths of the versions the '
        "report does not detail, each drawn once for every version that took it.</p>"
    )
    for anchor in sorted(shared, key=lambda a: int(a[1:])):
        figure = model.figures[anchor]
        yield (
            f'<article id="{anchor}"{" class=bad" if figure.flagged or figure.missing else ""}>'
            f"<h3>Path {anchor[1:]}: {escape(figure.status.value)}</h3>"
            f'<p class="note">Taken by {_plural(figure.versions, "version")}.</p>'
            f"{path_svg(figure)}</article>"
        )
    yield "</section>"


def _legend() -> Iterable[str]:
    yield (
        '<section id="legend"><h2>How to read the drawings</h2><ul class="legend">'
        '<li><span class="sw" style="background:#e3f4e1;border-color:#2e7d32"></span>a status '
        "the version entered; the thick border is its current status</li>"
        '<li><span class="sw" style="background:#fdecea;border-color:#c62828"></span>a status '
        "whose stamp a finding blames; a dashed red border: a stamp that is missing</li>"
        "<li>Bold edges are the path taken, numbered step by step; blue: a customer API call, "
        "grey: an AWS-side event; dashed: an edge this library infers (documented nowhere); "
        "a double border: a terminal status</li>"
        "<li>Red dashed arrows: the order the stamps claim, where no legal path fits it</li>"
        "<li>Timelines are drawn to scale; red dots are stamps a finding blames</li></ul>"
        "</section>"
    )
