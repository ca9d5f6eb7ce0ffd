"""The moves between two states of a version, and TransitionEvent's checks."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

import pytest

from registration_fsm import (
    InvalidTimestamp,
    InvalidValueError,
    JournalDerivationError,
    RegistrationVersion,
    StatusHistory,
    VersionStatus,
)
from registration_fsm.moves import (
    CREATE_TRIGGER,
    TRANSITION_SOURCES,
    TransitionEvent,
    version_moves,
)

S = VersionStatus
RID = "registration-0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


def _at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_new_version_starts_with_its_creation() -> None:
    version = RegistrationVersion.new(RID, 3, at=_at(0))
    version.submit(at=_at(1))
    assert version_moves(None, version) == [
        (CREATE_TRIGGER, None, S.DRAFT, _at(0)),
        ("submit", S.DRAFT, S.SUBMITTED, _at(1)),
    ]


def test_an_unchanged_version_has_no_moves_and_a_status_entered_twice_keeps_one_stamp() -> None:
    version = RegistrationVersion.new(RID, 1, at=_at(0))
    version.submit(at=_at(1))
    version.begin_review(at=_at(2))
    before = copy.copy(version)
    assert version_moves(before, version) == []
    version.require_authentication(at=_at(3))
    version.complete_authentication(at=_at(4))
    version.require_authentication(at=_at(5))
    # AWS keeps the latest stamp of a status: the first entry into it is unstamped.
    assert version_moves(before, version) == [
        ("require_authentication", S.REVIEWING, S.REQUIRES_AUTHENTICATION, None),
        ("complete_authentication", S.REQUIRES_AUTHENTICATION, S.REVIEWING, _at(4)),
        ("require_authentication", S.REVIEWING, S.REQUIRES_AUTHENTICATION, _at(5)),
    ]


def test_a_change_no_path_explains_is_refused_by_name() -> None:
    before = RegistrationVersion.new(RID, 2, at=_at(0))
    before.submit(at=_at(1))
    before.deny(at=_at(2))
    after = RegistrationVersion(
        RID,
        2,
        status=S.REVIEWING,
        history=StatusHistory(draft=_at(0), submitted=_at(1), reviewing=_at(3)),
    )
    with pytest.raises(JournalDerivationError) as info:
        version_moves(before, after)
    error = info.value
    assert (error.registration_id, error.version_number) == (RID, 2)
    assert error.detail.startswith("the stamps prove no legal path: ")
    assert error.problems
    assert str(error) == f"{RID} version 2: {error.detail}"


def test_a_transition_event_keeps_its_stamp_in_utc() -> None:
    local = datetime(2026, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    event = TransitionEvent(RID, 1, "submit", "DRAFT", "SUBMITTED", local, "local")
    assert event.stamp == local
    assert event.stamp is not None
    assert event.stamp.tzinfo is timezone.utc
    assert (event.from_status, event.to_status) == (S.DRAFT, S.SUBMITTED)
    assert TransitionEvent(RID, 1, "create", None, "DRAFT", None, "event").stamp is None
    assert TRANSITION_SOURCES == ("local", "answer", "reconcile", "event")


def test_a_transition_event_names_what_it_refuses() -> None:
    with pytest.raises(InvalidValueError) as info:
        TransitionEvent(RID, 1, "submit", "DRAFT", "SUBMITTED", None, "cron")
    assert str(info.value) == (
        "invalid transition source 'cron': one of local, answer, reconcile, event"
    )
    with pytest.raises(InvalidValueError) as info:
        TransitionEvent(RID, 1, "", "DRAFT", "SUBMITTED", None, "local")
    assert str(info.value) == "invalid edge '': expected a trigger name"
    with pytest.raises(InvalidTimestamp) as stamp:
        TransitionEvent(RID, 1, "submit", "DRAFT", "SUBMITTED", "yesterday", "local")
    assert stamp.value.field == "stamp"


def test_the_sources_type_and_tuple_agree() -> None:
    from typing import get_args

    from registration_fsm.moves import TransitionSource

    assert get_args(TransitionSource) == TRANSITION_SOURCES
