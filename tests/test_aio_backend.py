"""AsyncAwsBackend: a stock aiobotocore client against the emulator and the in-process mock,
making the same decisions as AwsBackend because both drive backends/_aws_core.py."""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import pytest
from aio_clients import aio_client, config
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from registration_fsm import (
    AsyncAwsBackend,
    AwsBackend,
    ConflictError,
    FaultKind,
    InvalidValueError,
    RegistrationFsmError,
    ResourceNotFoundError,
    ServiceUnavailableError,
    ValidationError,
    VersionStatus,
)
from registration_fsm.backends import AsyncBackend
from registration_fsm.emulator import Emulator
from registration_fsm.testing import (
    BlockingBackend,
    EventLoopThread,
    conformance_suite,
    mock_sms_voice,
)

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
CAMPAIGN = "US_TEN_DLC_CAMPAIGN_REGISTRATION"
PHONE = "phone-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def loop_thread() -> Iterator[EventLoopThread]:
    with EventLoopThread() as loop:
        yield loop


def test_each_backend_refuses_the_other_kind_of_client(
    boto3_session: Any, emulator: Emulator
) -> None:
    sync_client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url=emulator.endpoint_url)
    with pytest.raises(InvalidValueError, match=r"synchronous .*use AwsBackend"):
        AsyncAwsBackend(sync_client)

    async def main() -> None:
        async with aio_client(emulator.endpoint_url) as client:
            with pytest.raises(InvalidValueError, match=r"asynchronous .*use AsyncAwsBackend"):
                AwsBackend(client)
            assert isinstance(AsyncAwsBackend(client), AsyncBackend)
            with pytest.raises(InvalidValueError, match="page_size"):
                AsyncAwsBackend(client, page_size=0)

    asyncio.run(main())
    with pytest.raises(InvalidValueError, match="has no create_registration"):
        AsyncAwsBackend(object())


def test_a_whole_flow_through_aiobotocore_over_http(emulator: Emulator) -> None:
    async def main() -> None:
        async with aio_client(emulator.endpoint_url) as client:
            await _whole_flow(client, emulator.backend)

    asyncio.run(main())


def test_a_whole_flow_through_aiobotocore_under_mock_sms_voice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr("socket.socket.connect", refuse)

    async def main() -> None:
        with mock_sms_voice() as mock:
            async with aio_client(None) as client:
                await _whole_flow(client, mock.backend)
            assert mock.requests > 10

    asyncio.run(main())


async def _whole_flow(client: Any, aws: Any) -> None:
    """Create, fill every required field, attach a document, submit, review, approve, create
    a new version and discard it: the raw client for the forms, the backend for the moves."""
    backend = AsyncAwsBackend(client)
    fields = await client.describe_registration_field_definitions(RegistrationType=CAMPAIGN)
    required = [
        f for f in fields["RegistrationFieldDefinitions"] if f["FieldRequirement"] == "REQUIRED"
    ]
    assert required
    info = await backend.create_registration(CAMPAIGN)
    rid = info.registration_id
    attachment = await client.create_registration_attachment(AttachmentBody=b"%PDF-1.4 opt-in")
    for field in required:
        value: dict[str, Any]
        if field["FieldType"] == "ATTACHMENT":
            value = {"RegistrationAttachmentId": attachment["RegistrationAttachmentId"]}
        elif field["FieldType"] == "SELECT":
            choices = field["SelectValidation"]["Options"]
            value = {"SelectChoices": choices[: field["SelectValidation"]["MinChoices"]]}
        else:
            value = {"TextValue": "x" * max(field["TextValidation"]["MinLength"], 1)}
        await client.put_registration_field_value(
            RegistrationId=rid, FieldPath=field["FieldPath"], **value
        )
    submitted = await backend.submit(rid)
    assert submitted.status is VersionStatus.SUBMITTED
    with pytest.raises(ConflictError) as twice:
        await backend.submit(rid)
    assert twice.value.reason == "REGISTRATION_ALREADY_SUBMITTED"
    assert twice.value.current is not None
    assert twice.value.current.status is VersionStatus.SUBMITTED
    aws.play_aws(rid, "begin_review")
    aws.play_aws(rid, "approve")
    association = await client.create_registration_association(
        RegistrationId=rid, ResourceId=PHONE
    )
    assert association["ResourceId"] == PHONE
    second = await backend.create_version(rid)
    assert (second.version_number, second.status) == (2, VersionStatus.DRAFT)
    discarded = await backend.discard(rid)
    assert (discarded.version_number, discarded.status) == (2, VersionStatus.DISCARDED)
    versions = await backend.describe_versions(rid)
    assert [v.status for v in versions] == [VersionStatus.APPROVED, VersionStatus.DISCARDED]
    assert [v.version_number for v in await backend.describe_versions(rid, [2])] == [2]
    registration = await backend.describe_registration(rid)
    assert registration.approved_version_number == 1
    with pytest.raises(ResourceNotFoundError):
        await backend.describe_versions("registration-" + "0" * 32)
    with pytest.raises(ValidationError):
        await backend.create_registration("NO_SUCH_TYPE")


def test_a_lost_answer_is_read_back_once_and_never_sent_again(
    emulator: Emulator, backoffs: list[float]
) -> None:
    service = emulator.backend

    async def main() -> None:
        async with aio_client(emulator.endpoint_url, attempts=1) as client:
            backend = AsyncAwsBackend(client)
            rid = (await backend.create_registration(TYPE)).registration_id
            service.inject(FaultKind.LOST_ANSWER, operation="submit")
            answer = await backend.submit(rid)
            assert answer.status is VersionStatus.SUBMITTED
            service.inject(FaultKind.TIMEOUT, operation="discard")
            with pytest.raises(ServiceUnavailableError):
                await backend.discard(rid)
            applied = Counter(a[0] for a in service.applied if a[1] == rid)
            assert (applied["submit"], applied["discard"]) == (1, 0)
            sent = Counter(op for op, r in service.calls if r == rid)
            assert (sent["submit"], sent["discard"]) == (1, 1)

    asyncio.run(main())


# -- the same decisions as AwsBackend ------------------------------------------------------------

OPERATIONS = ("create_version", "submit", "submit_aws_review", "discard", "describe_versions")
FAULTS = (None, FaultKind.LOST_ANSWER, FaultKind.TIMEOUT, FaultKind.INTERNAL_ERROR)
AWS_MOVES = ("begin_review", "approve", "deny", "request_authentication")


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        result = call()
    except RegistrationFsmError as error:
        return "error", (type(error).__name__, getattr(error, "reason", None))
    if isinstance(result, tuple):
        return "ok", tuple((v.version_number, v.status, v.history) for v in result)
    return "ok", (result.version_number, result.status, result.history)


def _drive(backend: Any, service: Any, rid: str, steps: list[tuple[str, Any, int]]) -> list[Any]:
    outcomes = []
    for operation, fault, move in steps:
        trigger = AWS_MOVES[move % len(AWS_MOVES)]
        if fault is not None:
            service.inject(fault, operation=operation.removesuffix("_aws_review"), count=1)
        if operation == "describe_versions":
            outcomes.append(_outcome(lambda: backend.describe_versions(rid)))
        elif operation == "submit_aws_review":
            outcomes.append(_outcome(lambda: backend.submit(rid, aws_review=True)))
        else:
            outcomes.append(_outcome(functools.partial(getattr(backend, operation), rid)))
        service.clear_faults()
        with suppress(RegistrationFsmError):
            service.play_aws(rid, trigger)
        outcomes.append(("truth", tuple((v.status, v.history) for v in service.peek(rid))))
    return outcomes


@settings(max_examples=25, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(OPERATIONS), st.sampled_from(FAULTS), st.integers(0, 3)),
        min_size=1,
        max_size=8,
    )
)
def test_the_async_backend_answers_exactly_as_the_sync_one(
    boto3_session: Any, loop_thread: EventLoopThread, steps: list[tuple[str, Any, int]]
) -> None:
    """Two fresh emulators (their ids and clocks are deterministic), one driven by AwsBackend
    and one by AsyncAwsBackend, through the same steps with the same faults: every answer,
    every error and every state of the service are the same."""
    from unittest import mock

    from botocore.retries.standard import ExponentialBackoff

    with (
        Emulator() as left,
        Emulator() as right,
        mock.patch.object(ExponentialBackoff, "delay_amount", return_value=0),
    ):
        sync = AwsBackend(
            boto3_session.client(
                "pinpoint-sms-voice-v2", endpoint_url=left.endpoint_url, config=config(1)
            )
        )
        context = aio_client(right.endpoint_url, attempts=1)
        client = loop_thread.run(context.__aenter__())
        try:
            aio = BlockingBackend(AsyncAwsBackend(client), loop_thread)
            rid_left = sync.create_registration(TYPE).registration_id
            rid_right = aio.create_registration(TYPE).registration_id
            assert rid_left == rid_right
            assert _drive(sync, left.backend, rid_left, steps) == _drive(
                aio, right.backend, rid_right, steps
            )
            assert left.backend.applied == right.backend.applied
        finally:
            loop_thread.run(context.__aexit__(None, None, None))


def test_the_conformance_suite_passes_through_the_async_backend(
    emulator: Emulator, loop_thread: EventLoopThread, capsys: pytest.CaptureFixture[str]
) -> None:
    context = aio_client(emulator.endpoint_url, attempts=1)
    client = loop_thread.run(context.__aenter__())
    try:
        backend = BlockingBackend(AsyncAwsBackend(client), loop_thread)
        suite = conformance_suite(lambda: backend, lambda _: emulator.backend)
        run_state_machine_as_test(  # pinned: whether a submit is generated must not be luck
            suite,
            settings=settings(
                max_examples=25,
                stateful_step_count=25,
                deadline=None,
                database=None,
                derandomize=True,
            ),
        )
        assert suite.examples_run >= 25
        assert suite.steps_run > suite.examples_run
        assert any(name == "submit" for name, _ in emulator.backend.calls)
        assert VersionStatus.APPROVED in suite.recorder.statuses_reached
        with capsys.disabled():
            print(f"\nAsyncAwsBackend: {suite.examples_run} runs, {suite.steps_run} steps")
            print(suite.recorder.summary())
    finally:
        loop_thread.run(context.__aexit__(None, None, None))


def test_the_blocking_bridge_refuses_a_sync_backend(loop_thread: EventLoopThread) -> None:
    from registration_fsm import InMemoryBackend

    with pytest.raises(InvalidValueError, match="not an AsyncBackend"):
        BlockingBackend(InMemoryBackend(), loop_thread)  # type: ignore[arg-type]
