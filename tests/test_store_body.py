"""The stored body: ``json.dumps(to_dict())``, compact, with an unchanged version's text reused.

A store writes a version whose state has not moved since it was read (or written) as the text
it was read as, and reads a compact body with json's own scanner, one value at a time, keeping
each version's text. These tests hold both halves to ``json``: the body is byte for byte
what ``json.dumps`` of ``to_dict()`` gives, and the reader returns what ``json.loads``
returns, for any text.
"""

from __future__ import annotations

import contextlib
import copy
import json
import pickle
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import MalformedDataError, Registration, RegistrationFsmError
from registration_fsm.store import SqliteStore, _body
from registration_fsm.store._body import _read_written, _scan_body, body, registration_from
from registration_fsm.testing.strategies import registrations

RID = "registration-0123456789abcdef0123456789abcdef"
TRIGGERS = ["submit", "begin_review", "approve", "deny", "discard", "revoke", "begin_aws_review"]


def _dumps(reg: Registration) -> str:
    return json.dumps(reg.to_dict(), separators=(",", ":"))


def _approved_then_draft() -> Registration:
    """Version 1 approved, version 2 a DRAFT."""
    reg = Registration.new(RID, at=None)
    reg.submit()
    reg.fire("begin_review")
    reg.fire("approve")
    reg.create_version()
    return reg


def _move(reg: Registration, trigger: str, version_number: int | None) -> None:
    """Fire ``trigger`` if the rules allow it; a later stamp than any held."""
    latest = max(s for v in reg.versions for s in v.history._stamps() if s is not None)
    with contextlib.suppress(RegistrationFsmError):
        reg.fire(trigger, version_number=version_number, at=latest + timedelta(hours=1))


@settings(max_examples=80, deadline=None)
@given(
    reg=registrations(max_events=30, registration_id=RID),
    steps=st.lists(
        st.tuples(st.sampled_from(TRIGGERS), st.none() | st.integers(1, 6)), max_size=5
    ),
)
def test_a_body_is_json_dumps_of_to_dict_before_and_after_reading_and_moving(
    reg: Registration, steps: list[tuple[str, int | None]]
) -> None:
    first = body(reg)
    assert first == _dumps(reg)
    assert body(reg) == first  # written again from the texts it kept
    read = registration_from(first)
    assert read == reg
    assert all(v._text_memo is not None for v in read.versions)
    assert body(read) == first
    for trigger, number in steps:
        _move(read, trigger, number)
        assert body(read) == _dumps(read)  # a moved version is written anew
    assert registration_from(body(read)) == read


def test_a_text_kept_for_an_older_state_is_not_used() -> None:
    reg = Registration.new(RID, at=None)
    text = body(reg)
    read = registration_from(text)
    version = read.latest
    kept = version._text_memo
    assert kept is not None
    assert kept[1] in text
    read.submit()
    assert body(read) == _dumps(read)
    assert '"status":"SUBMITTED"' in body(read)


def test_a_hand_spelt_version_is_written_as_read_until_it_moves(tmp_path: object) -> None:
    reg = _approved_then_draft()
    text = body(reg)
    data = json.loads(text)
    first = json.dumps(data["versions"][0], indent=1).replace("+00:00", "Z")
    second = json.dumps(data["versions"][1], separators=(",", ":"))
    head = text[: text.index('"versions":[')]
    edited = head + '"versions":[' + first + "," + second + "]}"
    assert json.loads(edited) != data  # the same registration, spelt otherwise
    read = registration_from(edited)
    assert read == reg
    read.submit()  # version 2 moves; version 1 keeps its spelling
    written = body(read)
    assert first in written
    assert registration_from(written) == read
    assert written != _dumps(read)
    read.fire("begin_review")
    read.fire("approve")  # archives version 1: now it is written anew
    assert body(read) == _dumps(read)


def test_a_store_writes_only_the_texts_json_dumps_gives(tmp_path: object) -> None:
    reg = Registration.new(RID, at=None)
    with SqliteStore(":memory:") as store:
        store.save(reg, expected_revision=None)
        loaded = store.load(RID)
        loaded.registration.submit()
        store.save(loaded.registration, expected_revision=loaded.revision)
        stored = store._conn.execute("SELECT body FROM rfsm_registrations").fetchone()[0]
        assert stored == _dumps(loaded.registration)


# -- the reader returns what json.loads returns -----------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(["versions", "a", "schema", "b"]), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    value=st.dictionaries(st.sampled_from(["versions", "a", "schema", "b"]), _json, max_size=5),
    cut=st.integers(0, 200),
    insert=st.sampled_from(
        ["", " ", ",", "}", "]", '"', "\n", "\t", "\r", "\u00a0", "x", '{"versions":[]}']
    ),
)
def test_the_reader_returns_what_json_loads_returns_or_leaves_the_text_to_it(
    value: dict[str, object], cut: int, insert: str
) -> None:
    compact = json.dumps(value, separators=(",", ":"))
    spaced = json.dumps(value, indent=1 if cut % 2 else None)
    for text in (
        compact,
        compact[:cut] + insert + compact[cut:],
        compact[:cut],
        spaced,
        spaced[:cut] + insert + spaced[cut:],
    ):
        scanned = _scan_body(text)
        if scanned is None:
            continue
        data, spans = scanned
        assert data == json.loads(text)
        versions = data.get("versions")
        if isinstance(versions, list):
            assert spans is not None
        if spans is not None:
            assert isinstance(versions, list)
            assert [json.loads(span) for span in spans] == versions


def test_a_key_given_twice_keeps_its_last_value_and_its_texts() -> None:
    text = '{"versions":[1,2],"a":{"x":1},"versions":[{"n":3}," s "]}'
    scanned = _scan_body(text)
    assert scanned is not None
    data, spans = scanned
    assert data == json.loads(text) == {"versions": [{"n": 3}, " s "], "a": {"x": 1}}
    assert spans == ['{"n":3}', '" s "']


def test_a_last_versions_that_is_no_array_keeps_no_texts() -> None:
    text = '{"versions":[{"n":1}],"versions":{"n":2}}'
    assert _scan_body(text) == (json.loads(text), None)


def test_texts_that_are_not_one_object_with_a_key_are_left_to_json_loads() -> None:
    for text in (
        "",
        "[]",
        "{}",
        ' {"a":1}',
        '{"a":1,}',
        '{"versions":[1,2,]}',
        '{"versions":[1 2]}',
        '{"versions":[1,2}',
        '{"a":1}{"b":2}',
        '{"a":1} x',
        '{"a":tru}',
        '{"a" 1}',
        "\ufeff{}",
    ):
        assert _scan_body(text) is None, text


def test_json_whitespace_between_values_is_read_as_json_loads_reads_it() -> None:
    text = '{ "a" : 1 ,\n"versions" :\t[ {"n": 1} , 2\r] } \n'
    scanned = _scan_body(text)
    assert scanned is not None
    data, spans = scanned
    assert data == json.loads(text)
    assert spans == ['{"n": 1}', "2"]
    assert _scan_body('{"a":1,"versions":[\u00a01]}') is None  # not JSON's whitespace


def test_postgres_prints_a_body_that_is_read_with_its_texts_and_written_back(
    postgres_dsn: str,
) -> None:
    from registration_fsm.store import PostgresStore

    reg = _approved_then_draft()
    with PostgresStore(postgres_dsn) as store, PostgresStore(postgres_dsn, cache_size=0) as cold:
        store.save(reg, expected_revision=None)
        printed = store._conn.execute(
            "SELECT body::text FROM rfsm_registrations WHERE registration_id = %s", (RID,)
        ).fetchone()[0]
        assert ", " in printed  # jsonb's own spelling, not the compact one written
        read = registration_from(printed)
        assert read == reg
        assert all(v._text_memo is not None for v in read.versions)
        loaded = cold.load(RID)
        loaded.registration.submit()
        written = body(loaded.registration)
        assert json.loads(written) == loaded.registration.to_dict()
        cold.save(loaded.registration, expected_revision=loaded.revision)
        assert cold.load(RID).registration == loaded.registration
        assert store.load(RID).registration == loaded.registration


def test_a_store_keeps_a_hand_spelt_version_through_loads_and_saves(tmp_path: Path) -> None:
    reg = Registration.new(RID, at=None)
    for trigger in ("submit", "begin_review", "approve"):
        reg.fire(trigger)
    reg.create_version()
    path = tmp_path / "hand.db"
    with SqliteStore(path) as store:
        store.save(reg, expected_revision=None)
    conn = sqlite3.connect(path, isolation_level=None)
    text = conn.execute("SELECT body FROM rfsm_registrations").fetchone()[0]
    data = json.loads(text)
    first = json.dumps(data["versions"][0], indent=1)
    edited = text.replace(json.dumps(data["versions"][0], separators=(",", ":")), first, 1)
    assert edited != text
    conn.execute("UPDATE rfsm_registrations SET body = ?", (edited,))
    with SqliteStore(path) as store:
        store.load(RID)  # parsed and kept
        loaded = store.load(RID)  # a copy sharing the kept versions
        loaded.registration.submit()  # version 2 moves: the versions are copied
        store.save(loaded.registration, expected_revision=loaded.revision)
        stored = conn.execute("SELECT body FROM rfsm_registrations").fetchone()[0]
        assert first in stored
        assert registration_from(stored) == loaded.registration == store.load(RID).registration
    conn.close()


# -- a body exactly as written is read without decoding what every version repeats ------------


def _outcome(read: Callable[[str], Registration], text: str) -> tuple[str, object]:
    """What reading ``text`` gives: the registration's snapshot, or the error and its words."""
    try:
        return "read", read(text).to_dict()
    except RegistrationFsmError as error:
        return type(error).__name__, str(error)


def _by_json_loads(text: str) -> Registration:
    """The general reader: ``json.loads``, then ``Registration.from_dict``."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MalformedDataError(f"the stored body is not JSON: {exc}", path="body") from exc
    return Registration.from_dict(data)


@settings(max_examples=120, deadline=None)
@given(reg=registrations(max_events=30))
def test_a_written_body_is_read_the_fast_way_as_the_general_reader_reads_it(
    reg: Registration,
) -> None:
    text = body(reg)
    fast = _read_written(text)
    assert fast is not None
    assert fast == _by_json_loads(text) == reg
    assert fast.to_dict() == reg.to_dict()
    spans = _scan_body(text)
    assert spans is not None
    assert [v._text_memo for v in fast._held] == [
        (v._state, span) for v, span in zip(fast._held, spans[1] or [], strict=True)
    ]
    assert body(fast) == text


_EDITS = [
    "",
    " ",
    ",",
    "}",
    "]",
    "{",
    '"',
    "\\",
    "0",
    "9",
    "-",
    "null",
    '"x"',
    ',"versions":[',
    ',"registration_id":"registration-0"',
    ',"registration_arn":null',
    ',"x":1',
    "\\u0041",
]


@settings(max_examples=600, deadline=None)
@given(
    reg=registrations(max_events=12, registration_id=RID),
    where=st.integers(0, 10_000),
    cut=st.integers(0, 3),
    insert=st.sampled_from(_EDITS),
)
def test_any_edit_of_a_written_body_is_read_or_refused_as_the_general_reader_does(
    reg: Registration, where: int, cut: int, insert: str
) -> None:
    text = body(reg)
    at = where % (len(text) + 1)
    edited = text[:at] + insert + text[at + cut :]
    assert _outcome(registration_from, edited) == _outcome(_by_json_loads, edited)


def test_bodies_the_fast_way_leaves_to_the_general_one() -> None:
    reg = _approved_then_draft()
    text = body(reg)
    cut = text.index(',"versions":[')
    other_arn = "arn:aws:sms-voice:us-east-1:111122223333:registration/" + RID
    for edited in (
        "{" + text[cut:],  # nothing before the versions: not JSON
        text[:-1] + ",}",  # a comma before the end: not JSON
        text[:-1] + "]",  # no end to the object
        text + "x",  # something after its end
        text[:-1] + ',"registration_id":"' + RID + '"}',  # a key given again after them
        text.replace('"version_number":2', '"version_number":200000'),  # beyond AWS's range
        text.replace('"registration_arn":null', f'"registration_arn":"{other_arn}"', 1),
        text.replace('"version_number":1,', '"version_number":1 ,'),
        text.replace('"status":"DRAFT"', '"status":"\\u0044RAFT"'),
        text.replace('"schema":"registration_fsm/version"', '"schema":"registration_fsm/v"', 1),
    ):
        assert _read_written(edited) is None, edited
        assert _outcome(registration_from, edited) == _outcome(_by_json_loads, edited)
    reg.submit()
    submitted = body(reg)
    early = submitted.replace('"status":"SUBMITTED"', '"status":"DRAFT"')  # not its last stamp
    assert _read_written(early) is None
    assert _outcome(registration_from, early) == _outcome(_by_json_loads, early)
    assert _outcome(registration_from, early)[0] == "InvalidHistory"
    twice = text.replace('"version_number":2', '"version_number":1')
    assert _outcome(registration_from, twice) == _outcome(_by_json_loads, twice)
    assert _outcome(registration_from, twice)[0] == "MalformedDataError"


def test_the_head_is_written_again_as_it_was_read() -> None:
    reg = Registration.new(RID, at=None)
    reg.submit()
    text = body(reg)
    cut = text.index(',"versions":[')
    read = registration_from(text)
    assert read._head_text == text[:cut]
    for copied in (copy.copy(read), read._shared_copy(), read.snapshot()):
        assert copied._head_text == text[:cut]
    assert pickle.loads(pickle.dumps(read))._head_text is None  # made again when written
    head = text[:cut].replace('":', '": ')  # the same head, spelt otherwise
    read = registration_from(head + text[cut:])
    assert read._head_text == head
    read.fire("begin_review")
    assert body(read).startswith(head + ',"versions":[')
    assert read._head_text == head
    assert registration_from(body(read)) == read
    data = json.loads(text)
    reordered = json.dumps(  # the same head, its keys in another order: not kept as read
        {"created": data.pop("created"), **data}, separators=(",", ":")
    )
    read = registration_from(reordered)
    assert read == reg
    assert read._head_text is None
    assert body(read) == text


def test_a_body_keeps_the_text_of_every_version_it_encoded() -> None:
    reg = _approved_then_draft()
    first = body(reg)
    for version in reg._held:
        assert version._text_memo is not None
        assert version._text_memo[0] is version._state
        assert version._text_memo[1] in first


def test_a_body_is_of_the_instant_its_states_were_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A version another thread moves after the body read the states is written as it was
    when they were read, not as it is when it is encoded."""
    reg = Registration.new(RID, at=None)
    read_states = _body.snapshot_states

    def then_moved(
        registration: Registration, *, private: bool = False
    ) -> tuple[list[tuple[object, object]], list[dict[str, object]]]:
        parts = read_states(registration, private=private)
        registration.submit()  # another thread's move, between the read and the encoding
        return parts  # type: ignore[return-value]

    monkeypatch.setattr(_body, "snapshot_states", then_moved)
    written = json.loads(body(reg))
    assert written["versions"][-1]["status"] == "DRAFT"
    assert reg.latest.status.value == "SUBMITTED"


def test_a_written_body_with_rule_violations_after_its_versions_is_read_the_fast_way() -> None:
    def version(number: int, status: str, history: dict[str, str]) -> dict[str, object]:
        return {
            "schema": "registration_fsm/version",
            "schema_version": 1,
            "registration_id": RID,
            "version_number": number,
            "registration_arn": None,
            "status": status,
            "history": history,
        }

    day = "2026-01-0{}T00:00:00+00:00".format
    snapshot = {
        "schema": "registration_fsm/registration",
        "schema_version": 1,
        "registration_id": RID,
        "versions": [
            version(
                1,
                "APPROVED",
                {
                    "DraftTimestamp": day(1),
                    "SubmittedTimestamp": day(2),
                    "ReviewingTimestamp": day(3),
                    "ApprovedTimestamp": day(9),
                },
            ),
            version(2, "DRAFT", {"DraftTimestamp": day(5)}),  # drafted before 1 settled
        ],
        "rule_violations": [{"reason": "DRAFTED_TOO_EARLY", "version_number": 2}],
    }
    reg = Registration.from_dict(snapshot)
    text = body(reg)
    assert text.endswith(
        '],"rule_violations":[{"reason":"DRAFTED_TOO_EARLY","version_number":2}]}'
    )
    fast = _read_written(text)
    assert fast is not None
    assert fast == reg == _by_json_loads(text)
    assert fast._head_text == text[: text.index(',"versions":[')]
    for edited in (text[:-1] + "]", text[:-1] + " ", text + "x"):
        assert _read_written(edited) is None, edited
        assert _outcome(registration_from, edited) == _outcome(_by_json_loads, edited)
    spaced = text + " "  # JSON's whitespace after the end: read either way, to the same
    assert _read_written(spaced) == _by_json_loads(spaced) == reg
