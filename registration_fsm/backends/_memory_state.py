"""Saving and loading the simulator's state as JSON (a private part of
:class:`InMemoryBackend`), so that a long manual session with the emulator survives a restart.

The snapshot holds what the service holds: registrations, their versions (each a
:meth:`RegistrationVersion.to_dict` snapshot), field values, associations, attachments,
idempotency tokens and the id counter. It holds no configuration (catalogue, clock, quotas,
faults, logs): those belong to whoever starts the simulator.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clock import SteppingClock
from ..errors import MalformedDataError, RegistrationFsmError
from ..history import parse_timestamp
from ..version import RegistrationVersion
from ._memory_forms import _Attachment
from ._memory_model import _Registration, _Version
from .base import DeniedReason

if TYPE_CHECKING:
    from ..clock import Clock
    from ._memory_events import SimulatorLock

STATE_SCHEMA = "registration_fsm/simulator"
STATE_SCHEMA_VERSION = 1


class StateMixin:
    """:meth:`to_dict`, :meth:`restore`, :meth:`save` and :meth:`load`."""

    _lock: SimulatorLock
    _clock: Clock
    _account_id: str
    _region: str
    _registrations: dict[str, _Registration]
    _by_arn: dict[str, _Registration]
    _tokens: dict[str, tuple[str, str]]
    _attachments: dict[str, _Attachment]
    _attachment_tokens: dict[str, str]
    _associated: dict[str, str]
    _created_per_day: dict[date, int]
    _ids: int

    if TYPE_CHECKING:

        def _event_baseline(self) -> None: ...

    def to_dict(self) -> dict[str, Any]:
        """The simulator's state as JSON-safe data; :meth:`restore` reads it back."""
        with self._lock:
            return {
                "schema": STATE_SCHEMA,
                "schema_version": STATE_SCHEMA_VERSION,
                "account_id": self._account_id,
                "region": self._region,
                "ids": self._ids,
                "registrations": [
                    {
                        "id": r.id,
                        "arn": r.arn,
                        "type": r.type,
                        "created": r.created.isoformat(),
                        "tags": dict(r.tags),
                        "attributes": dict(r.attributes),
                        "deleted": r.deleted,
                        "associations": list(r.associations.values()),
                        "versions": [
                            {
                                "version": v.fsm.to_dict(),
                                "aws_review": v.aws_review,
                                "denied_reasons": [d.to_aws() for d in v.denied_reasons],
                                "feedback": v.feedback,
                                "values": list(v.values.values()),
                            }
                            for v in r.versions
                        ],
                    }
                    for r in self._registrations.values()
                ],
                "tokens": {k: list(v) for k, v in self._tokens.items()},
                "attachments": [
                    {
                        "id": a.id,
                        "arn": a.arn,
                        "created": a.created.isoformat(),
                        "url": a.url,
                        "body_size": a.body_size,
                        "tags": dict(a.tags),
                    }
                    for a in self._attachments.values()
                ],
                "attachment_tokens": dict(self._attachment_tokens),
                "created_per_day": {d.isoformat(): n for d, n in self._created_per_day.items()},
            }

    def restore(self, data: object) -> None:
        """Replace the simulator's state with a :meth:`to_dict` snapshot (all or nothing).

        With the default stepping clock, the clock moves past the latest stamp restored, so
        that new changes are stamped after the old ones.
        """
        if not isinstance(data, Mapping) or data.get("schema") != STATE_SCHEMA:
            raise MalformedDataError("not a registration_fsm simulator snapshot")
        if data.get("schema_version") != STATE_SCHEMA_VERSION:
            raise MalformedDataError(
                f"unsupported simulator snapshot version {data.get('schema_version')!r}"
            )
        if (data.get("account_id"), data.get("region")) != (self._account_id, self._region):
            raise MalformedDataError(
                f"the snapshot is of account {data.get('account_id')} in {data.get('region')}, "
                f"this simulator is {self._account_id} in {self._region}"
            )
        try:
            registrations: dict[str, _Registration] = {}
            latest: datetime | None = None
            for item in data["registrations"]:
                registration = _Registration(
                    item["id"],
                    item["arn"],
                    item["type"],
                    parse_timestamp(item["created"], field="created"),
                    item["tags"],
                )
                registration.attributes = dict(item["attributes"])
                registration.deleted = bool(item["deleted"])
                registration.associations = {
                    a["ResourceId"]: dict(a) for a in item["associations"]
                }
                for entry in item["versions"]:
                    version = _Version(
                        RegistrationVersion.from_dict(entry["version"]),
                        {v["FieldPath"]: v for v in entry["values"]},
                    )
                    version.aws_review = bool(entry["aws_review"])
                    version.denied_reasons = tuple(
                        DeniedReason.from_aws(d) for d in entry["denied_reasons"]
                    )
                    version.feedback = entry["feedback"]
                    registration.versions.append(version)
                    stamp = version.fsm.history.latest
                    latest = stamp if latest is None or stamp > latest else latest
                if not registration.versions:
                    raise MalformedDataError(f"registration {registration.id} has no version")
                registrations[registration.id] = registration
            attachments: dict[str, _Attachment] = {}
            for item in data["attachments"]:
                attachment = _Attachment(
                    item["id"], item["arn"], parse_timestamp(item["created"], field="created")
                )
                attachment.url = item["url"]
                attachment.body_size = int(item["body_size"])
                attachment.tags = dict(item["tags"])
                attachments[attachment.id] = attachment
            for registration in registrations.values():
                for version in registration.versions:
                    for value in version.values.values():
                        used = value.get("RegistrationAttachmentId")
                        if used in attachments and version is registration.versions[-1]:
                            attachments[used].in_use += 1
            tokens = {k: (str(v[0]), str(v[1])) for k, v in data["tokens"].items()}
            per_day = {date.fromisoformat(k): int(n) for k, n in data["created_per_day"].items()}
            ids = int(data["ids"])
        except RegistrationFsmError as exc:
            raise MalformedDataError(f"a simulator snapshot with a bad part: {exc}") from None
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            raise MalformedDataError(
                f"a simulator snapshot with a missing or malformed part: {exc!r}"
            ) from None
        with self._lock:
            self._registrations = registrations
            self._by_arn = {r.arn: r for r in registrations.values()}
            self._tokens = tokens
            self._attachments = attachments
            self._attachment_tokens = dict(data["attachment_tokens"])
            self._associated = {
                key: r.id for r in registrations.values() for key in r.associations
            }
            self._created_per_day = per_day
            self._ids = ids
            self._event_baseline()
            clock = self._clock
            if isinstance(clock, SteppingClock) and latest is not None and clock.peek() <= latest:
                clock.advance(latest - clock.peek() + clock.step)

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_dict` to ``path`` as JSON, atomically (a crash leaves the old file)."""
        target = Path(path)
        text = json.dumps(self.to_dict(), indent=1, sort_keys=True, default=_encode)
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def load(self, path: str | Path) -> None:
        """:meth:`restore` from a file written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise MalformedDataError(f"cannot read simulator state {path}: {exc}") from None
        self.restore(data)


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")
