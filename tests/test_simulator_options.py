"""The simulator's options: catalogues, the automated denial of incomplete submits, ids,
clocks, bounded logs, and its state saved and loaded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from registration_fsm import (
    InMemoryBackend,
    InvalidValueError,
    MalformedDataError,
    SteppingClock,
    ValidationError,
    VersionStatus,
)
from registration_fsm.backends import SAMPLE_CATALOGUE, Catalogue
from registration_fsm.clock import utc_now
from registration_fsm.errors import ConflictError

BRAND = "US_TEN_DLC_BRAND_REGISTRATION"
CAPTURED_TYPES = {
    "RegistrationTypeDefinitions": [
        {
            "RegistrationType": "CA_LONG_CODE_REGISTRATION",
            "SupportedAssociations": [
                {
                    "ResourceType": "phone-number",
                    "IsoCountryCode": "CA",
                    "AssociationBehavior": "ASSOCIATE_BEFORE_SUBMIT",
                    "DisassociationBehavior": "DISASSOCIATE_ALL_CLOSES_REGISTRATION",
                }
            ],
            "DisplayHints": {"Title": "Canada long code"},
        }
    ]
}
CAPTURED_FIELDS = {
    "RegistrationType": "CA_LONG_CODE_REGISTRATION",
    "RegistrationFieldDefinitions": [
        {
            "SectionPath": "business",
            "FieldPath": "business.name",
            "FieldType": "TEXT",
            "FieldRequirement": "REQUIRED",
            "TextValidation": {"MinLength": 2, "MaxLength": 50, "Pattern": ".*"},
            "DisplayHints": {"Title": "Name", "ShortDescription": "Name"},
        }
    ],
}


def test_unknown_registration_types_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        InMemoryBackend().create_registration("ZZ_NOT_A_TYPE")
    assert caught.value.reason == "UNKNOWN_REGISTRATION_TYPE"
    assert InMemoryBackend(catalogue=None).create_registration("ZZ_NOT_A_TYPE").status.value == (
        "CREATED"
    )


def test_a_catalogue_captured_from_an_account(tmp_path: Path) -> None:
    (tmp_path / "types.json").write_text(json.dumps(CAPTURED_TYPES))
    (tmp_path / "fields.json").write_text(json.dumps(CAPTURED_FIELDS))
    catalogue = Catalogue.load(tmp_path / "types.json", tmp_path / "fields.json")
    assert catalogue.registration_types == ("CA_LONG_CODE_REGISTRATION",)
    backend = InMemoryBackend(catalogue=catalogue)
    assert backend.describe_type_definitions() == tuple(
        CAPTURED_TYPES["RegistrationTypeDefinitions"]
    )
    assert backend.describe_field_definitions("CA_LONG_CODE_REGISTRATION") == tuple(
        CAPTURED_FIELDS["RegistrationFieldDefinitions"]
    )
    (section,) = backend.describe_section_definitions("CA_LONG_CODE_REGISTRATION")
    assert section["SectionPath"] == "business"
    with pytest.raises(ValidationError):
        backend.create_registration(BRAND)
    rid = backend.create_registration("CA_LONG_CODE_REGISTRATION").registration_id
    with pytest.raises(ValidationError) as short:
        backend.put_field_value(rid, "business.name", text_value="x")
    assert short.value.reason == "FIELD_VALIDATION_FAILED"
    backend.create_association(rid, "phone-00000000000000000000000000000001")
    with pytest.raises(ConflictError) as kept:
        backend.delete_registration(rid)
    assert kept.value.reason == "RESOURCE_DELETION_NOT_ALLOWED"
    assert backend.describe_registration(rid).status.value == "CREATED"


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"Registrations": []},
        {"RegistrationFieldDefinitions": []},
        {"RegistrationTypeDefinitions": [{"DisplayHints": {}}]},
        {
            "RegistrationType": "X",
            "RegistrationFieldDefinitions": [{"FieldPath": "a", "FieldType": "PHOTO"}],
        },
    ],
)
def test_a_catalogue_export_that_is_not_one_is_refused(document: Any) -> None:
    with pytest.raises(MalformedDataError):
        Catalogue.from_exports(document)


def test_the_sample_catalogue_is_labelled_as_a_sample() -> None:
    for name in SAMPLE_CATALOGUE.registration_types:
        assert "sample" in SAMPLE_CATALOGUE.type_definition(name)["DisplayHints"]["Title"]


def test_an_incomplete_submit_is_denied_when_aws_moves_it_on() -> None:
    backend = InMemoryBackend(deny_incomplete=True)
    rid = backend.create_registration(BRAND).registration_id
    assert backend.missing_fields(rid) == (
        "companyInfo.companyName",
        "companyInfo.taxId",
        "companyInfo.vertical",
    )
    assert backend.submit(rid).status is VersionStatus.SUBMITTED  # accepted, as AWS did
    denied = backend.play_aws(rid, "begin_review")
    assert denied.status is VersionStatus.DENIED
    (reason,) = denied.denied_reasons
    assert reason.reason == "REQUIRED_FIELDS_MISSING"
    assert "companyInfo.taxId" in reason.short_description

    complete = backend.create_registration(BRAND).registration_id
    backend.put_field_value(complete, "companyInfo.companyName", text_value="Acme")
    backend.put_field_value(complete, "companyInfo.taxId", text_value="123456789")
    backend.put_field_value(complete, "companyInfo.vertical", select_choices=["RETAIL"])
    backend.submit(complete)
    assert backend.play_aws(complete, "begin_review").status is VersionStatus.REVIEWING


def test_by_default_the_aws_side_plays_what_it_is_told() -> None:
    backend = InMemoryBackend()
    rid = backend.create_registration(BRAND).registration_id
    backend.submit(rid)
    assert backend.play_aws(rid, "begin_review").status is VersionStatus.REVIEWING


def test_id_seeds_give_other_ids_and_the_same_seed_the_same() -> None:
    default = InMemoryBackend().create_registration(BRAND).registration_id
    assert InMemoryBackend().create_registration(BRAND).registration_id == default
    one = InMemoryBackend(id_seed=1).create_registration(BRAND).registration_id
    two = InMemoryBackend(id_seed=2).create_registration(BRAND).registration_id
    assert len({default, one, two}) == 3
    assert InMemoryBackend(id_seed=1).create_registration(BRAND).registration_id == one
    with pytest.raises(InvalidValueError):
        InMemoryBackend(id_seed="x")  # type: ignore[arg-type]


def test_the_wall_clock_stamps_with_the_time_now() -> None:
    before = datetime.now(timezone.utc)
    info = InMemoryBackend(clock=utc_now).create_registration(BRAND)
    assert before <= info.created <= datetime.now(timezone.utc)


def test_logs_keep_only_the_latest_entries_and_can_be_cleared() -> None:
    backend = InMemoryBackend(log_limit=3)
    assert backend.log_limit == 3
    for _ in range(5):
        backend.describe_registrations()
    rid = backend.create_registration(BRAND).registration_id
    assert backend.calls == (
        ("describe_registrations", None),
        ("describe_registrations", None),
        ("create_registration", None),
    )
    assert backend.applied == (("create_registration", rid, 1),)
    backend.clear_logs()
    assert (backend.calls, backend.applied) == ((), ())
    with pytest.raises(InvalidValueError):
        InMemoryBackend(log_limit=0)


def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    clock = SteppingClock(datetime(2026, 3, 1, tzinfo=timezone.utc), timedelta(seconds=1))
    backend = InMemoryBackend(clock=clock)
    rid = backend.create_registration(BRAND, tags={"team": "sms"}).registration_id
    attachment = backend.create_attachment(body=b"pdf")["RegistrationAttachmentId"]
    backend.put_field_value(rid, "companyInfo.companyName", text_value="Acme")
    backend.submit(rid)
    backend.play_aws(rid, "begin_review")
    backend.play_aws(rid, "approve")
    backend.create_association(rid, "phone-0123456789abcdef0123456789abcdef")
    backend.create_version(rid)
    path = tmp_path / "state.json"
    backend.save(path)

    restarted = InMemoryBackend()
    restarted.load(path)
    assert restarted.to_dict() == backend.to_dict()
    assert restarted.peek(rid) == backend.peek(rid)
    assert restarted.describe_registration(rid) == backend.describe_registration(rid)
    assert restarted.describe_field_values(rid) == backend.describe_field_values(rid)
    assert restarted.describe_attachments() == backend.describe_attachments()
    # new changes are stamped after the old ones, and new ids do not repeat old ones
    latest = backend.peek(rid)[-1].history.latest
    assert restarted.discard(rid).history.latest > latest
    other = restarted.create_attachment(body=b"x")["RegistrationAttachmentId"]
    assert other != attachment
    assert restarted.create_registration(BRAND).registration_id != rid


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(schema="other"),
        lambda d: d.update(schema_version=99),
        lambda d: d.update(account_id="210987654321"),
        lambda d: d["registrations"][0].pop("versions"),
        lambda d: d["registrations"][0].update(versions=[]),
        lambda d: d["registrations"][0]["versions"][0].update(version={"schema": "x"}),
    ],
)
def test_a_bad_state_file_is_refused_and_changes_nothing(mutate: Any, tmp_path: Path) -> None:
    backend = InMemoryBackend()
    backend.create_registration(BRAND)
    data = backend.to_dict()
    mutate(data)
    target = InMemoryBackend()
    kept = target.create_registration("US_TOLL_FREE_REGISTRATION").registration_id
    with pytest.raises(MalformedDataError):
        target.restore(data)
    assert [r.registration_id for r in target.describe_registrations()] == [kept]
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(MalformedDataError):
        target.load(tmp_path / "bad.json")
