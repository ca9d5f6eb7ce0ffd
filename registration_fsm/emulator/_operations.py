"""The registration and version operations of the API, as the emulator answers them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..backends.base import RegistrationInfo, VersionInfo
from ..backends.memory import InMemoryBackend
from ._wire import (
    client_token,
    filters,
    id_value,
    optional_list,
    page,
    registration_id,
    string,
    tags,
    validation,
)

MAX_IDS = 5
TYPE_PATTERN = "[A-Za-z0-9_]+"


def version_result(info: VersionInfo, *, verdict: bool = False) -> dict[str, Any]:
    """A Create/Submit/Discard result; ``verdict`` adds DeniedReasons and Feedback, which
    only PlayAws's answer carries."""
    result = {
        "RegistrationArn": info.registration_arn,
        "RegistrationId": info.registration_id,
        **info.to_aws(),
    }
    if not verdict:
        result.pop("DeniedReasons", None)
        result.pop("Feedback", None)
    return result


def registration_type(body: Mapping[str, Any], *, required: bool = True) -> str | None:
    return string(body, "RegistrationType", required=required, high=64, pattern=TYPE_PATTERN)


def create_registration(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    kind = registration_type(body)
    assert kind is not None
    return backend.create_registration(
        kind, tags=tags(body), client_token=client_token(body)
    ).to_aws()


def create_version(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return version_result(backend.create_version(registration_id(body)))


def submit(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    aws_review = body.get("AwsReview", False)
    if not isinstance(aws_review, bool):
        raise validation("AwsReview", "must be a boolean", value=aws_review)
    info = backend.submit(rid, aws_review=aws_review)
    return {**version_result(info), "AwsReview": bool(info.aws_review)}


def discard(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return version_result(backend.discard(registration_id(body)))


def delete_registration(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return backend.delete_registration(registration_id(body)).to_aws()


def describe_registrations(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    ids = optional_list(body, "RegistrationIds", MAX_IDS)
    if ids is not None:
        ids = [id_value(i, "RegistrationIds") for i in ids]
    wanted = filters(body, ("registration-type", "registration-status"))
    infos: Sequence[RegistrationInfo] = backend.describe_registrations(ids or None)
    if "registration-type" in wanted:
        infos = [i for i in infos if i.registration_type in wanted["registration-type"]]
    if "registration-status" in wanted:
        infos = [i for i in infos if i.status.value in wanted["registration-status"]]
    key = [ids, sorted((k, sorted(v)) for k, v in wanted.items())]
    shown, token = page(infos, body, "DescribeRegistrations", key)
    result: dict[str, Any] = {"Registrations": [i.to_aws() for i in shown]}
    if token is not None:
        result["NextToken"] = token
    return result


def describe_versions(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    numbers = optional_list(body, "VersionNumbers", MAX_IDS)
    for n in numbers or ():
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100_000:
            raise validation(
                "VersionNumbers", "must have values between 1 and 100000", value=numbers
            )
    by_status = filters(body, ("registration-version-status",))
    infos: Sequence[VersionInfo] = backend.describe_versions(rid, numbers or None)
    arn, found_id = infos[0].registration_arn, infos[0].registration_id
    wanted = by_status.get("registration-version-status")
    if wanted is not None:
        infos = [i for i in infos if i.status.value in wanted]
    key = [rid, numbers, sorted(wanted or ())]
    shown, token = page(infos, body, "DescribeRegistrationVersions", key)
    result: dict[str, Any] = {
        "RegistrationArn": arn,
        "RegistrationId": found_id,
        "RegistrationVersions": [i.to_aws() for i in shown],
    }
    if token is not None:
        result["NextToken"] = token
    return result


def paged(
    items: Sequence[Any],
    body: Mapping[str, Any],
    operation: str,
    key: object,
    result_key: str,
    **fixed: Any,
) -> dict[str, Any]:
    """A paginated result: ``fixed`` members, one page of ``items`` and a NextToken."""
    shown, token = page(items, body, operation, key)
    result: dict[str, Any] = {**fixed, result_key: shown}
    if token is not None:
        result["NextToken"] = token
    return result
