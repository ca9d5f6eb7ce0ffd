"""Fault injection: random operation sequences with random faults.

After every customer operation, the version it acted on either equals the service's truth,
or it is exactly as it was and a typed error was raised. No request is ever applied twice.
At the end, one fault-free read brings the whole local model to the service's truth along
legal paths.

Two runs: straight against the simulator, and through AwsBackend with a stock boto3 client
over HTTP to the emulator, where botocore's retries and AwsBackend's read-back take part.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from botocore.retries.standard import ExponentialBackoff
from hypothesis import event, given, settings
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    FaultKind,
    InMemoryBackend,
    RegistrationFsmError,
    RegistrationVersion,
)
from registration_fsm.backends import Backend, DeniedReason
from registration_fsm.emulator import Emulator

TYPE = "US_TEN_DLC_BRAND_REGISTRATION"
AWS_TRIGGERS = frozenset(LIFECYCLE.aws_triggers)
REQUESTS = frozenset({"create_registration", "create_version", "submit", "discard"})
CUSTOMER_OPERATIONS = ("submit", "submit_aws_review", "discard", "create_version", "refresh")
FAULT_TARGETS = (None, "submit", "discard", "create_version", "describe_versions")
QUICK_EXAMPLES = settings.default.max_examples

# About one customer step in three gets a fault, so that runs also get far enough to create,
# deny and approve several versions.
faults = st.one_of(
    st.none(),
    st.none(),
    st.tuples(st.sampled_from(FaultKind), st.sampled_from(FAULT_TARGETS), st.integers(1, 3)),
)
customer_steps = st.tuples(
    st.just("customer"), st.sampled_from(CUSTOMER_OPERATIONS), st.integers(0, 7), faults
)
# An AWS step picks a version and one of the AWS triggers its status allows (if any), so
# that runs reach deep statuses and several versions instead of stalling on refusals.
aws_steps = st.tuples(st.just("aws"), st.integers(0, 7), st.integers(0, 7), st.none())
scenarios = st.lists(st.one_of(customer_steps, aws_steps, aws_steps), min_size=10, max_size=40)


class Customer:
    """The local model: one RegistrationVersion per version the customer has heard of."""

    def __init__(self, service: InMemoryBackend, backend: Backend) -> None:
        self.service = service
        self.backend = backend
        self.rid = service.create_registration(TYPE).registration_id
        self.versions: list[RegistrationVersion] = [
            RegistrationVersion.from_info(service.peek(self.rid)[0])
        ]

    def truth(self, number: int) -> Any:
        return self.service.peek(self.rid)[number - 1]

    def snapshot(self) -> list[tuple[dict[str, Any], object]]:
        return [(v.to_dict(), v.last_answer) for v in self.versions]

    def act(self, operation: str, pick: int, fault: Any) -> None:
        before = self.snapshot()
        injected = f" after {fault[0].name}" if fault is not None else ""
        try:
            self._act(operation, pick)
        except RegistrationFsmError as error:
            event(f"{operation}{injected}: {type(error).__name__}")
            assert self.snapshot() == before, f"{operation} failed and changed the model"
        else:
            event(f"{operation}{injected}: ok")

    def _act(self, operation: str, pick: int) -> None:
        if operation == "create_version":
            info = self.backend.create_version(self.rid)
            assert (info.status, info.history) == (
                self.truth(info.version_number).status,
                self.truth(info.version_number).history,
            )
            if info.version_number == len(self.versions) + 1:
                self.versions.append(RegistrationVersion.from_info(info))
            return
        if operation == "refresh":
            self.refresh()
            return
        version = self.versions[pick % len(self.versions)]
        if operation == "discard":
            version.discard(self.backend)
        else:
            version.submit(self.backend, aws_review=operation == "submit_aws_review")
        truth = self.truth(version.version_number)
        assert (version.status, version.history) == (truth.status, truth.history)

    def refresh(self) -> None:
        infos = self.backend.describe_versions(self.rid)
        known = len(self.versions)
        for info in infos[:known]:
            self.versions[info.version_number - 1].adopt(info.status, info.history)
        self.versions.extend(RegistrationVersion.from_info(info) for info in infos[known:])

    def check_once(self) -> None:
        # AWS-side moves may repeat (authentication can be asked for again); requests may not.
        effects = Counter(a for a in self.service.applied if a[1] == self.rid and a[0] in REQUESTS)
        assert all(count == 1 for count in effects.values()), effects
        submitted = [v for v in self.service.peek(self.rid) if v.history.submitted is not None]
        assert sum(1 for a in effects if a[0] == "submit") == len(submitted)


def play(customer: Customer, choice: int, pick: int) -> None:
    truth = customer.service.peek(customer.rid)
    version = truth[pick % len(truth)]
    allowed = [t for t in LIFECYCLE.allowed_triggers(version.status) if t in AWS_TRIGGERS]
    if not allowed:
        return
    trigger = allowed[choice % len(allowed)]
    details: dict[str, Any] = {}
    if trigger == "deny":
        details = {"denied_reasons": [DeniedReason("R", "S")], "feedback": "F"}
    event(f"aws: {trigger}")
    customer.service.play_aws(
        customer.rid, trigger, version_number=version.version_number, **details
    )


def run(customer: Customer, steps: list[tuple[str, Any, int, Any]]) -> None:
    for side, operation, pick, fault in steps:
        if side == "aws":
            play(customer, operation, pick)
            continue
        if fault is not None:
            kind, target, count = fault
            customer.service.inject(kind, operation=target, count=count)
        customer.act(operation, pick, fault)
        customer.check_once()
    customer.service.clear_faults()
    customer.refresh()
    for version in customer.versions:
        truth = customer.truth(version.version_number)
        assert (version.status, version.history) == (truth.status, truth.history)
    assert len(customer.versions) == len(customer.service.peek(customer.rid))


@settings(max_examples=QUICK_EXAMPLES * 5)
@given(scenarios)
def test_random_faults_against_the_simulator(steps: list[tuple[str, Any, int, Any]]) -> None:
    service = InMemoryBackend()
    run(Customer(service, service), steps)


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@settings(max_examples=QUICK_EXAMPLES)
@given(scenarios, st.integers(1, 3))
def test_random_faults_through_aws_backend_and_http(
    shared_emulator: Emulator, boto3_session: Any, steps: list[Any], attempts: int
) -> None:
    from botocore.config import Config

    from registration_fsm import AwsBackend

    service = shared_emulator.backend
    service.clear_faults()
    client = boto3_session.client(
        "pinpoint-sms-voice-v2",
        endpoint_url=shared_emulator.endpoint_url,
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )
    with mock.patch.object(ExponentialBackoff, "delay_amount", return_value=0):
        run(Customer(service, AwsBackend(client)), steps)


@pytest.fixture(scope="module")
def aio_backends(shared_emulator: Emulator) -> Iterator[dict[int, Backend]]:
    """AsyncAwsBackends over stock aiobotocore clients of the shared emulator, by the number
    of attempts botocore makes, each under the sync kit through a BlockingBackend."""
    from aiobotocore.session import AioSession
    from botocore.config import Config

    from registration_fsm import AsyncAwsBackend
    from registration_fsm.testing import BlockingBackend, EventLoopThread

    session = AioSession()
    session.set_credentials("testing", "testing")
    with EventLoopThread() as loop:
        contexts = {
            attempts: session.create_client(
                "pinpoint-sms-voice-v2",
                region_name="us-east-1",
                endpoint_url=shared_emulator.endpoint_url,
                config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
            )
            for attempts in (1, 2, 3)
        }
        clients = {n: loop.run(context.__aenter__()) for n, context in contexts.items()}
        yield {n: BlockingBackend(AsyncAwsBackend(c), loop) for n, c in clients.items()}
        for context in contexts.values():
            loop.run(context.__aexit__(None, None, None))


@settings(max_examples=QUICK_EXAMPLES)
@given(scenarios, st.integers(1, 3))
def test_random_faults_through_the_async_backend_and_http(
    shared_emulator: Emulator, aio_backends: dict[int, Backend], steps: list[Any], attempts: int
) -> None:
    """The same runs through AsyncAwsBackend and a stock aiobotocore client: its read-back
    after ambiguous failures is the sync backend's, so the same guarantees hold."""
    service = shared_emulator.backend
    service.clear_faults()
    with mock.patch.object(ExponentialBackoff, "delay_amount", return_value=0):
        run(Customer(service, aio_backends[attempts]), steps)
