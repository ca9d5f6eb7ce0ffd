"""Parsed registrations, kept by each store and keyed by the exact text of their stored body.

Decision (issue 11): a load spends most of its time turning the stored body back into a
:class:`~registration_fsm.registration.Registration` (``json.loads`` of 5 KB and ten versions
rebuilt and checked), and the same unchanged text is parsed again and again: the service loads
a registration twice per operation, the syncer reloads every registration each round. So each
store keeps, per registration id, the last body text it read or wrote and a private snapshot
of what that text parses to. The store still reads the row every time; the cache only answers
when the text it reads now is *equal* to the text kept. A row edited behind the store's back,
or written by another process or host, has other text, so it is parsed (and checked) as if
there were no cache: the cache can only ever return what parsing that very text returns.

Every answer is a fresh copy of the snapshot, and what the cache keeps is nobody else's (a
registration it parsed itself, or the private snapshot a save hands over), so no caller's
change can reach the cache or another caller. A kept snapshot is marked shared, so those
copies start out sharing its (never changed) versions and copy them only when a caller first
changes one or takes one out (``Registration._versions``): a load that is only read costs no
copy of ten versions. A hit takes no lock (each step on the OrderedDict is atomic under the
GIL; the library runs on CPython with the GIL).
A save primes the cache only after its commit, so a refused or failed save leaves it as it
was (and an entry left stale by a save that raced another is only a key that no longer
matches). What a save keeps is :func:`parse_equivalent` of what it wrote, so a kept entry is
the same as a parsed one in everything a caller sees (clock, ``last_answer``, listeners).

The key is the text as the database gives it back. SQLite's TEXT column and DynamoDB's string
attribute return exactly the text written. PostgreSQL's ``jsonb`` keeps a value, not the text
(keys reordered, spaces added), so ``PostgresStore`` reads ``body::text`` and a save keeps the
text PostgreSQL printed back for the row it wrote (``RETURNING body::text``), never the text
it sent: keying by the text sent would make every load after a save a miss, and a text
normalised by hand could drift from the server's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from ..clock import DEFAULT_CLOCK
from ..errors import InvalidValueError
from ..registration import Registration
from ._body import registration_from

__all__ = ["DEFAULT_CACHE_SIZE", "ParsedCache", "check_cache_size", "parse_equivalent"]

DEFAULT_CACHE_SIZE = 1024
"""Registrations a store keeps parsed (a 10-version one is about 15 KB, its text included)."""


def check_cache_size(value: object) -> int:
    """A store's ``cache_size``: an int >= 0 (0 turns the cache off)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidValueError(
            f"cache_size is a non-negative int (0 turns the cache off), got {value!r}"
        )
    return value


class ParsedCache:
    """A thread-safe LRU map: registration id -> (body text, private Registration snapshot)."""

    __slots__ = ("_entries", "_lock", "holds", "maxsize")

    def __init__(self, maxsize: int) -> None:
        self.maxsize = check_cache_size(maxsize)
        self._entries: OrderedDict[str, tuple[str, Registration]] = OrderedDict()
        self._lock = threading.Lock()
        self.holds: Callable[[object], bool] = self._entries.__contains__
        """Whether an entry is kept for the id (so the id was valid when it was kept)."""

    def __len__(self) -> int:
        return len(self._entries)

    def kept(self, registration_id: str, text: str) -> Registration | None:
        """A copy of the kept registration when ``text`` is the text kept for the id, else
        None."""
        # A hit takes no lock: reading an entry and moving it to the end are each one step of
        # the OrderedDict, and an entry another thread evicts in between was still a kept pair.
        entry = self._entries.get(registration_id)
        if entry is not None and entry[0] == text:
            try:  # noqa: SIM105 (a hot path: suppress() costs an object per call)
                self._entries.move_to_end(registration_id)
            except KeyError:
                pass
            kept = entry[1]
            return kept._clone(kept._held)  # its _shared_copy(), one call fewer
        return None

    def parse(self, registration_id: str, text: str) -> Registration:
        """The registration a stored body holds: a copy of the kept one when ``text`` is the
        text kept for the id, else parsed (and checked) from ``text`` and kept."""
        hit = self.kept(registration_id, text)
        return self.parsed(registration_id, text) if hit is None else hit

    def parsed(self, registration_id: str, text: str) -> Registration:
        """The registration ``text`` holds, parsed (and checked) and kept: for a text that
        :meth:`kept` just did not find."""
        found = registration_from(text)
        if self.maxsize == 0:
            return found
        # Fresh from the text and nobody else's: kept as it is, and a copy sharing its
        # versions handed out.
        self.keep(registration_id, text, found)
        return found._shared_copy()

    def keep(self, registration_id: str, text: str, snapshot: Registration) -> None:
        """Keep ``snapshot`` itself; the caller hands it over and never touches it again."""
        if self.maxsize == 0:
            return
        snapshot._share()
        with self._lock:
            self._entries[registration_id] = (text, snapshot)
            self._entries.move_to_end(registration_id)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def parse_equivalent(registration: Registration) -> Registration | None:
    """A private snapshot of ``registration`` equal in every respect to what parsing its body
    returns, or None when there is none without parsing.

    A parsed registration has the default clock and no ``last_answer`` (neither is in the
    body): a registration on another clock is not primed, and the answers are dropped from the
    snapshot. The snapshot is taken under the registration's locks, so the body a save writes
    must be made from it (not from the live registration, which another thread may move).
    """
    if registration.clock is not DEFAULT_CLOCK:
        return None
    snapshot = registration.__copy__()
    for version in snapshot._held:
        if version._clock is not DEFAULT_CLOCK:
            return None
    # The versions it shares are a kept snapshot's, whose answers were dropped when it was
    # kept; its own are copies nobody else holds.
    for version in snapshot._own_held():
        version._last_answer = None
    return snapshot
