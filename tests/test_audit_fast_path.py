"""The audit's fast path (records judged by their shape) finds exactly what the general path
finds: the same findings, in the same order, with the same reasons, and the same counts."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm import audit as audit_module
from registration_fsm.audit import AuditReport, FindingKind, audit_data, audit_json
from registration_fsm.history import STAMPED_STATUSES
from registration_fsm.statuses import VersionStatus

_KEYS = [s.history_key for s in STAMPED_STATUSES]
_RID = "registration-0123456789abcdef0123456789abcdef"


@contextlib.contextmanager
def _general_path_only() -> Iterator[None]:
    """No record has a shape, so every record takes the general path."""
    saved = audit_module._shape, audit_module._SHAPES
    audit_module._shape = lambda key: None  # type: ignore[assignment]
    audit_module._SHAPES = {}
    try:
        yield
    finally:
        audit_module._shape, audit_module._SHAPES = saved


def _both(pages: Any, *, as_json: bool = True) -> tuple[AuditReport, AuditReport]:
    def run() -> AuditReport:
        if as_json:
            return audit_json(json.dumps(pages))
        return audit_data(pages)

    fast = run()
    with _general_path_only():
        general = run()
    return fast, general


def _assert_same(pages: Any, *, as_json: bool = True) -> AuditReport:
    fast, general = _both(pages, as_json=as_json)
    assert fast.to_json() == general.to_json()
    return fast


def _page(*items: dict[str, Any]) -> dict[str, Any]:
    return {"RegistrationId": _RID, "RegistrationVersions": list(items)}


def _item(number: int, status: str, **history: Any) -> dict[str, Any]:
    return {
        "VersionNumber": number,
        "RegistrationVersionStatus": status,
        "RegistrationVersionStatusHistory": history,
    }


_T0 = "2026-01-05T09:00:00+00:00"
_T1 = "2026-01-05T09:07:00+00:00"
_T2 = "2026-01-05T09:14:00+00:00"
_T3 = "2026-01-05T09:21:00+00:00"


def test_a_common_record_takes_the_fast_path() -> None:
    history = {"DraftTimestamp": _T0, "SubmittedTimestamp": _T1, "ReviewingTimestamp": _T2}
    shape = audit_module._shape(("REVIEWING", *history))
    assert shape is not None
    assert shape.status is VersionStatus.REVIEWING
    assert shape.verdict == ()
    mark = shape.check("REVIEWING", history)
    assert mark == audit_module._common_fingerprint("REVIEWING", history)
    # The same contents in another key order have the same fingerprint.
    reordered = dict(reversed(list(history.items())))
    assert audit_module._common_fingerprint("REVIEWING", reordered) == mark


@pytest.mark.parametrize(
    ("history", "why"),
    [
        ({"DraftTimestamp": _T0, "SubmittedTimestamp": _T0, "ReviewingTimestamp": _T2}, "tie"),
        ({"DraftTimestamp": _T1, "SubmittedTimestamp": _T0, "ReviewingTimestamp": _T2}, "order"),
        ({"DraftTimestamp": _T0, "SubmittedTimestamp": None, "ReviewingTimestamp": _T2}, "None"),
        ({"DraftTimestamp": _T0, "SubmittedTimestamp": _T1}, "a key fewer"),
        (
            {
                "DraftTimestamp": _T0,
                "SubmittedTimestamp": "2026-01-05T09:07:00",
                "ReviewingTimestamp": _T2,
            },
            "naive",
        ),
        (
            {
                "DraftTimestamp": _T0,
                "SubmittedTimestamp": _T1,
                "ReviewingTimestamp": "2026-01-05\x0009:14:00+00:00",
            },
            "NUL",
        ),
        ({"DraftTimestamp": _T0, "SubmittedTimestamp": _T1, "ReviewingTimestamp": "soon"}, "bad"),
        (
            {
                "DraftTimestamp": "1999-12-31T23:59:59+00:00",
                "SubmittedTimestamp": _T1,
                "ReviewingTimestamp": _T2,
            },
            "too early",
        ),
        (
            {
                "DraftTimestamp": _T0,
                "SubmittedTimestamp": _T1,
                "ReviewingTimestamp": "2100-01-01T00:00:00+00:00",
            },
            "too late",
        ),
        (
            {"DraftTimestamp": _T0, "SubmittedTimestamp": _T1, "ReviewingTimestamp": 1767600000},
            "a number",
        ),
    ],
)
def test_what_the_fast_path_leaves_to_the_general_one(history: dict[str, Any], why: str) -> None:
    shape = audit_module._shape(
        ("REVIEWING", "DraftTimestamp", "SubmittedTimestamp", "ReviewingTimestamp")
    )
    assert shape is not None
    assert shape.check("REVIEWING", history) is None, why
    _assert_same([_page(_item(1, "REVIEWING", **history))])


def test_shapes_are_refused_for_unknown_statuses_and_keys() -> None:
    assert audit_module._shape(("PENDING", "DraftTimestamp")) is None
    assert audit_module._shape(("DRAFT", "DraftTimestamp", "LaterTimestamp")) is None
    assert audit_module._shape(("DRAFT",)) is None


def test_edges_of_the_range_and_other_offsets_are_judged_alike() -> None:
    items = [
        _item(1, "DRAFT", DraftTimestamp="2000-01-01T00:00:00+00:00"),
        _item(2, "DRAFT", DraftTimestamp="2000-01-01T05:00:00+05:01"),
        _item(3, "DRAFT", DraftTimestamp="2099-12-31T23:59:59.999999+00:00"),
        _item(4, "DRAFT", DraftTimestamp="2100-01-01T00:30:00+01:00"),
        _item(5, "DRAFT", DraftTimestamp="1999-12-31T23:00:00-01:00"),
        _item(6, "DRAFT", DraftTimestamp="2026-01-05T09:00:00Z"),
        _item(7, "SUBMITTED", DraftTimestamp="2026-01-05T10:00:00+01:00", SubmittedTimestamp=_T0),
        _item(8, "SUBMITTED", DraftTimestamp="2026-01-05T10:00:00+02:00", SubmittedTimestamp=_T0),
    ]
    report = _assert_same([_page(*items)])
    assert report.versions_checked == 7
    # 2 is 1999-12-31T23:59 UTC; 4 and 5 are inside the range once in UTC; 7 is a tie.
    assert [(f.version_number, f.kind) for f in report.findings] == [(2, FindingKind.MALFORMED)]


def test_findings_of_a_shape_show_the_versions_own_stamps() -> None:
    discarded = "2026-01-05T14:44:00+05:30"
    pages = [
        _page(
            _item(1, "DRAFT", DraftTimestamp=_T0, DiscardedTimestamp=discarded),
            _item(2, "DRAFT", DraftTimestamp=_T1, DiscardedTimestamp=_T2),
        )
    ]
    report = _assert_same(pages)
    assert [(f.version_number, f.kind) for f in report.findings] == [
        (1, FindingKind.IMPOSSIBLE_PREDECESSOR),
        (2, FindingKind.IMPOSSIBLE_PREDECESSOR),
    ]
    assert report.findings[0].reason.startswith(f"DiscardedTimestamp ({discarded}) is set")
    assert report.findings[1].reason.startswith(f"DiscardedTimestamp ({_T2}) is set")


def test_duplicates_key_order_aside() -> None:
    first = _item(3, "SUBMITTED", DraftTimestamp=_T0, SubmittedTimestamp=_T1)
    same = _item(3, "SUBMITTED", SubmittedTimestamp=_T1, DraftTimestamp=_T0)
    other = _item(3, "SUBMITTED", DraftTimestamp=_T0, SubmittedTimestamp=_T2)
    extra = {**first, "DeniedReasons": []}
    report = _assert_same([_page(first, same), _page(other, extra)])
    duplicates = [f for f in report.findings if f.kind is FindingKind.DUPLICATE_VERSION]
    assert [f.reason.split("(")[1] for f in duplicates] == [
        "item 0 of RegistrationVersions differs from the first)",
        "item 1 of RegistrationVersions differs from the first)",
    ]
    assert report.versions_checked == 1


def test_loaded_exports_with_datetimes_are_judged_alike() -> None:
    zone = timezone(timedelta(hours=-3))
    stamp = datetime(2026, 1, 5, 9, tzinfo=zone)
    pages = [
        _page(
            _item(
                1, "SUBMITTED", DraftTimestamp=stamp, SubmittedTimestamp=stamp + timedelta(hours=1)
            ),
            _item(2, "SUBMITTED", DraftTimestamp=_T0, SubmittedTimestamp=stamp),
        )
    ]
    report = _assert_same(pages, as_json=False)
    assert report.versions_checked == 2


_OFFSETS = ["+00:00", "Z", "+05:30", "-23:59", ""]
_STAMP_TEXT = st.builds(
    lambda day, minute, offset: (
        f"2026-01-{day:02d}T{minute // 60:02d}:{minute % 60:02d}:00{offset}"
    ),
    st.integers(1, 3),
    st.integers(0, 3),
    st.sampled_from(_OFFSETS),
)
_VALUE = st.one_of(
    _STAMP_TEXT,
    _STAMP_TEXT,
    _STAMP_TEXT,
    st.none(),
    st.sampled_from(
        [
            "1999-12-31T23:59:59+00:00",
            "2100-01-01T00:00:00+00:00",
            "x",
            "2026-01-01\x0000:00:00+00:00",
        ]
    ),
)
_HISTORY = st.lists(
    st.tuples(st.sampled_from([*_KEYS, "LaterTimestamp"]), _VALUE), max_size=6
).map(dict)
_ITEM = st.builds(
    lambda number, status, history, extra: {
        "VersionNumber": number,
        "RegistrationVersionStatus": status,
        "RegistrationVersionStatusHistory": history,
        **({"DeniedReasons": []} if extra else {}),
    },
    st.integers(1, 4),
    st.sampled_from([*(s.value for s in VersionStatus), "PENDING"]),
    _HISTORY,
    st.booleans(),
)


@given(
    st.lists(st.lists(_ITEM, max_size=8).map(lambda items: _page(*items)), min_size=1, max_size=3)
)
def test_the_fast_path_finds_what_the_general_path_finds(pages: list[dict[str, Any]]) -> None:
    _assert_same(pages)


def test_a_record_with_more_or_fewer_keys_than_the_last_shape_is_not_taken_for_it() -> None:
    items = [
        _item(1, "SUBMITTED", DraftTimestamp=_T0, SubmittedTimestamp=_T1),
        _item(2, "SUBMITTED", DraftTimestamp=_T0, SubmittedTimestamp=_T1, LaterTimestamp=_T2),
        _item(3, "SUBMITTED", DraftTimestamp=_T0, SubmittedTimestamp=_T1, DeniedTimestamp=_T2),
        _item(4, "SUBMITTED", SubmittedTimestamp=_T1),
        _item(5, "SUBMITTED", SubmittedTimestamp=_T1, DraftTimestamp=_T0),
    ]
    report = _assert_same([_page(*items)])
    assert [(f.version_number, f.kind) for f in report.findings] == [
        (2, FindingKind.UNKNOWN_STAMP),
        (3, FindingKind.IMPOSSIBLE_PREDECESSOR),
        (4, FindingKind.MISSING_STAMP),
    ]
