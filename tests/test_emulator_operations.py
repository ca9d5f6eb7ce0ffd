"""Every registration operation of the botocore model, served by the emulator to a stock
boto3 client, for valid and invalid input; every answer is checked against the model."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from model_checks import ModelChecker, registration_operations

from registration_fsm.emulator import AWS_OPERATIONS, Emulator
from registration_fsm.testing import mock_sms_voice

TEN_DLC = "US_TEN_DLC_BRAND_REGISTRATION"
CAMPAIGN = "US_TEN_DLC_CAMPAIGN_REGISTRATION"
TOLL_FREE = "US_TOLL_FREE_REGISTRATION"
SENDER_ID = "GB_SENDER_ID_REGISTRATION"
PHONE = "phone-0123456789abcdef0123456789abcdef"


@pytest.fixture(params=["http", "mock_sms_voice"])
def checked(
    boto3_session: Any, request: pytest.FixtureRequest
) -> Iterator[tuple[Any, ModelChecker, Any]]:
    """A client answered by the emulator over HTTP, or in-process by ``mock_sms_voice``;
    the third item has the ``.backend`` behind it."""
    checker = ModelChecker()
    if request.param == "http":
        with Emulator() as emulator:
            client = boto3_session.client(
                "pinpoint-sms-voice-v2", endpoint_url=emulator.endpoint_url
            )
            client.meta.events.register("after-call.pinpoint-sms-voice-v2", checker)
            yield client, checker, emulator
        return
    with mock_sms_voice() as mock:
        mock.attach(boto3_session)
        client = boto3_session.client("pinpoint-sms-voice-v2")
        client.meta.events.register("after-call.pinpoint-sms-voice-v2", checker)
        yield client, checker, mock
    assert mock.requests > 0


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


def test_the_emulator_serves_every_registration_operation(boto3_session: Any) -> None:
    client = boto3_session.client("pinpoint-sms-voice-v2", endpoint_url="http://127.0.0.1:9")
    operations = registration_operations(client)
    assert len(operations) >= 18
    assert operations <= set(AWS_OPERATIONS)


def test_a_whole_flow_through_every_operation(
    checked: tuple[Any, ModelChecker, Any],
) -> None:
    client, checker, emulator = checked
    types = client.describe_registration_type_definitions()["RegistrationTypeDefinitions"]
    assert {t["RegistrationType"] for t in types} == {TEN_DLC, CAMPAIGN, TOLL_FREE, SENDER_ID}
    sections = client.describe_registration_section_definitions(RegistrationType=CAMPAIGN)
    assert [s["SectionPath"] for s in sections["RegistrationSectionDefinitions"]] == [
        "campaignInfo"
    ]
    fields = client.describe_registration_field_definitions(RegistrationType=CAMPAIGN)[
        "RegistrationFieldDefinitions"
    ]
    assert {f["FieldType"] for f in fields} == {"TEXT", "SELECT", "ATTACHMENT"}

    rid = client.create_registration(RegistrationType=CAMPAIGN)["RegistrationId"]
    attachment = client.create_registration_attachment(AttachmentBody=b"%PDF-1.4 opt-in")
    aid = attachment["RegistrationAttachmentId"]
    assert attachment["AttachmentStatus"] == "UPLOAD_COMPLETE"
    client.put_registration_field_value(
        RegistrationId=rid, FieldPath="campaignInfo.description", TextValue="x" * 40
    )
    put = client.put_registration_field_value(
        RegistrationId=rid,
        FieldPath="campaignInfo.useCases",
        SelectChoices=["MARKETING", "TWO_FACTOR_AUTH"],
    )
    assert (put["VersionNumber"], put["SelectChoices"]) == (1, ["MARKETING", "TWO_FACTOR_AUTH"])
    client.put_registration_field_value(
        RegistrationId=rid, FieldPath="campaignInfo.optInScreenshot", RegistrationAttachmentId=aid
    )
    in_use = refused(lambda: client.delete_registration_attachment(RegistrationAttachmentId=aid))
    assert in_use["Reason"] == "RESOURCE_DELETION_NOT_ALLOWED"
    deleted = client.delete_registration_field_value(
        RegistrationId=rid, FieldPath="campaignInfo.optInScreenshot"
    )
    assert deleted["RegistrationAttachmentId"] == aid
    assert (
        client.delete_registration_attachment(RegistrationAttachmentId=aid)["AttachmentStatus"]
        == "DELETED"
    )
    assert client.describe_registration_attachments()["RegistrationAttachments"] == []

    values = client.describe_registration_field_values(RegistrationId=rid)
    assert [v["FieldPath"] for v in values["RegistrationFieldValues"]] == [
        "campaignInfo.description",
        "campaignInfo.useCases",
    ]
    early = refused(
        lambda: client.create_registration_association(RegistrationId=rid, ResourceId=PHONE)
    )
    assert early["Reason"] == "REGISTRATION_NOT_COMPLETE"
    client.submit_registration_version(RegistrationId=rid)
    frozen = refused(
        lambda: client.put_registration_field_value(
            RegistrationId=rid, FieldPath="campaignInfo.description", TextValue="y" * 40
        )
    )
    assert frozen["Reason"] == "EDIT_REGISTRATION_FIELD_VALUES_NOT_ALLOWED"
    emulator.backend.play_aws(rid, "begin_review")
    emulator.backend.play_aws(rid, "approve")
    association = client.create_registration_association(RegistrationId=rid, ResourceId=PHONE)
    assert (association["ResourceType"], association["ResourceId"]) == ("phone-number", PHONE)
    twice = refused(
        lambda: client.create_registration_association(RegistrationId=rid, ResourceId=PHONE)
    )
    assert twice["Reason"] == "RESOURCE_ALREADY_ASSOCIATED"
    listed = client.list_registration_associations(RegistrationId=rid)
    assert [a["ResourceId"] for a in listed["RegistrationAssociations"]] == [PHONE]

    second = client.create_registration_version(RegistrationId=rid)
    assert second["VersionNumber"] == 2
    carried = client.describe_registration_field_values(RegistrationId=rid)
    assert carried["VersionNumber"] == 2
    assert len(carried["RegistrationFieldValues"]) == 2
    client.discard_registration_version(RegistrationId=rid)
    versions = client.describe_registration_versions(RegistrationId=rid)["RegistrationVersions"]
    assert [v["RegistrationVersionStatus"] for v in versions] == ["APPROVED", "DISCARDED"]

    gone = client.delete_registration(RegistrationId=rid)
    assert gone["RegistrationStatus"] == "DELETED"
    (shown,) = client.describe_registrations(RegistrationIds=[rid])["Registrations"]
    assert shown["RegistrationStatus"] == "DELETED"
    assert (
        client.list_registration_associations(RegistrationId=rid)["RegistrationAssociations"] == []
    )
    inactive = refused(lambda: client.create_registration_version(RegistrationId=rid))
    assert inactive["Reason"] == "RESOURCE_NOT_ACTIVE"

    assert checker.answered == registration_operations(client)


INVALID: dict[str, tuple[str, dict[str, Any], str]] = {
    "CreateRegistration": (
        "create_registration",
        {"RegistrationType": "NOPE"},
        "UNKNOWN_REGISTRATION_TYPE",
    ),
    "CreateRegistrationAssociation": (
        "create_registration_association",
        {"RegistrationId": "{rid}", "ResourceId": "senderid-abc"},
        "INVALID_REGISTRATION_ASSOCIATION",
    ),
    "CreateRegistrationAttachment": ("create_registration_attachment", {}, "MISSING_PARAMETER"),
    "CreateRegistrationVersion": (
        "create_registration_version",
        {"RegistrationId": "{rid}"},
        "CREATE_REGISTRATION_VERSION_NOT_ALLOWED",
    ),
    "DeleteRegistration": (
        "delete_registration",
        {"RegistrationId": "bad id"},
        "FIELD_VALIDATION_FAILED",
    ),
    "DeleteRegistrationAttachment": (
        "delete_registration_attachment",
        {"RegistrationAttachmentId": "attachment-missing"},
        None,
    ),
    "DeleteRegistrationFieldValue": (
        "delete_registration_field_value",
        {"RegistrationId": "{rid}", "FieldPath": "companyInfo.taxId"},
        "REGISTRATION_FIELD_CANNOT_BE_DELETED",
    ),
    "DescribeRegistrationAttachments": (
        "describe_registration_attachments",
        {"RegistrationAttachmentIds": ["attachment-x"]},
        None,
    ),
    "DescribeRegistrationFieldDefinitions": (
        "describe_registration_field_definitions",
        {"RegistrationType": "NOPE"},
        "UNKNOWN_REGISTRATION_TYPE",
    ),
    "DescribeRegistrationFieldValues": (
        "describe_registration_field_values",
        {"RegistrationId": "{rid}", "VersionNumber": 7},
        "UNKNOWN_REGISTRATION_VERSION",
    ),
    "DescribeRegistrationSectionDefinitions": (
        "describe_registration_section_definitions",
        {"RegistrationType": TEN_DLC, "SectionPaths": ["nowhere"]},
        "UNKNOWN_REGISTRATION_SECTION",
    ),
    "DescribeRegistrationTypeDefinitions": (
        "describe_registration_type_definitions",
        {"RegistrationTypes": ["NOPE"]},
        "UNKNOWN_REGISTRATION_TYPE",
    ),
    "DescribeRegistrationVersions": (
        "describe_registration_versions",
        {"RegistrationId": "{rid}", "NextToken": "forged"},
        "INVALID_NEXT_TOKEN",
    ),
    "DescribeRegistrations": (
        "describe_registrations",
        {"RegistrationIds": ["registration-x"]},
        None,
    ),
    "DiscardRegistrationVersion": (
        "discard_registration_version",
        {"RegistrationId": "registration-missing"},
        None,
    ),
    "ListRegistrationAssociations": (
        "list_registration_associations",
        {"RegistrationId": "{rid}", "Filters": [{"Name": "colour", "Values": ["x"]}]},
        "FIELD_VALIDATION_FAILED",
    ),
    "PutRegistrationFieldValue": (
        "put_registration_field_value",
        {"RegistrationId": "{rid}", "FieldPath": "companyInfo.taxId", "TextValue": "12"},
        "FIELD_VALIDATION_FAILED",
    ),
    "SubmitRegistrationVersion": (
        "submit_registration_version",
        {"RegistrationId": "{rid}"},
        "REGISTRATION_ALREADY_SUBMITTED",
    ),
}


def test_every_operation_refuses_invalid_input_as_its_model_says(
    checked: tuple[Any, ModelChecker, Any],
) -> None:
    client, checker, _emulator = checked
    rid = client.create_registration(RegistrationType=TEN_DLC)["RegistrationId"]
    client.submit_registration_version(RegistrationId=rid)
    draft = client.create_registration(RegistrationType=TEN_DLC)["RegistrationId"]
    for operation, (method, params, reason) in INVALID.items():
        target = (
            draft
            if operation in {"PutRegistrationFieldValue", "DeleteRegistrationFieldValue"}
            else rid
        )
        filled = {k: (target if v == "{rid}" else v) for k, v in params.items()}
        response = refused(lambda m=method, p=filled: getattr(client, m)(**p))
        assert response.get("Reason") == reason, (operation, response)
        if response["Error"]["Code"] == "ResourceNotFoundException":
            assert response["ResourceId"]
    assert checker.refused == registration_operations(client)


def test_validation_messages_read_like_aws(checked: tuple[Any, ModelChecker, Any]) -> None:
    client, _, _ = checked
    response = refused(lambda: client.submit_registration_version(RegistrationId="bad id"))
    assert response["Error"]["Message"] == (
        "1 validation error detected: Value 'bad id' at 'registrationId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [A-Za-z0-9_:/-]+"
    )
    assert response["Fields"] == [
        {
            "Name": "RegistrationId",
            "Message": "Member must satisfy regular expression pattern: [A-Za-z0-9_:/-]+",
        }
    ]


def test_the_two_submit_refusals_say_different_things(
    checked: tuple[Any, ModelChecker, Any],
) -> None:
    client, _, emulator = checked
    rid = client.create_registration(RegistrationType=TEN_DLC)["RegistrationId"]
    client.submit_registration_version(RegistrationId=rid)
    again = refused(lambda: client.submit_registration_version(RegistrationId=rid))
    emulator.backend.play_aws(rid, "deny")
    denied = refused(lambda: client.submit_registration_version(RegistrationId=rid))
    assert again["Reason"] == "REGISTRATION_ALREADY_SUBMITTED"
    assert denied["Reason"] == "SUBMIT_REGISTRATION_VERSION_NOT_ALLOWED"
    assert again["Error"]["Message"] != denied["Error"]["Message"]
    assert "already submitted" in again["Error"]["Message"]


def test_field_values_are_checked_against_their_definitions(
    checked: tuple[Any, ModelChecker, Any],
) -> None:
    client, _, _ = checked
    rid = client.create_registration(RegistrationType=TEN_DLC)["RegistrationId"]

    def put(**value: Any) -> dict[str, Any]:
        return refused(lambda: client.put_registration_field_value(RegistrationId=rid, **value))

    assert put(FieldPath="companyInfo.nope", TextValue="x")["Reason"] == (
        "UNKNOWN_REGISTRATION_FIELD"
    )
    wrong_kind = put(FieldPath="companyInfo.vertical", TextValue="RETAIL")
    assert "SelectChoices" in wrong_kind["Error"]["Message"]
    not_an_option = put(FieldPath="companyInfo.vertical", SelectChoices=["MINING"])
    assert "MINING" in not_an_option["Error"]["Message"]
    too_many = put(FieldPath="companyInfo.vertical", SelectChoices=["RETAIL", "HEALTHCARE"])
    assert too_many["Fields"][0]["Name"] == "companyInfo.vertical"
    assert (
        "pattern" in put(FieldPath="companyInfo.taxId", TextValue="12345678X")["Error"]["Message"]
    )
    missing = put(FieldPath="companyInfo.companyName", RegistrationAttachmentId="attachment-x")
    assert "TextValue" in missing["Error"]["Message"]
    ok = client.put_registration_field_value(
        RegistrationId=rid, FieldPath="companyInfo.taxId", TextValue="123456789"
    )
    assert ok["TextValue"] == "123456789"


def test_associations_follow_the_association_behaviour(
    checked: tuple[Any, ModelChecker, Any],
) -> None:
    client, _, _emulator = checked
    toll_free = client.create_registration(RegistrationType=TOLL_FREE)["RegistrationId"]
    client.create_registration_association(RegistrationId=toll_free, ResourceId=PHONE)
    client.submit_registration_version(RegistrationId=toll_free)
    late = refused(
        lambda: client.create_registration_association(
            RegistrationId=toll_free, ResourceId="phone-ffffffffffffffffffffffffffffffff"
        )
    )
    assert late["Reason"] == "RESOURCE_MODIFICATION_NOT_ALLOWED"

    sender = client.create_registration(RegistrationType=SENDER_ID)["RegistrationId"]
    made = client.create_registration_association(
        RegistrationId=sender, ResourceId="senderid-ACME"
    )
    assert (made["ResourceType"], made["IsoCountryCode"]) == ("sender-id", "GB")
    wrong = refused(
        lambda: client.create_registration_association(RegistrationId=sender, ResourceId=PHONE)
    )
    assert wrong["Reason"] == "INVALID_REGISTRATION_ASSOCIATION"
    filtered = client.list_registration_associations(
        RegistrationId=sender, Filters=[{"Name": "iso-country-code", "Values": ["US"]}]
    )
    assert filtered["RegistrationAssociations"] == []


def test_definitions_and_values_page(checked: tuple[Any, ModelChecker, Any]) -> None:
    client, _, _ = checked
    pages = list(
        client.get_paginator("describe_registration_type_definitions").paginate(
            PaginationConfig={"PageSize": 3}
        )
    )
    assert [len(p["RegistrationTypeDefinitions"]) for p in pages] == [3, 1]
    fields = (
        client.get_paginator("describe_registration_field_definitions")
        .paginate(RegistrationType=TEN_DLC, PaginationConfig={"PageSize": 1})
        .build_full_result()
    )
    assert len(fields["RegistrationFieldDefinitions"]) == 4
    for _ in range(3):
        client.create_registration_attachment(
            AttachmentBody=base64.b64decode("aGVsbG8="),
        )
    attachments = (
        client.get_paginator("describe_registration_attachments")
        .paginate(PaginationConfig={"PageSize": 2})
        .build_full_result()
    )
    assert len(attachments["RegistrationAttachments"]) == 3
