"""The history's parsing and shapes, asserted to the value: which field an error names, what
value it carries, zoneinfo zones, a lowercase ``z``, ties, and each AWS key's own stamp."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from registration_fsm import (
    InvalidTimestamp,
    MalformedDataError,
    StatusHistory,
    UnknownStatusError,
    VersionStatus,
    parse_timestamp,
)
from registration_fsm.history import require_history

S = VersionStatus
UTC = timezone.utc
T0 = datetime(2026, 3, 1, 12, 0, 30, 250000, tzinfo=UTC)
STAMPED = [s for s in S if s.history_field is not None]


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: the datetime is naive in all but name."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_utc_datetime_comes_back_as_it_is() -> None:
    assert parse_timestamp(T0) is T0
    assert parse_timestamp(T0).tzinfo is UTC


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 1, 13, 0, 30, 250000, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 3, 1, 7, 0, 30, 250000, tzinfo=ZoneInfo("America/New_York")),
        datetime(2026, 3, 1, 12, 0, 30, 250000, tzinfo=ZoneInfo("UTC")),
        datetime(2026, 3, 1, 14, 0, 30, 250000, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_any_zone_becomes_utc(value: datetime) -> None:
    parsed = parse_timestamp(value, field="DraftTimestamp")
    assert parsed == T0
    assert parsed.tzinfo is UTC
    assert parsed.utcoffset() == timedelta(0)
    history = StatusHistory(value, submitted=value)
    assert history.draft.tzinfo is UTC
    assert history.submitted is not None
    assert history.submitted.tzinfo is UTC
    assert history.to_json() == {
        "DraftTimestamp": "2026-03-01T12:00:30.250000+00:00",
        "SubmittedTimestamp": "2026-03-01T12:00:30.250000+00:00",
    }


def test_a_zone_that_does_not_know_its_offset_is_naive() -> None:
    value = datetime(2026, 3, 1, 12, tzinfo=_NoOffset())
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(value, field="ApprovedTimestamp")
    assert info.value.value is value
    assert info.value.field == "ApprovedTimestamp"
    assert "naive" in info.value.reason


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-01T12:00:30.250Z",
        "2026-03-01T12:00:30.250z",
        "  2026-03-01T12:00:30.250Z\n",
        "2026-03-01T12:00:30.250+00:00",
        "2026-03-01T14:00:30.250+02:00",
        "2026-03-01T07:00:30.250-05:00",
    ],
)
def test_iso_strings_with_any_utc_suffix_or_offset(text: str) -> None:
    parsed = parse_timestamp(text)
    assert parsed == T0
    assert parsed.tzinfo is not None
    assert parsed.utcoffset() == timedelta(0)
    assert parsed.isoformat() == "2026-03-01T12:00:30.250000+00:00"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (978307200, datetime(2001, 1, 1, tzinfo=UTC)),
        (1772366430, datetime(2026, 3, 1, 12, 0, 30, tzinfo=UTC)),
        (1772366430.25, T0),
    ],
)
def test_epoch_seconds_count_from_1970_utc(seconds: float, expected: datetime) -> None:
    parsed = parse_timestamp(seconds, field="DraftTimestamp")
    assert parsed == expected
    assert parsed.tzinfo is UTC


_EXPECTED = "expected a datetime, epoch seconds or an ISO-8601 string, got "


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "a boolean is not a timestamp"),
        (False, "a boolean is not a timestamp"),
        (float("nan"), "not a finite number of seconds"),
        (float("-inf"), "not a finite number of seconds"),
        ("2026-13-01T00:00:00Z", "not an ISO-8601 timestamp"),
        ("2026-03-01T12:00:00", "ISO-8601 timestamp without an offset; add Z or +00:00"),
        (b"2026-03-01T12:00:00Z", _EXPECTED + "bytes"),
        ([1], _EXPECTED + "list"),
        (None, _EXPECTED + "NoneType"),
    ],
)
def test_each_refusal_carries_the_value_the_field_and_the_reason(
    value: object, reason: str
) -> None:
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(value, field="ReviewingTimestamp")
    error = info.value
    assert error.value is value
    assert error.field == "ReviewingTimestamp"
    assert error.reason == reason
    assert str(error) == f"invalid timestamp for ReviewingTimestamp {value!r}: {reason}"
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(value)
    assert info.value.field is None


def test_a_naive_datetime_is_refused_with_its_field() -> None:
    naive = datetime(2026, 3, 1, 12)
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(naive, field="DeniedTimestamp")
    assert info.value.value is naive
    assert info.value.field == "DeniedTimestamp"
    assert info.value.reason == "naive datetime; give a timezone-aware one (UTC)"


def test_huge_epoch_seconds_are_refused_with_their_field() -> None:
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(10**20, field="DraftTimestamp")
    assert info.value.field == "DraftTimestamp"
    assert info.value.value == 10**20


@pytest.mark.parametrize("status", STAMPED)
def test_each_field_takes_only_datetimes_and_names_itself(status: VersionStatus) -> None:
    name = status.history_field
    assert name is not None
    kwargs = {} if name == "draft" else {"draft": T0}
    with pytest.raises(InvalidTimestamp) as info:
        StatusHistory(**{**kwargs, name: "2026-03-01T12:00:00Z"})  # type: ignore[arg-type]
    assert info.value.field == name
    assert info.value.reason == "expected a datetime or None"
    assert info.value.value == "2026-03-01T12:00:00Z"
    naive = datetime(2026, 3, 1, 12)
    with pytest.raises(InvalidTimestamp) as info:
        StatusHistory(**{**kwargs, name: naive})  # type: ignore[arg-type]
    assert info.value.field == name
    assert info.value.value is naive


def test_the_draft_stamp_is_required_by_name() -> None:
    with pytest.raises(InvalidTimestamp) as info:
        StatusHistory(None)  # type: ignore[arg-type]
    assert info.value.field == "draft"
    assert info.value.value is None
    assert info.value.reason == "the draft timestamp is required"


@pytest.mark.parametrize("status", STAMPED)
def test_each_status_has_its_own_stamp_everywhere(status: VersionStatus) -> None:
    # One status stamped later than draft: every accessor must find it under that status only.
    name = status.history_field
    assert name is not None
    later = _at(60)
    history = StatusHistory(T0) if status is S.DRAFT else StatusHistory(T0, **{name: later})
    stamp = T0 if status is S.DRAFT else later
    assert getattr(history, name) == stamp
    assert history[status] == stamp
    assert history[status.value] == stamp
    assert history.get(status) == stamp
    for other in S:
        if other is not status and other is not S.DRAFT:
            assert history[other] is None
    expected_aws = {"DraftTimestamp": T0, status.history_key: stamp}
    assert history.to_aws() == expected_aws
    assert history.to_json() == {k: v.isoformat() for k, v in expected_aws.items()}
    assert StatusHistory.from_aws(expected_aws) == history
    assert StatusHistory.from_aws(history.to_json()) == history
    assert history.latest == stamp
    assert history.stamped()[-1] == (status, stamp)
    assert history.with_stamp(status, _at(90))[status] == _at(90)
    assert history.with_stamp(status.value, _at(90)) == history.with_stamp(status, _at(90))


def test_an_unknown_status_is_refused_by_every_lookup() -> None:
    history = StatusHistory(T0)
    for call in (
        lambda: history["PENDING"],
        lambda: history.get("PENDING"),
        lambda: history.with_stamp("PENDING", T0),
    ):
        with pytest.raises(UnknownStatusError) as info:
            call()
        assert info.value.value == "PENDING"


def test_the_unstamped_status_is_never_stamped() -> None:
    history = StatusHistory(T0)
    assert history[S.REQUIRES_OFFLINE_REVIEW] is None
    assert history.get("REQUIRES_OFFLINE_REVIEW") is None
    assert history.with_stamp(S.REQUIRES_OFFLINE_REVIEW, _at(5)) is history
    # Even a stamp that could not be parsed: there is nothing to stamp.
    assert history.with_stamp("REQUIRES_OFFLINE_REVIEW", "not a time") is history  # type: ignore[arg-type]


def test_with_stamp_parses_and_names_the_field() -> None:
    history = StatusHistory(T0)
    paris = datetime(2026, 3, 1, 13, 1, tzinfo=ZoneInfo("Europe/Paris"))
    later = history.with_stamp(S.APPROVED, paris)
    assert later.approved == datetime(2026, 3, 1, 12, 1, tzinfo=UTC)
    assert later.approved is not None
    assert later.approved.tzinfo is UTC
    assert later.draft == T0
    assert history.approved is None
    with pytest.raises(InvalidTimestamp) as info:
        history.with_stamp(S.APPROVED, datetime(2026, 3, 1))
    assert info.value.field == "approved"


def test_stamped_sorts_by_time_and_keeps_model_order_on_ties() -> None:
    history = StatusHistory(
        T0, submitted=_at(30), reviewing=_at(10), aws_reviewing=_at(10), denied=_at(30)
    )
    assert history.stamped() == (
        (S.DRAFT, T0),
        (S.AWS_REVIEWING, _at(10)),
        (S.REVIEWING, _at(10)),
        (S.SUBMITTED, _at(30)),
        (S.DENIED, _at(30)),
    )
    assert history.latest == _at(30)
    assert StatusHistory(T0).stamped() == ((S.DRAFT, T0),)
    assert StatusHistory(T0).latest == T0


def test_the_shapes_list_the_keys_in_the_models_order() -> None:
    history = StatusHistory(T0, archived=_at(4), approved=_at(3), submitted=_at(1))
    assert list(history.to_aws()) == [
        "DraftTimestamp",
        "SubmittedTimestamp",
        "ApprovedTimestamp",
        "ArchivedTimestamp",
    ]
    assert list(history.to_json()) == list(history.to_aws())
    assert history.to_aws()["ApprovedTimestamp"] == _at(3)
    assert history.to_json()["ArchivedTimestamp"] == _at(4).isoformat()


def test_repr_lists_the_stamps_oldest_first() -> None:
    history = StatusHistory(T0, reviewing=_at(2), submitted=_at(1))
    assert repr(history) == (
        "StatusHistory(draft='2026-03-01T12:00:30.250000+00:00', "
        "submitted='2026-03-01T12:00:31.250000+00:00', "
        "reviewing='2026-03-01T12:00:32.250000+00:00')"
    )


def test_from_aws_refusals_name_the_path_and_carry_the_data() -> None:
    for data in ([T0], "DraftTimestamp", None, 5):
        with pytest.raises(MalformedDataError) as info:
            StatusHistory.from_aws(data)
        assert info.value.path == "RegistrationVersionStatusHistory"
        assert info.value.value is data
        assert info.value.detail == f"expected an object, got {type(data).__name__}"
    missing = {"SubmittedTimestamp": T0}
    with pytest.raises(MalformedDataError) as info:
        StatusHistory.from_aws(missing)
    assert info.value.path == "RegistrationVersionStatusHistory"
    assert info.value.value is missing
    assert info.value.detail == "DraftTimestamp is required"
    with pytest.raises(MalformedDataError):
        StatusHistory.from_aws({"DraftTimestamp": None})


def test_from_aws_names_the_key_of_a_bad_stamp() -> None:
    for key in ("DraftTimestamp", "SubmittedTimestamp", "ArchivedTimestamp"):
        data = {"DraftTimestamp": T0, key: "soon"}
        with pytest.raises(InvalidTimestamp) as info:
            StatusHistory.from_aws(data)
        assert info.value.field == key
        assert info.value.value == "soon"


def test_from_aws_reads_each_shape_and_skips_nulls() -> None:
    history = StatusHistory.from_aws(
        {
            "ApprovedTimestamp": None,
            "DraftTimestamp": "2026-03-01T12:00:30.250Z",
            "DeniedTimestamp": None,
            "SubmittedTimestamp": 1772366431.25,
            "ReviewingTimestamp": _at(2),
        }
    )
    assert history == StatusHistory(T0, submitted=_at(1), reviewing=_at(2))
    assert history.approved is None
    for stamp in history.to_aws().values():
        assert stamp.tzinfo is UTC


def test_require_history_passes_a_history_and_names_anything_else() -> None:
    history = StatusHistory(T0)
    assert require_history(history) is history
    for value in (None, {"DraftTimestamp": T0}, T0):
        with pytest.raises(MalformedDataError) as info:
            require_history(value)
        assert info.value.path == "history"
        assert info.value.value is value
        assert type(value).__name__ in info.value.detail


def test_only_the_draft_stamp_is_positional_and_the_rest_default_to_none() -> None:
    with pytest.raises(TypeError):
        StatusHistory(T0, T0)  # type: ignore[misc]
    history = StatusHistory(T0)
    for status in STAMPED:
        if status is not S.DRAFT:
            assert getattr(history, status.history_field or "") is None


# -- the bounds of a stamp AWS could have written, on every path into the library -----------

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1)
PLUS_ONE = timezone(timedelta(hours=1))
MINUS_ONE = timezone(timedelta(hours=-1))


def _refused(value: object) -> InvalidTimestamp:
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(value, field="SubmittedTimestamp")
    assert info.value.field == "SubmittedTimestamp"
    range_reason = "outside 2000-01-01 to 2100-01-01 UTC, so not a time AWS recorded"
    assert info.value.reason in (range_reason, f"epoch seconds {range_reason}")
    if isinstance(value, (int, float)):
        assert info.value.reason == f"epoch seconds {range_reason}"
    return info.value


def test_the_library_names_its_bounds() -> None:
    from registration_fsm import history

    assert history.EARLIEST == EARLIEST
    assert history.LATEST == LATEST


@pytest.mark.parametrize(
    ("inside", "outside"),
    [
        (EARLIEST, EARLIEST - TICK),
        (LATEST - TICK, LATEST),
        (EARLIEST.astimezone(PLUS_ONE), (EARLIEST - TICK).astimezone(PLUS_ONE)),
        ((LATEST - TICK).astimezone(MINUS_ONE), LATEST.astimezone(MINUS_ONE)),
        (EARLIEST.astimezone(MINUS_ONE), (EARLIEST - TICK).astimezone(MINUS_ONE)),
        ((LATEST - TICK).astimezone(PLUS_ONE), LATEST.astimezone(PLUS_ONE)),
    ],
)
def test_datetimes_at_the_bounds(inside: datetime, outside: datetime) -> None:
    parsed = parse_timestamp(inside)
    assert parsed == inside
    assert parsed.tzinfo is UTC
    assert _refused(outside).value is outside
    assert parse_timestamp(inside.isoformat()) == inside
    assert _refused(outside.isoformat()).value == outside.isoformat()


def test_wall_clock_years_just_outside_the_range_can_still_be_inside_in_utc() -> None:
    # 1999 in a zone west of UTC, 2100 east of it: the instant is what counts.
    assert parse_timestamp("1999-12-31T23:30:00-01:00") == datetime(2000, 1, 1, 0, 30, tzinfo=UTC)
    assert parse_timestamp("2100-01-01T00:30:00+01:00") == datetime(
        2099, 12, 31, 23, 30, tzinfo=UTC
    )
    assert parse_timestamp(datetime(1999, 12, 31, 23, 30, tzinfo=MINUS_ONE)) == datetime(
        2000, 1, 1, 0, 30, tzinfo=UTC
    )
    for text in (
        "1998-12-31T23:30:00-01:00",
        "2101-01-01T00:30:00+01:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
    ):
        assert _refused(text).value == text
    far = datetime(9999, 12, 31, 23, tzinfo=MINUS_ONE)
    assert _refused(far).value is far


def test_epoch_seconds_at_the_bounds() -> None:
    assert parse_timestamp(946684800) == EARLIEST
    assert parse_timestamp(4102444799.999999) == LATEST - TICK
    assert _refused(946684799.999).value == 946684799.999
    assert _refused(4102444800).value == 4102444800


def test_a_datetime_subclass_comes_back_as_a_plain_utc_datetime() -> None:
    class Stamp(datetime):
        pass

    value = Stamp(2026, 3, 1, 12, 0, 30, 250000, tzinfo=UTC)
    parsed = parse_timestamp(value)
    assert parsed == T0
    assert type(parsed) is datetime
    assert parsed.tzinfo is UTC
    with pytest.raises(InvalidTimestamp):
        parse_timestamp(Stamp(1999, 1, 1, tzinfo=UTC))


def test_an_ambiguous_local_time_takes_the_offset_its_fold_says() -> None:
    new_york = ZoneInfo("America/New_York")
    first = datetime(2026, 11, 1, 1, 30, tzinfo=new_york)
    second = first.replace(fold=1)
    assert parse_timestamp(first) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert parse_timestamp(second) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


class _Offset(tzinfo):
    def __init__(self, offset: object) -> None:
        self.offset = offset

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        if isinstance(self.offset, Exception):
            raise self.offset
        return self.offset  # type: ignore[return-value]

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_tzinfo_offset_just_under_a_day_is_used() -> None:
    east = datetime(
        2026, 3, 2, 11, 59, 30, 250000, tzinfo=_Offset(timedelta(hours=23, minutes=59))
    )
    west = datetime(
        2026, 2, 28, 12, 1, 30, 250000, tzinfo=_Offset(-timedelta(hours=23, minutes=59))
    )
    assert parse_timestamp(east) == T0
    assert parse_timestamp(west) == T0


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (timedelta(hours=24), "returned datetime.timedelta(days=1), not an offset under 24 hours"),
        (-timedelta(hours=24), "not an offset under 24 hours"),
        (3600, "returned 3600, not an offset under 24 hours"),
        (ZeroDivisionError("boom"), "its tzinfo's utcoffset() failed: ZeroDivisionError"),
    ],
)
def test_a_tzinfo_that_misbehaves_is_refused_by_name(offset: object, reason: str) -> None:
    value = datetime(2026, 3, 1, 12, tzinfo=_Offset(offset))
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(value, field="RevokedTimestamp")
    assert info.value.value is value
    assert info.value.field == "RevokedTimestamp"
    assert reason in info.value.reason


def test_text_is_read_up_to_64_characters_without_nul() -> None:
    text = "2026-03-01T12:00:30.250000+00:00"
    padded = text.rjust(64)
    assert len(padded) == 64
    assert parse_timestamp(padded) == T0
    too_long = text.rjust(65)
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(too_long, field="DraftTimestamp")
    assert info.value.value == too_long[:64]
    assert info.value.field == "DraftTimestamp"
    assert info.value.reason == "not an ISO-8601 timestamp (too long or a NUL)"
    with pytest.raises(InvalidTimestamp) as info:
        parse_timestamp(text + "\x00")
    assert info.value.value == text + "\x00"


def test_an_unknown_history_key_is_refused_with_the_known_ones() -> None:
    from registration_fsm.errors import UnknownHistoryKey

    for key in ("FrozenTimestamp", 7):
        with pytest.raises(UnknownHistoryKey) as info:
            StatusHistory.from_aws({"DraftTimestamp": T0, key: T0})
        assert info.value.key == key
        assert info.value.known == tuple(s.history_key for s in STAMPED)
