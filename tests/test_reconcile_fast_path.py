"""reconcile_pages' shortcut for unchanged versions gives exactly what the full parse gives.

The shortcut reuses a local version's stamps when the remote history provably repeats them;
every near miss (a stamp a microsecond off, the same instant in another zone, another status,
an extra or unknown key, a None, a naive datetime, odd strings) must come out as the full
parse has it: the same VersionInfo values and anomalies, the same report and registration, or
the same error.
"""

from __future__ import annotations

import copy
import functools
from datetime import datetime, timedelta, timezone
from typing import Any

from dateutil.tz import tzutc  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registration_fsm import Registration
from registration_fsm._registration_reconcile import reconcile_locked
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
                "microsecond",
                "microsecond",
                "drop_key",
                "drop_key",
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
                "feedback",
                "bad_feedback",
                "denied_reasons",
                "bad_denied_reasons",
                "aws_review",
                "bad_aws_review",
                "item_registration_id",
                "item_registration_arn",
                "missing_status",
                "missing_history",
                "boolean_number",
                "history_list",
            ]
        )
    )
    original = history[key]
    if kind == "microsecond":
        moved = stamp + timedelta(microseconds=draw(st.sampled_from([-1, 1])))
        if isinstance(original, str):
            history[key] = moved.isoformat()
        else:
            history[key] = moved.replace(tzinfo=original.tzinfo)  # tzutc stays tzutc
    elif kind == "zone":
        hours = draw(st.integers(min_value=-12, max_value=14).filter(bool))
        zoned = stamp.astimezone(timezone(timedelta(hours=hours)))
        history[key] = zoned.isoformat() if isinstance(original, str) else zoned
    elif kind == "drop_key":
        if key != "DraftTimestamp":
            del history[key]
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
    elif kind == "offset_string":
        history[key] = stamp.astimezone(timezone(timedelta(hours=2))).isoformat()
    elif kind == "feedback":
        item["Feedback"] = "Please fix the website link"
    elif kind == "bad_feedback":
        item["Feedback"] = 7
    elif kind == "denied_reasons":
        item["DeniedReasons"] = [{"Reason": "R", "ShortDescription": "S"}]
    elif kind == "bad_denied_reasons":
        item["DeniedReasons"] = draw(st.sampled_from(["R", [{"Reason": "R"}], [3]]))
    elif kind == "aws_review":
        item["AwsReview"] = draw(st.booleans())
    elif kind == "bad_aws_review":
        item["AwsReview"] = "yes"
    elif kind == "item_registration_id":
        item["RegistrationId"] = draw(st.sampled_from(["registration-other", "bad id!", 5]))
    elif kind == "item_registration_arn":
        item["RegistrationArn"] = draw(st.sampled_from(["arn:aws:s3:::bucket", 5]))
    elif kind == "missing_status":
        item.pop("RegistrationVersionStatus")
    elif kind == "missing_history":
        item["RegistrationVersionStatusHistory"] = None
    elif kind == "boolean_number":
        item["VersionNumber"] = True
    else:
        item["RegistrationVersionStatusHistory"] = list(history.items())


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
        arn = draw(st.sampled_from(["keep"] * 8 + ["drop", "foreign", "bad"]))
        if arn == "drop":
            page.pop("RegistrationArn")
        elif arn == "foreign":
            page["RegistrationArn"] = "arn:aws:sms-voice:us-east-1:123456789012:registration/x"
        elif arn == "bad":
            page["RegistrationArn"] = "arn:aws:s3:::bucket"
        for item in page["RegistrationVersions"]:
            history = item["RegistrationVersionStatusHistory"]
            if draw(st.booleans()):
                for key, value in history.items():  # as botocore parses them
                    if isinstance(value, datetime):
                        history[key] = value.replace(tzinfo=tzutc())
            if draw(st.booleans()):
                _near_miss(draw, item)
    return local, pages, draw(st.booleans())


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "ok", call()
    except RegistrationFsmError as error:
        return "error", (type(error), str(error))


@settings(
    max_examples=500,
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
            return reconcile_locked(reference, infos, anomalies, strict=strict, complete=False)

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


def test_the_shortcut_checks_the_identifiers_as_the_full_parse_does() -> None:
    from benchmarks.cases import _walks, describe_versions_response

    response = describe_versions_response(3, shape="boto3")
    local = _walks(3)
    for rid, arn in (("bad id!", None), (response["RegistrationId"], "arn:aws:s3:::bucket")):
        page = {**response, "RegistrationId": None, "RegistrationArn": arn}
        outcomes = {
            _outcome(functools.partial(parse_pages, page, rid, None, strict=True, local=shortcut))
            for shortcut in (local, ())
        }
        assert len(outcomes) == 1
        ((kind, detail),) = outcomes
        assert kind == "error", detail


def test_a_history_seen_before_is_trusted_only_when_equal_and_never_asks_a_hostile_eq() -> None:
    """The second reading of the same history is one dict comparison; a history that differs
    from the one seen (or compares by raising) is read in full, as the first time."""
    from benchmarks.cases import _walks, describe_versions_response

    class Hostile:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("compared")

        __hash__ = object.__hash__

    response = describe_versions_response(3, shape="cli")
    reg = Registration(
        response["RegistrationId"], _walks(3), registration_arn=response["RegistrationArn"]
    )
    assert not reg.reconcile_pages(response).changed  # seen once: remembered
    assert not reg.reconcile_pages(copy.deepcopy(response)).changed  # equal: trusted
    moved = copy.deepcopy(response)
    history = moved["RegistrationVersions"][0]["RegistrationVersionStatusHistory"]
    key = next(iter(history))
    history[key] = history[key].replace("+00:00", ".000001+00:00")
    with_full = parse_pages(moved, reg.registration_id, reg.registration_arn, strict=False)
    with_local = parse_pages(
        moved, reg.registration_id, reg.registration_arn, strict=False, local=reg.versions
    )
    assert with_local == with_full  # one microsecond off: not the history seen
    history[key] = Hostile()
    for strict in (True, False):
        try:
            outcome: object = parse_pages(
                moved, reg.registration_id, reg.registration_arn, strict=strict, local=reg.versions
            )
        except RegistrationFsmError as error:
            outcome = type(error)
        try:
            expected: object = parse_pages(
                moved, reg.registration_id, reg.registration_arn, strict=strict
            )
        except RegistrationFsmError as error:
            expected = type(error)
        assert outcome == expected
