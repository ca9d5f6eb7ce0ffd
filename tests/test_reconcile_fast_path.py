"""reconcile_pages' shortcut for unchanged versions gives exactly what the full parse gives.

The shortcut reuses a local version's stamps when the remote history provably repeats them;
every near miss (a stamp a microsecond off, the same instant in another zone, another status,
an extra or unknown key, a None, a naive datetime, odd strings) must come out as the full
parse has it: the same VersionInfo values and anomalies, the same report and registration, or
the same error.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from dateutil.tz import tzutc  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registration_fsm import Registration
from registration_fsm.errors import RegistrationFsmError
from registration_fsm.reconcile import parse_pages
from registration_fsm.testing.strategies import describe_pages, registration_moves, registrations

_KEYS = (
    "DraftTimestamp",
    "SubmittedTimestamp",
    "ReviewingTimestamp",
    "RequiresAuthenticationTimestamp",
    "ApprovedTimestamp",
    "DeniedTimestamp",
    "DiscardedTimestamp",
)


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _near_miss(draw: st.DrawFn, item: dict[str, Any]) -> None:
    """Change ``item`` in place, slightly, or only in how it spells the same thing."""
    history = item["RegistrationVersionStatusHistory"]
    key = draw(st.sampled_from(sorted(history)))
    stamp = _as_datetime(history[key])
    kind = draw(
        st.sampled_from(
            [
                "microsecond",
                "zone",
                "tzutc",
                "status",
                "unknown_status",
                "extra_key",
                "unknown_key",
                "none",
                "naive",
                "z_string",
                "padded_string",
                "epoch",
                "offset_string",
            ]
        )
    )
    if kind == "microsecond":
        history[key] = stamp + timedelta(microseconds=draw(st.sampled_from([-1, 1])))
    elif kind == "zone":
        hours = draw(st.integers(min_value=-12, max_value=14).filter(bool))
        history[key] = stamp.astimezone(timezone(timedelta(hours=hours)))
    elif kind == "tzutc":
        history[key] = stamp.replace(tzinfo=tzutc())
    elif kind == "status":
        item["RegistrationVersionStatus"] = draw(
            st.sampled_from(["DRAFT", "SUBMITTED", "REVIEWING", "APPROVED", "DENIED", "DISCARDED"])
        )
    elif kind == "unknown_status":
        item["RegistrationVersionStatus"] = "FROBNICATED"
    elif kind == "extra_key":
        missing = [k for k in _KEYS if k not in history]
        if missing:
            history[draw(st.sampled_from(missing))] = stamp
    elif kind == "unknown_key":
        history["MysteryTimestamp"] = stamp
    elif kind == "none":
        history[key] = None
    elif kind == "naive":
        history[key] = stamp.replace(tzinfo=None)
    elif kind == "z_string":
        history[key] = stamp.astimezone(timezone.utc).replace(tzinfo=None).isoformat() + "Z"
    elif kind == "padded_string":
        history[key] = " " + stamp.isoformat() + " "
    elif kind == "epoch":
        history[key] = stamp.timestamp()
    else:
        history[key] = stamp.astimezone(timezone(timedelta(hours=2))).isoformat()


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Registration, list[dict[str, Any]], bool]:
    local = draw(registrations(max_events=12))
    remote = local.snapshot()
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        moves = registration_moves(remote)
        if not moves:
            break
        action, number = draw(st.sampled_from(moves))
        at = remote.latest.history.latest + timedelta(minutes=draw(st.integers(0, 600)))
        if action == "create_version":
            remote.create_version(at=at)
        else:
            remote.fire(action, version_number=number, at=at)
    pages = copy.deepcopy(draw(describe_pages(remote)))
    for page in pages:
        for item in page["RegistrationVersions"]:
            if draw(st.integers(min_value=0, max_value=3)) == 0:
                _near_miss(draw, item)
            elif draw(st.booleans()) and not isinstance(
                next(iter(item["RegistrationVersionStatusHistory"].values())), str
            ):
                history = item["RegistrationVersionStatusHistory"]
                for key, value in history.items():
                    history[key] = value.replace(tzinfo=tzutc())  # as botocore parses them
    return local, pages, draw(st.booleans())


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except RegistrationFsmError as error:
        return "error", (type(error), str(error))


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_cases())
def test_the_shortcut_and_the_full_parse_agree(case: Any) -> None:
    local, pages, strict = case
    rid, arn = local.registration_id, local.registration_arn

    fast = _outcome(lambda: parse_pages(pages, rid, arn, strict=strict, local=local.versions))
    full = _outcome(lambda: parse_pages(pages, rid, arn, strict=strict))
    assert fast == full

    through_shortcut = local.snapshot()
    reference = local.snapshot()

    def full_reconcile() -> Any:
        infos, anomalies = parse_pages(pages, rid, arn, strict=strict)
        with reference._lock:
            return reference._reconcile_locked(infos, anomalies, strict=strict, complete=False)

    got = _outcome(lambda: through_shortcut.reconcile_pages(pages, strict=strict))
    want = _outcome(full_reconcile)
    assert got == want
    assert through_shortcut.to_dict() == reference.to_dict()


def test_unchanged_pages_reuse_the_local_history_and_change_nothing() -> None:
    from benchmarks.cases import _walks, describe_versions_response

    for shape in ("boto3", "cli"):
        response = describe_versions_response(20, shape=shape)
        reg = Registration(
            response["RegistrationId"], _walks(20), registration_arn=response["RegistrationArn"]
        )
        infos, anomalies = parse_pages(
            response, reg.registration_id, reg.registration_arn, strict=True, local=reg.versions
        )
        assert anomalies == []
        # The shortcut was taken: each history is the version's own cached value.
        assert all(i.history is v.history for i, v in zip(infos, reg.versions))
        full, _ = parse_pages(response, reg.registration_id, reg.registration_arn, strict=True)
        assert infos == full
        assert not any(i.history is v.history for i, v in zip(full, reg.versions))
        assert not reg.reconcile_pages(response).changed
