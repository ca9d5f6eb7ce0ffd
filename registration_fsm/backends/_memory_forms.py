"""The simulator's registration forms: definitions, field values, attachments, associations
and deleting a registration (a private part of :class:`InMemoryBackend`).

Answers are dicts in the shapes of the API's results, since they carry nothing the library
models beyond them. Where AWS documents nothing, the decisions are marked "decided".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import ConflictError, ResourceNotFoundError, ValidationError
from ..statuses import RegistrationStatus, VersionStatus
from ..version import validate_registration_id
from ._catalogue import Catalogue

if TYPE_CHECKING:
    from collections import deque

    from ..clock import Clock
    from ._memory_events import SimulatorLock
    from ._memory_faults import FaultKind
    from ._memory_model import _Registration
    from .base import RegistrationInfo

_T = TypeVar("_T")
_ATTACHMENT_MAX = 6_990_508
_RESOURCE_PREFIXES = (
    ("phone-", "phone-number"),
    ("senderid-", "sender-id"),
    ("pool-", "pool"),
    ("rcs-agent-", "rcs-agent"),
)
_RESOURCE_ID = re.compile(r"[A-Za-z0-9_:/+.-]{1,256}")


def _validation(name: str, message: str, reason: str) -> ValidationError:
    return ValidationError(
        message,
        code="ValidationException",
        reason=reason,
        fields=[{"Name": name, "Message": message}],
    )


def _unknown_type(registration_type: str) -> ValidationError:
    return _validation(
        "RegistrationType",
        f"Registration type {registration_type} does not exist",
        "UNKNOWN_REGISTRATION_TYPE",
    )


def _no_attachment(attachment_id: str) -> ResourceNotFoundError:
    return ResourceNotFoundError(
        f"Registration attachment {attachment_id} does not exist",
        code="ResourceNotFoundException",
        resource_type="registration-attachment",
        resource_id=attachment_id,
    )


def resource_type_of(resource_id: str) -> str | None:
    """The ResourceType an origination identity's id or ARN names (decided: by its prefix,
    ``phone-``, ``senderid-``, ``pool-``, ``rcs-agent-``, as AWS's ids begin)."""
    name = resource_id.rsplit("/", 1)[-1]
    return next((kind for prefix, kind in _RESOURCE_PREFIXES if name.startswith(prefix)), None)


class _Attachment:
    __slots__ = ("arn", "body_size", "created", "id", "in_use", "tags", "url")

    def __init__(self, attachment_id: str, arn: str, created: datetime) -> None:
        self.id = attachment_id
        self.arn = arn
        self.created = created
        self.url: str | None = None
        self.body_size = 0
        self.tags: dict[str, str] = {}
        self.in_use = 0

    def to_aws(self, status: str = "UPLOAD_COMPLETE") -> dict[str, Any]:
        out: dict[str, Any] = {
            "RegistrationAttachmentArn": self.arn,
            "RegistrationAttachmentId": self.id,
            "AttachmentStatus": status,
            "CreatedTimestamp": self.created,
        }
        if self.url is not None:
            out["AttachmentUrl"] = self.url
        return out


class FormsMixin:
    """Definitions, field values, attachments, associations and DeleteRegistration."""

    _catalogue: Catalogue | None
    _lock: SimulatorLock
    _clock: Clock
    _registrations: dict[str, _Registration]
    _applied: deque[tuple[str, str, int]]
    _attachments: dict[str, _Attachment]
    _attachment_tokens: dict[str, str]
    _associated: dict[str, str]
    _account_id: str
    _region: str

    if TYPE_CHECKING:

        def _enter(self, operation: str, registration_id: str | None) -> FaultKind | None: ...
        def _find(self, registration_id: str) -> _Registration: ...
        def _answer(self, fault: FaultKind | None, operation: str, answer: _T) -> _T: ...
        def _registration_info(self, registration: _Registration) -> RegistrationInfo: ...
        def _conflict(
            self, registration: _Registration, reason: str, message: str
        ) -> ConflictError: ...
        def _new_id(self, prefix: str) -> str: ...
        def _announce(self, registration: _Registration, at: datetime | None = None) -> None: ...

    @property
    def catalogue(self) -> Catalogue | None:
        """The registration types and forms the simulator knows (None: any type, no forms)."""
        return self._catalogue

    # -- definitions --------------------------------------------------------------------

    def _known_type(self, registration_type: str) -> Catalogue:
        catalogue = self._catalogue
        if catalogue is None:
            raise _validation(
                "RegistrationType",
                "this simulator has no catalogue of registration definitions",
                "UNKNOWN_REGISTRATION_TYPE",
            )
        if registration_type not in catalogue:
            raise _unknown_type(registration_type)
        return catalogue

    def describe_type_definitions(
        self, registration_types: Sequence[str] | None = None
    ) -> tuple[dict[str, Any], ...]:
        """DescribeRegistrationTypeDefinitions: the catalogue's types, or those given."""
        with self._lock:
            fault = self._enter("describe_type_definitions", None)
            catalogue = self._catalogue
            if catalogue is None:
                return self._answer(fault, "describe_type_definitions", ())
            names = list(registration_types or catalogue.registration_types)
            found = tuple(dict(self._known_type(n).type_definition(n)) for n in names)
            return self._answer(fault, "describe_type_definitions", found)

    def describe_section_definitions(
        self, registration_type: str, section_paths: Sequence[str] | None = None
    ) -> tuple[dict[str, Any], ...]:
        """DescribeRegistrationSectionDefinitions of one registration type."""
        with self._lock:
            fault = self._enter("describe_section_definitions", None)
            sections = self._known_type(registration_type).sections(registration_type)
            if section_paths:
                known = {s["SectionPath"] for s in sections}
                for path in section_paths:
                    if path not in known:
                        raise _validation(
                            "SectionPaths",
                            f"Registration section {path} does not exist for registration "
                            f"type {registration_type}",
                            "UNKNOWN_REGISTRATION_SECTION",
                        )
                sections = tuple(s for s in sections if s["SectionPath"] in section_paths)
            return self._answer(fault, "describe_section_definitions", sections)

    def describe_field_definitions(
        self,
        registration_type: str,
        *,
        section_path: str | None = None,
        field_paths: Sequence[str] | None = None,
    ) -> tuple[dict[str, Any], ...]:
        """DescribeRegistrationFieldDefinitions of one registration type."""
        with self._lock:
            fault = self._enter("describe_field_definitions", None)
            catalogue = self._known_type(registration_type)
            fields = catalogue.fields(registration_type)
            if section_path is not None:
                if section_path not in {
                    s["SectionPath"] for s in catalogue.sections(registration_type)
                }:
                    raise _validation(
                        "SectionPath",
                        f"Registration section {section_path} does not exist for "
                        f"registration type {registration_type}",
                        "UNKNOWN_REGISTRATION_SECTION",
                    )
                fields = tuple(f for f in fields if f["SectionPath"] == section_path)
            if field_paths:
                fields = tuple(catalogue.field(registration_type, p) for p in field_paths)
            return self._answer(fault, "describe_field_definitions", fields)

    # -- field values -------------------------------------------------------------------

    def _editable(self, registration: _Registration) -> None:
        self._active(registration)
        latest = registration.versions[-1].fsm
        if latest.status is not VersionStatus.DRAFT:
            raise self._conflict(
                registration,
                "EDIT_REGISTRATION_FIELD_VALUES_NOT_ALLOWED",
                f"Registration {registration.id} version {latest.version_number} is "
                f"{latest.status.value}: field values can be edited only in a DRAFT version",
            )

    def _active(self, registration: _Registration) -> None:
        if registration.deleted:
            raise self._conflict(
                registration,
                "RESOURCE_NOT_ACTIVE",
                f"Registration {registration.id} is DELETED",
            )

    def _value_result(
        self, registration: _Registration, field_path: str, value: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {
            "RegistrationArn": registration.arn,
            "RegistrationId": registration.id,
            "VersionNumber": registration.versions[-1].fsm.version_number,
            "FieldPath": field_path,
            **{k: v for k, v in value.items() if k != "FieldPath"},
        }

    def put_field_value(
        self,
        registration_id: str,
        field_path: str,
        *,
        select_choices: Sequence[str] | None = None,
        text_value: str | None = None,
        attachment_id: str | None = None,
    ) -> dict[str, Any]:
        """PutRegistrationFieldValue on the latest version, which must be a DRAFT.

        The value is checked against the field's definition (its type, length, pattern,
        choices); an attachment must exist.
        """
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("put_field_value", registration_id)
            registration = self._find(registration_id)
            self._editable(registration)
            catalogue = self._known_type(registration.type)
            choices = list(select_choices) if select_choices is not None else None
            catalogue.check_value(
                registration.type,
                field_path,
                select_choices=choices,
                text_value=text_value,
                attachment_id=attachment_id,
            )
            value: dict[str, Any] = {"FieldPath": field_path}
            if choices is not None:
                value["SelectChoices"] = choices
            if text_value is not None:
                value["TextValue"] = text_value
            if attachment_id is not None:
                attachment = self._attachment(attachment_id)
                value["RegistrationAttachmentId"] = attachment.id
            values = registration.versions[-1].values
            old = values.get(field_path, {}).get("RegistrationAttachmentId")
            if old is not None and old in self._attachments:
                self._attachments[old].in_use -= 1
            if attachment_id is not None:
                self._attachments[value["RegistrationAttachmentId"]].in_use += 1
            values[field_path] = value
            number = registration.versions[-1].fsm.version_number
            self._applied.append(("put_field_value", registration.id, number))
            return self._answer(
                fault, "put_field_value", self._value_result(registration, field_path, value)
            )

    def delete_field_value(self, registration_id: str, field_path: str) -> dict[str, Any]:
        """DeleteRegistrationFieldValue on the latest version, which must be a DRAFT.

        Decided: a field that holds no value cannot be deleted
        (REGISTRATION_FIELD_CANNOT_BE_DELETED).
        """
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("delete_field_value", registration_id)
            registration = self._find(registration_id)
            self._editable(registration)
            self._known_type(registration.type).field(registration.type, field_path)
            values = registration.versions[-1].values
            if field_path not in values:
                raise _validation(
                    "FieldPath",
                    f"Registration field {field_path} has no value to delete",
                    "REGISTRATION_FIELD_CANNOT_BE_DELETED",
                )
            value = values.pop(field_path)
            attachment = value.get("RegistrationAttachmentId")
            if attachment in self._attachments:
                self._attachments[attachment].in_use -= 1
            number = registration.versions[-1].fsm.version_number
            self._applied.append(("delete_field_value", registration.id, number))
            return self._answer(
                fault, "delete_field_value", self._value_result(registration, field_path, value)
            )

    def describe_field_values(
        self,
        registration_id: str,
        *,
        version_number: int | None = None,
        section_path: str | None = None,
        field_paths: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """DescribeRegistrationFieldValues of a version (default: the latest)."""
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("describe_field_values", registration_id)
            registration = self._find(registration_id)
            versions = registration.versions
            if version_number is not None and not 1 <= version_number <= len(versions):
                raise _validation(
                    "VersionNumber",
                    f"Registration {registration.id} has no version {version_number}",
                    "UNKNOWN_REGISTRATION_VERSION",
                )
            version = versions[(version_number or len(versions)) - 1]
            items = [dict(v) for v in version.values.values()]
            if section_path is not None:
                items = [i for i in items if i["FieldPath"].split(".", 1)[0] == section_path]
            if field_paths:
                items = [i for i in items if i["FieldPath"] in field_paths]
            answer = {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.id,
                "VersionNumber": version.fsm.version_number,
                "RegistrationFieldValues": items,
            }
            return self._answer(fault, "describe_field_values", answer)

    def missing_fields(self, registration_id: str) -> tuple[str, ...]:
        """The REQUIRED fields the latest version has no value for (not a customer call)."""
        with self._lock:
            registration = self._find(validate_registration_id(registration_id))
            if self._catalogue is None or registration.type not in self._catalogue:
                return ()
            values = registration.versions[-1].values
            return tuple(p for p in self._catalogue.required(registration.type) if p not in values)

    # -- attachments --------------------------------------------------------------------

    def _attachment(self, attachment_id: str) -> _Attachment:
        name = attachment_id.rsplit("/", 1)[-1]
        found = self._attachments.get(name)
        if found is None:
            raise _no_attachment(attachment_id)
        return found

    def create_attachment(
        self,
        *,
        body: bytes | None = None,
        url: str | None = None,
        tags: Mapping[str, str] | None = None,
        client_token: str | None = None,
    ) -> dict[str, Any]:
        """CreateRegistrationAttachment from a body or a URL (exactly one).

        Decided: the upload completes at once (UPLOAD_COMPLETE); the URL is not fetched.
        """
        if (body is None) == (url is None):
            raise _validation(
                "AttachmentBody",
                "Give exactly one of AttachmentBody and AttachmentUrl",
                "PARAMETERS_CANNOT_BE_USED_TOGETHER" if body is not None else "MISSING_PARAMETER",
            )
        if body is not None and not 1 <= len(body) <= _ATTACHMENT_MAX:
            raise _validation(
                "AttachmentBody",
                f"An attachment takes 1 to {_ATTACHMENT_MAX} bytes, got {len(body)}",
                "MAXIMUM_SIZE_EXCEEDED",
            )
        with self._lock:
            fault = self._enter("create_attachment", None)
            if client_token is not None and client_token in self._attachment_tokens:
                known = self._attachments.get(self._attachment_tokens[client_token])
                if known is not None:
                    return self._answer(fault, "create_attachment", known.to_aws())
            attachment_id = self._new_id("attachment-")
            arn = (
                f"arn:aws:sms-voice:{self._region}:{self._account_id}:"
                f"registration-attachment/{attachment_id}"
            )
            attachment = _Attachment(attachment_id, arn, self._clock())
            attachment.url = url
            attachment.body_size = len(body) if body is not None else 0
            attachment.tags = dict(tags or {})
            self._attachments[attachment_id] = attachment
            if client_token is not None:
                self._attachment_tokens[client_token] = attachment_id
            self._applied.append(("create_attachment", attachment_id, 0))
            return self._answer(fault, "create_attachment", attachment.to_aws())

    def delete_attachment(self, attachment_id: str) -> dict[str, Any]:
        """DeleteRegistrationAttachment. Decided: refused with RESOURCE_DELETION_NOT_ALLOWED
        while a draft's field value refers to it."""
        with self._lock:
            fault = self._enter("delete_attachment", None)
            attachment = self._attachment(attachment_id)
            if attachment.in_use:
                raise ConflictError(
                    f"Registration attachment {attachment.id} is the value of a field",
                    code="ConflictException",
                    reason="RESOURCE_DELETION_NOT_ALLOWED",
                    resource_type="registration-attachment",
                    resource_id=attachment.id,
                )
            del self._attachments[attachment.id]
            self._applied.append(("delete_attachment", attachment.id, 0))
            return self._answer(fault, "delete_attachment", attachment.to_aws("DELETED"))

    def describe_attachments(
        self, attachment_ids: Sequence[str] | None = None
    ) -> tuple[dict[str, Any], ...]:
        """DescribeRegistrationAttachments: those given (each must exist), or all."""
        with self._lock:
            fault = self._enter("describe_attachments", None)
            if attachment_ids is None:
                found = list(self._attachments.values())
            else:
                found = [self._attachment(a) for a in attachment_ids]
            return self._answer(fault, "describe_attachments", tuple(a.to_aws() for a in found))

    # -- associations -------------------------------------------------------------------

    def create_association(self, registration_id: str, resource_id: str) -> dict[str, Any]:
        """CreateRegistrationAssociation, as the type's AssociationBehavior allows.

        Decided: ASSOCIATE_BEFORE_SUBMIT only while the latest version is a DRAFT
        (RESOURCE_MODIFICATION_NOT_ALLOWED after), ASSOCIATE_AFTER_COMPLETE only once the
        registration is COMPLETE (REGISTRATION_NOT_COMPLETE before), ASSOCIATE_ON_APPROVAL
        at any time; the resource type comes from the id's prefix.
        """
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("create_association", registration_id)
            registration = self._find(registration_id)
            self._active(registration)
            if not isinstance(resource_id, str) or not _RESOURCE_ID.fullmatch(resource_id):
                raise _validation(
                    "ResourceId", f"Resource id {resource_id!r} is not valid", "INVALID_PARAMETER"
                )
            resource_type = resource_type_of(resource_id)
            catalogue = self._known_type(registration.type)
            rule = catalogue.association(registration.type, resource_type or "")
            if rule is None:
                raise _validation(
                    "ResourceId",
                    f"Registration type {registration.type} cannot be associated with "
                    f"{resource_type or 'an unknown resource type'}",
                    "INVALID_REGISTRATION_ASSOCIATION",
                )
            key = resource_id.rsplit("/", 1)[-1]
            if key in self._associated:
                raise self._conflict(
                    registration,
                    "RESOURCE_ALREADY_ASSOCIATED",
                    f"Resource {key} is already associated with registration "
                    f"{self._associated[key]}",
                )
            behaviour = rule["AssociationBehavior"]
            latest = registration.versions[-1].fsm.status
            status = self._registration_info(registration).status
            if behaviour == "ASSOCIATE_BEFORE_SUBMIT" and latest is not VersionStatus.DRAFT:
                raise self._conflict(
                    registration,
                    "RESOURCE_MODIFICATION_NOT_ALLOWED",
                    f"Registration {registration.id} associates {resource_type} resources "
                    "before it is submitted only",
                )
            if (
                behaviour == "ASSOCIATE_AFTER_COMPLETE"
                and status is not RegistrationStatus.COMPLETE
            ):
                raise self._conflict(
                    registration,
                    "REGISTRATION_NOT_COMPLETE",
                    f"Registration {registration.id} is {status.value}: {resource_type} "
                    "resources are associated once it is COMPLETE",
                )
            arn = (
                resource_id
                if resource_id.startswith("arn:")
                else f"arn:aws:sms-voice:{self._region}:{self._account_id}:{resource_type}/{key}"
            )
            item: dict[str, Any] = {
                "ResourceArn": arn,
                "ResourceId": key,
                "ResourceType": resource_type,
            }
            if rule.get("IsoCountryCode"):
                item["IsoCountryCode"] = rule["IsoCountryCode"]
            registration.associations[key] = item
            self._associated[key] = registration.id
            self._applied.append(
                (
                    "create_association",
                    registration.id,
                    registration.versions[-1].fsm.version_number,
                )
            )
            answer = {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.id,
                "RegistrationType": registration.type,
                **item,
            }
            return self._answer(fault, "create_association", answer)

    def list_associations(self, registration_id: str) -> dict[str, Any]:
        """ListRegistrationAssociations, in the order they were made."""
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("list_associations", registration_id)
            registration = self._find(registration_id)
            answer = {
                "RegistrationArn": registration.arn,
                "RegistrationId": registration.id,
                "RegistrationType": registration.type,
                "RegistrationAssociations": [dict(a) for a in registration.associations.values()],
            }
            return self._answer(fault, "list_associations", answer)

    # -- deleting -----------------------------------------------------------------------

    def delete_registration(self, registration_id: str) -> RegistrationInfo:
        """DeleteRegistration: the registration reads DELETED from then on.

        Decided: it stays visible to the Describe operations as DELETED, and any change to
        it is refused with RESOURCE_NOT_ACTIVE. With associations, a type whose
        DisassociationBehavior is DELETE_REGISTRATION_DISASSOCIATES drops them; the others
        refuse with RESOURCE_DELETION_NOT_ALLOWED until none is left.
        """
        validate_registration_id(registration_id)
        with self._lock:
            fault = self._enter("delete_registration", registration_id)
            registration = self._find(registration_id)
            self._active(registration)
            if registration.associations:
                behaviours = set()
                if self._catalogue is not None and registration.type in self._catalogue:
                    for kind in {a["ResourceType"] for a in registration.associations.values()}:
                        rule = self._catalogue.association(registration.type, kind) or {}
                        behaviours.add(rule.get("DisassociationBehavior"))
                if behaviours != {"DELETE_REGISTRATION_DISASSOCIATES"}:
                    raise self._conflict(
                        registration,
                        "RESOURCE_DELETION_NOT_ALLOWED",
                        f"Registration {registration.id} has "
                        f"{len(registration.associations)} associated resources; "
                        "disassociate them first",
                    )
                for key in registration.associations:
                    self._associated.pop(key, None)
                registration.associations.clear()
            registration.deleted = True
            self._announce(registration)
            self._applied.append(
                (
                    "delete_registration",
                    registration.id,
                    registration.versions[-1].fsm.version_number,
                )
            )
            return self._answer(
                fault, "delete_registration", self._registration_info(registration)
            )
