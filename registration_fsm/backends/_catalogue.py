"""The catalogue of registration types, their sections and field definitions, in AWS's shapes.

The simulator needs to know which registration types exist and what their forms look like:
DescribeRegistrationTypeDefinitions, DescribeRegistrationSectionDefinitions and
DescribeRegistrationFieldDefinitions answer from it, CreateRegistration refuses a type it
does not hold, and PutRegistrationFieldValue checks values against it. AWS publishes no
catalogue outside an account, so :data:`SAMPLE_CATALOGUE` is a small invented one (not
AWS's real definitions); :meth:`Catalogue.load` reads what a user captured from their own
account with the AWS CLI, so tests run against their real forms.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import MalformedDataError, ValidationError

__all__ = ["SAMPLE_CATALOGUE", "Catalogue"]

_FIELD_TYPES = ("SELECT", "TEXT", "ATTACHMENT")
_REQUIREMENTS = ("REQUIRED", "CONDITIONAL", "OPTIONAL")
_BEHAVIOURS = ("ASSOCIATE_BEFORE_SUBMIT", "ASSOCIATE_ON_APPROVAL", "ASSOCIATE_AFTER_COMPLETE")


def _field_error(field_path: str, message: str, reason: str) -> ValidationError:
    return ValidationError(
        message,
        code="ValidationException",
        reason=reason,
        fields=[{"Name": field_path, "Message": message}],
    )


class Catalogue:
    """Registration type definitions and, per type, section and field definitions.

    Every definition is kept in AWS's shape (the items of the Describe* results), so what
    the simulator answers is exactly what was given.
    """

    def __init__(
        self,
        types: Iterable[Mapping[str, Any]],
        sections: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        fields: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    ) -> None:
        self._types: dict[str, dict[str, Any]] = {}
        for item in types:
            name = _text(item, "RegistrationType", "a registration type definition")
            for association in item.get("SupportedAssociations") or ():
                if association.get("AssociationBehavior") not in _BEHAVIOURS:
                    raise MalformedDataError(
                        f"{name}: AssociationBehavior must be one of {', '.join(_BEHAVIOURS)}"
                    )
            self._types[name] = {"DisplayHints": {"Title": name}, **dict(item)}
        self._fields: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in self._types}
        for name, items in (fields or {}).items():
            self._need_type(name)
            for item in items:
                path = _text(item, "FieldPath", f"a field definition of {name}")
                if item.get("FieldType") not in _FIELD_TYPES:
                    raise MalformedDataError(
                        f"{name} {path}: FieldType is not one of SELECT, TEXT, ATTACHMENT"
                    )
                if item.get("FieldRequirement") not in _REQUIREMENTS:
                    raise MalformedDataError(
                        f"{name} {path}: FieldRequirement is not one of "
                        "REQUIRED, CONDITIONAL, OPTIONAL"
                    )
                self._fields[name][path] = dict(item)
        self._sections: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in self._types}
        for name, items in (sections or {}).items():
            self._need_type(name)
            for item in items:
                path = _text(item, "SectionPath", f"a section definition of {name}")
                self._sections[name][path] = dict(item)
        for name, by_path in self._fields.items():
            for item in by_path.values():
                section = str(item.get("SectionPath", ""))
                self._sections[name].setdefault(
                    section,
                    {
                        "SectionPath": section,
                        "DisplayHints": {"Title": section, "ShortDescription": section},
                    },
                )

    def _need_type(self, name: str) -> None:
        if name not in self._types:
            raise MalformedDataError(f"definitions for {name}, which has no type definition")

    @classmethod
    def from_exports(cls, *documents: Mapping[str, Any]) -> Catalogue:
        """A catalogue from Describe* results, in any order and any number of pages.

        Each document is the output of ``describe-registration-type-definitions``,
        ``describe-registration-section-definitions`` or
        ``describe-registration-field-definitions`` (one per registration type).
        """
        types: list[Mapping[str, Any]] = []
        sections: dict[str, list[Mapping[str, Any]]] = {}
        fields: dict[str, list[Mapping[str, Any]]] = {}
        for document in documents:
            if not isinstance(document, Mapping):
                raise MalformedDataError("a catalogue export must be a JSON object")
            found = False
            if "RegistrationTypeDefinitions" in document:
                types.extend(document["RegistrationTypeDefinitions"])
                found = True
            for key, target in (
                ("RegistrationSectionDefinitions", sections),
                ("RegistrationFieldDefinitions", fields),
            ):
                if key in document:
                    name = _text(document, "RegistrationType", f"a {key} export")
                    target.setdefault(name, []).extend(document[key])
                    found = True
            if not found:
                raise MalformedDataError(
                    "not a describe-registration-type/section/field-definitions output: "
                    f"keys {sorted(document)[:5]}"
                )
        known = {_text(t, "RegistrationType", "a type definition") for t in types}
        for name in (*sections, *fields):
            if name not in known:
                types.append({"RegistrationType": name, "DisplayHints": {"Title": name}})
                known.add(name)
        return cls(types, sections, fields)

    @classmethod
    def load(cls, *paths: str | Path) -> Catalogue:
        """:meth:`from_exports` over JSON files captured with the AWS CLI."""
        documents = []
        for path in paths:
            try:
                documents.append(json.loads(Path(path).read_text(encoding="utf-8")))
            except (OSError, ValueError, RecursionError) as exc:
                raise MalformedDataError(f"cannot read catalogue export {path}: {exc}") from None
        return cls.from_exports(*documents)

    # -- lookups --------------------------------------------------------------------------

    @property
    def registration_types(self) -> tuple[str, ...]:
        return tuple(self._types)

    def __contains__(self, registration_type: object) -> bool:
        return registration_type in self._types

    def type_definition(self, registration_type: str) -> dict[str, Any]:
        return self._types[registration_type]

    def sections(self, registration_type: str) -> tuple[dict[str, Any], ...]:
        return tuple(self._sections[registration_type].values())

    def fields(self, registration_type: str) -> tuple[dict[str, Any], ...]:
        return tuple(self._fields[registration_type].values())

    def field(self, registration_type: str, field_path: str) -> dict[str, Any]:
        """The field's definition; ValidationException UNKNOWN_REGISTRATION_FIELD if none."""
        found = self._fields.get(registration_type, {}).get(field_path)
        if found is None:
            raise _field_error(
                field_path,
                f"Registration field {field_path} does not exist for registration type "
                f"{registration_type}",
                "UNKNOWN_REGISTRATION_FIELD",
            )
        return found

    def required(self, registration_type: str) -> tuple[str, ...]:
        return tuple(
            p
            for p, f in self._fields[registration_type].items()
            if f["FieldRequirement"] == "REQUIRED"
        )

    def association(self, registration_type: str, resource_type: str) -> dict[str, Any] | None:
        for item in self._types[registration_type].get("SupportedAssociations") or ():
            if item.get("ResourceType") == resource_type:
                return dict(item)
        return None

    def check_value(
        self,
        registration_type: str,
        field_path: str,
        *,
        select_choices: list[str] | None = None,
        text_value: str | None = None,
        attachment_id: str | None = None,
    ) -> dict[str, Any]:
        """Check a value against the field's definition; the field's definition."""
        definition = self.field(registration_type, field_path)
        kind = definition["FieldType"]
        given = [
            n
            for n, v in (
                ("SelectChoices", select_choices),
                ("TextValue", text_value),
                ("RegistrationAttachmentId", attachment_id),
            )
            if v is not None
        ]
        expected = {
            "SELECT": "SelectChoices",
            "TEXT": "TextValue",
            "ATTACHMENT": "RegistrationAttachmentId",
        }[kind]
        if given != [expected]:
            raise _field_error(
                field_path,
                f"Field {field_path} is a {kind} field: give {expected} only",
                "FIELD_VALIDATION_FAILED",
            )
        if kind == "TEXT":
            assert text_value is not None
            rule = definition.get("TextValidation") or {}
            low, high = rule.get("MinLength", 0), rule.get("MaxLength", 2048)
            if not low <= len(text_value) <= high:
                raise _field_error(
                    field_path,
                    f"Field {field_path} takes {low} to {high} characters, got {len(text_value)}",
                    "FIELD_VALIDATION_FAILED",
                )
            pattern = rule.get("Pattern")
            if pattern and not _matches(pattern, text_value):
                raise _field_error(
                    field_path,
                    f"Field {field_path} must match the pattern {pattern}",
                    "FIELD_VALIDATION_FAILED",
                )
        if kind == "SELECT":
            assert select_choices is not None
            rule = definition.get("SelectValidation") or {}
            low, high = rule.get("MinChoices", 0), rule.get("MaxChoices", 100)
            options = rule.get("Options")
            if not low <= len(select_choices) <= high:
                raise _field_error(
                    field_path,
                    f"Field {field_path} takes {low} to {high} choices, got {len(select_choices)}",
                    "FIELD_VALIDATION_FAILED",
                )
            unknown = [c for c in select_choices if options is not None and c not in options]
            if unknown:
                raise _field_error(
                    field_path,
                    f"Field {field_path} has no option {unknown[0]}; its options are "
                    f"{', '.join(options or ())}",
                    "FIELD_VALIDATION_FAILED",
                )
        return definition


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:  # a Java-only construct: AWS checks it, the simulator cannot
        return True


def _text(item: Mapping[str, Any], key: str, what: str) -> str:
    value = item.get(key) if isinstance(item, Mapping) else None
    if not isinstance(value, str) or not value:
        raise MalformedDataError(f"{what} lacks its {key}")
    return value


def _text_field(
    section: str,
    path: str,
    title: str,
    requirement: str,
    low: int,
    high: int,
    pattern: str | None = None,
) -> dict[str, Any]:
    validation: dict[str, Any] = {"MinLength": low, "MaxLength": high, "Pattern": pattern or ".*"}
    return {
        "SectionPath": section,
        "FieldPath": path,
        "FieldType": "TEXT",
        "FieldRequirement": requirement,
        "TextValidation": validation,
        "DisplayHints": {"Title": title, "ShortDescription": title},
    }


def _select_field(
    section: str, path: str, title: str, requirement: str, options: list[str], most: int = 1
) -> dict[str, Any]:
    return {
        "SectionPath": section,
        "FieldPath": path,
        "FieldType": "SELECT",
        "FieldRequirement": requirement,
        "SelectValidation": {"MinChoices": 1, "MaxChoices": most, "Options": options},
        "DisplayHints": {"Title": title, "ShortDescription": title},
    }


def _attachment_field(section: str, path: str, title: str, requirement: str) -> dict[str, Any]:
    return {
        "SectionPath": section,
        "FieldPath": path,
        "FieldType": "ATTACHMENT",
        "FieldRequirement": requirement,
        "DisplayHints": {"Title": title, "ShortDescription": title},
    }


def _type(
    name: str, title: str, resource: str, behaviour: str, country: str = "US"
) -> dict[str, Any]:
    return {
        "RegistrationType": name,
        "SupportedAssociations": [
            {
                "ResourceType": resource,
                "IsoCountryCode": country,
                "AssociationBehavior": behaviour,
                "DisassociationBehavior": "DELETE_REGISTRATION_DISASSOCIATES",
            }
        ],
        "DisplayHints": {"Title": f"{title} (sample, not AWS's definition)"},
    }


SAMPLE_CATALOGUE = Catalogue(
    types=[
        _type(
            "US_TEN_DLC_BRAND_REGISTRATION",
            "US 10DLC brand",
            "phone-number",
            "ASSOCIATE_AFTER_COMPLETE",
        ),
        _type(
            "US_TEN_DLC_CAMPAIGN_REGISTRATION",
            "US 10DLC campaign",
            "phone-number",
            "ASSOCIATE_AFTER_COMPLETE",
        ),
        _type(
            "US_TOLL_FREE_REGISTRATION",
            "US toll-free number",
            "phone-number",
            "ASSOCIATE_BEFORE_SUBMIT",
        ),
        _type(
            "GB_SENDER_ID_REGISTRATION", "UK sender ID", "sender-id", "ASSOCIATE_ON_APPROVAL", "GB"
        ),
    ],
    fields={
        "US_TEN_DLC_BRAND_REGISTRATION": [
            _text_field(
                "companyInfo", "companyInfo.companyName", "Legal company name", "REQUIRED", 1, 100
            ),
            _text_field(
                "companyInfo", "companyInfo.taxId", "Tax id (EIN)", "REQUIRED", 9, 9, "[0-9]{9}"
            ),
            _select_field(
                "companyInfo",
                "companyInfo.vertical",
                "Industry",
                "REQUIRED",
                ["RETAIL", "HEALTHCARE", "TECHNOLOGY", "FINANCIAL"],
            ),
            _text_field(
                "contactInfo",
                "contactInfo.supportEmail",
                "Support email",
                "OPTIONAL",
                3,
                100,
                "[^@ ]+@[^@ ]+",
            ),
        ],
        "US_TEN_DLC_CAMPAIGN_REGISTRATION": [
            _text_field(
                "campaignInfo",
                "campaignInfo.description",
                "Campaign description",
                "REQUIRED",
                40,
                4096,
            ),
            _select_field(
                "campaignInfo",
                "campaignInfo.useCases",
                "Use cases",
                "REQUIRED",
                ["MARKETING", "ACCOUNT_NOTIFICATION", "TWO_FACTOR_AUTH"],
                most=3,
            ),
            _attachment_field(
                "campaignInfo", "campaignInfo.optInScreenshot", "Opt-in screenshot", "OPTIONAL"
            ),
        ],
        "US_TOLL_FREE_REGISTRATION": [
            _text_field(
                "companyInfo", "companyInfo.companyName", "Company name", "REQUIRED", 1, 100
            ),
            _attachment_field(
                "messagingUseCase", "messagingUseCase.optInImage", "Opt-in image", "REQUIRED"
            ),
            _text_field(
                "messagingUseCase",
                "messagingUseCase.sampleMessage",
                "Sample message",
                "OPTIONAL",
                20,
                1024,
            ),
        ],
        "GB_SENDER_ID_REGISTRATION": [
            _text_field(
                "senderInfo", "senderInfo.senderId", "Sender ID", "REQUIRED", 3, 11, "[A-Za-z0-9]+"
            ),
        ],
    },
)
"""A small catalogue invented for tests and demos: four registration types with a few
fields each. It is not AWS's real catalogue; capture yours with :meth:`Catalogue.load`."""
