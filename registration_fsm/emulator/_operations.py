"""The customer operations of the registration API, as the emulator answers them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..backends.base import RegistrationInfo, VersionInfo, validate_registration_type
from ..backends.memory import InMemoryBackend
from ..errors import InvalidValueError
from ._wire import filters, id_value, optional_list, page, registration_id, validation

MAX_IDS = 5
TOKEN_MAX = 64


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


def create_registration(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    registration_type = body.get("RegistrationType")
    if registration_type is None:
        raise validation("RegistrationType", "is required", "MISSING_PARAMETER")
    try:
        validate_registration_type(registration_type)
    except InvalidValueError as exc:
        raise validation("RegistrationType", str(exc)) from None
    tags: dict[str, str] = {}
    for tag in optional_list(body, "Tags", 200) or ():
        if not (
            isinstance(tag, Mapping)
            and isinstance(tag.get("Key"), str)
            and isinstance(tag.get("Value"), str)
        ):
            raise validation("Tags", "each tag must be an object with Key and Value strings")
        tags[tag["Key"]] = tag["Value"]
    token = body.get("ClientToken")
    if token is not None and not (
        isinstance(token, str)
        and 1 <= len(token) <= TOKEN_MAX
        and all("!" <= c <= "~" for c in token)
    ):
        raise validation("ClientToken", "must be 1 to 64 printable ASCII characters")
    return backend.create_registration(registration_type, tags=tags, client_token=token).to_aws()


def create_version(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return version_result(backend.create_version(registration_id(body)))


def submit(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    aws_review = body.get("AwsReview", False)
    if not isinstance(aws_review, bool):
        raise validation("AwsReview", "must be a boolean")
    info = backend.submit(rid, aws_review=aws_review)
    return {**version_result(info), "AwsReview": bool(info.aws_review)}


def discard(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return version_result(backend.discard(registration_id(body)))


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
    if numbers is not None and not all(
        isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 100_000 for n in numbers
    ):
        raise validation("VersionNumbers", "must be integers from 1 to 100000")
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
