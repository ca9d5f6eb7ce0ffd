"""Registrations built for tests, shared by several test files."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from registration_fsm import Registration

AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def approved_then_draft(rid: str, versions: int = 3, at: datetime = AT) -> Registration:
    """A registration of ``versions`` versions on the default clock, each approved in turn
    (so all but the newest approved one are archived), the last a DRAFT."""
    reg = Registration.new(rid, registration_type="US_TEN_DLC_BRAND_REGISTRATION", at=at)
    for _ in range(versions - 1):
        for trigger in ("submit", "begin_review", "approve"):
            at += timedelta(hours=1)
            reg.fire(trigger, at=at)
        at += timedelta(hours=1)
        reg.create_version(at=at)
    return reg
