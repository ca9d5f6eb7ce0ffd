"""The strategies generate what they promise: legal data, model-valid AWS shapes, real faults."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.model import Shape
from botocore.stub import Stubber
from hypothesis import assume, find, given, settings
from hypothesis import strategies as st

from registration_fsm import (
    LIFECYCLE,
    IllegalRemoteTransition,
    InvalidTransition,
    Registration,
    RegistrationVersion,
    StatusHistory,
    UnknownStatusError,
    VersionStatus,
)
from registration_fsm.backends import RegistrationInfo, VersionInfo
from registration_fsm.evidence import judge_new
from registration_fsm.testing.strategies import (
    Corruption,
    CorruptionKind,
    IllegalPath,
    corrupted_version_items,
    corrupted_version_pages,
    create_registration_results,
    create_version_results,
    describe_pages,
    describe_registrations_results,
    describe_versions_pages,
    discard_version_results,
    illegal_trigger_sequences,
    registrations,
    submit_version_results,
    unknown_status_strings,
    valid_histories,
    version_items,
)

S = VersionStatus
RID = "registration-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def client() -> Any:
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    return session.client(
        "pinpoint-sms-voice-v2",
        config=Config(retries={"max_attempts": 1}),
        endpoint_url="http://127.0.0.1:9",
    )


def _strict(shape: Shape, value: object, path: str = "") -> None:
    """Check what Stubber's validator leaves out: enums, maxima, patterns, unknown keys."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        assert isinstance(value, dict), path
        assert set(value) <= set(shape.members), (path, set(value) - set(shape.members))
        for name in shape.required_members:
            assert value.get(name) is not None, f"{path}.{name} is required"
        for name, item in value.items():
            _strict(shape.members[name], item, f"{path}.{name}")
    elif kind == "list":
        assert isinstance(value, list), path
        assert meta.get("min", 0) <= len(value) <= meta.get("max", len(value)), path
        for index, item in enumerate(value):
            _strict(shape.member, item, f"{path}[{index}]")
    elif kind == "map":
        assert isinstance(value, dict), path
        for key, item in value.items():
            _strict(shape.key, key, f"{path}.<key>")
            _strict(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        assert isinstance(value, str), path
        if "enum" in meta:
            assert value in meta["enum"], (path, value)
        assert meta.get("min", 0) <= len(value) <= meta.get("max", len(value)), (path, value)
        if "pattern" in meta:
            assert re.fullmatch(meta["pattern"], value), (path, value)
    elif kind in ("integer", "long"):
        assert isinstance(value, int), path
        assert not isinstance(value, bool), path
        assert meta.get("min", value) <= value <= meta.get("max", value), (path, value)
    elif kind == "timestamp":
        assert isinstance(value, datetime), path
        assert value.tzinfo is not None, path
    elif kind == "boolean":
        assert isinstance(value, bool), path
    else:  # pragma: no cover - the operations used here have no other shapes
        raise AssertionError(f"{path}: unexpected shape type {kind}")


def _stub(client: Any, operation: str, response: dict[str, Any], call: dict[str, Any]) -> Any:
    """Validate ``response`` against the installed model, strictly, then get it through boto3."""
    output = client.meta.service_model.operation_model(operation).output_shape
    _strict(output, response, operation)
    method = re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
    with Stubber(client) as stubber:
        stubber.add_response(method, response)
        answer = getattr(client, method)(**call)
        stubber.assert_no_pending_responses()
    answer.pop("ResponseMetadata", None)
    return answer


# -- valid values -------------------------------------------------------------------------


@given(valid_histories())
def test_valid_histories_are_explained_by_a_legal_path(pair: tuple[S, StatusHistory]) -> None:
    status, history = pair
    assert LIFECYCLE.explain(LIFECYCLE.initial, status, history) is not None
    RegistrationVersion(RID, 1, status=status, history=history)


@given(valid_histories(), st.data())
def test_no_proven_path_enters_a_status_whose_stamp_was_left_out(
    pair: tuple[S, StatusHistory], data: st.DataObject
) -> None:
    status, history = pair
    passed = [s for s, _ in history.stamped() if s not in (S.DRAFT, status)]
    assume(passed)
    dropped = data.draw(st.sampled_from(passed))
    stamps = {k: v for k, v in history.to_aws().items() if k != dropped.history_key}
    thinner = StatusHistory.from_aws(stamps)
    proof = judge_new(status, thinner)
    # The thinner history may still prove a shorter path, but never one through ``dropped``.
    assert proof.path == LIFECYCLE.explain(LIFECYCLE.initial, status, thinner)
    if proof.path is None:
        assert proof.problems
        with pytest.raises(IllegalRemoteTransition):
            RegistrationVersion.from_aws(
                {
                    "VersionNumber": 1,
                    "RegistrationVersionStatus": status.value,
                    "RegistrationVersionStatusHistory": stamps,
                },
                registration_id=RID,
            )
    else:
        assert all(e.dest is not dropped for e in proof.path)


def test_leaving_out_a_passed_stamp_usually_proves_nothing() -> None:
    # Not vacuous: dropping a stamp does make histories unprovable.
    def unprovable(pair: tuple[S, StatusHistory]) -> bool:
        status, history = pair
        submitted = history.to_aws()
        if status in (S.DRAFT, S.SUBMITTED) or "SubmittedTimestamp" not in submitted:
            return False
        del submitted["SubmittedTimestamp"]
        return not judge_new(status, StatusHistory.from_aws(submitted)).proven

    # Pinned: whether `find` meets such a history in its budget must not be luck.
    pinned = settings(database=None, derandomize=True, max_examples=2000)
    status, _ = find(valid_histories(), unprovable, settings=pinned)
    assert status not in (S.DRAFT, S.SUBMITTED)


# -- AWS shapes, validated by Stubber and by the model ------------------------------------


@given(submit_version_results())
def test_submit_results_are_valid_for_botocore(client: Any, result: dict[str, Any]) -> None:
    answer = _stub(client, "SubmitRegistrationVersion", result, {"RegistrationId": RID})
    info = VersionInfo.from_aws(answer)
    assert info.history.submitted is not None
    assert info.aws_review is result["AwsReview"]
    path = LIFECYCLE.explain(S.DRAFT, info.status, info.history)
    assert path is not None
    assert path[0].trigger == "submit"
    assert all(edge.initiator.value == "aws" for edge in path[1:])


@given(discard_version_results())
def test_discard_results_are_valid_for_botocore(client: Any, result: dict[str, Any]) -> None:
    answer = _stub(client, "DiscardRegistrationVersion", result, {"RegistrationId": RID})
    info = VersionInfo.from_aws(answer)
    assert info.status is S.DISCARDED
    assert LIFECYCLE.explain(S.DRAFT, info.status, info.history) is not None


@given(create_version_results())
def test_create_version_results_are_valid_for_botocore(
    client: Any, result: dict[str, Any]
) -> None:
    answer = _stub(client, "CreateRegistrationVersion", result, {"RegistrationId": RID})
    info = VersionInfo.from_aws(answer)
    assert info.status is S.DRAFT
    assert info.version_number >= 2
    assert info.history.to_aws() == {"DraftTimestamp": info.history.draft}


@given(describe_versions_pages())
def test_describe_versions_pages_are_valid_and_coherent(
    client: Any, pages: list[dict[str, Any]]
) -> None:
    infos: list[VersionInfo] = []
    for index, page in enumerate(pages):
        call: dict[str, Any] = {"RegistrationId": page["RegistrationId"]}
        if index:
            call["NextToken"] = pages[index - 1]["NextToken"]
        answer = _stub(client, "DescribeRegistrationVersions", page, call)
        assert ("NextToken" in answer) is (index < len(pages) - 1)
        infos.extend(
            VersionInfo.from_aws(item, registration_id=answer["RegistrationId"])
            for item in answer["RegistrationVersions"]
        )
    assert [i.version_number for i in infos] == list(range(1, len(infos) + 1))
    assert sum(1 for i in infos if i.status is S.APPROVED) <= 1
    for info in infos:
        assert LIFECYCLE.explain(S.DRAFT, info.status, info.history) is not None
        if info.denied_reasons or info.feedback is not None:
            assert info.status is S.DENIED
    for older in infos[:-1]:
        assert older.status.is_terminal or older.status is S.APPROVED


@given(version_items())
def test_version_items_parse_into_versions(item: dict[str, Any]) -> None:
    version = RegistrationVersion.from_aws(item, registration_id=RID)
    assert (
        version.to_aws()["RegistrationVersionStatusHistory"]
        == (item["RegistrationVersionStatusHistory"])
    )


@given(create_registration_results())
def test_create_registration_results_are_valid_for_botocore(
    client: Any, result: dict[str, Any]
) -> None:
    answer = _stub(
        client,
        "CreateRegistration",
        result,
        {"RegistrationType": result["RegistrationType"]},
    )
    info = RegistrationInfo.from_aws(answer)
    assert info.current_version_number == 1
    assert info.status.value == "CREATED"


@given(describe_registrations_results())
def test_describe_registrations_results_are_valid_for_botocore(
    client: Any, result: dict[str, Any]
) -> None:
    answer = _stub(client, "DescribeRegistrations", result, {})
    for item in answer["Registrations"]:
        info = RegistrationInfo.from_aws(item)
        if info.approved_version_number is not None:
            assert info.approved_version_number <= info.current_version_number
            assert info.approved_version_number != info.latest_denied_version_number


def test_stubber_really_validates_the_samples(client: Any) -> None:
    """The Stubber step is not a formality: a result missing a required key is refused."""
    result = find(submit_version_results(), lambda r: True)
    del result["AwsReview"]
    with Stubber(client) as stubber, pytest.raises(ParamValidationError, match="AwsReview"):
        stubber.add_response("submit_registration_version", result)


def test_the_strict_check_catches_what_stubber_lets_through(client: Any) -> None:
    """The model check above is not vacuous: an unknown enum value passes Stubber, not it."""
    result = find(submit_version_results(), lambda r: True)
    result["RegistrationVersionStatus"] = "PENDING"
    with Stubber(client) as stubber:
        stubber.add_response("submit_registration_version", result)
    output = client.meta.service_model.operation_model("SubmitRegistrationVersion").output_shape
    with pytest.raises(AssertionError):
        _strict(output, result)


# -- deliberately invalid data ------------------------------------------------------------


@given(illegal_trigger_sequences())
def test_illegal_paths_are_refused_at_their_last_trigger(path: IllegalPath) -> None:
    version = RegistrationVersion.new(RID)
    for trigger in path.prefix:
        version.fire(trigger)
    assert version.status is path.status
    before = version.to_dict()
    with pytest.raises(InvalidTransition) as raised:
        version.fire(path.trigger)
    assert raised.value.trigger == path.trigger
    assert version.to_dict() == before
    assert path.triggers[-1] == path.trigger


@given(corrupted_version_items())
def test_corrupted_items_are_what_their_label_says(corruption: Corruption) -> None:
    original = corruption.original
    status = S.parse(original["RegistrationVersionStatus"])
    assert LIFECYCLE.explain(
        S.DRAFT, status, StatusHistory.from_aws(original["RegistrationVersionStatusHistory"])
    )
    item = corruption.data
    assert item != original
    assert item["VersionNumber"] == corruption.version_number
    _check_corrupted_item(corruption.kind, item)


def _check_corrupted_item(kind: CorruptionKind, item: dict[str, Any]) -> None:
    if kind is CorruptionKind.UNKNOWN_STATUS:
        with pytest.raises(UnknownStatusError):
            RegistrationVersion.from_aws(item, registration_id=RID)
        return
    status = S.parse(item["RegistrationVersionStatus"])
    history = StatusHistory.from_aws(item["RegistrationVersionStatusHistory"])
    if kind is CorruptionKind.MISSING_STAMP:
        assert status.history_field is not None
        assert history[status] is None
    else:
        assert LIFECYCLE.explain(S.DRAFT, status, history) is None


@given(corrupted_version_items(kinds=(CorruptionKind.OUT_OF_ORDER,)))
def test_out_of_order_items_pass_botocore_so_they_reach_the_code_under_test(
    client: Any, corruption: Corruption
) -> None:
    page = {
        "RegistrationArn": "arn:aws:sms-voice:us-east-1:123456789012:registration/" + RID,
        "RegistrationId": RID,
        "RegistrationVersions": [corruption.data],
    }
    answer = _stub(client, "DescribeRegistrationVersions", page, {"RegistrationId": RID})
    assert (
        answer["RegistrationVersions"][0]["RegistrationVersionStatusHistory"]
        == (corruption.data["RegistrationVersionStatusHistory"])
    )


@given(corrupted_version_pages())
def test_corrupted_pages_break_exactly_what_they_say(corruption: Corruption) -> None:
    def items(pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [item for page in pages for item in page["RegistrationVersions"]]

    broken, original = items(corruption.data), items(corruption.original)
    assert [p.get("NextToken") for p in corruption.data] == [
        p.get("NextToken") for p in corruption.original
    ]
    changed = [b["VersionNumber"] for b, o in zip(broken, original) if b != o]
    approved = [
        i["VersionNumber"] for i in original if i["RegistrationVersionStatus"] == "APPROVED"
    ]
    assert len(approved) <= 1
    if corruption.kind is CorruptionKind.TWO_APPROVED:
        now_approved = [
            i["VersionNumber"] for i in broken if i["RegistrationVersionStatus"] == "APPROVED"
        ]
        assert len(now_approved) >= 2
        assert corruption.version_number in now_approved
        for item in broken:
            status = S.parse(item["RegistrationVersionStatus"])
            history = StatusHistory.from_aws(item["RegistrationVersionStatusHistory"])
            assert LIFECYCLE.explain(S.DRAFT, status, history) is not None
    else:
        assert changed == [corruption.version_number]
        (item,) = (b for b in broken if b["VersionNumber"] == corruption.version_number)
        _check_corrupted_item(corruption.kind, item)


@given(unknown_status_strings())
def test_unknown_status_strings_are_unknown(value: str) -> None:
    with pytest.raises(UnknownStatusError):
        S.parse(value)


# -- registrations (Registration objects) in AWS's shapes ----------------------------------


@given(
    registrations().flatmap(lambda r: st.tuples(st.just(r), describe_pages(r, json_safe=False)))
)
def test_registration_pages_are_valid_for_botocore(
    client: Any, drawn: tuple[Registration, list[dict[str, Any]]]
) -> None:
    registration, pages = drawn
    numbers = []
    for page in pages:
        answer = _stub(
            client,
            "DescribeRegistrationVersions",
            page,
            {"RegistrationId": page["RegistrationId"]},
        )
        numbers += [item["VersionNumber"] for item in answer["RegistrationVersions"]]
    assert sorted(numbers) == [v.version_number for v in registration.versions]
    result = {"Registrations": [registration.to_aws()]}
    (item,) = _stub(client, "DescribeRegistrations", result, {})["Registrations"]
    assert item["RegistrationStatus"] == registration.status.value
    rebuilt = Registration.from_aws(item, pages)
    assert rebuilt.status is registration.status
    assert [v.status for v in rebuilt.versions] == [v.status for v in registration.versions]
