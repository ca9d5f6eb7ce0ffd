"""A local emulator of the registration API: the in-memory simulator served over HTTP.

It speaks the API's JSON 1.0 protocol (``X-Amz-Target: PinpointSMSVoiceV2.<Operation>``,
``application/x-amz-json-1.0``) for the 18 registration operations of the botocore model
(:data:`AWS_OPERATIONS`), so a stock boto3 client with ``endpoint_url`` pointed at it
works, errors included: they come back as HTTP 400 (500 for InternalServerException) with
``__type`` and the error's modelled fields, so botocore raises the same ClientError as AWS
would, and retries ThrottlingException and InternalServerException as it would.

Injected faults (see :meth:`InMemoryBackend.inject`) reach the client as they would from
AWS: TIMEOUT closes the connection without an answer and without effect, LOST_ANSWER
applies the request and then closes the connection; botocore sees a dropped connection
and retries.

Operations that AWS does not have drive the AWS side from outside the process, with the
target prefix ``RegistrationFsmEmulator.``: ``PlayAws`` (RegistrationId, Trigger, and
optionally VersionNumber, DeniedReasons, Feedback), ``InjectFault`` (Kind, and optionally
Operation, an AWS operation name the emulator serves, and Count), ``ClearFaults``,
``GetLogs`` (the simulator's calls, applied effects and pending faults), ``ClearLogs``,
``DrainEvents`` (the EventBridge events of registration status changes since the last drain;
``Flush`` releases the held ones) and ``ConfigureEvents`` (DropRate, DuplicateRate,
ReorderRate, HoldBack, DelaySeconds, Seed, PreviousStatus; ``Reset``).
In-process, use :attr:`Emulator.backend` instead.

Not imported by ``registration_fsm``: ``http.server`` costs more to import than the library.
Requests are not authenticated, so the emulator binds only loopback addresses unless told
``allow_non_loopback=True``.
"""

from __future__ import annotations

from ._dispatch import AWS_OPERATIONS, CONTROL_OPERATIONS
from ._server import BACKLOG, MAX_BODY, Emulator, is_loopback
from ._wire import CONTENT_TYPE, CONTROL_PREFIX, DEFAULT_PAGE_SIZE, MAX_DEPTH, TARGET_PREFIX

__all__ = [
    "AWS_OPERATIONS",
    "BACKLOG",
    "CONTENT_TYPE",
    "CONTROL_OPERATIONS",
    "CONTROL_PREFIX",
    "DEFAULT_PAGE_SIZE",
    "Emulator",
    "MAX_BODY",
    "MAX_DEPTH",
    "TARGET_PREFIX",
    "is_loopback",
]
