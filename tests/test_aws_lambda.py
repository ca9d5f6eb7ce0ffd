"""The Lambda handlers: EventBridge invoking directly, and SQS batches with partial failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import pytest
from event_samples import RID, documented
from hypothesis import given
from hypothesis import strategies as st

from registration_fsm.aws_lambda import eventbridge_handler, sqs_handler
from registration_fsm.backends import InMemoryBackend
from registration_fsm.errors import InvalidValueError, MalformedEventError, RegistrationFsmError
from registration_fsm.events import parse_registration_event


class RecordingSink:
    """A real sink: it keeps every event it is given and raises for the ids it is told to."""

    def __init__(self, failing: Iterable[str] = ()) -> None:
        self.events: list[Mapping[str, object]] = []
        self.failing = set(failing)

    def handle_event(self, event: Mapping[str, object]) -> object:
        if event["id"] in self.failing:
            raise RuntimeError(f"the service failed on {event['id']}")
        self.events.append(event)
        return len(self.events)


def _event(event_id: str) -> dict[str, Any]:
    data = documented()
    data["id"] = event_id
    return data


def _record(message_id: str, body: object, *, arn: str = "arn:aws:sqs:us-east-1:1:q") -> dict:
    text = body if isinstance(body, str) else json.dumps(body)
    return {
        "messageId": message_id,
        "receiptHandle": "handle",
        "body": text,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "0",
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": "us-east-1",
    }


def test_eventbridge_handler_passes_the_documented_event() -> None:
    sink = RecordingSink()
    handler = eventbridge_handler(sink)
    answer = handler(documented(), None)
    assert answer == {
        "eventId": "5b6f1c2e-0000-4000-8000-000000000001",
        "registrationId": RID,
        "currentStatus": "SUBMITTED",
    }
    assert sink.events == [documented()]


def test_eventbridge_handler_refuses_a_malformed_event_before_the_service() -> None:
    sink = RecordingSink()
    data = documented()
    data["detail"]["registrationDetails"]["currentStatus"] = "NOPE"
    with pytest.raises(MalformedEventError) as caught:
        eventbridge_handler(sink)(data, None)
    assert caught.value.path == "detail.registrationDetails.currentStatus"
    assert sink.events == []


def test_eventbridge_handler_lets_the_services_error_fail_the_invocation() -> None:
    sink = RecordingSink({"boom"})
    with pytest.raises(RuntimeError, match="boom"):
        eventbridge_handler(sink)(_event("boom"), None)


def test_a_service_without_handle_event_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="handle_event"):
        sqs_handler(object())  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="handle_event"):
        eventbridge_handler(object())  # type: ignore[arg-type]


def test_sqs_batch_reports_only_the_records_that_failed(caplog: pytest.LogCaptureFixture) -> None:
    sink = RecordingSink({"raises"})
    wrong_shape = _event("wrong")
    del wrong_shape["detail"]["registrationArn"]
    batch = {
        "Records": [
            _record("m1", _event("good-1")),
            _record("m2", "{not json"),
            _record("m3", wrong_shape),
            _record("m4", _event("raises")),
            _record("m5", [1, 2]),
            _record("m6", _event("good-2")),
            {**_record("m7", _event("x")), "body": None},
        ]
    }
    with caplog.at_level(logging.INFO, logger="registration_fsm.aws_lambda"):
        answer = sqs_handler(sink)(batch, None)
    assert answer == {
        "batchItemFailures": [
            {"itemIdentifier": "m2"},
            {"itemIdentifier": "m3"},
            {"itemIdentifier": "m4"},
            {"itemIdentifier": "m5"},
            {"itemIdentifier": "m7"},
        ]
    }
    assert [e["id"] for e in sink.events] == ["good-1", "good-2"]
    refused = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [getattr(r, "message_id", None) for r in refused] == ["m2", "m3", "m5", "m7"]
    assert any(getattr(r, "path", None) == "detail.registrationArn" for r in refused)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [getattr(r, "message_id", None) for r in errors] == ["m4"]


def test_a_clean_batch_reports_no_failure() -> None:
    sink = RecordingSink()
    batch = {"Records": [_record(f"m{i}", _event(f"e{i}")) for i in range(5)]}
    assert sqs_handler(sink)(batch, None) == {"batchItemFailures": []}
    assert [e["id"] for e in sink.events] == [f"e{i}" for i in range(5)]
    assert sqs_handler(sink)({"Records": []}, None) == {"batchItemFailures": []}


def test_a_fifo_queue_stops_at_the_first_failure_to_keep_the_order() -> None:
    sink = RecordingSink()
    fifo = "arn:aws:sqs:us-east-1:111122223333:events.fifo"
    batch = {
        "Records": [
            _record("m1", _event("e1"), arn=fifo),
            _record("m2", "nope", arn=fifo),
            _record("m3", _event("e3"), arn=fifo),
        ]
    }
    answer = sqs_handler(sink)(batch, None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    assert [e["id"] for e in sink.events] == ["e1"]


@pytest.mark.parametrize(
    ("batch", "path"),
    [
        (None, "event"),
        ([], "event"),
        ({}, "Records"),
        ({"Records": {}}, "Records"),
        ({"Records": ["x"]}, "Records[0]"),
        ({"Records": [{"body": "{}"}]}, "Records[0].messageId"),
    ],
)
def test_a_batch_that_is_not_sqs_shaped_fails_whole(batch: object, path: str) -> None:
    sink = RecordingSink()
    with pytest.raises(MalformedEventError) as caught:
        sqs_handler(sink)(batch, None)
    assert caught.value.path == path
    assert sink.events == []


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
_records = st.lists(
    st.fixed_dictionaries(
        {"messageId": st.uuids().map(str), "body": _json.map(json.dumps) | st.text(max_size=30)}
    ),
    max_size=5,
)


@given(st.one_of(_json, _records.map(lambda r: {"Records": r})))
def test_any_batch_is_answered_or_refused_with_a_library_error(batch: object) -> None:
    sink = RecordingSink()
    try:
        answer = sqs_handler(sink)(batch, None)
    except RegistrationFsmError:
        return
    records = batch["Records"]  # type: ignore[index]
    failed = [f["itemIdentifier"] for f in answer["batchItemFailures"]]
    assert len(failed) + len(sink.events) == len(records)
    assert sink.events == []  # nothing random is a registration event


def test_the_simulators_events_go_through_an_sqs_batch() -> None:
    backend = InMemoryBackend()
    backend.configure_events(duplicate_rate=0.5, reorder_rate=0.5, seed=9)
    rid = backend.create_registration("US_TEN_DLC_BRAND_REGISTRATION").registration_id
    backend.submit(rid)
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "approve")
    events = backend.drain_events(flush=True)
    assert len(events) > 4  # some were duplicated
    batch = {"Records": [_record(f"m{n}", e) for n, e in enumerate(events)]}
    batch["Records"].append(_record("bad", "{"))
    sink = RecordingSink()
    answer = sqs_handler(sink)(batch, None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "bad"}]}
    assert len(sink.events) == len(events)
    distinct = {e["id"]: parse_registration_event(e).current_status.value for e in sink.events}
    assert sorted(distinct.values()) == ["COMPLETE", "CREATED", "REVIEWING", "SUBMITTED"]
