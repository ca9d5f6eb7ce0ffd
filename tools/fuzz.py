"""Fuzz every parser of the model with Hypothesis: nothing escapes but a RegistrationFsmError.

Run: ``.venv/bin/python tools/fuzz.py --examples 1000000`` (about 1,000,000 inputs, each fed
to every parser below; prints the count and any escaping exception with its input). The
inputs are AWS-shaped on purpose (the keys, statuses and stamp formats of the model, and the
values at the edges of each), mixed with arbitrary JSON, so that most of them get past the
first check and into the parsing that matters.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from registration_fsm import (
    Registration,
    RegistrationFsmError,
    RegistrationVersion,
    StatusHistory,
    audit_data,
    audit_json,
    parse_timestamp,
)
from registration_fsm.backends import RegistrationInfo, VersionInfo
from registration_fsm.events import parse_registration_event
from registration_fsm.history import STAMPED_STATUSES
from registration_fsm.statuses import RegistrationStatus, VersionStatus
from registration_fsm.store._protocol import body, registration_from

RID = "registration-0123456789abcdef0123456789abcdef"
ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{RID}"
_KEYS = [s.history_key for s in STAMPED_STATUSES] + ["FrozenTimestamp", "", "draftTimestamp"]


class _Odd(tzinfo):
    def __init__(self, offset: object) -> None:
        self.offset = offset

    def utcoffset(self, dt: datetime | None) -> Any:
        if isinstance(self.offset, Exception):
            raise self.offset
        return self.offset


_zones = st.one_of(
    st.just(timezone.utc),
    st.integers(-1439, 1439).map(lambda m: timezone(timedelta(minutes=m))),
    st.sampled_from(
        [
            _Odd(None),
            _Odd(5),
            _Odd(timedelta(hours=30)),
            _Odd(RuntimeError("zone")),
            _Odd(timedelta(hours=-23, minutes=-59)),
        ]
    ),
)
_stamps = st.one_of(
    st.datetimes(timezones=_zones),
    st.datetimes(min_value=datetime(1999, 12, 31), max_value=datetime(2100, 1, 2)).map(
        lambda d: d.replace(tzinfo=timezone.utc)
    ),
    st.datetimes().map(lambda d: d.isoformat() + st_suffix(d)),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(
        ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00\x00Z", "0001-01-01T00:00+05:00"]
    ),
    st.none(),
    st.booleans(),
)


def st_suffix(value: datetime) -> str:
    return ["Z", "z", "+05:30", "", "-23:59"][value.microsecond % 5]


_statuses = st.one_of(
    st.sampled_from([s.value for s in VersionStatus]), st.text(max_size=12), st.integers()
)
_histories = st.one_of(
    st.dictionaries(st.sampled_from(_KEYS), _stamps, max_size=11),
    st.dictionaries(st.text(max_size=8) | st.integers(), _stamps, max_size=3),
    st.lists(_stamps, max_size=2),
    st.none(),
)
_numbers = st.one_of(st.integers(-2, 100_002), st.booleans(), st.floats(), st.text(max_size=3))
_ids = st.one_of(
    st.just(RID),
    st.text(max_size=20),
    st.lists(st.just(RID), max_size=1),
    st.just(ARN),
    st.just("x" * 300),
)


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(strategy, st.just(_MISSING))


_MISSING = object()


@st.composite
def _version_items(draw: st.DrawFn) -> dict[Any, Any]:
    item = {
        "VersionNumber": draw(_maybe(_numbers)),
        "RegistrationVersionStatus": draw(_maybe(_statuses)),
        "RegistrationVersionStatusHistory": draw(_maybe(_histories)),
        "RegistrationId": draw(_maybe(_ids)),
        "RegistrationArn": draw(_maybe(st.one_of(st.just(ARN), st.text(max_size=30)))),
        "AwsReview": draw(_maybe(st.booleans() | st.integers())),
        "DeniedReasons": draw(_maybe(st.lists(st.dictionaries(st.text(max_size=6), st.text())))),
    }
    return {k: v for k, v in item.items() if v is not _MISSING}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_pages = st.one_of(
    st.fixed_dictionaries(
        {"RegistrationVersions": st.lists(_version_items(), max_size=4)},
        optional={"RegistrationId": _ids, "RegistrationArn": _ids, "NextToken": st.text()},
    ),
    st.lists(
        st.fixed_dictionaries({"RegistrationVersions": st.lists(_version_items(), max_size=3)}),
        max_size=3,
    ),
    _json,
)
_statuses = st.sampled_from([*RegistrationStatus, *VersionStatus]).map(str) | st.text(max_size=8)
_events = st.fixed_dictionaries(
    {
        "source": st.sampled_from(["aws.sms-voice"] * 19 + ["aws.sms"]),
        "detail-type": st.sampled_from(["Registration Status Change"] * 19 + [""]),
        "id": st.sampled_from([str(uuid.UUID(int=n)) for n in range(9)] + [""])
        | st.text(max_size=40),
        "account": st.sampled_from(["111122223333"] * 9 + ["1"]),
        "region": st.sampled_from(["us-east-1"] * 9 + ["eu-west-2", ""]),
        "time": st.sampled_from(["2025-09-26T17:42:23Z", "2026-01-01T00:00:00+01:00"])
        | st.sampled_from(["2025-09-26T17:42:23Z"])
        | st.sampled_from(["2025-09-26T17:42:23Z"])
        | _stamps,
        "detail": st.fixed_dictionaries(
            {
                "registrationArn": st.sampled_from([ARN] * 9 + [RID, ""]),
                "registrationDetails": st.fixed_dictionaries(
                    {
                        "registrationId": st.sampled_from([RID] * 9 + ["x"]) | _ids,
                        "registrationVersionNumber": _numbers,
                        "registrationType": st.sampled_from(["ZZ_LONG_CODE_REGISTRATION", "a b"]),
                        "registrationStatusChangeTimestamp": st.integers(-(2**70), 2**70)
                        | st.integers(946_684_800_000, 4_102_444_800_000)
                        | _stamps,
                        "currentStatus": _statuses,
                    },
                    optional={"previousStatus": _statuses | _json},
                ),
            },
            optional={"previousStatus": _statuses},
        )
        | _json,
    },
    optional={
        "version": st.sampled_from(["0"] * 9 + [0]),
        "resources": st.lists(_ids, max_size=2) | st.lists(_ids, max_size=2) | _json,
    },
)
_snapshots = st.fixed_dictionaries(
    {
        "schema": st.sampled_from(["registration_fsm/version", "registration_fsm/registration"]),
        "schema_version": st.sampled_from([1, 1.0, True, "1", 2]),
    },
    optional={
        "registration_id": _ids,
        "version_number": _numbers,
        "status": _statuses,
        "history": _histories,
        "registration_arn": st.one_of(st.just(ARN), st.text(max_size=20), st.none()),
        "registration_type": st.text(max_size=70) | st.none(),
        "created": _stamps,
        "versions": st.lists(
            st.fixed_dictionaries(
                {
                    "schema": st.just("registration_fsm/version"),
                    "schema_version": st.just(1),
                    "registration_id": st.just(RID),
                    "version_number": _numbers,
                    "status": _statuses,
                    "history": _histories,
                }
            ),
            max_size=3,
        ),
        "rule_violations": _json,
    },
)


def _targets() -> list[tuple[str, Callable[[Any], object]]]:
    return [
        ("parse_timestamp", parse_timestamp),
        ("StatusHistory.from_aws", StatusHistory.from_aws),
        ("VersionInfo.from_aws", lambda d: VersionInfo.from_aws(d, registration_id=RID)),
        ("RegistrationInfo.from_aws", RegistrationInfo.from_aws),
        (
            "RegistrationVersion.from_aws",
            lambda d: RegistrationVersion.from_aws(d, registration_id=RID),
        ),
        ("RegistrationVersion.from_dict", RegistrationVersion.from_dict),
        ("Registration.from_dict", Registration.from_dict),
        ("Registration.from_aws", lambda d: Registration.from_aws(d, d)),
        ("reconcile_pages strict", lambda d: Registration.new(RID).reconcile_pages(d)),
        (
            "reconcile_pages lenient",
            lambda d: _round_trip(Registration.new(RID), d),
        ),
        ("audit_data", audit_data),
        ("audit_json", lambda d: audit_json(repr(d))),
        ("parse_registration_event", _event_round_trip),
        ("a stored body", _stored_body),
    ]


def _stored_body(value: object) -> None:
    """The value as a store's body, compact and spaced: read, written, read again alike."""
    for separators in ((",", ":"), (", ", ": ")):
        try:
            text = json.dumps(value, separators=separators)
        except (TypeError, ValueError):
            return  # not JSON (a datetime, a set): no body holds it
        registration = registration_from(text)
        written = body(registration)
        again = registration_from(written)
        if again != registration or body(again) != written:
            raise AssertionError("a stored body does not read back as it was written")


def _round_trip(registration: Registration, pages: object) -> None:
    registration.reconcile_pages(pages, strict=False)
    if Registration.from_dict(registration.to_dict()) != registration:
        raise AssertionError("a lenient reconcile left a state that does not read back")


def _event_round_trip(event: object) -> None:
    parsed = parse_registration_event(event)
    if parse_registration_event(parsed.to_eventbridge()) != parsed:
        raise AssertionError("a parsed event does not read back")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    targets = _targets()
    escaped: list[str] = []
    count = 0

    @settings(
        max_examples=args.examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(_stamps, _histories, _version_items(), _pages, _snapshots, _events, _json))
    def fuzz(value: Any) -> None:
        nonlocal count
        count += 1
        for name, target in targets:
            try:
                target(value)
            except RegistrationFsmError:
                pass
            except Exception as error:
                if len(escaped) < 20:
                    escaped.append(f"{name}: {type(error).__name__}: {error} <- {value!r:.300}")

    started = time.perf_counter()
    seed(args.seed)(fuzz)()
    elapsed = time.perf_counter() - started
    print(f"{count} inputs x {len(targets)} parsers in {elapsed:.0f} s; {len(escaped)} escaped")
    for line in escaped:
        print(line)
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main())
