"""Reading version snapshots fast: the shape ``to_dict`` writes, checked as strictly.

Stores read every registration back from its snapshot, so :meth:`Registration.from_dict`
is their load path. A snapshot exactly as :meth:`RegistrationVersion.to_dict` writes it (a
plain dict, the seven keys, a plain id, UTC ISO-8601 stamps) is read here in one pass,
with every check the general reader makes (the id and ARN patterns, the version number's
range, the status, the known history keys, each stamp's range, the status holding the latest
stamp). Anything else, valid or not, goes to :meth:`RegistrationVersion.from_dict`, which
reads it or raises exactly as before: this never decides an error itself.
"""

from __future__ import annotations

import threading
from datetime import datetime, timezone
from typing import Any

from .clock import DEFAULT_CLOCK, Clock
from .history import _KEY_TO_INDEX, EARLIEST, LATEST
from .statuses import _VERSION_BY_VALUE
from .values import _ARN_PATTERN, _ID_FULLMATCH, _ID_MAX, MAX_VERSION_NUMBER
from .version import (
    _INIT,
    SNAPSHOT_KEYS,
    SNAPSHOT_SCHEMA,
    SNAPSHOT_SCHEMA_VERSION,
    RegistrationVersion,
    _State,
    held_state,
)

__all__ = ["plain_arn", "plain_id", "version_of", "versions_from_snapshots"]

_UTC = timezone.utc
_MAX_TEXT = 64
_SLOTS = len(_KEY_TO_INDEX)
_fromisoformat = datetime.fromisoformat
_ARN_FULLMATCH = _ARN_PATTERN.fullmatch
_new_object = object.__new__
_Lock = threading.Lock


def versions_from_snapshots(
    items: list[Any], clock: Clock | None = None
) -> list[RegistrationVersion]:
    """``[RegistrationVersion.from_dict(item, clock=clock) for item in items]``, in one pass
    for each item in the written shape. The versions of one registration share their id and
    ARN, so each distinct one is matched against its pattern once."""
    out = []
    checked: set[tuple[bool, str]] = set()
    for item in items:
        version = _plain(item, clock, checked)
        out.append(
            RegistrationVersion.from_dict(item, clock=clock) if version is None else version
        )
    return out


def _plain(
    data: Any, clock: Clock | None, checked: set[tuple[bool, str]]
) -> RegistrationVersion | None:
    """The version of a snapshot in the written shape, or None to leave it to from_dict.

    ``checked`` holds the ids (``(False, id)``) and ARNs (``(True, arn)``) already matched.
    """
    if (
        data.__class__ is not dict
        or data.keys() != SNAPSHOT_KEYS
        or RegistrationVersion.__init__ is not _INIT
    ):
        return None
    rid = data["registration_id"]
    number = data["version_number"]
    arn = data["registration_arn"]
    schema_version = data["schema_version"]
    history = data["history"]
    if (
        data["schema"] != SNAPSHOT_SCHEMA
        or schema_version.__class__ is not int
        or schema_version != SNAPSHOT_SCHEMA_VERSION
        or rid.__class__ is not str
        or number.__class__ is not int
        or not 1 <= number <= MAX_VERSION_NUMBER
        or not (arn is None or arn.__class__ is str)
        or history.__class__ is not dict
    ):
        return None
    if (False, rid) not in checked:
        if not plain_id(rid):
            return None
        checked.add((False, rid))
    if arn is not None and (True, arn) not in checked:
        if not plain_arn(arn):
            return None
        checked.add((True, arn))
    state = _state_of(data["status"], history)
    if state is None:
        return None
    return version_of(rid, number, arn, clock, state)


def plain_id(rid: str) -> bool:
    """Whether a str is a registration id as the general reader accepts one."""
    return 0 < len(rid) <= _ID_MAX and _ID_FULLMATCH(rid) is not None


def plain_arn(arn: str) -> bool:
    """Whether a str is a registration ARN as the general reader accepts one."""
    return _ARN_FULLMATCH(arn) is not None


def _state_of(status_text: object, history: dict[Any, Any]) -> _State | None:
    """The state a written status and history hold, checked as the general reader checks
    them; None to leave the version to it."""
    status = _VERSION_BY_VALUE.get(status_text) if status_text.__class__ is str else None
    if status is None:
        return None
    stamps: list[datetime | None] = [None] * _SLOTS
    for key, text in history.items():
        index = _KEY_TO_INDEX.get(key) if key.__class__ is str else None
        if index is None:
            return None
        if text is None:
            continue
        if text.__class__ is not str or len(text) > _MAX_TEXT or "\x00" in text:
            return None
        try:
            stamp = _fromisoformat(text)
        except ValueError:
            return None
        if stamp.tzinfo is not _UTC or not EARLIEST <= stamp < LATEST:
            return None
        stamps[index] = stamp
    return held_state(status, tuple(stamps))


def version_of(
    rid: str, number: int, arn: str | None, clock: Clock | None, state: _State
) -> RegistrationVersion:
    """The version with these checked fields, made as :class:`RegistrationVersion` would."""
    version = _new_object(RegistrationVersion)
    version._registration_id = rid
    version._version_number = number
    version._registration_arn = arn
    version._clock = clock if clock is not None else DEFAULT_CLOCK
    version._state = state
    version._history_cache = None
    version._text_memo = None
    version._last_answer = None
    version._lock = _Lock()
    return version
