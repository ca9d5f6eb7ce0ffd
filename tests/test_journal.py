"""The journal: moves derived from snapshots, the hash chain, and what verify_journal detects."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm import (
    InvalidTimestamp,
    InvalidValueError,
    JournalDerivationError,
    MalformedDataError,
    Registration,
    SteppingClock,
    VersionStatus,
)
from registration_fsm.store import (
    GENESIS_HASH,
    JournalEntry,
    JournalFindingKind,
    JournalMove,
    JournalSource,
    Loaded,
    _journal,
    canonical_json,
    chain,
    journal_moves,
    verify_journal,
)
from registration_fsm.testing.strategies import registrations

S = VersionStatus
K = JournalFindingKind
RID = "registration-0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
RECORDED = datetime(2026, 2, 1, 12, 0, tzinfo=timezone.utc)


def _clock() -> SteppingClock:
    return SteppingClock(T0, timedelta(minutes=1))


def _approved() -> tuple[Registration, tuple[JournalEntry, ...]]:
    """A registration walked to APPROVED, one save per move, and its chained journal."""
    reg = Registration.new(RID, clock=_clock())
    moves = list(journal_moves(None, reg, source="local", worker_id="w1"))
    for change in (reg.submit, lambda: reg.fire("begin_review"), lambda: reg.fire("approve")):
        before = reg.snapshot()
        change()
        moves += journal_moves(before, reg, source="event", worker_id="w1")
    return reg, chain(moves, recorded_at=RECORDED)


def _kinds(report: object) -> list[tuple[str, int | None]]:
    findings = report.findings  # type: ignore[attr-defined]
    return [(f.kind.value, f.sequence) for f in findings]


# -- deriving moves -------------------------------------------------------------------------


def test_a_new_registration_journals_the_creation_of_its_version() -> None:
    reg = Registration.new(RID, clock=_clock())
    [move] = journal_moves(None, reg, source="local", worker_id="w1")
    assert move == JournalMove(RID, 1, "create", None, S.DRAFT, T0, "local", "w1")


def test_a_jump_read_back_is_journaled_along_its_legal_path() -> None:
    reg = Registration.new(RID, clock=_clock())
    before = reg.snapshot()
    reg.submit()
    reg.fire("begin_review")
    reg.fire("approve")
    moves = journal_moves(before, reg, source="reconcile")
    history = reg.latest.history
    assert [(m.trigger, m.from_status, m.to_status, m.stamp) for m in moves] == [
        ("submit", S.DRAFT, S.SUBMITTED, history.submitted),
        ("begin_review", S.SUBMITTED, S.REVIEWING, history.reviewing),
        ("approve", S.REVIEWING, S.APPROVED, history.approved),
    ]
    assert {m.source.value for m in moves} == {"reconcile"}


def test_a_status_entered_twice_carries_its_stamp_on_the_last_entry_only() -> None:
    reg = Registration.new(RID, clock=_clock())
    reg.submit()
    reg.fire("begin_review")
    before = reg.snapshot()
    for trigger in ("require_authentication", "complete_authentication", "require_authentication"):
        reg.fire(trigger)
    moves = journal_moves(before, reg, source="event")
    history = reg.latest.history
    assert [(m.trigger, m.stamp) for m in moves] == [
        ("require_authentication", None),
        ("complete_authentication", history.reviewing),
        ("require_authentication", history.requires_authentication),
    ]


def test_an_approval_journals_the_archive_of_the_older_version() -> None:
    reg = Registration.new(RID, clock=_clock())
    for trigger in ("submit", "begin_review", "approve"):
        reg.fire(trigger)
    reg.create_version()
    reg.fire("submit")
    reg.fire("begin_review")
    before = reg.snapshot()
    reg.fire("approve")
    moves = journal_moves(before, reg, source="event")
    assert [(m.version_number, m.trigger, m.to_status) for m in moves] == [
        (1, "archive", S.ARCHIVED),
        (2, "approve", S.APPROVED),
    ]
    assert journal_moves(reg, reg, source="event") == ()


def test_a_change_the_stamps_prove_no_path_for_is_refused() -> None:
    reg = Registration.new(RID, clock=_clock())
    before = reg.snapshot()
    reg.submit()
    reg.fire("begin_review")
    # Going back from REVIEWING to a bare DRAFT drops stamps: no legal path explains it.
    with pytest.raises(JournalDerivationError) as caught:
        journal_moves(reg, before, source="reconcile")
    assert caught.value.version_number == 1
    assert caught.value.problems
    fewer = Registration.new(RID, clock=_clock())
    reg.fire("approve")
    reg.create_version()
    with pytest.raises(JournalDerivationError, match="never vanish"):
        journal_moves(reg, fewer, source="reconcile")


def test_moves_of_another_registration_are_refused() -> None:
    other = Registration.new("registration-11111111111111111111111111111111")
    with pytest.raises(InvalidValueError, match="not the same registration"):
        journal_moves(other, Registration.new(RID), source="local")
    with pytest.raises(ValueError, match="JournalSource"):
        journal_moves(None, other, source="gossip")
    with pytest.raises(InvalidValueError):
        JournalMove(RID, 1, "", None, S.DRAFT, None, "local")


# -- the chain ------------------------------------------------------------------------------


def test_each_hash_is_the_sha256_of_the_canonical_json_with_the_previous_hash() -> None:
    _, entries = _approved()
    first = entries[0]
    text = canonical_json(first)
    assert " " not in text
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert "hash" not in data
    assert data["previous_hash"] == GENESIS_HASH
    assert data["stamp"] == "2026-01-05T09:00:00.000000+00:00"
    assert data["recorded_at"] == "2026-02-01T12:00:00.000000+00:00"
    assert first.hash == hashlib.sha256(text.encode()).hexdigest()
    assert [e.previous_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert [e.sequence for e in entries] == [1, 2, 3, 4]


def test_entries_round_trip_through_json() -> None:
    _, entries = _approved()
    again = tuple(JournalEntry.from_dict(json.loads(json.dumps(e.to_dict()))) for e in entries)
    assert again == entries
    with pytest.raises(MalformedDataError, match="keys"):
        JournalEntry.from_dict({"registration_id": RID})
    bad = entries[0].to_dict() | {"hash": "xyz"}
    with pytest.raises(MalformedDataError, match="hex"):
        JournalEntry.from_dict(bad)


def test_an_untouched_journal_verifies_against_its_registration() -> None:
    reg, entries = _approved()
    report = verify_journal(entries, reg)
    assert report.ok
    assert report.statuses == ((1, S.APPROVED),)
    assert str(report) == "journal verified: 4 entries"
    assert verify_journal(entries, Loaded(reg, 4, None, entries[-1].hash)).ok


def test_an_edited_entry_is_detected() -> None:
    reg, entries = _approved()
    edited = attrs.evolve(entries[1], worker_id="mallory")
    report = verify_journal((entries[0], edited, *entries[2:]), reg)
    assert _kinds(report) == [("altered", 2)]
    # Rehashing the edited entry moves the break to the next one.
    rehashed = attrs.evolve(edited, hash=edited.computed_hash())
    report = verify_journal((entries[0], rehashed, *entries[2:]), reg)
    assert _kinds(report) == [("broken_chain", 3)]
    assert "entry 3: broken_chain" in str(report)


def test_an_edited_move_is_detected_as_altered_and_illegal() -> None:
    reg, entries = _approved()
    edited = attrs.evolve(entries[3], trigger="deny", to_status=S.DENIED)
    report = verify_journal((*entries[:3], edited), reg)
    assert _kinds(report) == [("altered", 4), ("state_mismatch", None)]
    # "deny" is a legal move from REVIEWING: only the hash and the stored state betray it.
    assert report.statuses == ((1, S.DENIED),)


def test_a_deleted_entry_is_detected() -> None:
    reg, entries = _approved()
    report = verify_journal((entries[0], *entries[2:]), reg)
    assert _kinds(report) == [
        ("broken_chain", 3),
        ("out_of_sequence", 3),
        ("illegal_move", 3),
        ("illegal_move", 4),
        ("state_mismatch", None),
    ]
    first_gone = verify_journal(entries[1:])
    assert ("broken_chain", 2) in _kinds(first_gone)
    assert ("out_of_sequence", 2) in _kinds(first_gone)


def test_a_deleted_last_entry_is_detected_by_the_stored_state_and_head() -> None:
    reg, entries = _approved()
    assert verify_journal(entries[:-1]).ok  # the chain alone cannot tell
    assert _kinds(verify_journal(entries[:-1], reg)) == [("state_mismatch", None)]
    loaded = Loaded(reg, 4, None, entries[-1].hash)
    assert _kinds(verify_journal(entries[:-1], loaded)) == [
        ("head_mismatch", None),
        ("state_mismatch", None),
    ]


def test_reordered_entries_are_detected() -> None:
    reg, entries = _approved()
    report = verify_journal((entries[0], entries[2], entries[1], entries[3]), reg)
    kinds = _kinds(report)
    assert ("broken_chain", 3) in kinds
    assert ("broken_chain", 2) in kinds
    assert ("out_of_sequence", 3) in kinds
    assert ("illegal_move", 3) in kinds
    assert not report.ok


def test_an_inserted_entry_is_detected() -> None:
    reg, entries = _approved()
    # A forged entry, chained properly onto entry 2, slipped in before the real entry 3.
    forged_move = JournalMove(RID, 1, "discard", S.SUBMITTED, S.DISCARDED, T0, "local", "x")
    [forged] = chain([forged_move], recorded_at=RECORDED, after=entries[1])
    report = verify_journal((*entries[:2], forged, *entries[2:]), reg)
    kinds = _kinds(report)
    assert kinds[0] == ("broken_chain", 3)  # the real entry 3 no longer follows its predecessor
    assert ("out_of_sequence", 3) in kinds
    assert ("illegal_move", 3) in kinds  # begin_review from DISCARDED
    assert kinds[-1] == ("state_mismatch", None)


def test_a_well_chained_illegal_move_is_detected_by_the_replay() -> None:
    moves = [
        JournalMove(RID, 1, "create", None, S.DRAFT, T0, "local"),
        JournalMove(RID, 1, "approve", S.DRAFT, S.APPROVED, T0, "local"),
        JournalMove(RID, 2, "submit", S.DRAFT, S.SUBMITTED, T0, "local"),
    ]
    report = verify_journal(chain(moves, recorded_at=RECORDED))
    assert _kinds(report) == [("illegal_move", 2), ("illegal_move", 3)]
    assert "not a lifecycle move from a version not yet created" in report.findings[1].detail


def test_a_foreign_entry_is_detected() -> None:
    _, entries = _approved()
    other = "registration-11111111111111111111111111111111"
    stray = chain([JournalMove(other, 1, "create", None, S.DRAFT, T0, "local")],
                  recorded_at=RECORDED, after=None)[0]  # fmt: skip
    report = verify_journal((*entries, stray))
    assert ("foreign_entry", 1) in _kinds(report)
    with pytest.raises(InvalidValueError, match="cannot follow"):
        chain([stray.move], recorded_at=RECORDED, after=entries[-1])


def test_verify_journal_refuses_what_is_not_an_entry() -> None:
    with pytest.raises(InvalidValueError, match="JournalEntry"):
        verify_journal([{"sequence": 1}])  # type: ignore[list-item]
    assert verify_journal(()).ok
    assert K.ALTERED.value == "altered"


# -- any walk, any single tampering -----------------------------------------------------------


def _walk(choices: list[int]) -> tuple[Registration, tuple[JournalEntry, ...]]:
    """A registration walked by ``choices`` through its legal moves, one save per move."""
    reg = Registration.new(RID, clock=_clock())
    moves = list(journal_moves(None, reg, source="local"))
    for choice in choices:
        options = [t for t in reg.latest.allowed_triggers() if t != "archive"]
        if reg.can_create_version():
            options.append("create_version")
        if not options:
            break
        pick = options[choice % len(options)]
        before = reg.snapshot()
        if pick == "create_version":
            reg.create_version()
        else:
            reg.fire(pick)
        moves += journal_moves(before, reg, source="event")
    return reg, chain(moves, recorded_at=RECORDED)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    choices=st.lists(st.integers(0, 50), max_size=14),
    where=st.integers(0, 1_000),
    how=st.sampled_from(["edit", "rehash", "delete", "swap", "duplicate"]),
)
def test_any_single_tampering_of_any_walk_is_detected(
    choices: list[int], where: int, how: str
) -> None:
    reg, entries = _walk(choices)
    loaded = Loaded(reg, 1, None, entries[-1].hash)
    assert verify_journal(entries, loaded).ok
    i = where % len(entries)
    tampered = list(entries)
    if how == "edit":
        tampered[i] = attrs.evolve(entries[i], worker_id="mallory")
    elif how == "rehash":
        edited = attrs.evolve(entries[i], stamp=None, worker_id="mallory")
        tampered[i] = attrs.evolve(edited, hash=edited.computed_hash())
    elif how == "delete":
        del tampered[i]
    elif how == "swap":
        if len(entries) < 2:
            return
        j = (i + 1) % len(entries)
        tampered[i], tampered[j] = tampered[j], tampered[i]
    else:
        tampered.insert(i, entries[i])
    report = verify_journal(tampered, loaded)
    assert not report.ok
    named = {f.sequence for f in report.findings}
    if how in ("edit", "rehash"):
        # The edited entry, or (rehashed, so its own hash holds) the one after it, is named;
        # the last entry rehashed is caught by the head the registration records.
        assert named & {i + 1, i + 2, None}


@settings(max_examples=80, deadline=None)
@given(
    reg=registrations(max_events=25, registration_id=RID),
    source=st.sampled_from(["local", "answer", "reconcile", "event"]),
    worker=st.none() | st.sampled_from(["w1", "worker-2"]),
)
def test_derived_moves_are_what_their_converters_make_of_them(
    reg: Registration, source: str, worker: str | None
) -> None:
    """journal_moves builds its moves without running JournalMove's converters: each must
    still be exactly the move the public constructor makes of the same fields."""
    for move in journal_moves(None, reg, source=source, worker_id=worker):
        fields = attrs.astuple(move, recurse=False)
        remade = JournalMove(*fields)
        assert remade == move
        assert [type(v) for v in attrs.astuple(remade, recurse=False)] == [type(v) for v in fields]
        assert move.source is JournalSource(source)
        assert move.worker_id == worker


def test_a_worker_id_that_is_no_string_is_refused_before_any_move_is_made() -> None:
    reg = Registration.new(RID, clock=_clock())
    with pytest.raises(InvalidValueError, match="worker id"):
        journal_moves(None, reg, source="local", worker_id=7)  # type: ignore[arg-type]


_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
_UTC_TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.just(timezone.utc),
)


@settings(max_examples=300, deadline=None)
@given(
    trigger=_TEXT,
    start=st.none() | st.sampled_from(S),
    dest=st.sampled_from(S),
    stamp=st.none() | _UTC_TIMES,
    source=st.sampled_from(JournalSource),
    worker=st.none() | _TEXT,
    number=st.integers(1, 100_000),
    sequence=st.integers(0, 10**9),
    recorded=_UTC_TIMES,
    previous=st.sampled_from([GENESIS_HASH, "ab" * 32]) | _TEXT,
)
def test_a_written_row_and_its_hash_are_what_the_encoder_makes_of_its_fields(
    trigger: str,
    start: VersionStatus | None,
    dest: VersionStatus,
    stamp: datetime | None,
    source: JournalSource,
    worker: str | None,
    number: int,
    sequence: int,
    recorded: datetime,
    previous: str,
) -> None:
    # chain_rows writes the canonical text out by hand (store/_journal.py): it must be, byte
    # for byte, json.dumps of the fields with sorted keys, or no stored journal verifies.
    move = JournalMove(RID, number, trigger, start, dest, stamp, source, worker)
    [(entry, row)] = _journal.chain_rows(
        [move], recorded_at=recorded, sequence=sequence, previous_hash=previous
    )
    fields = entry.to_dict()
    del fields["hash"]
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    assert canonical_json(entry) == text
    assert row == (*fields.values(), hashlib.sha256(text.encode()).hexdigest())
    assert entry.hash == row[-1] == entry.computed_hash()
    made = JournalEntry(
        *(fields[name] for name in ("registration_id", "sequence", "version_number", "trigger")),
        start,
        dest,
        stamp,
        source,
        worker,
        recorded,
        previous,
        entry.hash,
    )
    assert entry == made
    assert [getattr(entry, f.name) for f in attrs.fields(JournalEntry)] == [
        getattr(made, f.name) for f in attrs.fields(JournalEntry)
    ]


def test_a_previous_hash_that_is_no_text_is_left_to_the_encoder() -> None:
    move = JournalMove(RID, 1, "submit", S.DRAFT, S.SUBMITTED, T0, JournalSource.ANSWER)
    [(entry, row)] = _journal.chain_rows([move], recorded_at=RECORDED, sequence=0, previous_hash=7)  # type: ignore[arg-type]
    assert row[10] == 7
    assert '"previous_hash":7,' in canonical_json(entry)
    assert entry.hash == entry.computed_hash()


def test_a_recorded_time_without_a_zone_is_refused_by_name() -> None:
    move = JournalMove(RID, 1, "submit", S.DRAFT, S.SUBMITTED, T0, JournalSource.ANSWER)
    with pytest.raises(InvalidTimestamp) as raised:
        _journal.chain_rows(
            [move], recorded_at=datetime(2026, 2, 1), sequence=0, previous_hash=GENESIS_HASH
        )
    assert raised.value.field == "recorded_at"
    assert "for recorded_at" in str(raised.value)
