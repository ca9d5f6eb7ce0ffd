"""AwsBackend: the registration API through an injected boto3 ``pinpoint-sms-voice-v2`` client.

The caller builds the client, so region, credentials, endpoint and retry configuration stay
theirs; retries are botocore's alone (there is no second retry loop here). botocore is
imported only when an error has to be mapped, so importing this module costs nothing.

Exactly once. CreateRegistrationVersion, SubmitRegistrationVersion and
DiscardRegistrationVersion carry no idempotency token, so after a failure that may hide an
effect the backend reads the versions back once (DescribeRegistrationVersions) and decides:

- a failure may hide an effect when no answer came (a timeout, a dropped connection), when
  the answer is a 5xx, or when botocore had retried the request (an earlier attempt may have
  gone through: its answer is lost, and the last attempt may have been refused *because* of
  it). Only this call's own ambiguous failure turns into success: a ConflictException with
  none of these (REGISTRATION_ALREADY_SUBMITTED included) is somebody else's move, raised as
  ConflictError with ``current``, the latest version as read back, so the caller can adopt
  it knowingly;
- the request took effect when the latest version shows it: a SubmittedTimestamp for
  Submit, the DISCARDED status for Discard, a DRAFT numbered 2 or more for
  CreateRegistrationVersion (the service refuses a new version while the latest is a
  DRAFT, so a DRAFT there is the one asked for). Then the latest version is returned, as
  the service holds it now;
- otherwise, or when the read-back fails too, the original error is raised.

The read-back cannot tell our request from an identical one made by someone else in the
meantime; either way the answer is the service's truth, and nothing is ever sent twice. A
submit with ``aws_review=True`` whose truth shows no pre-review raises AwsReviewNotApplied.
CreateRegistration does carry a ClientToken (botocore fills one in and reuses it across its
retries); pass ``client_token=`` and call again with the same token to learn the outcome of
an ambiguous CreateRegistration.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _aws_core as core
from .base import RegistrationInfo, VersionInfo

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice_v2 import PinpointSMSVoiceV2Client

__all__ = ["AwsBackend"]


def run(client: Any, flow: core.Flow) -> Any:
    """Drive one of :mod:`._aws_core`'s flows with a synchronous client."""
    send: Any = None
    error: Exception | None = None
    while True:
        try:
            request = flow.throw(error) if error is not None else flow.send(send)
        except StopIteration as done:
            return done.value
        send, error = None, None
        try:
            send = getattr(client, request.method)(**request.params)
        except Exception as exc:
            error = exc
            core.log_call(request, exc)
        else:
            core.log_call(request, send)


class AwsBackend:
    """A :class:`~registration_fsm.backends.Backend` over a boto3 ``pinpoint-sms-voice-v2``
    client.

    ``page_size`` is sent as MaxResults when describing versions (1 to 100; None lets the
    service choose). Every error comes out as a
    :class:`~registration_fsm.errors.BackendError` subclass keeping AWS's code, message,
    Reason, ResourceType/ResourceId or Fields, the request id and whether a retry may help.
    The least-privilege IAM actions are ``sms-voice:CreateRegistration``,
    ``CreateRegistrationVersion``, ``SubmitRegistrationVersion``,
    ``DiscardRegistrationVersion``, ``DescribeRegistrations`` and
    ``DescribeRegistrationVersions``. An aiobotocore client is refused: use
    :class:`~registration_fsm.backends.AsyncAwsBackend`.
    """

    def __init__(self, client: PinpointSMSVoiceV2Client, *, page_size: int | None = None) -> None:
        core.check_client(client, asynchronous=False)
        self._page_size = core.check_page_size(page_size)
        self._client = client

    @property
    def client(self) -> PinpointSMSVoiceV2Client:
        """The boto3 client the backend calls."""
        return self._client

    def create_registration(
        self,
        registration_type: str,
        *,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> RegistrationInfo:
        """CreateRegistration; ``client_token`` makes a repeated call return the same one."""
        flow = core.create_registration_flow(
            registration_type, tags=tags, client_token=client_token
        )
        result: RegistrationInfo = run(self._client, flow)
        return result

    def create_version(self, registration_id: str) -> VersionInfo:
        """CreateRegistrationVersion, read back after an ambiguous failure."""
        result: VersionInfo = run(
            self._client, core.create_version_flow(registration_id, self._page_size)
        )
        return result

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        """SubmitRegistrationVersion, read back after an ambiguous failure."""
        result: VersionInfo = run(
            self._client, core.submit_flow(registration_id, aws_review, self._page_size)
        )
        return result

    def discard(self, registration_id: str) -> VersionInfo:
        """DiscardRegistrationVersion, read back after an ambiguous failure."""
        result: VersionInfo = run(
            self._client, core.discard_flow(registration_id, self._page_size)
        )
        return result

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        """DescribeRegistrationVersions, every page, oldest version first.

        More than five ``version_numbers`` (the API's limit) are asked for five at a time.
        """
        flow = core.describe_versions_flow(registration_id, version_numbers, self._page_size)
        result: tuple[VersionInfo, ...] = run(self._client, flow)
        return result

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        """DescribeRegistrations for one registration (by id or ARN)."""
        result: RegistrationInfo = run(
            self._client, core.describe_registration_flow(registration_id)
        )
        return result

    def __repr__(self) -> str:
        return f"<AwsBackend {self._client!r}>"
