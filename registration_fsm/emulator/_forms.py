"""The operations on a registration's forms, as the emulator answers them: definitions,
field values, attachments and associations."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ..backends.memory import InMemoryBackend
from ._operations import MAX_IDS, TYPE_PATTERN, paged, registration_type
from ._wire import (
    client_token,
    filters,
    id_value,
    integer,
    registration_id,
    string,
    string_list,
    tags,
    validation,
)

FIELD_PATTERN = r"[A-Za-z0-9_\.]+"
SECTION_PATTERN = "[A-Za-z0-9_]+"
ID_PATTERN = "[A-Za-z0-9_:/-]+"


def _type(body: Mapping[str, Any]) -> str:
    found = registration_type(body)
    assert found is not None
    return found


def _field_path(body: Mapping[str, Any]) -> str:
    found = string(body, "FieldPath", required=True, high=100, pattern=FIELD_PATTERN)
    assert found is not None
    return found


def _attachment_id(body: Mapping[str, Any], *, required: bool) -> str | None:
    return string(body, "RegistrationAttachmentId", required=required, pattern=ID_PATTERN)


def describe_type_definitions(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    names = string_list(body, "RegistrationTypes", MAX_IDS, high=64, pattern=TYPE_PATTERN)
    wanted = filters(
        body, ("supported-association-resource-type", "supported-association-iso-country-code")
    )
    items = list(backend.describe_type_definitions(names or None))
    for name, member in (
        ("supported-association-resource-type", "ResourceType"),
        ("supported-association-iso-country-code", "IsoCountryCode"),
    ):
        if name in wanted:
            items = [
                i
                for i in items
                if any(a.get(member) in wanted[name] for a in i.get("SupportedAssociations", ()))
            ]
    key = [names, sorted((k, sorted(v)) for k, v in wanted.items())]
    return paged(
        items, body, "DescribeRegistrationTypeDefinitions", key, "RegistrationTypeDefinitions"
    )


def describe_section_definitions(
    backend: InMemoryBackend, body: Mapping[str, Any]
) -> dict[str, Any]:
    kind = _type(body)
    paths = string_list(body, "SectionPaths", MAX_IDS, high=100, pattern=SECTION_PATTERN)
    items = backend.describe_section_definitions(kind, paths or None)
    return paged(
        items,
        body,
        "DescribeRegistrationSectionDefinitions",
        [kind, paths],
        "RegistrationSectionDefinitions",
        RegistrationType=kind,
    )


def describe_field_definitions(
    backend: InMemoryBackend, body: Mapping[str, Any]
) -> dict[str, Any]:
    kind = _type(body)
    section = string(body, "SectionPath", high=100, pattern=SECTION_PATTERN)
    paths = string_list(body, "FieldPaths", MAX_IDS, high=100, pattern=FIELD_PATTERN)
    items = backend.describe_field_definitions(
        kind, section_path=section, field_paths=paths or None
    )
    return paged(
        items,
        body,
        "DescribeRegistrationFieldDefinitions",
        [kind, section, paths],
        "RegistrationFieldDefinitions",
        RegistrationType=kind,
    )


def put_field_value(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    path = _field_path(body)
    choices = string_list(body, "SelectChoices", 100)
    text = string(body, "TextValue", high=2048)
    attachment = _attachment_id(body, required=False)
    return backend.put_field_value(
        rid, path, select_choices=choices, text_value=text, attachment_id=attachment
    )


def delete_field_value(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    return backend.delete_field_value(registration_id(body), _field_path(body))


def describe_field_values(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    number = integer(body, "VersionNumber", 1, 100_000)
    section = string(body, "SectionPath", high=100, pattern=SECTION_PATTERN)
    paths = string_list(body, "FieldPaths", MAX_IDS, high=100, pattern=FIELD_PATTERN)
    found = backend.describe_field_values(
        rid, version_number=number, section_path=section, field_paths=paths or None
    )
    items = found.pop("RegistrationFieldValues")
    return paged(
        items,
        body,
        "DescribeRegistrationFieldValues",
        [rid, number, section, paths],
        "RegistrationFieldValues",
        **found,
    )


def create_attachment(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    raw = body.get("AttachmentBody")
    data = None
    if raw is not None:
        if not isinstance(raw, str):
            raise validation("AttachmentBody", "must be base64 encoded", value="...")
        try:
            data = base64.b64decode(raw.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise validation(
                "AttachmentBody", "must be base64 encoded", "CANNOT_PARSE", value="..."
            ) from None
    url = string(body, "AttachmentUrl", high=2048, pattern=r"\S+")
    return backend.create_attachment(
        body=data, url=url, tags=tags(body), client_token=client_token(body)
    )


def delete_attachment(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    found = _attachment_id(body, required=True)
    assert found is not None
    return backend.delete_attachment(found)


def describe_attachments(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    ids = string_list(body, "RegistrationAttachmentIds", MAX_IDS, pattern=ID_PATTERN)
    wanted = filters(body, ("attachment-status",)).get("attachment-status")
    items = list(backend.describe_attachments(ids))
    if wanted is not None:
        items = [i for i in items if i["AttachmentStatus"] in wanted]
    return paged(
        items,
        body,
        "DescribeRegistrationAttachments",
        [ids, sorted(wanted or ())],
        "RegistrationAttachments",
    )


def create_association(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    resource = body.get("ResourceId")
    if resource is None:
        raise validation("ResourceId", "must not be null", "MISSING_PARAMETER")
    return backend.create_association(rid, id_value(resource, "ResourceId"))


def list_associations(backend: InMemoryBackend, body: Mapping[str, Any]) -> dict[str, Any]:
    rid = registration_id(body)
    wanted = filters(body, ("resource-type", "iso-country-code"))
    found = backend.list_associations(rid)
    items = found.pop("RegistrationAssociations")
    for name, member in (
        ("resource-type", "ResourceType"),
        ("iso-country-code", "IsoCountryCode"),
    ):
        if name in wanted:
            items = [i for i in items if i.get(member) in wanted[name]]
    key = [rid, sorted((k, sorted(v)) for k, v in wanted.items())]
    return paged(
        items, body, "ListRegistrationAssociations", key, "RegistrationAssociations", **found
    )
