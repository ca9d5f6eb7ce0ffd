"""The fast paths of RegistrationVersion behave exactly like the validated ones they skip."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from registration_fsm import (
    InvalidDefinition,
    InvalidRegistrationId,
    InvalidTimestamp,
    InvalidTransition,
    InvalidVersionNumber,
    MalformedDataError,
    RegistrationVersion,
    StampOrderError,
    StatusHistory,
    SteppingClock,
    VersionStatus,
)
from registration_fsm import version as version_module

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
ARN = "arn:aws:sms-voice:us-east-1:111122223333:registration/registration-1"


def _slots() -> list[str]:
    names: list[str] = []
    for klass in RegistrationVersion.__mro__:
        names.extend(getattr(klass, "__slots__", ()))
    return [name for name in names if name not in ("__weakref__", "_lock")]


@pytest.mark.parametrize("arn", [None, ARN])
def test_new_sets_every_slot_as_the_constructor_does(arn: str | None) -> None:
    clock = SteppingClock(T0)
    fast = RegistrationVersion.new("registration-1", 7, at=T0, registration_arn=arn, clock=clock)
    slow = RegistrationVersion(
        "registration-1",
        7,
        status=VersionStatus.DRAFT,
        history=StatusHistory(T0),
        registration_arn=arn,
        clock=clock,
    )
    for name in _slots():
        assert getattr(fast, name) == getattr(slow, name), name
    assert fast == slow
    assert type(fast._lock) is type(slow._lock)
    assert fast._lock is not slow._lock
    assert not fast._lock.locked()


def test_new_stamps_the_draft_with_the_clock() -> None:
    version = RegistrationVersion.new("registration-1", clock=SteppingClock(T0))
    assert version.history == StatusHistory(T0)
    assert version.history.latest == T0
    assert version.status is VersionStatus.DRAFT


def test_new_converts_an_aware_non_utc_time() -> None:
    plus_two = timezone(timedelta(hours=2))
    version = RegistrationVersion.new("registration-1", at=T0.astimezone(plus_two))
    assert version.history.draft == T0
    assert version.history.draft.tzinfo is timezone.utc


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"registration_id": ""}, InvalidRegistrationId),
        ({"registration_id": "x" * 257}, InvalidRegistrationId),
        ({"registration_id": "reg 1"}, InvalidRegistrationId),
        ({"registration_id": "régistration"}, InvalidRegistrationId),
        ({"registration_id": 12}, InvalidRegistrationId),
        ({"version_number": 0}, InvalidVersionNumber),
        ({"version_number": 100_001}, InvalidVersionNumber),
        ({"version_number": True}, InvalidVersionNumber),
        ({"version_number": 1.0}, InvalidVersionNumber),
        ({"registration_arn": 5}, MalformedDataError),
        ({"at": datetime(2026, 1, 5, 9, 0)}, InvalidTimestamp),
        ({"at": "2026-01-05"}, InvalidTimestamp),
        ({"clock": lambda: datetime(2026, 1, 5, 9, 0)}, InvalidTimestamp),
    ],
)
def test_new_refuses_what_the_constructor_refuses(
    kwargs: dict[str, Any], error: type[Exception]
) -> None:
    arguments: dict[str, Any] = {"registration_id": "registration-1", "version_number": 1}
    arguments.update(kwargs)
    with pytest.raises(error):
        RegistrationVersion.new(**arguments)


def test_new_accepts_every_character_an_id_may_hold() -> None:
    for rid in ("a", "A-b_c:d/e", "x" * 256, ARN):
        assert RegistrationVersion.new(rid).registration_id == rid


def test_new_runs_a_subclass_constructor() -> None:
    seen: list[str] = []

    class Audited(RegistrationVersion):
        __slots__ = ()

        def __init__(self, registration_id: str, version_number: int, **kwargs: Any) -> None:
            seen.append(registration_id)
            super().__init__(registration_id, version_number, **kwargs)

    version = Audited.new("registration-1", at=T0)
    assert type(version) is Audited
    assert seen == ["registration-1"]


def test_triggers_stamp_their_own_field_and_keep_the_others() -> None:
    clock = SteppingClock(T0, timedelta(minutes=1))
    version = RegistrationVersion.new("registration-1", clock=clock)
    expected: dict[str, datetime] = {"draft": T0}
    walk = [
        ("submit", "submitted"),
        ("begin_review", "reviewing"),
        ("require_authentication", "requires_authentication"),
        ("complete_authentication", "reviewing"),
        ("require_offline_review", None),
        ("begin_review", "reviewing"),
        ("approve", "approved"),
        ("archive", "archived"),
    ]
    for step, (trigger, field) in enumerate(walk, start=1):
        status = version.fire(trigger)
        assert version.status is status
        if field is not None:
            expected[field] = T0 + timedelta(minutes=step)
        assert version.history == StatusHistory(**expected), trigger
        assert version.history.latest == max(expected.values())


def test_a_refused_trigger_changes_nothing_and_releases_the_lock() -> None:
    version = RegistrationVersion.new("registration-1", at=T0)
    before = version._state
    with pytest.raises(InvalidTransition):
        version.approve(at=T0)
    assert version._state is before
    assert not version._lock.locked()
    with pytest.raises(StampOrderError):
        version.submit(at=T0 - timedelta(seconds=1))
    assert version._state is before
    assert not version._lock.locked()
    with pytest.raises(InvalidTimestamp):
        version.submit(at=datetime(2026, 1, 5, 9, 0))
    assert version._state is before
    assert not version._lock.locked()
    assert version.submit(at=T0) is VersionStatus.SUBMITTED


def test_threads_firing_at_one_version_lose_no_move() -> None:
    version = RegistrationVersion.new("registration-1")
    version.submit()
    version.begin_review()
    errors: list[BaseException] = []
    moves = 2_000

    def flip() -> None:
        for _ in range(moves):
            try:
                if version.can("require_authentication"):
                    version.require_authentication()
                else:
                    version.complete_authentication()
            except InvalidTransition:
                pass
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=flip) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not version._lock.locked()
    status, stamps, latest = version._state
    assert status in (VersionStatus.REVIEWING, VersionStatus.REQUIRES_AUTHENTICATION)
    assert latest == max(s for s in stamps if s is not None)
    assert version.history[status] == latest


def test_a_trigger_with_destinations_in_different_fields_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match="different history fields"):
        version_module._store("mixed", [VersionStatus.APPROVED, VersionStatus.DENIED])
    assert "self._state = (dest, stamps, latest)" in version_module._store(
        "require_offline_review", [VersionStatus.REQUIRES_OFFLINE_REVIEW]
    )
