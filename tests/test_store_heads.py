"""What a store remembers of journal heads, and that a save it spares a read still chains."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from registration_fsm import Registration, SteppingClock
from registration_fsm.store import SqliteStore, journal_moves, verify_journal
from registration_fsm.store._heads import JournalHeads

RID = "registration-0123456789abcdef0123456789abcdef"
T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)


class _Forgetful(JournalHeads):
    def remember(self, rid: str, revision: int, head: str | None, sequence: int) -> None:
        pass


def test_a_head_is_known_at_the_revision_it_was_remembered_at_only() -> None:
    heads = JournalHeads()
    assert heads.at(RID, None) == (None, 0)
    assert heads.at(RID, 1) is None
    heads.remember(RID, 1, "ab" * 32, 4)
    assert heads.at(RID, 1) == ("ab" * 32, 4)
    assert heads.at(RID, 2) is None
    assert heads.at("registration-ffffffffffffffffffffffffffffffff", 1) is None
    heads.clear()
    assert heads.at(RID, 1) is None


def test_heads_are_forgotten_all_at_once_when_full() -> None:
    heads = JournalHeads(kept=2)
    heads.remember(RID, 1, None, 0)
    heads.remember(RID, 2, "a" * 64, 1)
    assert heads.at(RID, 1) == (None, 0)
    heads.remember(RID, 3, "b" * 64, 2)
    assert (heads.at(RID, 1), heads.at(RID, 2), heads.at(RID, 3)) == (None, None, ("b" * 64, 2))


def test_saves_that_read_no_head_chain_like_saves_that_do() -> None:
    """A SqliteStore saving revisions it loaded (heads known) and one that forgets every head
    (each save reads it) write the same journal, which verifies."""

    def run(forget: bool) -> tuple[list[tuple[object, ...]], int]:
        clock = SteppingClock(T0, timedelta(minutes=1))
        with SqliteStore(":memory:", clock=clock) as store:
            if forget:
                store._heads = _Forgetful()
            statements: list[str] = []
            store._conn.set_trace_callback(statements.append)
            reg = Registration.new(RID, registration_type="US_TEN_DLC_BRAND_REGISTRATION", at=T0)
            store.save(
                reg,
                expected_revision=None,
                journal_entries=journal_moves(None, reg, source="local"),
            )
            for hours, step in enumerate(("submit", "discard"), start=1):
                loaded = store.load(RID)
                before = loaded.registration.snapshot()
                getattr(loaded.registration, step)(at=T0 + timedelta(hours=hours))
                moves = journal_moves(before, loaded.registration, source="local")
                store.save(
                    loaded.registration, expected_revision=loaded.revision, journal_entries=moves
                )
            entries = store.journal(RID)
            verify_journal(entries, store.load(RID).registration)
            reads = sum("SELECT revision, journal_head" in sql for sql in statements)
            return [(e.sequence, e.trigger, e.previous_hash, e.hash) for e in entries], reads

    (remembered, no_reads), (read, reads) = run(False), run(True)
    assert remembered == read
    assert (no_reads, reads) == (0, 2)
    assert [trigger for _, trigger, _, _ in read] == ["create", "submit", "discard"]
