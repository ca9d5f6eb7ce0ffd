"""The one-pass snapshot reader agrees with RegistrationVersion.from_dict on every input."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from registration_fsm import Registration, RegistrationVersion
from registration_fsm._snapshot_read import _plain, versions_from_snapshots

_RID = "registration-0123456789abcdef0123456789abcdef"
_ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{_RID}"


def _approved() -> dict[str, Any]:
    version = RegistrationVersion.new(_RID, 3, registration_arn=None)
    version.submit()
    version.begin_review()
    version.require_authentication()
    version.complete_authentication()
    version.approve()
    return version.to_dict()


class _Str(str):
    pass


def _history(**changes: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key, value in changes.items():
            if value is _DROP:
                del data["history"][key]
            else:
                data["history"][key] = value

    return change


def _set(key: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if value is _DROP:
            del data[key]
        else:
            data[key] = value

    return change


_DROP = object()
_APPROVED_AT = _approved()["history"]["ApprovedTimestamp"]

VARIANTS: dict[str, Callable[[dict[str, Any]], None]] = {
    "as written": lambda data: None,
    "no schema": _set("schema", _DROP),
    "other schema": _set("schema", "registration_fsm/other"),
    "schema_version 2": _set("schema_version", 2),
    "schema_version True": _set("schema_version", True),
    "schema_version text": _set("schema_version", "1"),
    "extra key": _set("extra", 1),
    "no arn key": _set("registration_arn", _DROP),
    "valid arn": _set("registration_arn", _ARN),
    "bad arn": _set("registration_arn", "arn:aws:s3:::bucket"),
    "arn number": _set("registration_arn", 7),
    "arn subclass": _set("registration_arn", _Str(_ARN)),
    "empty id": _set("registration_id", ""),
    "id bad character": _set("registration_id", "registration-é"),
    "id too long": _set("registration_id", "r" * 257),
    "id number": _set("registration_id", 5),
    "id subclass": _set("registration_id", _Str(_RID)),
    "id is an arn": _set("registration_id", _ARN),
    "number 0": _set("version_number", 0),
    "number too big": _set("version_number", 100_001),
    "number True": _set("version_number", True),
    "number text": _set("version_number", "3"),
    "number float": _set("version_number", 3.0),
    "no status": _set("status", _DROP),
    "status lower": _set("status", "approved"),
    "status unknown": _set("status", "WAITING"),
    "status number": _set("status", 4),
    "status subclass": _set("status", _Str("APPROVED")),
    "status not latest": _set("status", "REVIEWING"),
    "history list": _set("history", []),
    "no history": _set("history", _DROP),
    "unknown history key": _history(LaterTimestamp="2026-01-05T09:00:00+00:00"),
    "history key number": _history(**{"7": "2026-01-05T09:00:00+00:00"}),
    "no draft": _history(DraftTimestamp=_DROP),
    "draft None": _history(DraftTimestamp=None),
    "denied None": _history(DeniedTimestamp=None),
    "stamp Z": _history(ApprovedTimestamp=_APPROVED_AT.replace("+00:00", "Z")),
    "stamp z": _history(ApprovedTimestamp=_APPROVED_AT.replace("+00:00", "z")),
    "stamp +01:00": _history(ApprovedTimestamp=_APPROVED_AT.replace("+00:00", "+01:00")),
    "stamp -00:00": _history(ApprovedTimestamp=_APPROVED_AT.replace("+00:00", "-00:00")),
    "stamp naive": _history(ApprovedTimestamp=_APPROVED_AT.replace("+00:00", "")),
    "stamp space": _history(ApprovedTimestamp=_APPROVED_AT.replace("T", " ")),
    "stamp padded": _history(ApprovedTimestamp=f" {_APPROVED_AT} "),
    "stamp NUL": _history(ApprovedTimestamp=_APPROVED_AT.replace("+00:00", "\x00+00:00")),
    "stamp NUL at the end": _history(ApprovedTimestamp=_APPROVED_AT + "\x00"),
    "stamp NUL before the offset": _history(DraftTimestamp="2026-01-01T00:00:00\x00+00:00"),
    "stamp too long": _history(ApprovedTimestamp=_APPROVED_AT + " " * 64),
    "stamp microseconds": _history(
        ApprovedTimestamp=_APPROVED_AT.replace("+00:00", ".123456+00:00")
    ),
    "stamp in 1999": _history(DraftTimestamp="1999-12-31T23:59:59+00:00"),
    "stamp in 2100": _history(ApprovedTimestamp="2100-01-01T00:00:00+00:00"),
    "stamp epoch": _history(ApprovedTimestamp=1_900_000_000),
    "stamp subclass": _history(ApprovedTimestamp=_Str(_APPROVED_AT)),
    "stamp garbage": _history(ApprovedTimestamp="yesterday"),
}


def _outcome(read: Callable[[], RegistrationVersion]) -> tuple[object, ...]:
    try:
        version = read()
    except Exception as error:
        return ("raised", type(error), str(error))
    return (
        "read",
        version.to_dict(),
        version._state,
        version.clock,
        version._history_cache,
        version._last_answer,
    )


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_the_fast_reader_agrees_with_from_dict(name: str) -> None:
    data = _approved()
    VARIANTS[name](data)
    fast = _outcome(lambda: versions_from_snapshots([copy.deepcopy(data)])[0])
    slow = _outcome(lambda: RegistrationVersion.from_dict(copy.deepcopy(data)))
    assert fast == slow


def test_the_written_shape_takes_the_one_pass_path() -> None:
    data = _approved()
    assert _plain(data, None, set()) is not None
    for name in ("stamp Z", "no arn key", "status subclass", "stamp +01:00"):
        changed = _approved()
        VARIANTS[name](changed)
        assert _plain(changed, None, set()) is None, name


def test_each_versions_id_is_checked_even_when_another_passed() -> None:
    good, bad = _approved(), _approved()
    bad["registration_id"] = "registration-é"
    with pytest.raises(Exception) as raised:
        versions_from_snapshots([good, bad])
    with pytest.raises(type(raised.value)) as expected:
        RegistrationVersion.from_dict(bad)
    assert str(raised.value) == str(expected.value)


def test_a_registration_reads_back_equal_with_its_clock() -> None:
    reg = Registration.new(_RID)
    reg.fire("submit")
    reg.fire("begin_review")
    reg.fire("approve")
    reg.create_version()
    data = reg.to_dict()
    clock = reg.clock
    back = Registration.from_dict(data, clock=clock)
    assert back == reg
    assert back.to_dict() == data
    assert all(v.clock is clock for v in back.versions)


def test_an_unstamped_status_in_the_middle_of_a_history_leaves_the_later_stamps() -> None:
    item = {
        "schema": "registration_fsm/version",
        "schema_version": 1,
        "registration_id": "registration-0123456789abcdef0123456789abcdef",
        "version_number": 1,
        "registration_arn": None,
        "status": "REVIEWING",
        "history": {
            "DraftTimestamp": "2026-01-01T00:00:00+00:00",
            "SubmittedTimestamp": None,
            "ReviewingTimestamp": "2026-01-03T00:00:00+00:00",
        },
    }
    (read,) = versions_from_snapshots([item])
    assert read._key() == RegistrationVersion.from_dict(item)._key()
    assert read.history.reviewing is not None
