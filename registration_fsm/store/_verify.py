"""Checking a journal: its hash chain, its moves through the lifecycle, and the stored state."""

from __future__ import annotations

import enum
from collections.abc import Sequence

import attrs

from ..registration import Registration
from ..statuses import VersionStatus
from ._journal import GENESIS_HASH, JournalEntry, entries_of, replay_edge_ok
from ._protocol import Loaded

__all__ = ["JournalFinding", "JournalFindingKind", "JournalReport", "verify_journal"]


class JournalFindingKind(str, enum.Enum):
    """What is wrong with a journal."""

    ALTERED = "altered"
    """The entry's hash is not the hash of its content: it was edited after it was written."""
    BROKEN_CHAIN = "broken_chain"
    """The entry's previous hash is not the hash of the entry before it: an entry before it
    was removed, moved or slipped in."""
    OUT_OF_SEQUENCE = "out_of_sequence"
    """The entry's number does not follow the one before it."""
    FOREIGN_ENTRY = "foreign_entry"
    """The entry belongs to another registration than the journal's first entry."""
    ILLEGAL_MOVE = "illegal_move"
    """The entry's move is not a lifecycle edge from the version's replayed status."""
    STATE_MISMATCH = "state_mismatch"
    """Replaying the journal ends in another status than the stored registration holds."""
    HEAD_MISMATCH = "head_mismatch"
    """The journal's last entry is not the one the stored registration records as its head:
    entries were removed from the end (or added behind the store's back)."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class JournalFinding:
    """One thing wrong with a journal; ``sequence`` names the entry (None: the journal's end)."""

    kind: JournalFindingKind
    sequence: int | None
    version_number: int | None
    detail: str

    def __str__(self) -> str:
        where = "end of journal" if self.sequence is None else f"entry {self.sequence}"
        return f"{where}: {self.kind.value}: {self.detail}"


@attrs.frozen
class JournalReport:
    """The findings of :func:`verify_journal`, and the statuses the replay ended in."""

    entries: int
    findings: tuple[JournalFinding, ...]
    statuses: tuple[tuple[int, VersionStatus], ...]
    """(version number, status) as the replay left each version, by version number."""

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.findings

    def __str__(self) -> str:
        if self.ok:
            return f"journal verified: {self.entries} entries"
        return "\n".join(str(f) for f in self.findings)


def verify_journal(
    entries: Sequence[JournalEntry], registration: Registration | Loaded | None = None
) -> JournalReport:
    """Check a registration's journal, oldest entry first; report every fault found.

    The chain: each entry's hash must be the hash of its content, its previous hash the hash
    of the entry before it (the first: :data:`GENESIS_HASH`), its number one more. The replay:
    each entry's move must be a lifecycle edge from the status its version is in (versions
    start with a creation entry). Given the stored ``registration``, the replayed statuses
    must be its versions' statuses, every version journaled. Given what ``Store.load``
    returned (a :class:`Loaded`), the last entry must also be the head it records, so that
    entries cut from the end are detected too.
    """
    items = entries_of(entries)
    head: str | None = None
    if isinstance(registration, Loaded):
        head = registration.journal_head or GENESIS_HASH
        registration = registration.registration
    findings: list[JournalFinding] = []

    def find(
        kind: JournalFindingKind, entry: JournalEntry | None, version: int | None, detail: str
    ) -> None:
        sequence = None if entry is None else entry.sequence
        findings.append(JournalFinding(kind, sequence, version, detail))

    owner = registration.registration_id if registration is not None else None
    if owner is None and items:
        owner = items[0].registration_id
    previous_hash = GENESIS_HASH
    previous_sequence = 0
    replayed: dict[int, VersionStatus] = {}
    for entry in items:
        number = entry.version_number
        if entry.registration_id != owner:
            find(
                JournalFindingKind.FOREIGN_ENTRY,
                entry,
                number,
                f"the entry is of {entry.registration_id}, the journal of {owner}",
            )
        if entry.computed_hash() != entry.hash:
            find(
                JournalFindingKind.ALTERED,
                entry,
                number,
                f"its hash {entry.hash[:12]}... is not the hash of its content "
                f"({entry.computed_hash()[:12]}...): it was edited",
            )
        if entry.previous_hash != previous_hash:
            find(
                JournalFindingKind.BROKEN_CHAIN,
                entry,
                number,
                f"its previous hash {entry.previous_hash[:12]}... is not the hash of the entry "
                f"before it ({previous_hash[:12]}...): an entry was removed, moved or inserted",
            )
        if entry.sequence != previous_sequence + 1:
            find(
                JournalFindingKind.OUT_OF_SEQUENCE,
                entry,
                number,
                f"entry {entry.sequence} follows entry {previous_sequence}",
            )
        status = replayed.get(number)
        if replay_edge_ok(status, entry):
            replayed[number] = entry.to_status
        else:
            start = "a version not yet created" if status is None else status.value
            moved = "nothing" if entry.from_status is None else entry.from_status.value
            find(
                JournalFindingKind.ILLEGAL_MOVE,
                entry,
                number,
                f"version {number}: {moved} --{entry.trigger}--> {entry.to_status.value} is "
                f"not a lifecycle move from {start}",
            )
        previous_hash = entry.hash
        previous_sequence = entry.sequence
    if head is not None and head != previous_hash:
        find(
            JournalFindingKind.HEAD_MISMATCH,
            None,
            None,
            f"the journal ends at {previous_hash[:12]}..., the stored registration records "
            f"{head[:12]}... as its last entry: entries were cut from the end",
        )
    if registration is not None:
        stored = {v.version_number: v.status for v in registration.versions}
        for number in sorted(set(stored) | set(replayed)):
            mine, theirs = replayed.get(number), stored.get(number)
            if mine is not theirs:
                find(
                    JournalFindingKind.STATE_MISMATCH,
                    None,
                    number,
                    f"version {number}: the journal ends in "
                    f"{'nothing' if mine is None else mine.value}, the stored registration holds "
                    f"{'nothing' if theirs is None else theirs.value}",
                )
    return JournalReport(len(items), tuple(findings), tuple(sorted(replayed.items())))
