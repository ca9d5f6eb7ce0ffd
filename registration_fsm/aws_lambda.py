"""AWS Lambda handlers that feed AWS's registration events to a service.

Two ways the events reach a function: EventBridge invoking it directly (one event per call,
:func:`eventbridge_handler`), or an SQS queue between them (:func:`sqs_handler`), whose
records each hold one EventBridge event as a JSON ``body``. The SQS handler answers Lambda's
partial batch response, so one bad record is retried (and, after the queue's
``maxReceiveCount``, sent to its dead-letter queue) without failing the records beside it;
the event source mapping must list ``ReportBatchItemFailures`` in its
``FunctionResponseTypes`` for Lambda to read that answer.

Each event is checked with :func:`~registration_fsm.events.parse_registration_event` before
the service sees it, so a malformed one is refused with the name of the part at fault.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from .errors import InvalidValueError, MalformedEventError, RegistrationFsmError
from .events import EventSink, parse_registration_event

__all__ = ["LambdaHandler", "eventbridge_handler", "sqs_handler"]

LambdaHandler = Callable[[Any, Any], dict[str, Any]]
"""What Lambda calls: ``handler(event, context)``."""

_log = logging.getLogger("registration_fsm.aws_lambda")


def _check_sink(service: EventSink) -> EventSink:
    if not callable(getattr(service, "handle_event", None)):
        raise InvalidValueError(
            f"the service must have a handle_event(event) method, got {type(service).__name__}"
        )
    return service


def eventbridge_handler(service: EventSink) -> LambdaHandler:
    """A handler for EventBridge invoking Lambda with one event.

    A malformed event raises :class:`~registration_fsm.errors.MalformedEventError`, so the
    invocation fails visibly (Lambda's asynchronous retries, then the function's on-failure
    destination or dead-letter queue, keep it); so does an error of the service.
    """
    sink = _check_sink(service)

    def handler(event: Any, context: Any) -> dict[str, Any]:
        parsed = parse_registration_event(event)
        sink.handle_event(event)
        _log.info(
            "registration event handled",
            extra={"event_id": parsed.event_id, "registration_id": parsed.registration_id},
        )
        return {
            "eventId": parsed.event_id,
            "registrationId": parsed.registration_id,
            "currentStatus": parsed.current_status.value,
        }

    return handler


def _records(event: object) -> list[Any]:
    if not isinstance(event, Mapping):
        raise MalformedEventError("event", event, "an SQS batch is an object with Records")
    records = event.get("Records")
    if not isinstance(records, list):
        raise MalformedEventError("Records", records, "an SQS batch holds a list of Records")
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise MalformedEventError(f"Records[{i}]", record, "expected an object")
        message_id = record.get("messageId")
        if not isinstance(message_id, str) or not message_id:
            # Without it the failure cannot be reported alone: fail the batch instead.
            raise MalformedEventError(f"Records[{i}].messageId", message_id, "missing")
    return records


def _body(record: Mapping[str, Any]) -> Mapping[str, object]:
    body = record.get("body")
    if not isinstance(body, str):
        raise MalformedEventError("body", body, "an SQS record's body is a string")
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedEventError("body", body, "not JSON") from None
    if not isinstance(event, Mapping):
        raise MalformedEventError("body", event, "the body must hold an EventBridge event")
    return event


def sqs_handler(service: EventSink) -> LambdaHandler:
    """A handler for an SQS queue of EventBridge events: a partial batch response.

    It returns ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}`` naming each
    record whose body was not JSON, not a registration event, or whose handling raised; the
    others are done. On a FIFO queue (``eventSourceARN`` ending ``.fifo``) the records after
    the first failure are reported failed too, unhandled, so the order holds. A batch that is
    not SQS-shaped, or a record without ``messageId``, raises MalformedEventError: Lambda then
    retries the whole batch, as it would for an answer naming no record.
    """
    sink = _check_sink(service)

    def handler(event: Any, context: Any) -> dict[str, Any]:
        failures: list[dict[str, str]] = []
        stopped = False
        for record in _records(event):
            message_id = record["messageId"]
            if stopped:
                failures.append({"itemIdentifier": message_id})
                continue
            try:
                body = _body(record)
                parsed = parse_registration_event(body)
                sink.handle_event(body)
            except RegistrationFsmError as exc:
                _log.warning(
                    "SQS record refused: %s",
                    exc,
                    extra={"message_id": message_id, "path": getattr(exc, "path", None)},
                )
                failures.append({"itemIdentifier": message_id})
            except Exception:
                _log.exception("SQS record failed", extra={"message_id": message_id})
                failures.append({"itemIdentifier": message_id})
            else:
                _log.info(
                    "registration event handled",
                    extra={
                        "message_id": message_id,
                        "event_id": parsed.event_id,
                        "registration_id": parsed.registration_id,
                    },
                )
                continue
            stopped = str(record.get("eventSourceARN", "")).endswith(".fifo")
        return {"batchItemFailures": failures}

    return handler
