"""AWS's Registration Status Change events, parsed and refused; the TransitionEvent value."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
from event_samples import ARN, DOCUMENTED, RID, documented
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm.errors import InvalidValueError, MalformedEventError, RegistrationFsmError
from registration_fsm.events import (
    TRANSITION_SOURCES,
    RegistrationStatusEvent,
    TransitionEvent,
    parse_registration_event,
)
from registration_fsm.statuses import RegistrationStatus, VersionStatus
from registration_fsm.store import JournalMove, chain


def test_the_documented_example_parses() -> None:
    event = parse_registration_event(documented())
    assert event.event_id == "5b6f1c2e-0000-4000-8000-000000000001"
    assert event.time == datetime(2025, 9, 26, 17, 42, 23, tzinfo=timezone.utc)
    assert event.account == "111122223333"
    assert event.region == "us-east-1"
    assert event.registration_id == RID
    assert event.registration_arn == ARN
    assert event.registration_type == "ZZ_LONG_CODE_REGISTRATION"
    assert event.version_number == 1
    assert event.changed_at == datetime(2025, 9, 26, 17, 42, 23, tzinfo=timezone.utc)
    assert event.changed_at.utcoffset() == timedelta(0)
    assert event.current_status is RegistrationStatus.SUBMITTED
    assert event.previous_status is None
    assert event.resources == (ARN,)
    assert event.to_eventbridge() == DOCUMENTED


def test_milliseconds_are_kept() -> None:
    data = documented()
    data["detail"]["registrationDetails"]["registrationStatusChangeTimestamp"] = 1758908543123
    event = parse_registration_event(data)
    assert event.changed_at.microsecond == 123_000
    assert parse_registration_event(event.to_eventbridge()) == event


@pytest.mark.parametrize("where", ["registrationDetails", "detail"])
def test_a_previous_status_is_read_where_samples_put_it(where: str) -> None:
    data = documented()
    target = (
        data["detail"]["registrationDetails"] if where == "registrationDetails" else data["detail"]
    )
    target["previousStatus"] = "CREATED"
    assert parse_registration_event(data).previous_status is RegistrationStatus.CREATED


def test_unknown_extra_fields_are_ignored() -> None:
    data = documented()
    data["replay-name"] = "x"
    data["detail"]["somethingNew"] = {"a": [1, 2]}
    data["detail"]["registrationDetails"]["newField"] = None
    assert parse_registration_event(data) == parse_registration_event(documented())


def _set(data: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    if value is _DELETE:
        del data[last]
    else:
        data[last] = value


_DELETE = object()
_D = "detail.registrationDetails"

MALFORMED = [
    ("source", "aws.sms", "source"),
    ("source", _DELETE, "source"),
    ("detail-type", "Registration Version Status Change", "detail-type"),
    ("id", "", "id"),
    ("id", 7, "id"),
    ("account", "1111", "account"),
    ("region", "US EAST", "region"),
    ("time", "2025-09-26T17:42:23", "time"),
    ("time", "1999-01-01T00:00:00Z", "time"),
    ("time", 1758908543, "time"),
    ("resources", "arn", "resources"),
    ("resources", [1], "resources[0]"),
    ("detail", [], "detail"),
    ("detail", _DELETE, "detail"),
    ("detail.registrationDetails", "x", _D),
    ("detail.registrationArn", _DELETE, "detail.registrationArn"),
    (
        "detail.registrationArn",
        "arn:aws:sns:us-east-1:111122223333:topic",
        "detail.registrationArn",
    ),
    (
        "detail.registrationArn",
        "arn:aws:sms-voice:us-east-1:111122223333:registration/registration-other",
        "detail.registrationArn",
    ),
    (
        "detail.registrationArn",
        f"arn:aws:sms-voice:eu-west-1:111122223333:registration/{RID}",
        "detail.registrationArn",
    ),
    (f"{_D}.registrationId", "bad id!", f"{_D}.registrationId"),
    (f"{_D}.registrationId", None, f"{_D}.registrationId"),
    (f"{_D}.registrationVersionNumber", 0, f"{_D}.registrationVersionNumber"),
    (f"{_D}.registrationVersionNumber", "1", f"{_D}.registrationVersionNumber"),
    (f"{_D}.registrationVersionNumber", True, f"{_D}.registrationVersionNumber"),
    (f"{_D}.registrationType", "no spaces", f"{_D}.registrationType"),
    (
        f"{_D}.registrationStatusChangeTimestamp",
        1758908543,
        f"{_D}.registrationStatusChangeTimestamp",
    ),
    (f"{_D}.registrationStatusChangeTimestamp", 10**30, f"{_D}.registrationStatusChangeTimestamp"),
    (f"{_D}.registrationStatusChangeTimestamp", 1.7e12, f"{_D}.registrationStatusChangeTimestamp"),
    (
        f"{_D}.registrationStatusChangeTimestamp",
        "1758908543000",
        f"{_D}.registrationStatusChangeTimestamp",
    ),
    (f"{_D}.currentStatus", "APPROVED", f"{_D}.currentStatus"),
    (f"{_D}.currentStatus", "BRAND_NEW", f"{_D}.currentStatus"),
    (f"{_D}.currentStatus", _DELETE, f"{_D}.currentStatus"),
    (f"{_D}.previousStatus", "submitted", f"{_D}.previousStatus"),
]


@pytest.mark.parametrize(("field", "value", "path"), MALFORMED)
def test_a_malformed_event_names_the_part_at_fault(field: str, value: object, path: str) -> None:
    data = documented()
    _set(data, field, value)
    with pytest.raises(MalformedEventError) as caught:
        parse_registration_event(data)
    assert caught.value.path == path
    assert path in str(caught.value)
    if value is _DELETE or value is None:
        assert caught.value.value is None
    elif path == field:
        assert caught.value.value == value


def test_the_error_keeps_the_value_found() -> None:
    data = documented()
    data["detail"]["registrationDetails"]["currentStatus"] = "BRAND_NEW"
    with pytest.raises(MalformedEventError) as caught:
        parse_registration_event(data)
    assert caught.value.value == "BRAND_NEW"
    assert isinstance(caught.value, InvalidValueError)


@pytest.mark.parametrize("value", [None, [], "event", 3, b"{}", ["source"]])
def test_anything_but_a_mapping_is_refused(value: object) -> None:
    with pytest.raises(MalformedEventError) as caught:
        parse_registration_event(value)
    assert caught.value.path == "event"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)

_LEAVES = [
    "source",
    "detail-type",
    "id",
    "account",
    "region",
    "time",
    "resources",
    "detail",
    "detail.registrationArn",
    "detail.registrationDetails",
    *(
        f"{_D}.{key}"
        for key in (
            "registrationId",
            "registrationVersionNumber",
            "registrationType",
            "registrationStatusChangeTimestamp",
            "currentStatus",
            "previousStatus",
        )
    ),
]


@given(_json)
def test_arbitrary_json_raises_only_library_errors(value: object) -> None:
    with contextlib.suppress(RegistrationFsmError):
        parse_registration_event(value)


@given(st.sampled_from(_LEAVES), _json)
def test_one_part_replaced_by_anything_is_parsed_or_refused(path: str, value: object) -> None:
    data = documented()
    _set(data, path, value)
    try:
        event = parse_registration_event(data)
    except MalformedEventError as exc:
        refused: MalformedEventError | None = exc
    else:
        refused = None
        assert parse_registration_event(event.to_eventbridge()) == event
    if refused is not None:
        assert refused.path.startswith(path.split(".", maxsplit=1)[0])


_ids = st.from_regex(r"registration-[0-9a-f]{32}", fullmatch=True) | st.from_regex(
    r"[A-Za-z0-9_:/-]{1,40}", fullmatch=True
)


@st.composite
def events(draw: st.DrawFn) -> RegistrationStatusEvent:
    rid = draw(_ids)
    account = draw(st.from_regex(r"[0-9]{12}", fullmatch=True))
    region = draw(st.sampled_from(["us-east-1", "eu-west-2", "ap-southeast-2", "us-gov-west-1"]))
    arn = f"arn:aws:sms-voice:{region}:{account}:registration/{rid}"
    moment = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.replace(tzinfo=timezone.utc)
    )
    return RegistrationStatusEvent(
        event_id=draw(st.uuids().map(str)),
        time=draw(moment).replace(microsecond=0),
        account=account,
        region=region,
        registration_id=rid,
        registration_arn=arn,
        registration_type=draw(st.from_regex(r"[A-Z0-9_]{1,64}", fullmatch=True)),
        version_number=draw(st.integers(1, 100_000)),
        changed_at=draw(moment).replace(microsecond=draw(st.integers(0, 999)) * 1000),
        current_status=draw(st.sampled_from(RegistrationStatus)),
        previous_status=draw(st.none() | st.sampled_from(RegistrationStatus)),
        resources=draw(st.lists(st.just(arn), max_size=1).map(tuple)),
    )


@given(events())
def test_generated_events_round_trip(event: RegistrationStatusEvent) -> None:
    wire = json.loads(json.dumps(event.to_eventbridge()))
    assert parse_registration_event(wire) == event


# -- TransitionEvent -------------------------------------------------------------------------

STAMP = datetime(2026, 1, 2, tzinfo=timezone.utc)


def test_a_transition_event_from_a_journal_move_and_entry() -> None:
    move = JournalMove("registration-1", 2, "submit", "DRAFT", "SUBMITTED", STAMP, "answer")
    event = TransitionEvent.from_journal(move)
    assert event == TransitionEvent(
        "registration-1",
        2,
        "submit",
        VersionStatus.DRAFT,
        VersionStatus.SUBMITTED,
        STAMP,
        "answer",
    )
    assert event.source == "answer"
    assert type(event.source) is str
    (entry,) = chain([move], recorded_at=STAMP)
    assert TransitionEvent.from_journal(entry) == event
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.edge = "discard"  # type: ignore[misc]


def test_a_creation_has_no_from_status() -> None:
    move = JournalMove("registration-1", 1, "create", None, "DRAFT", STAMP, "local")
    event = TransitionEvent.from_journal(move)
    assert event.from_status is None
    assert event.to_status is VersionStatus.DRAFT


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("registration_id", "bad id!"),
        ("version_number", 0),
        ("edge", ""),
        ("from_status", "NOPE"),
        ("to_status", None),
        ("stamp", datetime(2026, 1, 1)),
        ("source", "poll"),
    ],
)
def test_a_transition_event_refuses_bad_values(field: str, value: object) -> None:
    good: dict[str, object] = {
        "registration_id": "registration-1",
        "version_number": 1,
        "edge": "submit",
        "from_status": "DRAFT",
        "to_status": "SUBMITTED",
        "stamp": STAMP,
        "source": "local",
    }
    good[field] = value
    with pytest.raises(InvalidValueError):
        TransitionEvent(**good)


def test_the_sources_are_the_journals() -> None:
    from registration_fsm.store import JournalSource

    assert tuple(s.value for s in JournalSource) == TRANSITION_SOURCES
