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

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import (
    AccessDeniedError,
    BackendError,
    ConflictError,
    InternalServerError,
    InvalidValueError,
    MalformedDataError,
    RegistrationFsmError,
    ResourceNotFoundError,
    ServiceQuotaExceededError,
    ServiceUnavailableError,
    ThrottlingError,
    ValidationError,
)
from ..evidence import require_aws_review
from ..statuses import VersionStatus
from ..version import validate_registration_id, validate_version_number
from .base import RegistrationInfo, VersionInfo, validate_registration_type

if TYPE_CHECKING:
    from mypy_boto3_pinpoint_sms_voice_v2 import PinpointSMSVoiceV2Client

__all__ = ["AwsBackend"]

_MAX_VERSION_NUMBERS = 5
_THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
    }
)


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
    ``DescribeRegistrationVersions``.
    """

    def __init__(self, client: PinpointSMSVoiceV2Client, *, page_size: int | None = None) -> None:
        for name in (
            "create_registration",
            "create_registration_version",
            "submit_registration_version",
            "discard_registration_version",
            "describe_registrations",
            "describe_registration_versions",
        ):
            if not callable(getattr(client, name, None)):
                raise InvalidValueError(
                    f"{type(client).__name__} has no {name}(); pass "
                    'boto3.client("pinpoint-sms-voice-v2")'
                )
        if page_size is not None and (
            isinstance(page_size, bool)
            or not isinstance(page_size, int)
            or not 1 <= page_size <= 100
        ):
            raise InvalidValueError(f"invalid page_size {page_size!r}: 1 to 100, or None")
        self._client = client
        self._page_size = page_size

    @property
    def client(self) -> PinpointSMSVoiceV2Client:
        """The boto3 client the backend calls."""
        return self._client

    # -- the operations -----------------------------------------------------------------------

    def create_registration(
        self,
        registration_type: str,
        *,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> RegistrationInfo:
        """CreateRegistration; ``client_token`` makes a repeated call return the same one."""
        params: dict[str, Any] = {
            "RegistrationType": validate_registration_type(registration_type)
        }
        if tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        if client_token is not None:
            params["ClientToken"] = client_token
        response = self._call("CreateRegistration", self._client.create_registration, params)
        return RegistrationInfo.from_aws(response)

    def create_version(self, registration_id: str) -> VersionInfo:
        """CreateRegistrationVersion, read back after an ambiguous failure."""
        rid = validate_registration_id(registration_id)
        return self._change(
            "CreateRegistrationVersion",
            self._client.create_registration_version,
            {"RegistrationId": rid},
            lambda latest: latest.status is VersionStatus.DRAFT and latest.version_number > 1,
        )

    def submit(self, registration_id: str, *, aws_review: bool = False) -> VersionInfo:
        """SubmitRegistrationVersion, read back after an ambiguous failure."""
        rid = validate_registration_id(registration_id)
        if not isinstance(aws_review, bool):
            raise InvalidValueError(f"aws_review must be a bool, got {aws_review!r}")
        params: dict[str, Any] = {"RegistrationId": rid}
        if aws_review:
            params["AwsReview"] = True
        answer = self._change(
            "SubmitRegistrationVersion",
            self._client.submit_registration_version,
            params,
            lambda latest: latest.history.submitted is not None,
        )
        if aws_review:
            require_aws_review(rid, answer)
        return answer

    def discard(self, registration_id: str) -> VersionInfo:
        """DiscardRegistrationVersion, read back after an ambiguous failure."""
        rid = validate_registration_id(registration_id)
        return self._change(
            "DiscardRegistrationVersion",
            self._client.discard_registration_version,
            {"RegistrationId": rid},
            lambda latest: latest.status is VersionStatus.DISCARDED,
        )

    def describe_versions(
        self, registration_id: str, version_numbers: Sequence[int] | None = None
    ) -> tuple[VersionInfo, ...]:
        """DescribeRegistrationVersions, every page, oldest version first.

        More than five ``version_numbers`` (the API's limit) are asked for five at a time.
        """
        rid = validate_registration_id(registration_id)
        if version_numbers is None:
            batches: list[list[int] | None] = [None]
        else:
            if isinstance(version_numbers, (str, bytes)) or not isinstance(
                version_numbers, Sequence
            ):
                raise InvalidValueError(
                    f"version_numbers must be a sequence of ints, got {version_numbers!r}"
                )
            numbers = sorted({validate_version_number(n) for n in version_numbers})
            if not numbers:
                return ()
            batches = [
                numbers[i : i + _MAX_VERSION_NUMBERS]
                for i in range(0, len(numbers), _MAX_VERSION_NUMBERS)
            ]
        found: dict[int, VersionInfo] = {}
        for batch in batches:
            params: dict[str, Any] = {"RegistrationId": rid}
            if batch is not None:
                params["VersionNumbers"] = batch
            if self._page_size is not None:
                params["MaxResults"] = self._page_size
            for info in self._pages(params):
                found[info.version_number] = info
        return tuple(found[n] for n in sorted(found))

    def _pages(self, params: dict[str, Any]) -> list[VersionInfo]:
        infos: list[VersionInfo] = []
        seen: set[str] = set()
        while True:
            response = self._call(
                "DescribeRegistrationVersions",
                self._client.describe_registration_versions,
                params,
            )
            rid = response.get("RegistrationId")
            arn = response.get("RegistrationArn")
            items = response.get("RegistrationVersions")
            if not isinstance(items, list):
                raise MalformedDataError(
                    "expected a list", path="RegistrationVersions", value=items
                )
            infos.extend(
                VersionInfo.from_aws(item, registration_id=rid, registration_arn=arn)
                for item in items
            )
            token = response.get("NextToken")
            if not token:
                return infos
            if token in seen:
                raise MalformedDataError(
                    "the service returned the same NextToken twice", path="NextToken", value=token
                )
            seen.add(token)
            params = {**params, "NextToken": token}

    def describe_registration(self, registration_id: str) -> RegistrationInfo:
        """DescribeRegistrations for one registration (by id or ARN)."""
        rid = validate_registration_id(registration_id)
        response = self._call(
            "DescribeRegistrations",
            self._client.describe_registrations,
            {"RegistrationIds": [rid]},
        )
        items = response.get("Registrations")
        if not isinstance(items, list):
            raise MalformedDataError("expected a list", path="Registrations", value=items)
        for item in items:
            info = RegistrationInfo.from_aws(item)
            if rid in (info.registration_id, info.registration_arn):
                return info
        raise ResourceNotFoundError(
            f"Registration {rid} is not in the DescribeRegistrations answer",
            code="ResourceNotFoundException",
            resource_type="registration",
            resource_id=rid,
            operation="DescribeRegistrations",
        )

    # -- calling and mapping ------------------------------------------------------------------

    def _call(
        self, operation: str, method: Callable[..., Any], params: dict[str, Any]
    ) -> Mapping[str, Any]:
        try:
            response = method(**params)
        except Exception as exc:
            mapped = _map_error(exc, operation)
            if mapped is None:
                raise
            raise mapped[0] from exc
        if not isinstance(response, Mapping):
            raise MalformedDataError(
                f"expected an object, got {type(response).__name__}", path=operation
            )
        return response

    def _change(
        self,
        operation: str,
        method: Callable[..., Any],
        params: dict[str, Any],
        took_effect: Callable[[VersionInfo], bool],
    ) -> VersionInfo:
        try:
            response = method(**params)
        except Exception as exc:
            mapped = _map_error(exc, operation)
            if mapped is None:
                raise
            error, retried = mapped
            ambiguous = _may_hide_effect(error, retried)
            if not ambiguous and not isinstance(error, ConflictError):
                raise error from exc
            try:
                versions = self.describe_versions(params["RegistrationId"])
            except RegistrationFsmError:
                raise error from exc
            if ambiguous and versions and took_effect(versions[-1]):
                return versions[-1]
            if isinstance(error, ConflictError) and versions:
                # Somebody else's move (or ours, refused): the caller may adopt it knowingly.
                error.current = versions[-1]
            raise error from exc
        return VersionInfo.from_aws(response)

    def __repr__(self) -> str:
        return f"<AwsBackend {self._client!r}>"


def _may_hide_effect(error: BackendError, retried: bool) -> bool:
    """True when this call's own failure may hide its effect: no answer, a 5xx, or retries
    (an earlier attempt may have landed). A conflict with none of these is somebody else's."""
    return retried or isinstance(error, (ServiceUnavailableError, InternalServerError))


def _map_error(exc: Exception, operation: str) -> tuple[BackendError, bool] | None:
    """The library error for a botocore failure, and whether botocore had retried; None for
    anything that is not botocore's."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.ClientError):
        return _map_client_error(exc.response, operation)
    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        return (
            ServiceUnavailableError(str(exc), code=type(exc).__name__, operation=operation),
            True,
        )
    if isinstance(exc, bx.ParamValidationError):
        return ValidationError(str(exc), code="ParamValidationError", operation=operation), False
    if isinstance(exc, bx.BotoCoreError):
        return BackendError(str(exc), code=type(exc).__name__, operation=operation), False
    return None


def _map_client_error(response: Mapping[str, Any], operation: str) -> tuple[BackendError, bool]:
    error = response.get("Error") or {}
    meta = response.get("ResponseMetadata") or {}
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "")
    request_id = meta.get("RequestId") or response.get("RequestId")
    status = meta.get("HTTPStatusCode")
    retried = bool(meta.get("RetryAttempts"))
    context: dict[str, Any] = {"code": code, "request_id": request_id, "operation": operation}
    mapped: BackendError
    if code in _THROTTLING_CODES:
        mapped = ThrottlingError(message, **context)
    elif code == "AccessDeniedException":
        mapped = AccessDeniedError(message, reason=response.get("Reason"), **context)
    elif code == "ResourceNotFoundException":
        mapped = ResourceNotFoundError(
            message,
            resource_type=response.get("ResourceType"),
            resource_id=response.get("ResourceId"),
            **context,
        )
    elif code == "ValidationException":
        mapped = ValidationError(
            message, reason=response.get("Reason"), fields=response.get("Fields") or (), **context
        )
    elif code == "ConflictException":
        mapped = ConflictError(
            message,
            reason=response.get("Reason"),
            resource_type=response.get("ResourceType"),
            resource_id=response.get("ResourceId"),
            **context,
        )
    elif code == "ServiceQuotaExceededException":
        mapped = ServiceQuotaExceededError(message, reason=response.get("Reason"), **context)
    elif code == "InternalServerException":
        mapped = InternalServerError(message, **context)
    elif isinstance(status, int) and status >= 500:
        mapped = ServiceUnavailableError(message, **context)
    else:
        mapped = BackendError(message, **context)
    return mapped, retried
