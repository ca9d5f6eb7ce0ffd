"""The lifecycle of a registration version, declared once as data.

The table below is the single source of truth: the ``transitions`` package builds one Machine
from it at import, the hot path uses an immutable lookup compiled from that Machine, and the
diagrams, the CLI and the test strategies all read the same edges.

Each edge says who moves the version (a customer API call or an AWS-side event) and how we
know the edge exists: ``documented`` by AWS, ``observed`` by people who drove the workflow, or
``inferred`` where nothing documents it and this library had to decide. The inferred edges are
modelling decisions, listed in the README; they are the first place to look if AWS ever
reports a move the library calls illegal.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs
from transitions import Machine

from .errors import InvalidDefinition, UnknownTriggerError
from .statuses import VersionStatus

if TYPE_CHECKING:
    from .history import StatusHistory

__all__ = [
    "DEFINITION",
    "Edge",
    "Initiator",
    "LIFECYCLE",
    "Lifecycle",
    "Provenance",
]


_EXPLAIN_CACHE_SIZE = 4096


class Initiator(str, enum.Enum):
    """Who moves a version along an edge."""

    CUSTOMER = "customer"
    """A customer API call (SubmitRegistrationVersion, DiscardRegistrationVersion)."""
    AWS = "aws"
    """An AWS-side event: a review, a registry, a carrier or the brand contact acting."""

    def __str__(self) -> str:
        return self.value


class Provenance(str, enum.Enum):
    """How we know an edge exists."""

    DOCUMENTED = "documented"
    OBSERVED = "observed"
    INFERRED = "inferred"

    def __str__(self) -> str:
        return self.value


@attrs.frozen(repr=False)
class Edge:
    """One allowed move: ``trigger`` takes a version from ``source`` to ``dest``."""

    source: VersionStatus
    trigger: str
    dest: VersionStatus
    initiator: Initiator
    provenance: Provenance
    note: str = ""

    def __str__(self) -> str:
        return f"{self.source.value} --{self.trigger}--> {self.dest.value}"

    def __repr__(self) -> str:
        return f"<Edge {self} ({self.initiator.value}, {self.provenance.value})>"


_C = "customer"
_A = "aws"
_DOC = "documented"
_OBS = "observed"
_INF = "inferred"

#: The lifecycle, one row per edge: source, trigger, destination, initiator, provenance, note.
DEFINITION: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("DRAFT", "submit", "SUBMITTED", _C, _DOC, "SubmitRegistrationVersion"),
    (
        "DRAFT",
        "discard",
        "DISCARDED",
        _C,
        _INF,
        "decided: DiscardRegistrationVersion acts on the current version, a draft included",
    ),
    (
        "SUBMITTED",
        "discard",
        "DISCARDED",
        _C,
        _DOC,
        "the user guide allows discarding while submitted",
    ),
    (
        "REQUIRES_AUTHENTICATION",
        "discard",
        "DISCARDED",
        _C,
        _DOC,
        "10DLC guide: discard and resubmit after 30 days without authentication",
    ),
    ("SUBMITTED", "begin_review", "REVIEWING", _A, _DOC, "the review starts"),
    (
        "AWS_REVIEWING",
        "begin_review",
        "REVIEWING",
        _A,
        _INF,
        "decided: a passed AWS pre-review goes on to the full review",
    ),
    (
        "REQUIRES_OFFLINE_REVIEW",
        "begin_review",
        "REVIEWING",
        _A,
        _INF,
        "decided: an offline review hands the version back to the review",
    ),
    (
        "SUBMITTED",
        "begin_aws_review",
        "AWS_REVIEWING",
        _A,
        _INF,
        "decided: submitting with AwsReview=True passes through SUBMITTED, then AWS pre-reviews",
    ),
    (
        "SUBMITTED",
        "require_authentication",
        "REQUIRES_AUTHENTICATION",
        _A,
        _INF,
        "the status is documented, the status before it is not",
    ),
    (
        "REVIEWING",
        "require_authentication",
        "REQUIRES_AUTHENTICATION",
        _A,
        _INF,
        "the status is documented, the status before it is not",
    ),
    (
        "REQUIRES_AUTHENTICATION",
        "complete_authentication",
        "REVIEWING",
        _A,
        _INF,
        "decided: the brand contact confirms by email and the review resumes",
    ),
    (
        "AWS_REVIEWING",
        "require_offline_review",
        "REQUIRES_OFFLINE_REVIEW",
        _A,
        _INF,
        "decided: only the enum value is documented",
    ),
    (
        "REVIEWING",
        "require_offline_review",
        "REQUIRES_OFFLINE_REVIEW",
        _A,
        _INF,
        "decided: only the enum value is documented",
    ),
    ("REVIEWING", "approve", "APPROVED", _A, _DOC, "AWS or the carrier approves"),
    (
        "SUBMITTED",
        "deny",
        "DENIED",
        _A,
        _OBS,
        "an automated check denied an empty draft seconds after submit",
    ),
    ("AWS_REVIEWING", "deny", "DENIED", _A, _INF, "decided: the AWS pre-review can deny"),
    ("REVIEWING", "deny", "DENIED", _A, _DOC, "denied with DeniedReasons and Feedback"),
    ("REQUIRES_OFFLINE_REVIEW", "deny", "DENIED", _A, _INF, "decided: an offline review can deny"),
    (
        "APPROVED",
        "revoke",
        "REVOKED",
        _A,
        _DOC,
        "the approval is withdrawn; the cause is not documented",
    ),
    (
        "APPROVED",
        "archive",
        "ARCHIVED",
        _A,
        _DOC,
        "a newer version of the registration was approved",
    ),
)


@attrs.frozen(eq=False, repr=False)
class Lifecycle:
    """A validated, compiled lifecycle. Build one with :meth:`Lifecycle.build`."""

    statuses: tuple[VersionStatus, ...]
    initial: VersionStatus
    terminal: frozenset[VersionStatus]
    edges: tuple[Edge, ...]
    triggers: tuple[str, ...]
    machine: Machine
    """The ``transitions`` Machine the lookup was compiled from (no model attached)."""
    table: Mapping[VersionStatus, Mapping[str, VersionStatus]]
    """status -> trigger -> destination, read-only."""
    _next: dict[VersionStatus, dict[str, VersionStatus]]
    _allowed: dict[VersionStatus, tuple[str, ...]]
    _initiators: dict[str, Initiator]
    _edge_index: dict[tuple[VersionStatus, str], Edge]
    _out: dict[VersionStatus, tuple[Edge, ...]]
    # explain() depends only on the order of the stamps, not their values, and real histories
    # repeat a handful of orders: caching by that order makes auditing a large export cheap.
    _explain_cache: dict[object, tuple[Edge, ...] | None] = attrs.field(factory=dict)

    @classmethod
    def build(
        cls,
        rows: Iterable[Sequence[str]] = DEFINITION,
        *,
        statuses: Iterable[VersionStatus] = tuple(VersionStatus),
        initial: str = "DRAFT",
        terminal: Iterable[str] | None = None,
    ) -> Lifecycle:
        """Validate ``rows`` and compile them; raise InvalidDefinition naming every fault.

        ``terminal`` defaults to the statuses whose ``is_terminal`` is true.
        """
        status_list = tuple(statuses)
        known = {s.value: s for s in status_list}
        faults: list[str] = []

        def status_of(name: object, what: str, where: str) -> VersionStatus | None:
            found = known.get(name) if isinstance(name, str) else None
            if found is None:
                faults.append(f"{where}: unknown {what} status {name!r}")
            return found

        initial_status = status_of(initial, "initial", "definition")
        if terminal is None:
            terminal_set = frozenset(s for s in status_list if s.is_terminal)
        else:
            terminal_set = frozenset(
                t for t in (status_of(n, "terminal", "definition") for n in terminal) if t
            )
        if not terminal_set:
            faults.append("definition: no terminal status; every version must be able to end")

        edges: list[Edge] = []
        seen: dict[tuple[VersionStatus, str], Edge] = {}
        initiators: dict[str, Initiator] = {}
        for number, row in enumerate(rows, start=1):
            where = f"edge {number} {tuple(row)!r}"
            if len(row) not in (5, 6):
                faults.append(f"{where}: expected 5 or 6 fields, got {len(row)}")
                continue
            source_name, trigger, dest_name, initiator_name, provenance_name = row[:5]
            note = row[5] if len(row) == 6 else ""
            source = status_of(source_name, "source", where)
            dest = status_of(dest_name, "destination", where)
            if not (isinstance(trigger, str) and trigger.isidentifier()) or trigger.startswith(
                "_"
            ):
                faults.append(f"{where}: trigger {trigger!r} is not a public identifier")
                continue
            try:
                initiator = Initiator(initiator_name)
                provenance = Provenance(provenance_name)
            except ValueError as exc:
                faults.append(f"{where}: {exc}")
                continue
            if source is None or dest is None:
                continue
            if initiators.setdefault(trigger, initiator) is not initiator:
                faults.append(
                    f"{where}: trigger {trigger!r} is both {initiators[trigger].value} "
                    f"and {initiator.value}; a trigger has one initiator"
                )
            edge = Edge(source, trigger, dest, initiator, provenance, note)
            previous = seen.get((source, trigger))
            if previous is not None:
                if previous.dest is not dest:
                    faults.append(
                        f"{where}: ({source.value}, {trigger}) has two destinations, "
                        f"{previous.dest.value} and {dest.value}"
                    )
                else:
                    faults.append(f"{where}: duplicate of edge {previous}")
                continue
            seen[(source, trigger)] = edge
            edges.append(edge)

        if initial_status is not None and not faults:
            faults.extend(_graph_faults(status_list, initial_status, terminal_set, edges))
        if faults:
            raise InvalidDefinition(faults)
        assert initial_status is not None

        triggers = tuple(dict.fromkeys(e.trigger for e in edges))
        machine = Machine(model=None, **_machine_config(status_list, initial_status, edges))
        compiled = _compile(machine, status_list, triggers)
        allowed = {s: tuple(t for t in triggers if t in compiled[s]) for s in status_list}
        return cls(
            statuses=status_list,
            initial=initial_status,
            terminal=terminal_set,
            edges=tuple(edges),
            triggers=triggers,
            machine=machine,
            table=MappingProxyType({s: MappingProxyType(d) for s, d in compiled.items()}),
            next=compiled,
            allowed=allowed,
            initiators=initiators,
            edge_index=seen,
            out={s: tuple(e for e in edges if e.source is s) for s in status_list},
        )

    def machine_config(self) -> dict[str, Any]:
        """Keyword arguments for a ``transitions.Machine`` equal to this lifecycle."""
        return _machine_config(self.statuses, self.initial, self.edges)

    def next_status(self, status: VersionStatus, trigger: str) -> VersionStatus | None:
        """Where ``trigger`` takes a version in ``status``, or None when it is not allowed."""
        self._check_trigger(trigger)
        return self._next[status].get(trigger)

    def allowed_triggers(self, status: VersionStatus) -> tuple[str, ...]:
        """The triggers allowed from ``status``, in definition order."""
        return self._allowed[status]

    def edge(self, status: VersionStatus, trigger: str) -> Edge | None:
        """The edge ``trigger`` takes from ``status``, or None."""
        return self._edge_index.get((status, trigger))

    def edges_from(self, status: VersionStatus) -> tuple[Edge, ...]:
        """The edges leaving ``status``."""
        return self._out[status]

    def initiator(self, trigger: str) -> Initiator:
        """Who fires ``trigger``."""
        self._check_trigger(trigger)
        return self._initiators[trigger]

    @property
    def customer_triggers(self) -> tuple[str, ...]:
        """Triggers that are customer API calls."""
        return tuple(t for t in self.triggers if self._initiators[t] is Initiator.CUSTOMER)

    @property
    def aws_triggers(self) -> tuple[str, ...]:
        """Triggers that are AWS-side events."""
        return tuple(t for t in self.triggers if self._initiators[t] is Initiator.AWS)

    def is_terminal(self, status: VersionStatus) -> bool:
        """True when no trigger leads out of ``status``."""
        return status in self.terminal

    def shortest_path(self, start: VersionStatus, goal: VersionStatus) -> tuple[Edge, ...] | None:
        """The fewest edges from ``start`` to ``goal`` (empty when equal), or None if unreachable.

        Ties are broken by definition order, so the answer is stable.
        """
        if start is goal:
            return ()
        parents: dict[VersionStatus, Edge] = {}
        queue = deque([start])
        while queue:
            status = queue.popleft()
            for edge in self.edges_from(status):
                if edge.dest is start or edge.dest in parents:
                    continue
                parents[edge.dest] = edge
                if edge.dest is goal:
                    return _unwind(parents, start, goal)
                queue.append(edge.dest)
        return None

    def reachable_from(self, start: VersionStatus) -> frozenset[VersionStatus]:
        """Every status a version in ``start`` can still reach, ``start`` included."""
        return _reachable(start, self.edges)

    def explain(
        self,
        start: VersionStatus,
        status: VersionStatus,
        history: StatusHistory,
        *,
        after: datetime | None = None,
    ) -> tuple[Edge, ...] | None:
        """The shortest legal path from ``start`` to ``status`` that ``history`` proves.

        The stamps before ``after`` (by default, the stamp of ``start`` in ``history``, else
        its DraftTimestamp), the DraftTimestamp and the stamp of ``start`` are what was already
        known: those statuses are not entered again, except at the instant of the latest of
        them; a stamp earlier than the DraftTimestamp fits no path. Every other stamp must be
        explained, and every
        status with a history field that the path enters must carry its stamp: each status's
        stamp records its latest entry, in the order of the path. A status without a field
        (REQUIRES_OFFLINE_REVIEW) may be passed unstamped. Returns None when no legal path
        fits. :func:`registration_fsm.evidence.judge` adds what a local history already holds.
        """
        if after is None:
            after = history[start] if start.history_field is not None else None
            if after is None:
                after = history.draft
        draft = history.draft
        known: list[tuple[VersionStatus, datetime]] = []
        later: list[tuple[VersionStatus, datetime]] = []
        for stamped_status, stamp in history.stamped():
            if stamp < draft:
                return None
            if (
                stamp < after
                or stamped_status is self.initial
                or (stamped_status is start and stamp == after)
            ):
                known.append((stamped_status, stamp))
            else:
                later.append((stamped_status, stamp))
        latest = max(stamp for _, stamp in known)
        return self.path_through(
            start,
            status,
            _group(later),
            old=frozenset(s for s, t in known if t < latest),
            at_start=frozenset(s for s, t in known if t == latest),
            first_at_start=bool(later) and later[0][1] == latest,
        )

    def path_through(
        self,
        start: VersionStatus,
        status: VersionStatus,
        groups: Sequence[frozenset[VersionStatus]],
        *,
        old: frozenset[VersionStatus] = frozenset(),
        at_start: frozenset[VersionStatus] = frozenset(),
        first_at_start: bool = False,
        unstamped: bool = False,
    ) -> tuple[Edge, ...] | None:
        """The shortest legal path from ``start`` to ``status`` entering ``groups`` in order.

        ``groups`` are the statuses whose new stamps must be explained, grouped by instant,
        oldest first: each must be entered, its last entry within its group's instant. ``old``
        statuses were stamped before the start and are never entered again; ``at_start``
        statuses carry the start's instant and may be entered again only then (while the
        first group is pending, or, with ``first_at_start``, while the first group, which
        shares that instant, is being entered). With ``unstamped`` a status with a history
        field and no stamp may be passed (only to say what is missing). The answer depends
        only on these sets, so it is cached: real histories repeat a handful of shapes.
        """
        if start is status and not groups:
            return ()
        key = (start, status, tuple(groups), old, at_start, first_at_start, unstamped)
        try:
            return self._explain_cache[key]
        except KeyError:
            pass
        path = self._search(start, status, groups, old, at_start, first_at_start, unstamped)
        if len(self._explain_cache) >= _EXPLAIN_CACHE_SIZE:
            self._explain_cache.clear()
        self._explain_cache[key] = path
        return path

    def _search(
        self,
        start: VersionStatus,
        status: VersionStatus,
        groups: Sequence[frozenset[VersionStatus]],
        old: frozenset[VersionStatus],
        at_start: frozenset[VersionStatus],
        first_at_start: bool,
        unstamped: bool,
    ) -> tuple[Edge, ...] | None:
        """Breadth-first search over (status, stamp group reached, statuses still pending)."""
        group_of: dict[VersionStatus, int] = {}
        for index, members in enumerate(groups):
            for member in members:
                group_of[member] = index
        # The start's own instant: group -1, or group 0 when the first group shares it.
        start_group = 0 if first_at_start and groups else -1
        for member in at_start:
            group_of.setdefault(member, start_group)
        Node = tuple[VersionStatus, int, frozenset[VersionStatus]]
        first: Node = (start, 0, groups[0] if groups else frozenset())
        parents: dict[Node, tuple[Node, Edge] | None] = {first: None}
        queue: deque[Node] = deque([first])
        while queue:
            node = queue.popleft()
            current, index, pending = node
            for edge in self._out[current]:
                target = edge.dest
                step = _advance(target, index, pending, groups, group_of, old, unstamped)
                if step is None:
                    continue
                nxt: Node = (target, *step)
                if nxt in parents:
                    continue
                parents[nxt] = (node, edge)
                if target is status and nxt[1] == len(groups):
                    path: list[Edge] = []
                    cursor: Node | None = nxt
                    while cursor is not None and parents[cursor] is not None:
                        back, back_edge = parents[cursor]  # type: ignore[misc]
                        path.append(back_edge)
                        cursor = back
                    return tuple(reversed(path))
                queue.append(nxt)
        return None

    def check_trigger(self, trigger: object) -> str:
        """Return ``trigger`` if it names a trigger of this lifecycle, else raise."""
        self._check_trigger(trigger)
        return trigger  # type: ignore[return-value]

    def _check_trigger(self, trigger: object) -> None:
        if not isinstance(trigger, str) or trigger not in self._initiators:
            raise UnknownTriggerError(trigger, self.triggers)

    def __repr__(self) -> str:
        return (
            f"<Lifecycle {len(self.statuses)} statuses, {len(self.edges)} edges, "
            f"initial {self.initial.value}>"
        )


def _group(
    stamps: Sequence[tuple[VersionStatus, datetime]],
) -> tuple[frozenset[VersionStatus], ...]:
    """``stamps`` (oldest first) as groups of the statuses stamped at the same instant."""
    groups: list[frozenset[VersionStatus]] = []
    previous: datetime | None = None
    for status, stamp in stamps:
        if previous is None or stamp != previous:
            groups.append(frozenset())
            previous = stamp
        groups[-1] = groups[-1] | {status}
    return tuple(groups)


def _advance(
    target: VersionStatus,
    index: int,
    pending: frozenset[VersionStatus],
    groups: Sequence[frozenset[VersionStatus]],
    group_of: Mapping[VersionStatus, int],
    old: frozenset[VersionStatus],
    unstamped: bool,
) -> tuple[int, frozenset[VersionStatus]] | None:
    """The search state after entering ``target``, or None when the stamps forbid it."""
    if target in pending:
        rest = pending - {target}
        if rest:
            return index, rest
        index += 1
        return index, (groups[index] if index < len(groups) else frozenset())
    wanted = group_of.get(target)
    if wanted is not None:
        # Entered now and again later (its stamp is its last entry); not once its group passed,
        # except at the very instant of its group: while that group is being entered, or just
        # after, before anything of the next group was.
        if wanted >= index:
            return index, pending
        if wanted == index - 1 and pending == (
            groups[index] if index < len(groups) else frozenset()
        ):
            return index, pending
        return None
    if target in old:
        return None
    if target.history_field is not None and not unstamped:
        # Nothing documents AWS leaving an entered status unstamped: the path must not assume it.
        return None
    return index, pending


def _machine_config(
    statuses: Sequence[VersionStatus], initial: VersionStatus, edges: Sequence[Edge]
) -> dict[str, Any]:
    return {
        "states": [s.value for s in statuses],
        "transitions": [
            {"trigger": e.trigger, "source": e.source.value, "dest": e.dest.value} for e in edges
        ],
        "initial": initial.value,
        "auto_transitions": False,
        "ignore_invalid_triggers": False,
    }


def _compile(
    machine: Machine, statuses: Sequence[VersionStatus], triggers: Sequence[str]
) -> dict[VersionStatus, dict[str, VersionStatus]]:
    """Read status -> trigger -> destination back out of the transitions Machine."""
    by_name = {s.value: s for s in statuses}
    compiled: dict[VersionStatus, dict[str, VersionStatus]] = {s: {} for s in statuses}
    for trigger in triggers:
        event = machine.events[trigger]
        for source_name, transitions in event.transitions.items():
            for transition in transitions:
                if transition.dest is not None:
                    compiled[by_name[source_name]][trigger] = by_name[transition.dest]
    return compiled


def _reachable(start: VersionStatus, edges: Sequence[Edge]) -> frozenset[VersionStatus]:
    seen = {start}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for edge in edges:
            if edge.source is status and edge.dest not in seen:
                seen.add(edge.dest)
                queue.append(edge.dest)
    return frozenset(seen)


def _graph_faults(
    statuses: Sequence[VersionStatus],
    initial: VersionStatus,
    terminal: frozenset[VersionStatus],
    edges: Sequence[Edge],
) -> list[str]:
    faults: list[str] = []
    reachable = _reachable(initial, edges)
    faults.extend(
        f"status {s.value} is unreachable from {initial.value}"
        for s in statuses
        if s not in reachable
    )
    sources = {e.source for e in edges}
    for status in statuses:
        if status in terminal:
            if status in sources:
                faults.append(f"terminal status {status.value} has edges leaving it")
        elif status not in sources:
            faults.append(f"non-terminal status {status.value} has no way out")
        elif not (_reachable(status, edges) & terminal):
            faults.append(f"non-terminal status {status.value} can never reach a terminal status")
    return faults


def _unwind(
    parents: Mapping[VersionStatus, Edge], start: VersionStatus, goal: VersionStatus
) -> tuple[Edge, ...]:
    path: list[Edge] = []
    status = goal
    while status is not start:
        edge = parents[status]
        path.append(edge)
        status = edge.source
    return tuple(reversed(path))


#: The lifecycle of a registration version, built and validated at import.
LIFECYCLE: Lifecycle = Lifecycle.build()
