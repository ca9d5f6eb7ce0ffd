"""What a store knows of each registration's journal head, so a save need not read it.

A save chains its entries onto the registration's last entry, so it needs the journal head
and its sequence number. The head at a revision never changes: only a save moves either, and
it moves both in one write. So once a store has loaded or saved a revision, it knows the head
a save of that revision chains onto, and its save compares and sets without reading the row
first. A head it does not know (another worker saved since, or it was forgotten) is read in
the save's transaction, as before.
"""

from __future__ import annotations

__all__ = ["KEPT", "JournalHeads"]

KEPT = 10_000
"""How many (registration, revision) heads a store keeps before it forgets them all."""


class JournalHeads:
    """(registration id, revision) -> (journal head, its sequence), learnt from loads and
    saves; safe to share between threads (see :meth:`remember`)."""

    __slots__ = ("_kept", "_known")

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._known: dict[tuple[str, int], tuple[str | None, int]] = {}

    def remember(self, rid: str, revision: int, head: str | None, sequence: int) -> None:
        # No lock: every load calls this, and with the GIL each dict operation is atomic. A
        # head lost to a clear racing a write is merely read again by the next save.
        known = self._known
        if len(known) >= self._kept:
            known.clear()
        known[rid, revision] = head, sequence

    def at(self, rid: str, revision: int | None) -> tuple[str | None, int] | None:
        """The head a save of ``revision`` chains onto (None: a new registration, which has
        none), or None when it is not known."""
        if revision is None:
            return (None, 0)
        return self._known.get((rid, revision))

    def clear(self) -> None:
        self._known.clear()
