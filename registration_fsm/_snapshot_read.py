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
from .history import _KEY_TO_INDEX, EARLIEST, LATEST, STAMP_INDEX
from .statuses import _VERSION_BY_VALUE
from .values import _ARN_PATTERN, _ID_FULLMATCH, _ID_MAX, MAX_VERSION_NUMBER
from .version import (
    _INIT,
    SNAPSHOT_KEYS,
    SNAPSHOT_SCHEMA,
    SNAPSHOT_SCHEMA_VERSION,
    RegistrationVersion,
)

__all__ = ["versions_from_snapshots"]

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
    version_of = data["schema_version"]
    history = data["history"]
    if (
        data["schema"] != SNAPSHOT_SCHEMA
        or version_of.__class__ is not int
        or version_of != SNAPSHOT_SCHEMA_VERSION
        or rid.__class__ is not str
        or number.__class__ is not int
        or not 1 <= number <= MAX_VERSION_NUMBER
        or not (arn is None or arn.__class__ is str)
        or history.__class__ is not dict
    ):
        return None
    if (False, rid) not in checked:
        if not 0 < len(rid) <= _ID_MAX or _ID_FULLMATCH(rid) is None:
            return None
        checked.add((False, rid))
    if arn is not None and (True, arn) not in checked:
        if _ARN_FULLMATCH(arn) is None:
            return None
        checked.add((True, arn))
    status = _VERSION_BY_VALUE.get(data["status"]) if data["status"].__class__ is str else None
    if status is None:
        return None
    stamps: list[datetime | None] = [None] * _SLOTS
    latest: datetime | None = None
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
        if latest is None or stamp > latest:
            latest = stamp
    if stamps[0] is None or latest is None:
        return None
    slot = STAMP_INDEX[status]
    if slot is not None and stamps[slot] is not None and stamps[slot] != latest:
        return None
    version = _new_object(RegistrationVersion)
    version._registration_id = rid
    version._version_number = number
    version._registration_arn = arn
    version._clock = clock if clock is not None else DEFAULT_CLOCK
    version._state = (status, tuple(stamps), latest)
    version._history_cache = None
    version._text_memo = None
    version._last_answer = None
    version._lock = _Lock()
    return version
