from __future__ import annotations

import contextlib
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import (
    InvalidTimestamp,
    MalformedDataError,
    RegistrationFsmError,
    StatusHistory,
    UnknownHistoryKey,
    VersionStatus,
    history,
    parse_timestamp,
)
from registration_fsm.history import stamp_text, utc_text
from registration_fsm.testing.strategies import aware_datetimes

T0 = datetime(2026, 3, 1, 12, 0, 30, 250000, tzinfo=timezone.utc)
KEYS = [s.history_key for s in VersionStatus if s.history_key]


def test_to_aws_gives_only_the_keys_that_are_set() -> None:
    history = StatusHistory(T0, submitted=T0 + timedelta(seconds=3))
    assert history.to_aws() == {
        "DraftTimestamp": T0,
        "SubmittedTimestamp": T0 + timedelta(seconds=3),
    }


def test_history_is_indexable_by_status() -> None:
    history = StatusHistory(T0, reviewing=T0)
    assert history[VersionStatus.REVIEWING] == T0
    assert history["DRAFT"] == T0
    assert history.get(VersionStatus.APPROVED) is None
    assert history[VersionStatus.REQUIRES_OFFLINE_REVIEW] is None


def test_draft_is_required() -> None:
    with pytest.raises(InvalidTimestamp, match="draft"):
        StatusHistory(None)  # type: ignore[arg-type]
    with pytest.raises(MalformedDataError, match="DraftTimestamp is required"):
        StatusHistory.from_aws({"SubmittedTimestamp": T0})


def test_naive_datetimes_are_refused_not_assumed_utc() -> None:
    naive = datetime(2026, 3, 1, 12, 0)
    with pytest.raises(InvalidTimestamp, match="naive") as info:
        StatusHistory(naive)
    assert info.value.field == "draft"
    with pytest.raises(InvalidTimestamp, match="naive"):
        StatusHistory.from_aws({"DraftTimestamp": naive})
    with pytest.raises(InvalidTimestamp, match="without an offset"):
        StatusHistory.from_aws({"DraftTimestamp": "2026-03-01T12:00:00"})


def test_other_zones_are_normalised_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    history = StatusHistory(datetime(2026, 3, 1, 13, 0, 30, 250000, tzinfo=paris))
    assert history.draft == T0
    assert history.draft.tzinfo is timezone.utc


@pytest.mark.parametrize(
    "value",
    [
        T0,
        T0.timestamp(),
        "2026-03-01T12:00:30.250000Z",
        "2026-03-01T12:00:30.250000+00:00",
        "2026-03-01T14:00:30.250000+02:00",
    ],
)
def test_from_aws_accepts_boto3_cli_and_json_shapes(value: object) -> None:
    assert StatusHistory.from_aws({"DraftTimestamp": value}).draft == T0


def test_from_aws_accepts_integer_epoch_seconds() -> None:
    history = StatusHistory.from_aws({"DraftTimestamp": 1772366400})
    assert history.draft == datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_from_aws_refuses_keys_it_does_not_know() -> None:
    # A stamp the library cannot place proves nothing: refused, naming the key.
    with pytest.raises(UnknownHistoryKey) as caught:
        StatusHistory.from_aws({"DraftTimestamp": T0, "FrozenTimestamp": T0})
    assert caught.value.key == "FrozenTimestamp"
    assert caught.value.path == "RegistrationVersionStatusHistory.FrozenTimestamp"
    assert "DraftTimestamp" in caught.value.known
    with pytest.raises(UnknownHistoryKey):
        StatusHistory.from_aws({"DraftTimestamp": T0, 3: T0})


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "boolean"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
        (1e20, "outside 2000-01-01 to 2100-01-01"),
        ("yesterday", "ISO-8601"),
        ([2026, 3, 1], "expected a datetime"),
        (None, "expected a datetime"),
    ],
)
def test_bad_timestamps_name_what_is_wrong(value: object, reason: str) -> None:
    with pytest.raises(InvalidTimestamp, match=reason) as info:
        parse_timestamp(value, field="SubmittedTimestamp")
    assert info.value.field == "SubmittedTimestamp"


def test_from_aws_refuses_what_is_not_an_object() -> None:
    with pytest.raises(MalformedDataError, match="expected an object, got list"):
        StatusHistory.from_aws([T0])


def test_stamped_and_latest() -> None:
    history = StatusHistory(T0, submitted=T0 + timedelta(1), reviewing=T0 + timedelta(2))
    assert [s for s, _ in history.stamped()] == [
        VersionStatus.DRAFT,
        VersionStatus.SUBMITTED,
        VersionStatus.REVIEWING,
    ]
    assert history.latest == T0 + timedelta(2)


def test_with_stamp_returns_a_new_value() -> None:
    history = StatusHistory(T0)
    later = history.with_stamp(VersionStatus.SUBMITTED, T0 + timedelta(1))
    assert history.submitted is None
    assert later.submitted == T0 + timedelta(1)
    assert later.with_stamp(VersionStatus.REQUIRES_OFFLINE_REVIEW, T0) is later


def test_history_is_frozen() -> None:
    history = StatusHistory(T0)
    with pytest.raises(AttributeError):
        history.draft = T0 + timedelta(1)  # type: ignore[misc]


@st.composite
def histories(draw: st.DrawFn) -> StatusHistory:
    stamps = {key: draw(aware_datetimes()) for key in KEYS[1:] if draw(st.booleans())}
    return StatusHistory.from_aws({"DraftTimestamp": draw(aware_datetimes()), **stamps})


@given(histories())
def test_to_aws_and_from_aws_round_trip(history: StatusHistory) -> None:
    aws = history.to_aws()
    assert set(aws) <= set(KEYS)
    assert StatusHistory.from_aws(aws) == history
    assert StatusHistory.from_aws(aws).to_aws() == aws


@given(histories())
def test_the_cli_shape_round_trips_through_json(history: StatusHistory) -> None:
    text = json.dumps(history.to_json())
    assert StatusHistory.from_aws(json.loads(text)) == history


@given(histories())
def test_epoch_seconds_round_trip_to_the_microsecond(history: StatusHistory) -> None:
    epochs = {key: value.timestamp() for key, value in history.to_aws().items()}
    parsed = StatusHistory.from_aws(epochs)
    for key, value in history.to_aws().items():
        assert abs(parsed.to_aws()[key] - value) <= timedelta(microseconds=1)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=30), inner, max_size=4)
    ),
    max_leaves=20,
)
_history_like = st.dictionaries(
    st.sampled_from([*KEYS, "Other"]),
    st.none() | st.integers() | st.floats() | st.text(max_size=40) | st.booleans() | _json,
    max_size=6,
)


@given(st.one_of(_json, _history_like))
def test_arbitrary_json_raises_only_library_errors(data: object) -> None:
    with contextlib.suppress(RegistrationFsmError):
        StatusHistory.from_aws(data)


_TIMES = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(timezone.utc)
    | st.builds(timezone, st.timedeltas(timedelta(hours=-23), timedelta(hours=23))),
)


@settings(max_examples=500, deadline=None)
@given(_TIMES, st.booleans())
def test_utc_text_and_stamp_text_are_isoformat(value: datetime, whole: bool) -> None:
    # Both are written out by hand for speed (history.py): the stores and the journal compare
    # and hash their text, so it must be isoformat's, byte for byte.
    if whole:
        value = value.replace(microsecond=0)
    utc = value.astimezone(timezone.utc)
    assert utc_text(value) == utc.isoformat(timespec="microseconds")
    assert stamp_text(value) == value.isoformat()
    assert stamp_text(utc) == utc.isoformat()


def test_utc_text_keeps_the_text_of_a_bounded_number_of_days() -> None:
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    days = [start + timedelta(days=n, hours=n % 24, microseconds=n) for n in range(5000)]
    sizes = []
    for day in days:
        assert utc_text(day) == day.isoformat(timespec="microseconds")
        sizes.append(len(history._DAY_TEXT))
    assert max(sizes) == history._DAYS_KEPT
    assert utc_text(days[0]) == "2030-01-01T00:00:00.000000+00:00"


def test_utc_text_writes_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    tzset = getattr(time, "tzset", None)
    if tzset is None:  # pragma: no cover - Windows has no tzset
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "ABC+5")  # POSIX: five hours behind UTC, no zone database needed
    tzset()
    try:
        paris = datetime(2030, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
        assert utc_text(paris) == "2030-06-01T10:00:00.000000+00:00"
    finally:
        monkeypatch.undo()
        tzset()
