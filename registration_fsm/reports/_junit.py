"""The audit as JUnit XML, which CI systems show natively: one test case per version.

Each registration is a test suite, each version a test case, and each finding a failure of
the case of the version it concerns (findings about the registration record go to a case of
their own). An input that could not be read is an errored case, so a pipeline that only reads
the XML still sees it. Characters XML 1.0 cannot hold are replaced, so a hostile export
cannot make the file unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..audit import Finding
from ._model import FindingView, RegistrationView, ReportModel

__all__ = ["render_junit"]

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CLASS = "registration_fsm.audit"


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _fail(case: ET.Element, finding: Finding) -> None:
    failure = ET.SubElement(
        case, "failure", message=_text(finding.reason), type=finding.kind.value
    )
    failure.text = _text(str(finding))


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=_text(name))


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    return ET.SubElement(suite, "testcase", classname=_text(classname), name=_text(name), time="0")


def _count(suite: ET.Element) -> tuple[int, int, int]:
    cases = suite.findall("testcase")
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "0")
    suite.set("time", "0")
    return len(cases), failures, errors


def _registration(root: ET.Element, registration: RegistrationView) -> None:
    who = registration.registration_id or f"(no RegistrationId) {registration.source}"
    suite = _suite(root, who)
    classname = f"{_CLASS}.{who}"
    for version in registration.versions:
        case = _case(suite, classname, f"version {version.number} ({version.status_text})")
        for view in version.findings:
            _fail(case, view.finding)
    if registration.findings or registration.status is not None:
        case = _case(suite, classname, "registration record")
        for view in registration.findings:
            _fail(case, view.finding)


def render_junit(model: ReportModel) -> str:
    """The report as a JUnit XML document (``testsuites`` at the top)."""
    root = ET.Element("testsuites", name="registration-fsm audit")
    for registration in model.registrations:
        _registration(root, registration)
    loose: list[FindingView] = [v for v in model.findings if v.target is None]
    if loose:
        suite = _suite(root, "records without a registration")
        for view in loose:
            case = _case(suite, _CLASS, f"{view.finding.source}: {view.finding.kind.value}")
            _fail(case, view.finding)
    if model.errors:
        suite = _suite(root, "unreadable inputs")
        for source, detail in model.errors:
            case = _case(suite, _CLASS, source)
            error = ET.SubElement(case, "error", message=_text(detail), type="unreadable")
            error.text = _text(f"{source}: {detail}")
    totals = [0, 0, 0]
    for suite in root.findall("testsuite"):
        for i, n in enumerate(_count(suite)):
            totals[i] += n
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", str(totals[2]))
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
