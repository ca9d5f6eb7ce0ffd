"""The audit's report shapes and its readers, asserted to the value: every field of a finding
and a report, the summary's counts, and why each unreadable input is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registration_fsm import AuditInputError, FindingKind, InvalidValueError
from registration_fsm.audit import (
    AuditReport,
    Finding,
    audit_data,
    audit_files,
    audit_json,
    load_export,
)

EXPORT = {
    "RegistrationId": "registration-1",
    "RegistrationVersions": [
        {
            "VersionNumber": 1,
            "RegistrationVersionStatus": "APPROVED",
            "RegistrationVersionStatusHistory": {
                "DraftTimestamp": "2026-01-05T09:00:00Z",
                "SubmittedTimestamp": "2026-01-05T09:01:00Z",
                "ReviewingTimestamp": "2026-01-05T09:02:00Z",
                "ApprovedTimestamp": "2026-01-05T09:03:00Z",
            },
        }
    ],
}


def test_a_finding_prints_and_serialises_every_part() -> None:
    full = Finding(FindingKind.ILLEGAL_PATH, "no path", "export.json", "registration-1", 3)
    assert str(full) == "export.json: registration-1: version 3: illegal_path: no path"
    assert full.to_json() == {
        "source": "export.json",
        "registration_id": "registration-1",
        "version_number": 3,
        "kind": "illegal_path",
        "reason": "no path",
    }
    bare = Finding(FindingKind.MALFORMED, "not an export", "x.json")
    assert str(bare) == "x.json: malformed: not an export"
    assert bare.to_json()["registration_id"] is None
    assert bare.to_json()["version_number"] is None
    assert str(Finding(FindingKind.MALFORMED, "r", "s", version_number=0)) == (
        "s: version 0: malformed: r"
    )
    assert [str(k) for k in FindingKind] == [k.value for k in FindingKind]


def test_the_summary_counts_in_words() -> None:
    finding = Finding(FindingKind.MALFORMED, "r", "s")
    one = AuditReport((finding,), 1, 1, ("a",))
    assert one.summary() == "audited 1 version of 1 registration in 1 source: 1 finding"
    assert not one.ok
    many = AuditReport((finding, finding), 2, 0, ("a", "b"))
    assert many.summary() == "audited 2 versions of 0 registrations in 2 sources: 2 findings"
    clean = AuditReport((), 0, 3, ())
    assert clean.ok
    assert clean.summary() == "audited 0 versions of 3 registrations in 0 sources: no findings"
    assert many.to_json() == {
        "ok": False,
        "versions_checked": 2,
        "registrations_checked": 0,
        "sources": ["a", "b"],
        "findings": [finding.to_json(), finding.to_json()],
    }
    assert clean.to_json()["ok"] is True


def test_a_clean_export_is_counted_from_data_json_and_files(tmp_path: Path) -> None:
    report = audit_data(EXPORT, source="mine")
    assert report.ok
    assert report.findings == ()
    assert report.versions_checked == 1
    assert report.sources == ("mine",)
    assert audit_data(EXPORT).sources == ("<data>",)
    text = json.dumps(EXPORT)
    assert audit_json(text).sources == ("<json>",)
    assert audit_json(text.encode("utf-16")).versions_checked == 1
    assert audit_json(text, source="t").sources == ("t",)
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    one.write_text(text, encoding="utf-8")
    two.write_text(text, encoding="utf-8")
    both = audit_files([one, two])
    assert both.sources == (str(one), str(two))
    assert both.versions_checked == 1  # the same version twice, identical, is one version
    assert load_export(one) == EXPORT
    assert load_export(one, max_bytes=len(text)) == EXPORT


def test_a_file_over_the_limit_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(EXPORT), encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(AuditInputError) as info:
        load_export(path, max_bytes=size - 1)
    assert info.value.source == str(path)
    assert f"larger than the limit of {size - 1} bytes" in info.value.detail
    with pytest.raises(AuditInputError):
        audit_files([path], max_bytes=size - 1)
    for bad in (0, -1, True, 1.5, "10"):
        with pytest.raises(InvalidValueError) as value_info:
            load_export(path, max_bytes=bad)  # type: ignore[arg-type]
        assert repr(bad) in str(value_info.value)


def test_files_that_cannot_be_read_say_why(tmp_path: Path) -> None:
    cases = {
        tmp_path: "is a directory, not a regular file",
        tmp_path / "missing.json": "no such file",
    }
    for path, detail in cases.items():
        with pytest.raises(AuditInputError) as info:
            load_export(path)
        assert info.value.source == str(path)
        assert info.value.detail == detail


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"{", "not JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
        (b"[NaN]", "not valid JSON: NaN is not a JSON value"),
        (b"[Infinity]", "not valid JSON: Infinity is not a JSON value"),
        (b'["\xff"]', "not UTF-8 text: byte 0xff at offset 2 cannot be decoded"),
        (
            b"[" * 100_000 + b"]" * 100_000,
            "JSON nested too deeply to be read (more than 100 levels)",
        ),
    ],
)
def test_unreadable_json_says_why(tmp_path: Path, raw: bytes, detail: str) -> None:
    with pytest.raises(AuditInputError) as info:
        audit_json(raw, source="input")
    assert info.value.source == "input"
    assert info.value.detail == detail
    path = tmp_path / "export.json"
    path.write_bytes(raw)
    with pytest.raises(AuditInputError) as info:
        load_export(path)
    assert info.value.detail == detail
    assert info.value.source == str(path)


def test_audit_json_takes_only_text() -> None:
    with pytest.raises(AuditInputError) as info:
        audit_json(5, source="five")  # type: ignore[arg-type]
    assert info.value.source == "five"
    assert info.value.detail == "expected JSON text, got int"
    assert audit_json(bytearray(json.dumps(EXPORT).encode())).versions_checked == 1


def test_every_finding_kind_has_its_own_name() -> None:
    assert [k.value for k in FindingKind] == [
        "stamps_out_of_order",
        "impossible_predecessor",
        "missing_stamp",
        "illegal_path",
        "multiple_approved",
        "unknown_status",
        "unknown_stamp",
        "duplicate_version",
        "registration_mismatch",
        "malformed",
        "journal",
    ]
    assert FindingKind("stamps_out_of_order") is FindingKind.STAMPS_OUT_OF_ORDER


def test_the_caches_of_verdicts_and_shapes_stay_within_their_bound() -> None:
    # Hostile exports can hold any number of stamp orders and key sequences; each cache is
    # emptied when it reaches _CACHE_SIZE entries, so neither grows with the export.
    from itertools import permutations

    from registration_fsm import audit as module
    from registration_fsm.statuses import VersionStatus

    size = module._CACHE_SIZE
    assert size == 4096
    module._VERDICTS.clear()
    module._SHAPES.clear()
    orders = permutations(range(len(module._KEYS)), 5)
    largest = 0
    for _ in range(size + 1):
        module._verdict(VersionStatus.DRAFT, next(orders))
        largest = max(largest, len(module._VERDICTS))
    assert largest == size
    assert len(module._VERDICTS) == 1
    largest = 0
    for names in list(permutations(module._KEYS, 5))[: size + 1]:
        module._shape(("DRAFT", *names))
        largest = max(largest, len(module._SHAPES))
    assert largest == size
    assert len(module._SHAPES) == 1


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        (
            '[{"RegistrationVersions": 5}]',
            "RegistrationVersions in item 0 of the top-level list is a number, not a list",
        ),
        (
            '[{"Registrations": 5}]',
            "Registrations in item 0 of the top-level list is a number, not a list",
        ),
    ],
)
def test_a_page_whose_list_is_not_a_list_is_named(text: str, detail: str) -> None:
    with pytest.raises(AuditInputError) as info:
        audit_json(text)
    assert info.value.detail == detail


def test_version_zero_is_malformed_even_with_a_well_formed_history() -> None:
    history = {"DraftTimestamp": "2026-01-05T09:00:00Z", "DiscardedTimestamp": "2026-01-05T09:01Z"}
    items = [
        {
            "VersionNumber": number,
            "RegistrationVersionStatus": "DISCARDED",
            "RegistrationVersionStatusHistory": dict(history),
        }
        for number in (1, 0)
    ]
    report = audit_data({"RegistrationId": "registration-1", "RegistrationVersions": items})
    assert report.versions_checked == 1
    assert [(f.kind, f.registration_id, f.version_number, f.reason) for f in report.findings] == [
        (
            FindingKind.MALFORMED,
            "registration-1",
            None,
            "item 1 of RegistrationVersions: VersionNumber 0 is outside 1 to 100000",
        )
    ]


_T0, _T1, _T2 = "2026-01-05T09:00:00Z", "2026-01-05T09:01:00Z", "2026-01-05T09:02:00Z"


def _versions(*records: tuple[int, str, dict[str, object]]) -> dict[str, object]:
    return {
        "RegistrationId": "registration-1",
        "RegistrationVersions": [
            {
                "VersionNumber": number,
                "RegistrationVersionStatus": status,
                "RegistrationVersionStatusHistory": dict(history),
            }
            for number, status, history in records
        ],
    }


def test_a_tie_is_judged_as_a_tie() -> None:
    # REVIEWING and REQUIRES_AUTHENTICATION stamped at the same instant: only SUBMITTED's
    # stamp is missing. Taken in the order of their keys instead, REQUIRES_AUTHENTICATION
    # would come after the version's own status.
    tie = {
        "DraftTimestamp": _T0,
        "ReviewingTimestamp": _T1,
        "RequiresAuthenticationTimestamp": _T1,
    }
    report = audit_data(_versions((1, "REVIEWING", tie)))
    assert [(f.kind, f.reason) for f in report.findings] == [
        (
            FindingKind.MISSING_STAMP,
            "the path from DRAFT to REVIEWING enters SUBMITTED, but there is no "
            "SubmittedTimestamp: AWS stamps every status a version enters",
        )
    ]


@pytest.mark.parametrize(
    "history",
    [
        {"DraftTimestamp": _T0, "SubmittedTimestamp": _T0},  # a tie: the general path
        {"DraftTimestamp": _T0, "SubmittedTimestamp": _T1},  # the fast path
    ],
)
def test_a_duplicate_differing_only_in_status_is_found(history: dict[str, object]) -> None:
    report = audit_data(_versions((1, "SUBMITTED", history), (1, "DRAFT", history)))
    assert report.versions_checked == 1
    assert [(f.kind, f.version_number, f.reason) for f in report.findings] == [
        (
            FindingKind.DUPLICATE_VERSION,
            1,
            "version 1 appears twice with different contents (item 1 of "
            "RegistrationVersions differs from the first)",
        )
    ]


def test_duplicates_read_by_the_slow_path_are_told_apart() -> None:
    # Epoch seconds are read by the slow path, which fingerprints the whole record.
    first = {"DraftTimestamp": 1767603600, "SubmittedTimestamp": 1767603660}
    other = {"DraftTimestamp": 1767603600, "SubmittedTimestamp": 1767603720}
    report = audit_data(
        _versions((1, "SUBMITTED", first), (1, "SUBMITTED", first), (1, "SUBMITTED", other))
    )
    assert report.versions_checked == 1
    assert [(f.kind, f.reason) for f in report.findings] == [
        (
            FindingKind.DUPLICATE_VERSION,
            "version 1 appears twice with different contents (item 2 of "
            "RegistrationVersions differs from the first)",
        )
    ]


def test_the_slow_path_reads_past_an_unknown_key_and_a_null() -> None:
    # Epoch seconds send a record to the slow path, which must read every key after an
    # unknown one or a null, and then judge the record like any other.
    unknown_first = {"LaterTimestamp": _T0, "DraftTimestamp": 1767603600}
    null_first = {
        "ApprovedTimestamp": None,
        "DraftTimestamp": 1767603600,
        "SubmittedTimestamp": 1767603660,
    }
    report = audit_data(_versions((1, "DRAFT", unknown_first), (2, "SUBMITTED", null_first)))
    assert report.versions_checked == 2
    assert [(f.kind, f.version_number) for f in report.findings] == [
        (FindingKind.UNKNOWN_STAMP, 1)
    ]


def test_the_general_path_shows_stamps_as_written_past_a_null() -> None:
    # A null stamp keeps a record off the fast path; the general path must read on past it and
    # show the other stamps with the offsets they were written in, as the fast path does.
    history = {
        "ApprovedTimestamp": None,
        "DraftTimestamp": "2026-01-05T11:00:00+02:00",
        "SubmittedTimestamp": "2026-01-05T08:00:00+02:00",
    }
    report = audit_data(_versions((1, "SUBMITTED", history)))
    assert report.versions_checked == 1
    assert [(f.kind, f.reason) for f in report.findings] == [
        (
            FindingKind.STAMPS_OUT_OF_ORDER,
            "SubmittedTimestamp (2026-01-05T08:00:00+02:00) is earlier than DraftTimestamp: "
            "every version starts as a DRAFT",
        )
    ]


def test_a_datetime_in_the_last_year_is_shown_as_given() -> None:
    # 2100-01-01T00:30+01:00 is 2099-12-31T23:30Z, inside the bounds: the datetime is taken as
    # it is, with its own offset, not converted to UTC.
    from datetime import datetime, timedelta, timezone

    plus_one = timezone(timedelta(hours=1))
    history = {
        "DraftTimestamp": datetime(2100, 1, 1, 0, 40, tzinfo=plus_one),
        "SubmittedTimestamp": datetime(2100, 1, 1, 0, 30, tzinfo=plus_one),
    }
    report = audit_data(_versions((1, "SUBMITTED", history)))
    assert [f.reason for f in report.findings] == [
        "SubmittedTimestamp (2100-01-01T00:30:00+01:00) is earlier than DraftTimestamp: "
        "every version starts as a DRAFT"
    ]


def test_a_malformed_record_names_its_source() -> None:
    report = audit_data(
        {"RegistrationId": "registration-1", "RegistrationVersions": [{"VersionNumber": "1"}]},
        source="export.json",
    )
    assert [(f.kind, f.source, f.registration_id, f.reason) for f in report.findings] == [
        (
            FindingKind.MALFORMED,
            "export.json",
            "registration-1",
            "item 0 of RegistrationVersions: VersionNumber is '1', not an integer from 1 to "
            "100000",
        )
    ]


_DENIED_HISTORY = {
    "DraftTimestamp": _T0,
    "SubmittedTimestamp": _T1,
    "ReviewingTimestamp": _T2,
    "DeniedTimestamp": "2026-01-05T09:03:00Z",
}


@pytest.mark.parametrize(("status", "mismatch"), [("DENIED", False), ("DRAFT", True)])
def test_the_latest_denied_version_must_be_denied(status: str, mismatch: bool) -> None:
    history = _DENIED_HISTORY if status == "DENIED" else {"DraftTimestamp": _T0}
    registration = {
        "RegistrationId": "registration-1",
        "RegistrationStatus": "REQUIRES_UPDATES",
        "CurrentVersionNumber": 2,
        "LatestDeniedVersionNumber": 1,
    }
    report = audit_data(
        [
            {"Registrations": [registration]},
            _versions((1, status, history), (2, "DRAFT", {"DraftTimestamp": _T2})),
        ]
    )
    assert report.versions_checked == 2
    expected = [
        (
            FindingKind.REGISTRATION_MISMATCH,
            1,
            "LatestDeniedVersionNumber is 1, but version 1 is DRAFT, not DENIED",
        )
    ]
    assert [(f.kind, f.version_number, f.reason) for f in report.findings] == (
        expected if mismatch else []
    )


def test_a_record_equal_to_one_read_before_is_no_duplicate_whatever_its_mapping() -> None:
    # An OrderedDict history keeps the record off the fast path; its contents equal the plain
    # dict's, so its fingerprint must be the one the fast path gave the first record.
    from collections import OrderedDict

    history = {"DraftTimestamp": _T0, "SubmittedTimestamp": _T1}
    items = [
        {
            "VersionNumber": 1,
            "RegistrationVersionStatus": "SUBMITTED",
            "RegistrationVersionStatusHistory": mapping,
        }
        for mapping in (history, OrderedDict(history))
    ]
    assert items[0] == items[1]
    report = audit_data({"RegistrationId": "registration-1", "RegistrationVersions": items})
    assert report.versions_checked == 1
    assert report.findings == ()


def test_records_with_an_unhashable_field_differ_only_by_their_contents() -> None:
    # A field boto3 never returns, holding a set: equal records in another key order are one
    # version; a different set is a duplicate.
    def record(extra: object, *, reverse: bool = False) -> dict[str, object]:
        fields: list[tuple[str, object]] = [
            ("VersionNumber", 1),
            ("RegistrationVersionStatus", "DRAFT"),
            ("RegistrationVersionStatusHistory", {"DraftTimestamp": _T0}),
            ("Extra", extra),
        ]
        return dict(reversed(fields) if reverse else fields)

    same = audit_data({"RegistrationVersions": [record({"a"}), record({"a"}, reverse=True)]})
    assert same.versions_checked == 1
    assert same.findings == ()
    other = audit_data({"RegistrationVersions": [record({"a"}), record({"b"})]})
    assert [f.kind for f in other.findings] == [FindingKind.DUPLICATE_VERSION]


def test_an_unexpected_type_is_named_by_its_type() -> None:
    report = audit_data({"RegistrationVersions": [("a",)]})
    assert [f.reason for f in report.findings] == [
        "item 0 of RegistrationVersions: a tuple, not an object"
    ]
    with pytest.raises(AuditInputError) as info:
        audit_data(("a",))
    assert info.value.detail.startswith("the top level is a tuple; expected the JSON object")


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_is_left_as_it_was(enabled: bool) -> None:
    import gc

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        assert audit_data(EXPORT).ok
        assert gc.isenabled() is enabled
        assert audit_json(json.dumps([EXPORT])).ok
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('[{"RegistrationVersions": []}]x', "not JSON: Extra data at line 1 column 31"),
        (
            '[{"RegistrationVersions": []} {"RegistrationVersions": []}]',
            "not JSON: Expecting ',' delimiter at line 1 column 31",
        ),
        ('[{"RegistrationVersions": []}] 5', "not JSON: Extra data at line 1 column 32"),
        ("[] x", "not JSON: Extra data at line 1 column 4"),
    ],
)
def test_a_list_of_pages_with_bad_json_after_a_page_says_where(text: str, detail: str) -> None:
    with pytest.raises(AuditInputError) as info:
        audit_json(text, source="pages")
    assert info.value.source == "pages"
    assert info.value.detail == detail


@pytest.mark.parametrize(
    ("number", "draft", "submitted"),
    [
        (100_000, "2026-01-05T11:00:00+02:00", "2026-01-05T08:00:00+02:00"),
        (1, "2099-06-01T12:00:00+02:00", "2099-06-01T10:00:00+02:00"),
        (1, "2000-01-02T12:00:00+02:00", "2000-01-02T10:00:00+02:00"),
        (1, "2100-01-01T00:40:00+01:00", "2100-01-01T00:30:00+01:00"),
        (1, "1999-12-31T23:30:00-05:00", "1999-12-31T23:10:00-05:00"),
    ],
)
def test_stamps_out_of_order_are_shown_as_written(number: int, draft: str, submitted: str) -> None:
    # Stamps out of the order of their keys take the general path, which shows them with their
    # own offsets, for the highest version number and in the first and last years too.
    history = {"DraftTimestamp": draft, "SubmittedTimestamp": submitted}
    report = audit_data(_versions((number, "SUBMITTED", history)))
    assert [(f.kind, f.version_number, f.reason) for f in report.findings] == [
        (
            FindingKind.STAMPS_OUT_OF_ORDER,
            number,
            f"SubmittedTimestamp ({submitted}) is earlier than DraftTimestamp: every version "
            "starts as a DRAFT",
        )
    ]


@pytest.mark.parametrize("stamp", ["2099-12-31T23:00:00-05:00", "2000-01-01T00:30:00+01:00"])
def test_a_stamp_written_in_range_but_out_of_it_in_utc_is_malformed(stamp: str) -> None:
    report = audit_data(_versions((1, "DRAFT", {"DraftTimestamp": stamp})))
    assert report.versions_checked == 0
    assert [(f.kind, f.version_number) for f in report.findings] == [(FindingKind.MALFORMED, 1)]
    assert report.findings[0].reason.startswith(
        f"item 0 of RegistrationVersions: DraftTimestamp {stamp!r} is not a timestamp: "
    )


def test_version_findings_of_the_slow_path_name_source_and_number() -> None:
    items = [
        {"VersionNumber": 1, "RegistrationVersionStatus": 5},
        {
            "VersionNumber": 2,
            "RegistrationVersionStatus": "LATER",
            "RegistrationVersionStatusHistory": {"DraftTimestamp": _T0},
        },
    ]
    report = audit_data(
        {"RegistrationId": "registration-1", "RegistrationVersions": items}, source="e.json"
    )
    assert [(f.kind, f.source, f.registration_id, f.version_number) for f in report.findings] == [
        (FindingKind.MALFORMED, "e.json", "registration-1", 1),
        (FindingKind.UNKNOWN_STATUS, "e.json", "registration-1", 2),
    ]
    assert report.findings[0].reason == (
        "item 0 of RegistrationVersions: RegistrationVersionStatus is a number, not a string"
    )


def test_registration_findings_name_source_and_reason() -> None:
    pages = [
        {
            "Registrations": [
                {"RegistrationStatus": "CREATED"},
                {"RegistrationId": "registration-1", "RegistrationStatus": 5},
                {
                    "RegistrationId": "registration-2",
                    "RegistrationStatus": "CREATED",
                    "CurrentVersionNumber": 100_001,
                },
            ]
        }
    ]
    report = audit_data(pages, source="r.json")
    assert [(f.kind, f.source, f.registration_id, f.reason) for f in report.findings] == [
        (
            FindingKind.MALFORMED,
            "r.json",
            None,
            "item 0 of Registrations has no RegistrationId string",
        ),
        (
            FindingKind.MALFORMED,
            "r.json",
            "registration-1",
            "RegistrationStatus is a number, not a string",
        ),
        (
            FindingKind.MALFORMED,
            "r.json",
            "registration-1",
            "CurrentVersionNumber is missing, not an integer",
        ),
        (
            FindingKind.MALFORMED,
            "r.json",
            "registration-2",
            "CurrentVersionNumber 100001 is outside 1 to 100000",
        ),
    ]


def test_more_than_two_approved_versions_are_named_in_a_list() -> None:
    approved = {
        "DraftTimestamp": _T0,
        "SubmittedTimestamp": _T1,
        "ReviewingTimestamp": _T2,
        "ApprovedTimestamp": "2026-01-05T09:03:00Z",
    }
    report = audit_data(_versions(*((n, "APPROVED", approved) for n in (1, 2, 3, 4))))
    assert [(f.version_number, f.reason.split(":")[0]) for f in report.findings] == [
        (1, "APPROVED, and so is versions 2, 3 and 4"),
        (2, "APPROVED, and so is versions 1, 3 and 4"),
        (3, "APPROVED, and so is versions 1, 2 and 4"),
    ]


def test_records_with_a_list_field_differ_only_by_their_contents() -> None:
    def record(extra: object, *, reverse: bool = False) -> dict[str, object]:
        fields: list[tuple[str, object]] = [
            ("VersionNumber", 1),
            ("RegistrationVersionStatus", "DRAFT"),
            ("RegistrationVersionStatusHistory", {"DraftTimestamp": _T0}),
            ("Extra", extra),
        ]
        return dict(reversed(fields) if reverse else fields)

    same = [record([{"a": 1, "b": 2}]), record([{"b": 2, "a": 1}], reverse=True)]
    assert audit_data({"RegistrationVersions": same}).findings == ()
    other = [record([{"a": 1}]), record([{"a": 2}])]
    assert [f.kind for f in audit_data({"RegistrationVersions": other}).findings] == [
        FindingKind.DUPLICATE_VERSION
    ]


@pytest.mark.parametrize("text", ["[]", " [ ] ", "[\n]\n"])
def test_an_empty_list_of_pages_is_an_empty_audit(text: str) -> None:
    report = audit_json(text, source="none")
    assert report == AuditReport((), 0, 0, ("none",))


def test_a_datetime_in_the_year_before_the_first_is_shown_as_given() -> None:
    # 1999-12-31T23:30-05:00 is 2000-01-01T04:30Z, inside the bounds.
    from datetime import datetime, timedelta, timezone

    minus_five = timezone(timedelta(hours=-5))
    history = {
        "DraftTimestamp": datetime(1999, 12, 31, 23, 40, tzinfo=minus_five),
        "SubmittedTimestamp": datetime(1999, 12, 31, 23, 30, tzinfo=minus_five),
    }
    report = audit_data(_versions((1, "SUBMITTED", history)))
    assert [f.reason for f in report.findings] == [
        "SubmittedTimestamp (1999-12-31T23:30:00-05:00) is earlier than DraftTimestamp: "
        "every version starts as a DRAFT"
    ]


def test_a_duplicate_of_an_unknown_status_names_its_registration() -> None:
    report = audit_data(
        _versions((1, "LATER", {"DraftTimestamp": _T0}), (1, "LATER", {"DraftTimestamp": _T1}))
    )
    assert [(f.kind, f.registration_id, f.version_number) for f in report.findings] == [
        (FindingKind.UNKNOWN_STATUS, "registration-1", 1),
        (FindingKind.DUPLICATE_VERSION, "registration-1", 1),
    ]
    assert report.findings[1].reason == "version 1 appears twice with different contents"


def _registration_findings(**numbers: object) -> list[tuple[object, ...]]:
    registration = {"RegistrationId": "registration-1", "RegistrationStatus": "CREATED", **numbers}
    report = audit_data({"Registrations": [registration]})
    return [(f.kind, f.version_number, f.reason) for f in report.findings]


def test_registration_numbers_are_checked_with_reasons() -> None:
    mismatch = FindingKind.REGISTRATION_MISMATCH
    assert _registration_findings(CurrentVersionNumber="2") == [
        (FindingKind.MALFORMED, None, "CurrentVersionNumber is '2', not an integer")
    ]
    assert _registration_findings(
        CurrentVersionNumber=2, ApprovedVersionNumber=3, LatestDeniedVersionNumber=4
    ) == [
        (mismatch, 3, "ApprovedVersionNumber 3 is newer than CurrentVersionNumber 2"),
        (mismatch, 4, "LatestDeniedVersionNumber 4 is newer than CurrentVersionNumber 2"),
    ]
    assert _registration_findings(
        CurrentVersionNumber=2, ApprovedVersionNumber=1, LatestDeniedVersionNumber=1
    ) == [
        (
            mismatch,
            1,
            "version 1 is both ApprovedVersionNumber and LatestDeniedVersionNumber",
        )
    ]


def test_a_history_that_is_not_an_object_names_the_version() -> None:
    record = {
        "VersionNumber": 3,
        "RegistrationVersionStatus": "DRAFT",
        "RegistrationVersionStatusHistory": [],
    }
    report = audit_data({"RegistrationVersions": [record]})
    assert [(f.kind, f.version_number, f.reason) for f in report.findings] == [
        (
            FindingKind.MALFORMED,
            3,
            "item 0 of RegistrationVersions: RegistrationVersionStatusHistory is a list, "
            "not an object",
        )
    ]
