"""What is measured: the library's operations and the baselines, one row of the table each.

Every baseline runs the library's own lifecycle where it can (``LIFECYCLE.machine_config()``
builds a transitions Machine equal to it), so the peers do the same work as the library.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import ModuleType
from typing import Any

from registration_fsm import LIFECYCLE, RegistrationVersion, SteppingClock
from registration_fsm.backends import VersionInfo

from .harness import (
    Budget,
    Fresh,
    Sample,
    Timed,
    bytes_per_object,
    fresh_interpreters,
    per_batch,
    per_call,
)

__all__ = ["Row", "SECTIONS", "describe_versions_response", "measure"]

_RID = "registration-0123456789abcdef0123456789abcdef"
_ARN = f"arn:aws:sms-voice:us-east-1:111122223333:registration/{_RID}"
_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

LIBRARY = "registration_fsm"
BASELINES = "baselines"
IMPORTS = "import time (fresh interpreters)"
SECTIONS = (LIBRARY, BASELINES, IMPORTS)


@dataclass(frozen=True)
class Row:
    """One figure: per-call nanoseconds, bytes per object, a rate, or why it is missing."""

    key: str
    section: str
    label: str
    unit: str
    """``ns`` per call, ``B`` per object, ``/s`` per second or ``us`` of import time."""
    sample: Sample | None
    note: str = ""

    @property
    def value(self) -> float | None:
        return None if self.sample is None else self.sample.median


# -- inputs -------------------------------------------------------------------------------


def _walks(count: int) -> list[RegistrationVersion]:
    """``count`` versions of one registration, as a long-lived registration accumulates them.

    Older versions end discarded, denied or archived; the next to last is APPROVED (one
    email authentication on the way) and the last is in review. One clock stamps them all,
    so every history is a legal path and the versions follow each other in time.
    """
    clock = SteppingClock(_START, timedelta(minutes=7))
    versions = []
    for number in range(1, count + 1):
        version = RegistrationVersion.new(_RID, number, registration_arn=_ARN, clock=clock)
        if number == count:
            version.submit()
            version.begin_review()
        elif number == count - 1:
            version.submit()
            version.begin_review()
            version.require_authentication()
            version.complete_authentication()
            version.approve()
        elif number % 3 == 0:
            version.discard()
        elif number % 3 == 1:
            version.submit()
            version.begin_review()
            version.deny()
        else:
            version.submit()
            version.begin_review()
            version.approve()
            version.archive()
        versions.append(version)
    return versions


def describe_versions_response(count: int, *, shape: str = "boto3") -> dict[str, Any]:
    """A DescribeRegistrationVersions response of ``count`` versions.

    ``shape="boto3"`` holds datetimes in dateutil's ``tzutc()``, as botocore parses them;
    ``shape="cli"`` holds the ISO-8601 strings the AWS CLI prints (read back with ``json``).
    """
    items = [version.to_aws() for version in _walks(count)]
    if shape == "boto3":
        from dateutil.tz import tzutc  # type: ignore[import-untyped]

        zone = tzutc()
        for item in items:
            history = item["RegistrationVersionStatusHistory"]
            for key, stamp in history.items():
                history[key] = stamp.replace(tzinfo=zone)
    elif shape == "cli":
        for item in items:
            history = item["RegistrationVersionStatusHistory"]
            for key, stamp in history.items():
                history[key] = stamp.isoformat()
        items = json.loads(json.dumps(items))
    else:
        raise ValueError(f"unknown shape {shape!r}")
    return {"RegistrationArn": _ARN, "RegistrationId": _RID, "RegistrationVersions": items}


def _versions_from(response: dict[str, Any]) -> list[RegistrationVersion]:
    rid = response["RegistrationId"]
    arn = response["RegistrationArn"]
    return [
        RegistrationVersion.from_aws(item, registration_id=rid, registration_arn=arn)
        for item in response["RegistrationVersions"]
    ]


def _infos_from(response: dict[str, Any]) -> list[VersionInfo]:
    rid = response["RegistrationId"]
    arn = response["RegistrationArn"]
    return [
        VersionInfo.from_aws(item, registration_id=rid, registration_arn=arn)
        for item in response["RegistrationVersions"]
    ]


def _in_review() -> RegistrationVersion:
    version = RegistrationVersion.new(_RID)
    version.submit()
    version.begin_review()
    return version


def _full_history(i: int) -> RegistrationVersion:
    """A version with five stamps and its history read, each with its own id string."""
    version = RegistrationVersion.new(f"registration-{i:032x}")
    version.submit()
    version.begin_review()
    version.approve()
    version.archive()
    _ = version.history
    return version


class _Model:
    """What a transitions Machine decorates: a plain object."""


def _transitions_config(*, auto_transitions: bool) -> dict[str, Any]:
    config = LIFECYCLE.machine_config()
    config["auto_transitions"] = auto_transitions
    return config


def _statemachine_class() -> type[Any]:
    """A python-statemachine class with three events, small enough to favour the peer."""
    from statemachine import State, StateMachine

    class Registration(StateMachine):
        draft = State(initial=True)
        submitted = State()
        reviewing = State()
        requires_authentication = State()

        submit = draft.to(submitted)
        require_authentication = submitted.to(requires_authentication) | reviewing.to(
            requires_authentication
        )
        complete_authentication = requires_authentication.to(reviewing)

    return Registration


# -- the library -------------------------------------------------------------------------


def _library_timings() -> list[tuple[Timed, str]]:
    at = datetime(2027, 1, 1, tzinfo=timezone.utc)
    boto3_shape = describe_versions_response(100, shape="boto3")
    cli_shape = describe_versions_response(100, shape="cli")
    approved = _walks(2)[0]
    return [
        (
            Timed(
                "create_submit",
                "RegistrationVersion.new(rid).submit()",
                {"RegistrationVersion": RegistrationVersion, "rid": _RID},
            ),
            "create + submit: RegistrationVersion.new(...).submit()",
        ),
        (
            Timed(
                "trigger",
                "v.require_authentication(); v.complete_authentication()",
                {"v": _in_review()},
                calls=2,
            ),
            "one trigger, default clock (REVIEWING <-> REQUIRES_AUTHENTICATION)",
        ),
        (
            Timed(
                "trigger_at",
                "v.require_authentication(at=at); v.complete_authentication(at=at)",
                {"v": _in_review(), "at": at},
                calls=2,
            ),
            "one trigger, explicit at=",
        ),
        (
            Timed("allowed", "v.allowed_triggers()", {"v": _in_review()}),
            "allowed_triggers()",
        ),
        (
            Timed(
                "from_aws", "parse(response)", {"parse": _versions_from, "response": boto3_shape}
            ),
            "from_aws, 100-version describe response (boto3), RegistrationVersion per item",
        ),
        (
            Timed(
                "from_aws_cli", "parse(response)", {"parse": _versions_from, "response": cli_shape}
            ),
            "from_aws, 100-version describe response (AWS CLI JSON strings)",
        ),
        (
            Timed(
                "info_from_aws", "parse(response)", {"parse": _infos_from, "response": boto3_shape}
            ),
            "VersionInfo.from_aws, 100-version describe response (boto3)",
        ),
        (Timed("to_dict", "v.to_dict()", {"v": approved}), "to_dict()"),
        (
            Timed(
                "from_dict",
                "RegistrationVersion.from_dict(d)",
                {"RegistrationVersion": RegistrationVersion, "d": approved.to_dict()},
            ),
            "from_dict()",
        ),
    ]


def _library_rows(budget: Budget) -> list[Row]:
    return [
        Row(
            "memory",
            LIBRARY,
            "memory per version, full history (DRAFT..ARCHIVED, history read)",
            "B",
            bytes_per_object(_full_history, budget.memory_count),
        ),
        _audit_row(budget),
    ]


# -- the audit ---------------------------------------------------------------------------


def _audit_entry(audit: ModuleType) -> Callable[[str], object] | None:
    """The call that audits one AWS CLI export (its JSON text): parsing included."""
    entry: Callable[[str], object] = audit.audit_json
    return entry


def _audit_row(budget: Budget) -> Row:
    label = "audit throughput, AWS CLI export of 100 versions"
    try:
        audit = importlib.import_module("registration_fsm.audit")
    except ImportError:
        return Row("audit", LIBRARY, label, "/s", None, "audit: not available")
    entry = _audit_entry(audit)
    if entry is None:
        return Row(
            "audit", LIBRARY, label, "/s", None, "audit: registration_fsm.audit is not wired in"
        )
    count = 100
    export = json.dumps(describe_versions_response(count, shape="cli"))
    timed = Timed("audit", "entry(export)", {"entry": entry, "export": export})
    seconds = per_call([timed], budget)["audit"]
    return Row("audit", LIBRARY, label, "/s", Sample(tuple(count * 1e9 / r for r in seconds.runs)))


# -- the baselines -----------------------------------------------------------------------


def _dict_floor() -> Callable[[str, str], str]:
    """A function returning the next state from a plain dict of dicts: the floor."""
    table = {
        status.value: {trigger: dest.value for trigger, dest in row.items()}
        for status, row in LIFECYCLE.table.items()
    }
    namespace: dict[str, Any] = {"TABLE": table}
    exec("def lookup(state, trigger):\n    return TABLE[state][trigger]\n", namespace)
    lookup: Callable[[str, str], str] = namespace["lookup"]
    return lookup


def _baseline_timings(budget: Budget) -> list[tuple[Timed, str]]:
    from transitions import Machine

    per_object = "m = Model(); Machine(model=m, **config); m.submit()"
    shared = Machine(model=None, **_transitions_config(auto_transitions=False))
    for _ in range(min(budget.population, 1_000)):
        shared.add_model(_Model())
    model = _Model()
    shared.add_model(model)
    model.submit()  # type: ignore[attr-defined]
    model.begin_review()  # type: ignore[attr-defined]
    registration = _statemachine_class()
    instance = registration()
    instance.submit()
    instance.require_authentication()
    instance.complete_authentication()
    return [
        (
            Timed(
                "machine_per_object",
                per_object,
                {
                    "Model": _Model,
                    "Machine": Machine,
                    "config": _transitions_config(auto_transitions=True),
                },
            ),
            "transitions: Machine per object + submit (default)",
        ),
        (
            Timed(
                "machine_per_object_no_auto",
                per_object,
                {
                    "Model": _Model,
                    "Machine": Machine,
                    "config": _transitions_config(auto_transitions=False),
                },
            ),
            "transitions: Machine per object + submit (auto_transitions=False)",
        ),
        (
            Timed(
                "shared_trigger",
                "m.require_authentication(); m.complete_authentication()",
                {"m": model},
                calls=2,
            ),
            "transitions: one trigger on a shared Machine (model already added)",
        ),
        (
            Timed(
                "statemachine_create_submit",
                "Registration().submit()",
                {"Registration": registration},
            ),
            "python-statemachine: instance + submit (three events)",
        ),
        (
            Timed(
                "statemachine_trigger",
                "s.require_authentication(); s.complete_authentication()",
                {"s": instance},
                calls=2,
            ),
            "python-statemachine: one trigger on an existing instance",
        ),
        (
            Timed(
                "dict_floor",
                "lookup('REVIEWING', 'require_authentication'); "
                "lookup('REQUIRES_AUTHENTICATION', 'complete_authentication')",
                {"lookup": _dict_floor()},
                calls=2,
            ),
            "dict lookup floor: a function returning TABLE[state][trigger]",
        ),
    ]


def _baseline_rows(budget: Budget) -> list[Row]:
    from transitions import Machine

    no_auto = _transitions_config(auto_transitions=False)
    default = _transitions_config(auto_transitions=True)
    rows = []

    def empty_machine(n: int) -> tuple[Any, list[_Model]]:
        return Machine(model=None, **no_auto), [_Model() for _ in range(n)]

    def add_and_submit(inputs: tuple[Any, list[Any]]) -> None:
        machine, models = inputs
        for model in models:
            machine.add_model(model)
            model.submit()

    rows.append(
        Row(
            "shared_add_submit",
            BASELINES,
            f"transitions: shared Machine, add_model + submit (filling to {budget.batch:,})",
            "ns",
            per_batch(empty_machine, add_and_submit, budget),
        )
    )

    crowded = Machine(model=None, **no_auto)
    for _ in range(budget.population):
        crowded.add_model(_Model())

    def fresh_models(n: int) -> list[_Model]:
        crowded.remove_model(crowded.models[budget.population :])
        return [_Model() for _ in range(n)]

    def add_only(models: list[Any]) -> None:
        for model in models:
            crowded.add_model(model)

    rows.append(
        Row(
            "shared_add_crowded",
            BASELINES,
            f"transitions: add_model on a shared Machine holding {budget.population:,} models",
            "ns",
            per_batch(fresh_models, add_only, budget, count=max(budget.batch // 10, 1)),
        )
    )

    registration = _statemachine_class()

    def machine_per_object(i: int) -> object:
        del i
        model = _Model()
        Machine(model=model, **default)
        return model

    def statemachine_instance(i: int) -> object:
        del i
        instance = registration()
        instance.submit()
        return instance

    count = max(budget.memory_count // 20, 10)
    rows.append(
        Row(
            "machine_memory",
            BASELINES,
            "transitions: memory per Machine per object (default)",
            "B",
            bytes_per_object(machine_per_object, count),
        )
    )
    rows.append(
        Row(
            "statemachine_memory",
            BASELINES,
            "python-statemachine: memory per instance",
            "B",
            bytes_per_object(statemachine_instance, count),
        )
    )
    return rows


# -- import time -------------------------------------------------------------------------


def _import_rows(budget: Budget) -> list[Row]:
    costs = fresh_interpreters(
        {
            "startup": Fresh("pass"),
            "peers": Fresh("import transitions, attrs"),
            "library": Fresh("import registration_fsm"),
            "importtime_peers": Fresh(
                "import transitions, attrs", importtime_of=("transitions", "attrs")
            ),
            "importtime_library": Fresh(
                "import registration_fsm", importtime_of=("registration_fsm",)
            ),
        },
        budget,
    )
    startup = costs["startup"].median

    def microseconds(sample: Sample, less: float = 0.0) -> Sample:
        return Sample(tuple((run - less) / 1e3 for run in sample.runs))

    return [
        Row(
            "import_startup",
            IMPORTS,
            "python -I -c pass (start-up, subtracted from the two below)",
            "us",
            microseconds(costs["startup"]),
        ),
        Row(
            "import_peers",
            IMPORTS,
            "import transitions, attrs",
            "us",
            microseconds(costs["peers"], startup),
        ),
        Row(
            "import_library",
            IMPORTS,
            "import registration_fsm",
            "us",
            microseconds(costs["library"], startup),
        ),
        Row(
            "importtime_peers",
            IMPORTS,
            "cross-check, -X importtime: transitions + attrs",
            "us",
            microseconds(costs["importtime_peers"]),
        ),
        Row(
            "importtime_library",
            IMPORTS,
            "cross-check, -X importtime: registration_fsm",
            "us",
            microseconds(costs["importtime_library"]),
        ),
    ]


def measure(budget: Budget, progress: Callable[[str], None] | None = None) -> list[Row]:
    """Every row of one run, grouped by section."""

    def say(message: str) -> None:
        if progress is not None:
            progress(message)

    timings = [(timed, LIBRARY, label) for timed, label in _library_timings()]
    timings += [(timed, BASELINES, label) for timed, label in _baseline_timings(budget)]
    say(f"timing {len(timings)} operations, interleaved, {budget.repeats} rounds ...")
    samples = per_call([timed for timed, _, _ in timings], budget)
    rows = [
        Row(timed.key, section, label, "ns", samples[timed.key])
        for timed, section, label in timings
    ]
    say("memory and the audit ...")
    rows += _library_rows(budget)
    say("the HTML report of a large export, against its plain audit ...")
    from .reporting import report_rows

    rows += report_rows(budget)
    say("committed saves through the stores, against raw SQL ...")
    from .stores import store_rows

    rows += store_rows(budget)
    say("committed submits through the service and loads, against raw SQL ...")
    from .service import service_rows

    rows += service_rows(budget)
    say("submits through the async service on one loop, against the sync one on 8 threads ...")
    from .aio_service import aio_rows

    rows += aio_rows(budget)
    say("the audit at a million versions, against its floor ...")
    from .audit_scale import scale_rows

    rows += scale_rows(budget)
    say("transitions add_model and memory of the baselines ...")
    rows += _baseline_rows(budget)
    say("import time in fresh interpreters ...")
    rows += _import_rows(budget)
    return [row for section in SECTIONS for row in rows if row.section == section]
