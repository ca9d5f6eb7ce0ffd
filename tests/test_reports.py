"""Audit reports: the HTML page (read back by a real browser), JUnit XML and Markdown."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from registration_fsm import LIFECYCLE, FindingKind
from registration_fsm.audit import audit_data
from registration_fsm.cli import main
from registration_fsm.reports import (
    DETAIL_LIMIT,
    KIND_MEANINGS,
    LANE_LIMIT,
    MARKDOWN_ROWS,
    ReportModel,
    build_report,
    render_html,
    render_junit,
    render_markdown,
)
from registration_fsm.reports._layout import NODE_HEIGHT, NODE_WIDTH, layout

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "describe-registration-versions.json"
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>|*_&amp;'


def _example() -> dict[str, object]:
    data: dict[str, object] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def _corrupted(registration_id: str = HOSTILE) -> dict[str, object]:
    """The example with a hostile id, version 1 relabelled APPROVED and version 3's review
    stamped before its draft: three kinds of finding."""
    data = _example()
    data["RegistrationId"] = registration_id
    versions = data["RegistrationVersions"]
    assert isinstance(versions, list)
    versions[3]["RegistrationVersionStatus"] = "APPROVED"
    versions[1]["RegistrationVersionStatusHistory"]["ReviewingTimestamp"] = (
        "2025-12-17T12:16:00+00:00"
    )
    return data


def _registrations() -> dict[str, object]:
    return {
        "Registrations": [
            {
                "RegistrationId": "registration-0000000000000000000000000000beef",
                "RegistrationStatus": "COMPLETE",
                "CurrentVersionNumber": 7,
                "ApprovedVersionNumber": 9,
            }
        ]
    }


def _model(*documents: tuple[str, object]) -> ReportModel:
    from registration_fsm.audit import _audit_loaded

    return build_report(_audit_loaded(documents), documents)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# -- the model -------------------------------------------------------------------------------


def test_every_kind_has_a_meaning() -> None:
    assert set(KIND_MEANINGS) == set(FindingKind)


def test_the_model_files_each_finding_under_its_version() -> None:
    model = _model(("bad.json", _corrupted()), ("regs.json", _registrations()))
    assert len(model.findings) == len(model.report.findings) >= 3
    by_anchor = {v.anchor: v for r in model.registrations for v in r.versions}
    for view in model.findings:
        finding = view.finding
        if finding.registration_id == HOSTILE:
            version = by_anchor[view.target or ""]
            assert version.number == finding.version_number
            assert view in version.findings
    beef = next(
        r for r in model.registrations if r.registration_id and "beef" in r.registration_id
    )
    assert beef.status == "COMPLETE"
    assert beef.versions == ()
    assert [f.finding.kind for f in beef.findings] == [FindingKind.REGISTRATION_MISMATCH]
    kinds = dict(model.by_kind)
    assert kinds[FindingKind.STAMPS_OUT_OF_ORDER] >= 1
    assert sum(kinds.values()) == len(model.findings)


def test_a_clean_path_is_drawn_and_a_blamed_stamp_is_marked() -> None:
    model = _model(("bad.json", _corrupted()))
    versions = {v.number: v for v in model.registrations[0].versions}
    denied = model.figures[versions[2].figure or ""]
    assert denied.legal
    assert not denied.flagged
    assert not denied.claimed
    assert denied.diagram.path is not None
    relabelled = versions[1]  # ARCHIVED relabelled APPROVED: ArchivedTimestamp is blamed
    assert [s.key for s in relabelled.stamps if s.flagged] == [
        "ApprovedTimestamp",
        "ArchivedTimestamp",
    ]
    figure = model.figures[relabelled.figure or ""]
    assert not figure.legal
    assert ("ARCHIVED", "APPROVED") in [(a.value, b.value) for a, b in figure.claimed]
    reviewed = versions[3]
    assert {s.key for s in reviewed.stamps if s.flagged} >= {"ReviewingTimestamp"}


def test_versions_that_share_a_path_share_a_figure() -> None:
    data = _example()
    versions = data["RegistrationVersions"]
    assert isinstance(versions, list)
    copies = []
    for number in range(5, 25):
        copy = json.loads(json.dumps(versions[2]))  # DENIED, the same stamps' order
        copy["VersionNumber"] = number
        copies.append(copy)
    data["RegistrationVersions"] = versions + copies
    model = _model(("many.json", data))
    figures = {v.figure for v in model.registrations[0].versions}
    assert len(figures) == 4
    shared = model.figures[model.registrations[0].versions[1].figure or ""]
    assert shared.versions == 21


def test_the_layout_overlaps_no_status_and_routes_every_edge() -> None:
    shape = layout(LIFECYCLE.statuses, LIFECYCLE.edges)
    assert len(shape.routes) == len(LIFECYCLE.edges)
    centres = list(shape.centres.values())
    for i, (ax, ay) in enumerate(centres):
        assert ax - NODE_WIDTH / 2 > 0
        assert ax + NODE_WIDTH / 2 < shape.width
        for bx, by in centres[i + 1 :]:
            assert abs(ax - bx) >= NODE_WIDTH or abs(ay - by) >= NODE_HEIGHT
    assert any(route.back for route in shape.routes)  # complete_authentication leads back up


# -- HTML --------------------------------------------------------------------------------------


def _anchors(page: str) -> tuple[set[str], set[str]]:
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    return ids, links


def test_the_page_is_self_contained_and_its_links_resolve() -> None:
    page = render_html(_model(("bad.json", _corrupted()), ("regs.json", _registrations())))
    assert page.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<script" not in page.replace("&lt;script", "")
    assert "<link" not in page
    assert "@import" not in page
    assert "url(" not in page
    ids, links = _anchors(page)
    assert links
    assert links <= ids
    for view in _model(("bad.json", _corrupted())).findings:
        assert f'href="#{view.target}"' in page


def test_hostile_strings_are_escaped_everywhere() -> None:
    page = render_html(_model(("<b>bad</b>.json", _corrupted())))
    assert "<img" not in page
    assert "<b>bad" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "&lt;b&gt;bad&lt;/b&gt;.json" in page


def test_a_large_export_is_bounded(tmp_path: Path) -> None:
    from benchmarks.reporting import report_export

    data = json.loads(report_export(3_000))
    model = _model(("big.json", data))
    page = render_html(model)
    assert page.count('<article id="r1v') <= DETAIL_LIMIT
    assert page.count('class="ll"') <= LANE_LIMIT
    assert page.count('<tr id="r1v') == 3_000  # every version keeps its row
    ids, links = _anchors(page)
    assert links <= ids
    flagged = [v for v in model.registrations[0].versions if v.findings]
    assert flagged
    assert all(f'id="{v.anchor}-d"' in page for v in flagged)


# -- a real browser --------------------------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _Visible(HTMLParser):
    """The text a page shows and the elements it holds (outside <style> and <title>)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag in ("style", "title", "script"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "title", "script"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.text.append(data)


def _rendered_dom(page: Path, tmp_path: Path) -> str:
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail(
                "chromium is not installed; .ci/run installs it (apt-get install chromium)"
            )
        pytest.skip("chromium not found: apt-get install chromium to run the browser check")
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_browser_shows_every_registration_and_every_finding(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_corrupted()), encoding="utf-8")
    regs = tmp_path / "regs.json"
    regs.write_text(json.dumps(_registrations()), encoding="utf-8")
    page = tmp_path / "report.html"
    code, out, err = _run(
        "audit", str(bad), str(regs), str(EXAMPLE), "--format", "html", "-o", str(page)
    )
    assert (code, out, err) == (1, "", "")
    dom = _rendered_dom(page, tmp_path)
    visible = _Visible()
    visible.feed(dom)
    text = " ".join(" ".join(visible.text).split())
    model = _model(
        (str(bad), _corrupted()), (str(regs), _registrations()), (str(EXAMPLE), _example())
    )
    assert len(model.registrations) == 3
    for registration in model.registrations:
        assert registration.registration_id is not None
        assert registration.registration_id in text
    assert len(model.findings) >= 4
    for view in model.findings:
        assert " ".join(view.finding.reason.split()) in text
    assert "img" not in visible.tags
    assert "script" not in visible.tags
    assert visible.tags.count("svg") >= 1 + len(model.registrations[0].versions)


# -- JUnit and Markdown ----------------------------------------------------------------------


def test_junit_has_a_case_per_version_and_a_failure_per_finding(tmp_path: Path) -> None:
    from junitparser import Failure, JUnitXml

    model = _model(("bad.json", _corrupted("registration-bad\x1b")), ("r.json", _registrations()))
    path = tmp_path / "audit.xml"
    path.write_text(render_junit(model), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    cases = [case for suite in xml for case in suite]
    versions = sum(len(r.versions) for r in model.registrations)
    records = sum(1 for r in model.registrations if r.findings or r.status is not None)
    assert len(cases) == versions + records
    failures = [r for case in cases for r in case.result if isinstance(r, Failure)]
    assert len(failures) == len(model.findings)
    assert {f.type for f in failures} == {v.finding.kind.value for v in model.findings}
    assert xml.failures == sum(1 for case in cases if case.result)
    relabelled = next(c for c in cases if c.name == "version 1 (APPROVED)")
    assert {r.type for r in relabelled.result} == {"impossible_predecessor", "multiple_approved"}


def test_markdown_renders_as_tables_and_injects_nothing() -> None:
    from markdown_it import MarkdownIt

    model = _model(("bad.json", _corrupted()))
    html = MarkdownIt("commonmark").enable("table").render(render_markdown(model))
    assert html.count("<table>") == 3
    assert "<img" not in html
    assert "<script" not in html
    rows = re.findall(r"<tr>", html)
    assert len(rows) == (1 + 1) + (1 + len(model.by_kind)) + (1 + len(model.findings))
    assert "&lt;img src=x" in html


def test_markdown_stops_listing_at_its_limit() -> None:
    from benchmarks.reporting import report_export

    model = _model(("big.json", json.loads(report_export(30_000))))
    assert len(model.findings) > MARKDOWN_ROWS
    text = render_markdown(model)
    assert f"and {len(model.findings) - MARKDOWN_ROWS:,} more findings" in text
    assert text.count("\n| ") <= MARKDOWN_ROWS + 20


# -- the command line ------------------------------------------------------------------------


def test_formats_go_to_stdout_or_to_a_file(tmp_path: Path) -> None:
    for form, start in (("html", "<!DOCTYPE html>"), ("junit", "<?xml"), ("markdown", "###")):
        code, out, err = _run("audit", str(EXAMPLE), "--format", form)
        assert (code, err) == (0, "")
        assert out.startswith(start)
        target = tmp_path / f"report.{form}"
        code, out2, err = _run("audit", str(EXAMPLE), "--format", form, "-o", str(target))
        assert (code, out2, err) == (0, "", "")
        assert target.read_text(encoding="utf-8") == out
    code, out, _ = _run("audit", str(EXAMPLE), "--format", "json")
    assert code == 0
    assert json.loads(out)["ok"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}"], "it is a directory"),
        (["-o", "{tmp}/missing/report.html"], "no directory"),
        (["-o", "/dev/null"], "not a regular file"),
        (["--json"], "--json and --format html disagree"),
    ],
)
def test_a_bad_output_is_refused_with_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    argv = ["audit", str(EXAMPLE), "--format", "html", *(a.format(tmp=tmp_path) for a in args)]
    code, out, err = _run(*argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert message in err


def test_unreadable_inputs_are_in_the_report_and_exit_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, out, err = _run("audit", str(EXAMPLE), str(broken), "--format", "junit")
    assert code == 2
    assert "not JSON" in err
    assert 'name="unreadable inputs"' in out
    assert 'errors="1"' in out
    code, out, _ = _run("audit", str(broken), "--format", "markdown")
    assert code == 2
    assert "could not be read" in out


def test_audit_data_and_the_model_agree_on_counts() -> None:
    data = _example()
    report = audit_data(data, source="example.json")
    model = build_report(report, [("example.json", data)])
    assert model.ok
    assert sum(len(r.versions) for r in model.registrations) == report.versions_checked == 4
