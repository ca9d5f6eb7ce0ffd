"""What the status enums promise, asserted to the value: the README's status table, every
attribute of an unknown-status error, and the exact history key and field of each status."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from registration_fsm import RegistrationStatus, UnknownStatusError, VersionStatus

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_the_readme_table_is_the_statuses_data_row_by_row() -> None:
    for status in VersionStatus:
        assert type(status.is_core) is bool
        assert type(status.is_terminal) is bool
        core = "yes" if status.is_core else "no (added later)"
        terminal = "yes" if status.is_terminal else "no"
        key = f"`{status.history_key}`" if status.history_key else "(none)"
        row = f"| {status.value} | {core} | {terminal} | {key} | {status.description} |"
        assert row in README.splitlines(), row


def test_each_history_field_is_its_key_in_snake_case() -> None:
    for status in VersionStatus:
        if status.history_key is None:
            assert status.history_field is None
            continue
        assert status.history_key == status.history_key[0].upper() + status.history_key[1:]
        assert status.history_key.endswith("Timestamp")
        assert status.history_field == _snake(status.history_key.removesuffix("Timestamp"))


def test_members_are_strings_equal_to_their_names() -> None:
    for status in [*VersionStatus, *RegistrationStatus]:
        assert status.value == status.name
        assert str(status) == status.name
        assert f"{status}" == status.name
        assert isinstance(status, str)


@pytest.mark.parametrize(
    ("kind", "parse"),
    [
        ("RegistrationVersionStatus", VersionStatus.parse),
        ("RegistrationVersionStatus", VersionStatus),
        ("RegistrationStatus", RegistrationStatus.parse),
        ("RegistrationStatus", RegistrationStatus),
    ],
)
@pytest.mark.parametrize("value", ["PENDING", "draft", 7, None, ["DRAFT"]])
def test_an_unknown_status_error_carries_the_value_and_the_enum(
    kind: str, parse: object, value: object
) -> None:
    with pytest.raises(UnknownStatusError) as info:
        parse(value)  # type: ignore[operator]
    assert info.value.value is value
    assert info.value.kind == kind
    assert kind in str(info.value)
    assert repr(value) in str(info.value) or str(value) in str(info.value)


def test_parse_returns_the_member_itself() -> None:
    for status in VersionStatus:
        assert VersionStatus.parse(status.value) is status
        assert VersionStatus(status.value) is status
    for registration_status in RegistrationStatus:
        assert RegistrationStatus.parse(registration_status.value) is registration_status
        assert RegistrationStatus(registration_status.value) is registration_status


def test_every_registration_status_has_its_own_description() -> None:
    descriptions = [s.description for s in RegistrationStatus]
    assert len(set(descriptions)) == len(descriptions)
    # One sentence each, as the version statuses' descriptions in the README.
    assert all(d[0].isupper() and d.endswith(".") and "\n" not in d for d in descriptions)
