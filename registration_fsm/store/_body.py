"""The stored body: a registration's text, written once per save and read on every load that
the cache does not answer.

The body is ``json.dumps(to_dict())``, compact. Writing reuses the text of every version that
did not move (:func:`body`). Reading (:func:`registration_from`) goes three ways, each giving
exactly what ``Registration.from_dict(json.loads(text))`` gives or raises:

- a body exactly as :func:`body` writes it is read by :func:`_read_written`, which matches
  the parts every version repeats (its schema, the registration's id and ARN) as text instead
  of decoding them, and decodes only each version's number, status and history;
- any other JSON object is read by :func:`_scan_body` (json's own scanner, one value at a
  time), which keeps each version's text as written;
- anything else by ``json.loads``, which reads it or says why not.

Decision (issue 11): a load of a row this store has not seen parses ten versions, and half of
each version's text is the registration's id and ARN again; decoding them was a third of a
cold submit's Python. The fast way never decides an error: on anything it does not expect it
hands the text to the next way, whose checks then apply.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from .._registration_shapes import HEAD_KEYS, from_dict, snapshot_head, snapshot_states
from .._snapshot_read import plain_arn, plain_id, version_of
from ..errors import MalformedDataError
from ..history import _AWS_KEYS
from ..registration import Registration
from ..statuses import _VERSION_BY_VALUE
from ..values import MAX_VERSION_NUMBER
from ..version import (
    _INIT,
    SNAPSHOT_SCHEMA,
    SNAPSHOT_SCHEMA_VERSION,
    RegistrationVersion,
    held_state,
)
from ._json_text import compact_encoder

__all__ = ["body", "registration_from"]


def body(registration: Registration, *, private: bool = False) -> str:
    """The stored text of ``registration``: ``json.dumps(to_dict())``, compact.

    Decision (issue 11): a version whose state has not moved since it was read or written is
    written as the text it was read or written as (``RegistrationVersion._text_memo``), so a
    save encodes only the versions that changed. A body the store wrote reads back as that
    same text; a version read from a body edited by hand keeps its hand's spelling until it
    moves, which parses to the same version. ``private``: no other thread can reach
    ``registration`` (the store's own snapshot), so no lock is taken to read it.
    """
    states, violations = snapshot_states(registration, private=private)
    head = registration._head_text
    if head is None:
        # The head never changes: its text is made once, then carried by every copy.
        head = registration._head_text = _ENCODE(snapshot_head(registration))[:-1]
    parts = []
    for version, state in states:
        memo = version._text_memo
        if memo is not None and memo[0] is state:
            parts.append(memo[1])
        else:
            text = _ENCODE(version._snapshot(state))
            version._text_memo = (state, text)
            parts.append(text)
    out = head + ',"versions":[' + ",".join(parts) + "]"
    if violations:
        out += ',"rule_violations":' + _ENCODE(violations)
    return out + "}"


def registration_from(text: str | dict[str, Any]) -> Registration:
    """The registration a stored body holds; ``MalformedDataError`` when it is not one."""
    spans: list[str] | None = None
    if isinstance(text, str):
        written = _read_written(text)
        if written is not None:
            return written
        scanned = _scan_body(text)
        if scanned is not None:
            data, spans = scanned
        else:
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise MalformedDataError(
                    f"the stored body is not JSON: {exc}", path="body"
                ) from exc
    else:
        data = text
    registration = Registration.from_dict(data)
    if spans:
        _keep_spans(registration, data["versions"], spans)
    return registration


def _scan_body(text: str) -> tuple[dict[str, Any], list[str] | None] | None:
    """``json.loads(text)`` of a JSON object, with the text of each item of its ``versions``
    array; None for any other text, which ``json.loads`` then reads (or refuses).

    The values are decoded by json's own scanner, one top-level value at a time, between
    JSON's own whitespace (PostgreSQL prints ``jsonb`` with spaces), and a key given twice
    keeps its last value as ``json.loads`` does, so what this returns is what ``json.loads``
    returns.
    """
    scan = _SCAN
    data: dict[str, Any] = {}
    spans: list[str] | None = None
    try:
        if text[0] != "{":
            return None
        i = _skip(text, 1)
        while True:
            if text[i] != '"':
                return None
            key, i = scan(text, i)
            i = _skip(text, i)
            if text[i] != ":":
                return None
            i = _skip(text, i + 1)
            if key != "versions":
                value, i = scan(text, i)
            elif text[i] == "[":
                value, spans, i = _scan_array(text, _skip(text, i + 1))
            else:  # the last "versions" is what counts, and this one is no array
                value, i = scan(text, i)
                spans = None
            data[key] = value
            i = _skip(text, i)
            mark = text[i]
            if mark == ",":
                i = _skip(text, i + 1)
            elif mark == "}" and _skip(text, i + 1) == len(text):
                return data, spans
            else:
                return None
    except (IndexError, StopIteration, ValueError, _Unexpected):
        return None


def _scan_array(text: str, i: int) -> tuple[list[Any], list[str], int]:
    """The array whose first item (or end) is at ``i``: its items, their texts, its end."""
    items: list[Any] = []
    spans: list[str] = []
    if text[i] == "]":
        return items, spans, i + 1
    scan = _SCAN
    while True:
        item, after = scan(text, i)
        items.append(item)
        spans.append(text[i:after])
        mark = text[after]
        if mark == ",":
            i = after + 1
            if text[i] in _BLANKS:
                i = _skip(text, i)
        elif mark == "]":
            return items, spans, after + 1
        elif mark in _BLANKS:
            after = _skip(text, after)
            if text[after] == ",":
                i = _skip(text, after + 1)
            elif text[after] == "]":
                return items, spans, after + 1
            else:
                raise _Unexpected
        else:
            raise _Unexpected


def _skip(text: str, i: int) -> int:
    """The index of the first character at or after ``i`` that is not JSON whitespace."""
    if i < len(text) and text[i] in _BLANKS:
        return _WHITESPACE.match(text, i).end()  # type: ignore[union-attr]
    return i


def _keep_spans(registration: Registration, items: list[Any], spans: list[str]) -> None:
    """Give each version the text of the item it was read from (see :func:`body`)."""
    by_number = {
        item["version_number"]: span
        for item, span in zip(items, spans)
        if item.__class__ is dict and item.get("version_number").__class__ is int
    }
    if len(by_number) != len(items):
        return
    for version in registration._held:
        span = by_number.get(version._version_number)
        if span is not None:
            version._text_memo = (version._state, span)


_VERSIONS = ',"versions":['
_OPENING = (
    '{"schema":'
    + json.dumps(SNAPSHOT_SCHEMA)
    + ',"schema_version":'
    + json.dumps(SNAPSHOT_SCHEMA_VERSION)
    + ',"registration_id":"'
)
_STAMP = r'"(20..-..-..T..:..:..(?:\.......)?\+00:00)"'
_HISTORY = re.compile(
    r'","history":\{"'
    + _AWS_KEYS[0]
    + '":'
    + _STAMP
    + "".join(f'(?:,"{key}":{_STAMP})?' for key in _AWS_KEYS[1:])
    + r"\}\}"
)
"""What follows a written version's status: its history, to the version's end.

The history as :meth:`RegistrationVersion.to_dict` writes it: its keys in the order of the
stamps, each stamp UTC text of a year from 2000 to 2099 (so within the range a history may
hold). A dot stands for each digit, one step for the regex engine instead of a range test:
``fromisoformat`` takes ASCII digits only there, so it refuses any other character (a quote
or a backslash included), as it refuses a day that does not exist."""


def _read_written(text: str) -> Registration | None:
    """The registration a body exactly as :func:`body` writes it holds; None for any other
    text (then read the general way, which raises what is to be raised)."""
    cut = text.find(_VERSIONS)
    if cut < 0 or RegistrationVersion.__init__ is not _INIT:
        return None
    try:
        # One object only parses when the cut is at its top level (a cut inside a nested
        # value leaves a brace open).
        data = json.loads(text[:cut] + "}")
    except ValueError:
        return None
    if data.__class__ is not dict or not data or "versions" in data:
        return None
    head = text[:cut] if text[0] == "{" and tuple(data) == HEAD_KEYS else None
    rid = data.get("registration_id")
    arn = data.get("registration_arn")
    if (
        rid.__class__ is not str
        or not plain_id(rid)
        or not (arn is None or (arn.__class__ is str and plain_arn(arn)))
    ):
        return None
    read = _read_versions(text, cut + len(_VERSIONS), rid, arn)
    if read is None:
        return None
    versions, end = read
    if text[end] == ",":
        try:
            rest = json.loads("{" + text[end + 1 :])
        except ValueError:
            return None
        # A key given again after the versions would count, not the one they were read by.
        if rest.__class__ is not dict or not rest or not data.keys().isdisjoint(rest):
            return None
        data.update(rest)
    elif end != len(text) - 1 or text[end] != "}":
        return None
    data["versions"] = versions
    registration = from_dict(Registration, data, read=versions)
    registration._head_text = head  # the head as read, which parses to the same
    return registration


def _read_versions(
    text: str, i: int, rid: str, arn: str | None
) -> tuple[list[RegistrationVersion], int] | None:
    """The versions of a written ``versions`` array whose first item is at ``i``, all of
    registration ``rid`` with ARN ``arn`` (both checked: no character of theirs needs
    escaping in JSON), and the index after the array; None otherwise."""
    opening = _OPENING + rid + '","version_number":'
    skip = len(opening)
    named = ',"registration_arn":' + ("null" if arn is None else '"' + arn + '"') + ',"status":"'
    versions: list[RegistrationVersion] = []
    startswith, find, history_at, parse = (
        text.startswith,
        text.find,
        _HISTORY.match,
        _fromisoformat,
    )
    try:
        while True:
            if not startswith(opening, i):
                return None
            at = i + skip
            comma = find(",", at)
            digits = text[at:comma]
            # A JSON integer from 1 to 999999, in ASCII digits only.
            if not (
                0 < len(digits) <= 6
                and digits.isdigit()
                and digits.isascii()
                and digits[0] != "0"
                and startswith(named, comma)
            ):
                return None
            number = int(digits)
            at = comma + len(named)
            close = find('"', at)
            status = _VERSION_BY_VALUE.get(text[at:close])
            written = history_at(text, close)
            if written is None or status is None or number > MAX_VERSION_NUMBER:
                return None
            state = held_state(
                status, tuple([None if t is None else parse(t) for t in written.groups()])
            )
            if state is None:
                return None
            version = version_of(rid, number, arn, None, state)
            after = written.end()
            version._text_memo = (state, text[i:after])
            versions.append(version)
            mark = text[after]
            if mark == "]":
                return versions, after + 1
            if mark != ",":
                return None
            i = after + 1
    except (IndexError, ValueError):
        return None


class _Unexpected(Exception):
    """A versions array ``_scan_array`` cannot read: the text is left to ``json.loads``."""


_SCAN: Any = vars(json.JSONDecoder())["scan_once"]
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_BLANKS = frozenset(" \t\n\r")
_fromisoformat = datetime.fromisoformat
_ENCODE = compact_encoder(sort_keys=False)
"""``json.dumps(..., separators=(",", ":"))``: a snapshot is a tree of fresh dicts and lists."""
