"""When a version entered each status: AWS's ``RegistrationVersionStatusHistory`` as a value."""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

import attrs

from .errors import InvalidTimestamp, MalformedDataError, UnknownHistoryKey
from .statuses import VersionStatus

__all__ = ["EARLIEST", "LATEST", "StatusHistory", "parse_timestamp", "stamp_text", "utc_text"]

_UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)

# The statuses that AWS stamps, in the order of its model; REQUIRES_OFFLINE_REVIEW has no field.
STAMPED_STATUSES: tuple[VersionStatus, ...] = tuple(
    s for s in VersionStatus if s.history_field is not None
)
_FIELDS: tuple[str, ...] = tuple(s.history_field for s in STAMPED_STATUSES)  # type: ignore[misc]
_GET_STAMPS = operator.attrgetter(*_FIELDS)
_AWS_KEYS: tuple[str, ...] = tuple(s.history_key for s in STAMPED_STATUSES)  # type: ignore[misc]
_KEY_TO_INDEX: dict[str, int] = {key: i for i, key in enumerate(_AWS_KEYS)}
STAMP_INDEX: dict[VersionStatus, int | None] = {
    s: (STAMPED_STATUSES.index(s) if s in STAMPED_STATUSES else None) for s in VersionStatus
}


EARLIEST = datetime(2000, 1, 1, tzinfo=_UTC)
"""The earliest stamp accepted. Registrations launched in November 2023; a stamp before 2000
is no stamp AWS wrote, but a broken conversion (epoch zero, a year typed short)."""
LATEST = datetime(2100, 1, 1, tzinfo=_UTC)
"""Stamps must be earlier than this: a later one is a unit error (epoch milliseconds read as
seconds reach the year 55,000), never a time AWS recorded."""
_DAY = timedelta(hours=24)


def _offset(value: datetime, field: str | None) -> timedelta | None:
    """``value``'s UTC offset, asked of its tzinfo once; a tzinfo that misbehaves is refused."""
    try:
        offset = value.tzinfo.utcoffset(value) if value.tzinfo is not None else None
    except Exception as error:  # a user's tzinfo may raise anything
        raise InvalidTimestamp(
            value, f"its tzinfo's utcoffset() failed: {type(error).__name__}", field=field
        ) from None
    if offset is not None and (not isinstance(offset, timedelta) or not -_DAY < offset < _DAY):
        raise InvalidTimestamp(
            value,
            f"its tzinfo's utcoffset() returned {offset!r}, not an offset under 24 hours",
            field=field,
        )
    return offset


def _in_range(value: datetime, offset: timedelta, original: object, field: str | None) -> datetime:
    # Years 1 and 9999 overflow on conversion, so the wall-clock year is checked first.
    if not EARLIEST.year - 1 <= value.year <= LATEST.year:
        raise InvalidTimestamp(original, _RANGE, field=field)
    utc = (value.replace(tzinfo=None) - offset).replace(tzinfo=_UTC)
    if not EARLIEST <= utc < LATEST:
        raise InvalidTimestamp(original, _RANGE, field=field)
    return utc


_RANGE = "outside 2000-01-01 to 2100-01-01 UTC, so not a time AWS recorded"


def parse_timestamp(value: object, *, field: str | None = None) -> datetime:
    """Return ``value`` as an aware UTC datetime.

    Accepts what boto3 returns (aware datetimes) and what the AWS CLI or raw JSON holds
    (epoch seconds as int or float, ISO-8601 strings with an offset or ``Z``). A naive
    datetime, or an ISO string without an offset, is refused: nothing says which zone it
    was written in. So is a time outside 2000 to 2100 (see :data:`EARLIEST` and
    :data:`LATEST`), and a tzinfo whose offset is not a timedelta under 24 hours.
    """
    if isinstance(value, datetime):
        if value.tzinfo is _UTC and value.__class__ is datetime:
            if not EARLIEST <= value < LATEST:
                raise InvalidTimestamp(value, _RANGE, field=field)
            return value
        offset = _offset(value, field)
        if offset is None:
            raise InvalidTimestamp(
                value, "naive datetime; give a timezone-aware one (UTC)", field=field
            )
        plain = datetime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
        )
        return _in_range(plain, offset, value, field)
    if isinstance(value, bool):
        raise InvalidTimestamp(value, "a boolean is not a timestamp", field=field)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidTimestamp(value, "not a finite number of seconds", field=field)
        if not _EARLIEST_EPOCH <= value < _LATEST_EPOCH:
            raise InvalidTimestamp(value, f"epoch seconds {_RANGE}", field=field)
        return _EPOCH + timedelta(seconds=value)
    if isinstance(value, str):
        if len(value) > _MAX_TEXT or "\x00" in value:
            raise InvalidTimestamp(
                value[:_MAX_TEXT], "not an ISO-8601 timestamp (too long or a NUL)", field=field
            )
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise InvalidTimestamp(value, "not an ISO-8601 timestamp", field=field) from None
        if parsed.tzinfo is _UTC:  # "+00:00" and "Z": the usual case, already UTC
            if not EARLIEST <= parsed < LATEST:
                raise InvalidTimestamp(value, _RANGE, field=field)
            return parsed
        offset = parsed.utcoffset()
        if offset is None:
            raise InvalidTimestamp(
                value, "ISO-8601 timestamp without an offset; add Z or +00:00", field=field
            )
        return _in_range(parsed.replace(tzinfo=None), offset, value, field)
    raise InvalidTimestamp(
        value,
        f"expected a datetime, epoch seconds or an ISO-8601 string, got {type(value).__name__}",
        field=field,
    )


def utc_text(value: datetime) -> str:
    """``value.astimezone(timezone.utc).isoformat(timespec="microseconds")``: fixed-width
    ISO-8601 UTC text, whose order is time order, as the stores and the journal write times.

    Decision (issue 11): a submit writes five such times (its claim, the claim's lease, the
    next check, the journal entry's stamp and recorded time), and ``isoformat`` with a
    ``timespec`` costs three times what this does for a UTC time: the day's text is made once
    per day and the clock's digits are looked up.
    """
    if value.tzinfo is not _UTC:
        value = value.astimezone(_UTC)
    day = _DAY_TEXT.get(value.toordinal())
    if day is None:
        if len(_DAY_TEXT) >= _DAYS_KEPT:
            _DAY_TEXT.clear()
        day = _DAY_TEXT[value.toordinal()] = value.date().isoformat() + "T"
    micro = value.microsecond
    return (
        f"{day}{_DIGITS[value.hour]}:{_DIGITS[value.minute]}:{_DIGITS[value.second]}"
        f".{_THOUSANDS[micro // 1000]}{_THOUSANDS[micro % 1000]}+00:00"
    )


def stamp_text(value: datetime) -> str:
    """``value.isoformat()``: a stamp as a snapshot writes it (microseconds only when there
    are any), made as :func:`utc_text` makes a UTC time."""
    if value.tzinfo is not _UTC:
        return value.isoformat()
    if value.microsecond:
        return utc_text(value)
    return utc_text(value)[:19] + "+00:00"


_DAY_TEXT: dict[int, str] = {}
_DAYS_KEPT = 4096
_DIGITS = tuple(f"{n:02d}" for n in range(60))
_THOUSANDS = tuple(f"{n:03d}" for n in range(1000))
_EARLIEST_EPOCH = (EARLIEST - _EPOCH).total_seconds()
_LATEST_EPOCH = (LATEST - _EPOCH).total_seconds()
_MAX_TEXT = 64


def _as_utc(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidTimestamp(value, "expected a datetime or None", field=field)
    return parse_timestamp(value, field=field)


@attrs.frozen(repr=False)
class StatusHistory:
    """One timestamp per status a version has entered; ``draft`` is always set.

    A status entered more than once (REVIEWING, after an email authentication) keeps the time
    of its latest entry, so the version's status is always its latest stamp. This is a
    modelling decision: AWS documents one timestamp per status, not which entry it records.
    """

    draft: datetime
    submitted: datetime | None = attrs.field(default=None, kw_only=True)
    aws_reviewing: datetime | None = attrs.field(default=None, kw_only=True)
    reviewing: datetime | None = attrs.field(default=None, kw_only=True)
    requires_authentication: datetime | None = attrs.field(default=None, kw_only=True)
    approved: datetime | None = attrs.field(default=None, kw_only=True)
    discarded: datetime | None = attrs.field(default=None, kw_only=True)
    denied: datetime | None = attrs.field(default=None, kw_only=True)
    revoked: datetime | None = attrs.field(default=None, kw_only=True)
    archived: datetime | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.draft is None:
            raise InvalidTimestamp(None, "the draft timestamp is required", field="draft")
        for name in _FIELDS:
            value = getattr(self, name)
            normalized = _as_utc(value, name)
            if normalized is not value:
                object.__setattr__(self, name, normalized)

    @classmethod
    def _from_stamps(cls, stamps: tuple[datetime | None, ...]) -> StatusHistory:
        """Build from already validated UTC stamps, in model order, skipping validation."""
        new = object.__new__(cls)
        # Through the slots' own descriptors: object.__setattr__ looks each name up first.
        for put, value in zip(_PUT_STAMPS, stamps):
            put(new, value)
        return new

    def _stamps(self) -> tuple[datetime | None, ...]:
        return _GET_STAMPS(self)

    def __getitem__(self, status: VersionStatus | str) -> datetime | None:
        """The stamp of ``status``, or None; REQUIRES_OFFLINE_REVIEW is never stamped."""
        field = VersionStatus.parse(status).history_field
        return None if field is None else getattr(self, field)

    def get(self, status: VersionStatus | str) -> datetime | None:
        """Same as ``history[status]``."""
        return self[status]

    def stamped(self) -> tuple[tuple[VersionStatus, datetime], ...]:
        """The stamped statuses with their times, oldest first (ties in model order)."""
        pairs = [
            (status, stamp)
            for status, stamp in zip(STAMPED_STATUSES, self._stamps())
            if stamp is not None
        ]
        pairs.sort(key=lambda pair: pair[1])
        return tuple(pairs)

    @property
    def latest(self) -> datetime:
        """The latest stamp in the history."""
        return max(s for s in self._stamps() if s is not None)

    def with_stamp(self, status: VersionStatus | str, at: datetime) -> StatusHistory:
        """A copy with ``status`` stamped at ``at``; an unstamped status leaves it unchanged."""
        field = VersionStatus.parse(status).history_field
        if field is None:
            return self
        return attrs.evolve(self, **{field: parse_timestamp(at, field=field)})

    def to_aws(self) -> dict[str, datetime]:
        """The history in AWS's shape, as boto3 returns it: only the keys that are set."""
        return {key: stamp for key, stamp in zip(_AWS_KEYS, self._stamps()) if stamp is not None}

    def to_json(self) -> dict[str, str]:
        """The history in AWS's shape with ISO-8601 strings, as the AWS CLI prints it."""
        return {
            key: stamp.isoformat()
            for key, stamp in zip(_AWS_KEYS, self._stamps())
            if stamp is not None
        }

    @classmethod
    def from_aws(cls, data: object) -> StatusHistory:
        """Parse AWS's RegistrationVersionStatusHistory (boto3, AWS CLI or raw JSON).

        A key the library does not know is refused (UnknownHistoryKey): a stamp it cannot
        place proves nothing. ``registration-fsm check-drift`` reports keys AWS added.
        """
        if not isinstance(data, Mapping):
            raise MalformedDataError(
                f"expected an object, got {type(data).__name__}",
                path="RegistrationVersionStatusHistory",
                value=data,
            )
        stamps: list[datetime | None] = [None] * len(_AWS_KEYS)
        for key, value in data.items():
            index = _KEY_TO_INDEX.get(key) if isinstance(key, str) else None
            if index is None:
                raise UnknownHistoryKey(key, _AWS_KEYS)
            if value is None:
                continue
            stamps[index] = parse_timestamp(value, field=key)
        if stamps[0] is None:
            raise MalformedDataError(
                "DraftTimestamp is required",
                path="RegistrationVersionStatusHistory",
                value=data,
            )
        return cls._from_stamps(tuple(stamps))

    def __repr__(self) -> str:
        inner = ", ".join(
            f"{status.history_field}={stamp.isoformat()!r}" for status, stamp in self.stamped()
        )
        return f"StatusHistory({inner})"


def require_history(history: object) -> StatusHistory:
    """Return ``history`` if it is a StatusHistory; raise MalformedDataError naming what it is."""
    if not isinstance(history, StatusHistory):
        raise MalformedDataError(
            f"history must be a StatusHistory, got {type(history).__name__}",
            path="history",
            value=history,
        )
    return history


_PUT_STAMPS = tuple(vars(StatusHistory)[name].__set__ for name in _FIELDS)
