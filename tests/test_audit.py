from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    AuditInputError,
    FindingKind,
    InvalidValueError,
    Registration,
    StatusHistory,
    VersionStatus,
    audit_data,
    audit_files,
    audit_json,
)
from registration_fsm.audit import MAX_EXPORT_BYTES, load_export
from registration_fsm.history import STAMPED_STATUSES
from registration_fsm.testing.strategies import describe_pages, registrations

S = VersionStatus
K = FindingKind
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
RID = "registration-0123456789abcdef0123456789abcdef"
EXAMPLE = Path(__file__).parent.parent / "examples" / "describe-registration-versions.json"
PATH_KINDS = {
    K.STAMPS_OUT_OF_ORDER,
    K.IMPOSSIBLE_PREDECESSOR,
    K.MISSING_STAMP,
    K.ILLEGAL_PATH,
}


def _iso(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def _item(number: int, status: str, **stamps: int) -> dict[str, Any]:
    return {
        "VersionNumber": number,
        "RegistrationVersionStatus": status,
        "RegistrationVersionStatusHistory": {k: _iso(v) for k, v in stamps.items()},
    }


def _page(*items: object, rid: str = RID) -> dict[str, Any]:
    return {"RegistrationId": rid, "RegistrationVersions": list(items)}


def _kinds(data: object) -> list[tuple[str, int | None]]:
    return [(f.kind.value, f.version_number) for f in audit_data(data).findings]


APPROVED = _item(
    1,
    "APPROVED",
    DraftTimestamp=0,
    SubmittedTimestamp=1,
    ReviewingTimestamp=2,
    ApprovedTimestamp=3,
)


# -- clean exports ----------------------------------------------------------------------


def test_a_clean_export() -> None:
    report = audit_data(_page(APPROVED))
    assert report.ok
    assert report.findings == ()
    assert (report.versions_checked, report.registrations_checked) == (1, 1)
    assert report.summary() == "audited 1 version of 1 registration in 1 source: no findings"
    assert report.to_json()["ok"] is True


def test_the_committed_example_is_clean() -> None:
    report = audit_files([EXAMPLE])
    assert report.ok, [str(f) for f in report.findings]
    assert report.versions_checked == 4
    assert report.sources == (str(EXAMPLE),)


def test_a_re_entered_status_keeps_its_latest_stamp() -> None:
    item = _item(
        1,
        "APPROVED",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        RequiresAuthenticationTimestamp=3,
        ReviewingTimestamp=4,
        ApprovedTimestamp=5,
    )
    assert audit_data(_page(item)).ok


def test_equal_stamps_are_accepted() -> None:
    item = _item(1, "DENIED", DraftTimestamp=0, SubmittedTimestamp=0, DeniedTimestamp=0)
    assert audit_data(_page(item)).ok


def test_boto3_epoch_and_z_stamps_are_read() -> None:
    item = {
        "VersionNumber": 1,
        "RegistrationVersionStatus": "DENIED",
        "RegistrationVersionStatusHistory": {
            "DraftTimestamp": T0,
            "SubmittedTimestamp": T0.timestamp() + 60,
            "DeniedTimestamp": "2026-03-01T12:05:00Z",
        },
        "DeniedReasons": [{"Reason": "x", "ShortDescription": "y"}],
    }
    assert audit_data(_page(item)).ok


def test_an_unknown_history_key_is_a_finding() -> None:
    # A stamp of a status the library does not know is one no legal path explains.
    item = _item(1, "DENIED", DraftTimestamp=0, SubmittedTimestamp=1, DeniedTimestamp=2)
    item["RegistrationVersionStatusHistory"]["FrozenTimestamp"] = _iso(1)
    (finding,) = audit_data(_page(item)).findings
    assert (finding.kind, finding.version_number) == (K.UNKNOWN_STAMP, 1)
    assert "'FrozenTimestamp'" in finding.reason


@given(st.data())
def test_exports_of_legal_registrations_are_clean(data: st.DataObject) -> None:
    registration = data.draw(registrations(max_events=60))
    pages = data.draw(describe_pages(registration))
    report = audit_data(pages)
    assert report.ok, [str(f) for f in report.findings]
    assert report.versions_checked == len(registration.versions)


# -- precise reasons --------------------------------------------------------------------


def test_stamps_out_of_order() -> None:
    item = _item(
        2,
        "APPROVED",
        DraftTimestamp=0,
        SubmittedTimestamp=5,
        ReviewingTimestamp=2,
        ApprovedTimestamp=9,
    )
    (finding,) = audit_data(_page(item)).findings
    assert finding.kind is K.STAMPS_OUT_OF_ORDER
    assert finding.version_number == 2
    assert finding.registration_id == RID
    assert finding.reason == (
        f"ReviewingTimestamp ({_iso(2)}) is earlier than SubmittedTimestamp ({_iso(5)}), but "
        "SUBMITTED never comes after REVIEWING"
    )


def test_a_stamp_later_than_the_status() -> None:
    item = _item(
        1,
        "REVIEWING",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ReviewingTimestamp=2,
        RequiresAuthenticationTimestamp=3,
    )
    (finding,) = audit_data(_page(item)).findings
    assert finding.kind is K.STAMPS_OUT_OF_ORDER
    assert finding.reason == (
        f"RequiresAuthenticationTimestamp ({_iso(3)}) is later than ReviewingTimestamp "
        f"({_iso(2)}), the stamp of the current status REVIEWING: the current status has the "
        "latest stamp"
    )


def test_a_later_stamp_of_a_status_that_cannot_precede_is_an_impossible_predecessor() -> None:
    item = _item(
        1,
        "APPROVED",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ReviewingTimestamp=2,
        ApprovedTimestamp=3,
        ArchivedTimestamp=4,
    )
    assert _kinds(_page(item)) == [("impossible_predecessor", 1)]


def test_a_stamp_before_the_draft() -> None:
    item = _item(1, "DISCARDED", DraftTimestamp=5, SubmittedTimestamp=3, DiscardedTimestamp=6)
    (finding,) = audit_data(_page(item)).findings
    assert finding.kind is K.STAMPS_OUT_OF_ORDER
    assert "earlier than DraftTimestamp" in finding.reason


def test_an_impossible_predecessor() -> None:
    item = _item(
        1,
        "DENIED",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ReviewingTimestamp=2,
        ApprovedTimestamp=3,
        DeniedTimestamp=4,
    )
    (finding,) = audit_data(_page(item)).findings
    assert finding.kind is K.IMPOSSIBLE_PREDECESSOR
    assert finding.reason == (
        f"ApprovedTimestamp ({_iso(3)}) is set, but a version in APPROVED can never become "
        "DENIED, its current status"
    )


def test_a_draft_with_later_stamps() -> None:
    item = _item(1, "DRAFT", DraftTimestamp=0, SubmittedTimestamp=1)
    assert _kinds(_page(item)) == [("impossible_predecessor", 1)]


@pytest.mark.parametrize(
    ("item", "text"),
    [
        (_item(1, "APPROVED", DraftTimestamp=0, SubmittedTimestamp=1), "no ApprovedTimestamp"),
        (_item(1, "SUBMITTED", SubmittedTimestamp=1), "no DraftTimestamp"),
    ],
)
def test_missing_stamps(item: dict[str, Any], text: str) -> None:
    (finding,) = audit_data(_page(item)).findings
    assert finding.kind is K.MISSING_STAMP
    assert text in finding.reason


def test_a_path_that_needs_a_status_again_after_its_stamp() -> None:
    # Approval needs REVIEWING after the authentication, but REVIEWING's stamp is earlier.
    item = _item(
        1,
        "APPROVED",
        DraftTimestamp=0,
        SubmittedTimestamp=1,
        ReviewingTimestamp=2,
        RequiresAuthenticationTimestamp=3,
        ApprovedTimestamp=4,
    )
    (finding,) = audit_data(_page(item)).findings
    assert finding.kind is K.ILLEGAL_PATH
    assert "REVIEWING, then REQUIRES_AUTHENTICATION, then APPROVED" in finding.reason


def test_two_approved_versions() -> None:
    second = copy.deepcopy(APPROVED) | {"VersionNumber": 2}
    third = _item(
        3,
        "APPROVED",
        DraftTimestamp=9,
        SubmittedTimestamp=10,
        ReviewingTimestamp=11,
        ApprovedTimestamp=12,
    )
    findings = audit_data([_page(APPROVED, second), _page(third)]).findings
    assert [(f.kind, f.version_number) for f in findings] == [
        (K.MULTIPLE_APPROVED, 1),
        (K.MULTIPLE_APPROVED, 2),
    ]
    assert "so is versions 2 and 3" in findings[0].reason


def test_approved_versions_of_different_registrations_are_fine() -> None:
    assert audit_data([_page(APPROVED), _page(APPROVED, rid="registration-other")]).ok


def test_an_unknown_status() -> None:
    (finding,) = audit_data(_page(_item(4, "ESCALATED", DraftTimestamp=0))).findings
    assert (finding.kind, finding.version_number) == (K.UNKNOWN_STATUS, 4)
    assert "'ESCALATED'" in finding.reason


def test_duplicates() -> None:
    assert audit_data([_page(APPROVED), _page(APPROVED)]).versions_checked == 1
    assert audit_data([_page(APPROVED), _page(APPROVED)]).ok
    other = copy.deepcopy(APPROVED) | {"RegistrationVersionStatus": "REVOKED"}
    assert _kinds([_page(APPROVED), _page(other)]) == [("duplicate_version", 1)]
    odd = _item(1, "ODD", DraftTimestamp=0)
    assert _kinds([_page(odd), _page(odd | {"VersionNumber": 1, "X": 1})]) == [
        ("unknown_status", 1),
        ("duplicate_version", 1),
    ]


@pytest.mark.parametrize(
    ("item", "text"),
    [
        ([1], "a list, not an object"),
        ({"RegistrationVersionStatus": "DRAFT"}, "VersionNumber is missing"),
        (_item(1, "DRAFT") | {"VersionNumber": "1"}, "VersionNumber is '1'"),
        (_item(1, "DRAFT") | {"VersionNumber": True}, "VersionNumber is True"),
        (_item(1, "DRAFT") | {"VersionNumber": 0}, "outside 1 to 100000"),
        ({"VersionNumber": 1}, "RegistrationVersionStatus is missing"),
        ({"VersionNumber": 1, "RegistrationVersionStatus": 7}, "a number, not a string"),
        ({"VersionNumber": 1, "RegistrationVersionStatus": "DRAFT"}, "History is missing"),
        (
            {
                "VersionNumber": 1,
                "RegistrationVersionStatus": "DRAFT",
                "RegistrationVersionStatusHistory": [],
            },
            "a list, not an object",
        ),
        (
            _item(1, "DRAFT")
            | {"RegistrationVersionStatusHistory": {"DraftTimestamp": "yesterday"}},
            "'yesterday' is not a timestamp",
        ),
        (
            _item(1, "DRAFT")
            | {"RegistrationVersionStatusHistory": {"DraftTimestamp": "2026-03-01T12:00:00"}},
            "without an offset",
        ),
        (
            _item(1, "DRAFT") | {"RegistrationVersionStatusHistory": {"DraftTimestamp": True}},
            "a boolean is not a timestamp",
        ),
        (
            _item(1, "DRAFT") | {"RegistrationVersionStatusHistory": {"DraftTimestamp": 1e300}},
            "outside 2000-01-01 to 2100-01-01",
        ),
        (
            _item(1, "DRAFT")
            | {"RegistrationVersionStatusHistory": {"DraftTimestamp": datetime(2026, 3, 1)}},
            "naive",
        ),
    ],
)
def test_malformed_versions_are_findings(item: object, text: str) -> None:
    report = audit_data(_page(item, APPROVED | {"VersionNumber": 9}))
    (finding,) = report.findings
    assert finding.kind is K.MALFORMED
    assert text in finding.reason
    assert report.versions_checked == 1


# -- describe-registrations -------------------------------------------------------------


def _registration_info(**fields: object) -> dict[str, Any]:
    info: dict[str, Any] = {
        "RegistrationArn": f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}",
        "RegistrationId": RID,
        "RegistrationType": "US_TEN_DLC_BRAND_REGISTRATION",
        "RegistrationStatus": "COMPLETE",
        "CurrentVersionNumber": 1,
        "ApprovedVersionNumber": 1,
        "CreatedTimestamp": _iso(0),
    }
    info.update(fields)
    return {k: v for k, v in info.items() if v is not None}


def test_registrations_agree_with_their_versions() -> None:
    report = audit_data([{"Registrations": [_registration_info()]}, _page(APPROVED)])
    assert report.ok
    assert report.registrations_checked == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"RegistrationStatus": "PAUSED"}, [("unknown_status", None)]),
        ({"RegistrationStatus": 3}, [("malformed", None)]),
        ({"CurrentVersionNumber": None}, [("malformed", None)]),
        ({"ApprovedVersionNumber": "1"}, [("malformed", None)]),
        ({"CurrentVersionNumber": 0}, [("malformed", None)]),
        ({"ApprovedVersionNumber": 2}, [("registration_mismatch", 2)]),
        (
            {
                "CurrentVersionNumber": 2,
                "LatestDeniedVersionNumber": 2,
                "ApprovedVersionNumber": 2,
            },
            [("registration_mismatch", 2)],
        ),
        ({"LatestDeniedVersionNumber": 1}, [("registration_mismatch", 1)] * 2),
    ],
)
def test_registration_records_are_checked(
    fields: dict[str, object], expected: list[tuple[str, int | None]]
) -> None:
    data = [{"Registrations": [_registration_info(**fields)]}, _page(APPROVED)]
    assert _kinds(data) == expected


def test_a_version_beyond_the_current_one_and_a_never_approved_approval() -> None:
    draft = _item(2, "DRAFT", DraftTimestamp=5)
    data = [
        {"Registrations": [_registration_info(ApprovedVersionNumber=None)]},
        _page(APPROVED | {"RegistrationVersionStatus": "APPROVED"}, draft),
    ]
    assert _kinds(data) == [("registration_mismatch", 2)]
    data = [
        {"Registrations": [_registration_info(CurrentVersionNumber=2, ApprovedVersionNumber=2)]},
        _page(APPROVED, draft),
    ]
    (finding,) = audit_data(data).findings
    assert "version 2 is DRAFT, which is never an approved version" in finding.reason


def test_a_registration_without_an_id_is_malformed() -> None:
    assert _kinds({"Registrations": [{"RegistrationStatus": "COMPLETE"}, 5]}) == [
        ("malformed", None),
        ("malformed", None),
    ]


# -- corrupted exports are always flagged -----------------------------------------------


def _stamped(item: dict[str, Any]) -> dict[str, Any]:
    history: dict[str, Any] = item["RegistrationVersionStatusHistory"]
    return history


def _version_findings(pages: list[dict[str, Any]], number: int) -> set[FindingKind]:
    return {f.kind for f in audit_data(pages).findings if f.version_number == number}


@st.composite
def _export(draw: st.DrawFn) -> tuple[Registration, list[dict[str, Any]]]:
    registration = draw(registrations(max_events=60))
    return registration, copy.deepcopy(draw(describe_pages(registration)))


def _pick(draw: st.DrawFn, pages: list[dict[str, Any]]) -> dict[str, Any]:
    items = [item for page in pages for item in page["RegistrationVersions"]]
    item: dict[str, Any] = draw(st.sampled_from(items))
    return item


@given(_export(), st.data())
def test_swapping_two_different_stamps_is_flagged(
    export: tuple[Registration, list[dict[str, Any]]], data: st.DataObject
) -> None:
    _, pages = export
    item = _pick(data.draw, pages)
    history = _stamped(item)
    keys = sorted(history)
    assume(len({str(history[k]) for k in keys}) >= 2)
    first, second = data.draw(st.permutations(keys))[:2]
    assume(history[first] != history[second])
    history[first], history[second] = history[second], history[first]
    assert _version_findings(pages, item["VersionNumber"]) & PATH_KINDS


@given(_export(), st.data())
def test_dropping_the_status_stamp_or_the_draft_stamp_is_flagged(
    export: tuple[Registration, list[dict[str, Any]]], data: st.DataObject
) -> None:
    # Dropping a stamp of a status the version only passed through is not a fault: AWS does
    # not always stamp such statuses, and the lifecycle allows it where a legal path does.
    _, pages = export
    item = _pick(data.draw, pages)
    status = S(item["RegistrationVersionStatus"])
    keys = ["DraftTimestamp"] + ([status.history_key] if status.history_key else [])
    del _stamped(item)[data.draw(st.sampled_from(keys))]
    assert K.MISSING_STAMP in _version_findings(pages, item["VersionNumber"])


@given(_export(), st.data())
def test_setting_an_impossible_status_is_flagged(
    export: tuple[Registration, list[dict[str, Any]]], data: st.DataObject
) -> None:
    _, pages = export
    item = _pick(data.draw, pages)
    history = StatusHistory.from_aws(_stamped(item))
    impossible = [
        s
        for s in VersionStatus
        if LIFECYCLE.explain(S.DRAFT, s, history) is None
        and s.value != item["RegistrationVersionStatus"]
    ]
    assume(impossible)
    item["RegistrationVersionStatus"] = data.draw(st.sampled_from(impossible)).value
    assert _version_findings(pages, item["VersionNumber"]) & PATH_KINDS


@given(_export(), st.data())
def test_a_draft_status_over_a_longer_history_is_an_impossible_predecessor(
    export: tuple[Registration, list[dict[str, Any]]], data: st.DataObject
) -> None:
    _, pages = export
    item = _pick(data.draw, pages)
    assume(len(_stamped(item)) > 1)
    item["RegistrationVersionStatus"] = "DRAFT"
    assert K.IMPOSSIBLE_PREDECESSOR in _version_findings(pages, item["VersionNumber"])


@given(_export(), st.data())
def test_a_second_approved_version_is_flagged(
    export: tuple[Registration, list[dict[str, Any]]], data: st.DataObject
) -> None:
    registration, pages = export
    assume(len(registration.versions) >= 2)
    items = [item for page in pages for item in page["RegistrationVersions"]]
    approved = [i for i in items if i["RegistrationVersionStatus"] == "APPROVED"]
    others = [i for i in items if i["RegistrationVersionStatus"] != "APPROVED"]
    if not approved:
        first, second = data.draw(st.permutations(others))[:2]
        targets = [first, second]
    else:
        targets = [data.draw(st.sampled_from(others))]
    for target in targets:
        target["RegistrationVersionStatus"] = "APPROVED"
    kinds = {f.kind for f in audit_data(pages).findings}
    assert K.MULTIPLE_APPROVED in kinds


@given(
    _export(),
    st.data(),
    st.text(min_size=1, max_size=20).filter(lambda t: t not in VersionStatus.__members__),
)
def test_an_unknown_status_is_flagged(
    export: tuple[Registration, list[dict[str, Any]]], data: st.DataObject, status: str
) -> None:
    _, pages = export
    item = _pick(data.draw, pages)
    item["RegistrationVersionStatus"] = status
    assert K.UNKNOWN_STATUS in _version_findings(pages, item["VersionNumber"])


# -- the audit agrees with the lifecycle ------------------------------------------------

_REACH = {s: LIFECYCLE.reachable_from(s) for s in VersionStatus}


def _legal(status: VersionStatus, history: StatusHistory) -> bool:
    """The audit's rule, written plainly: explain() plus the checks explain's anchor skips."""
    stamped = dict(history.stamped())
    if LIFECYCLE.explain(S.DRAFT, status, history) is None:
        return False
    if status.history_key is not None and status not in stamped:
        return False
    if any(t < history.draft for t in stamped.values()):
        return False
    if not all(s in (S.DRAFT, status) or status in _REACH[s] for s in stamped):
        return False
    # Every stamp is an entry: a status stamped before another must be able to lead to it.
    return all(
        y in _REACH[x] or (stamped[x] == stamped[y] and x in _REACH[y])
        for x in stamped
        for y in stamped
        if stamped[x] <= stamped[y] and x is not y
    )


@st.composite
def _any_history(draw: st.DrawFn) -> tuple[VersionStatus, dict[str, str]]:
    status = draw(st.sampled_from(list(VersionStatus)))
    keys = draw(st.sets(st.sampled_from([s.history_key for s in STAMPED_STATUSES[1:]])))
    minutes = st.integers(min_value=-3, max_value=8)
    history = {"DraftTimestamp": _iso(0)}
    for key in keys:
        history[str(key)] = _iso(draw(minutes))
    return status, history


@settings(max_examples=max(300, settings().max_examples))
@given(_any_history())
def test_a_version_is_flagged_exactly_when_its_history_is_not_legal(
    case: tuple[VersionStatus, dict[str, str]],
) -> None:
    status, history = case
    item = {
        "VersionNumber": 1,
        "RegistrationVersionStatus": status.value,
        "RegistrationVersionStatusHistory": history,
    }
    report = audit_data(_page(item))
    assert report.ok == _legal(status, StatusHistory.from_aws(history)), [
        str(f) for f in report.findings
    ]


# -- unreadable input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (42, "the top level is a number"),
        ("text", "the top level is a string"),
        ([1], "item 0 of the top-level list is a number"),
        ({"Items": []}, "neither RegistrationVersions nor Registrations"),
        ({"RegistrationVersions": {}}, "RegistrationVersions  is an object, not a list"),
        ({"Registrations": "x"}, "Registrations  is a string, not a list"),
        ({"RegistrationId": 5, "RegistrationVersions": []}, "RegistrationId is a number"),
    ],
)
def test_data_that_is_not_an_export_raises(data: object, text: str) -> None:
    with pytest.raises(AuditInputError) as info:
        audit_data(data, source="x.json")
    assert info.value.source == "x.json"
    assert text.replace("  ", " ") in str(info.value).replace("  ", " ")


def test_load_export_reads_files(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(_page(APPROVED)), encoding="utf-8")
    assert load_export(path) == _page(APPROVED)
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(json.dumps(_page(APPROVED)).encode("utf-16"))
    assert load_export(utf16) == _page(APPROVED)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + json.dumps(_page(APPROVED)).encode())
    assert load_export(bom) == _page(APPROVED)
    assert audit_files([path, str(utf16)]).versions_checked == 1


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "not JSON: Expecting value"),
        (b"{", "not JSON"),
        (b"\xff\xfe\x00", "not UTF-16"),
        (b'{"a": "\xe9"}', "not UTF-8 text: byte 0xe9 at offset 7"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"RegistrationVersions": NaN}', "NaN is not a JSON value"),
        (b"1" * 5000, "not valid JSON"),
    ],
)
def test_unreadable_files_raise(tmp_path: Path, content: bytes, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(AuditInputError) as info:
        load_export(path)
    assert text in str(info.value)
    assert info.value.source == str(path)


def test_files_over_the_limit_and_missing_files_raise(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_page(APPROVED)), encoding="utf-8")
    with pytest.raises(AuditInputError, match="larger than the limit of 10 bytes"):
        load_export(path, max_bytes=10)
    with pytest.raises(AuditInputError, match="no such file"):
        load_export(tmp_path / "missing.json")
    with pytest.raises(AuditInputError, match="is a directory"):
        load_export(tmp_path)
    assert MAX_EXPORT_BYTES == 64 * 1024 * 1024
    with pytest.raises(InvalidValueError, match="max_bytes"):
        load_export(path, max_bytes=0)


def test_audit_json_reads_text_and_bytes() -> None:
    text = json.dumps(_page(APPROVED))
    assert audit_json(text).ok
    assert audit_json(text.encode("utf-16")).ok
    assert audit_json(text, source="export.json").sources == ("export.json",)
    with pytest.raises(AuditInputError, match="not JSON"):
        audit_json("{")
    with pytest.raises(AuditInputError, match="not UTF-8 text"):
        audit_json(b'{"a": "\xe9"}')
    with pytest.raises(AuditInputError, match="nested too deeply"):
        audit_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(AuditInputError, match="expected JSON text, got dict"):
        audit_json(_page(APPROVED))  # type: ignore[arg-type]
    with pytest.raises(AuditInputError, match="item 0 of the top-level list is a list"):
        audit_json("[[]]")


# -- a list of pages is read one page at a time ------------------------------------------


@settings(max_examples=60)
@given(st.data())
def test_a_streamed_list_of_pages_audits_as_the_parsed_list_does(data: st.DataObject) -> None:
    registration = data.draw(registrations())
    pages = data.draw(describe_pages(registration))
    for page in pages:
        for item in page["RegistrationVersions"]:
            if data.draw(st.booleans()):
                item["RegistrationVersionStatus"] = data.draw(
                    st.sampled_from(["APPROVED", "DENIED", "ODD", 7])
                )
    if pages and data.draw(st.booleans()):
        pages.append(copy.deepcopy(pages[0]))
        pages[-1]["RegistrationVersions"][:1] = [{"VersionNumber": 1}]
    text = json.dumps(pages, default=str, indent=data.draw(st.sampled_from([None, 1])))
    assert audit_json(text) == audit_data(json.loads(text), source="<json>")


@pytest.mark.parametrize(
    "text",
    ["[", "[1,", "[{}", "[] x", "[{},]", "[,]", '[{"RegistrationVersions": []} {}]', "[NaN]"],
)
def test_a_broken_list_is_refused_as_json_loads_refuses_it(text: str) -> None:
    # Read page by page, a page before the break may be refused first (for its shape): the
    # reason may differ, the outcome may not: the text is not an export.
    def refuse(name: str) -> object:
        raise ValueError(name)

    with pytest.raises(ValueError):  # JSONDecodeError is a ValueError
        json.loads(text, parse_constant=refuse)
    with pytest.raises(AuditInputError):
        audit_json(text)


def test_a_streamed_list_of_many_pages_keeps_no_page() -> None:
    # Pages of different registrations; the audit keeps fingerprints, not records.
    from registration_fsm.audit import _Auditor, _list_items

    items = [
        {
            "VersionNumber": 1,
            "RegistrationVersionStatus": "DRAFT",
            "RegistrationVersionStatusHistory": {"DraftTimestamp": _iso(0)},
        }
    ]
    text = json.dumps(
        [{"RegistrationId": f"r{n}", "RegistrationVersions": items} for n in range(3)]
    )
    auditor = _Auditor()
    auditor.add_pages(_list_items(text, 0, "<json>"), "<json>", listed=True)
    assert auditor.checked == 3
    for group in auditor.groups.values():
        assert all(isinstance(v, int) for v in group.versions.values())
