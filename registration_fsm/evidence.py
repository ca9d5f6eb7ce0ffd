"""The one rule of evidence: when do AWS's own stamps prove a move?

Every path that takes a remote state into the model asks :func:`judge`: the answers of
Submit, Discard and CreateRegistrationVersion, :meth:`RegistrationVersion.adopt
<registration_fsm.RegistrationVersion.adopt>`, reconciling, ``from_aws``, and the audit of an
export. So they cannot disagree about what AWS's stamps prove.

A remote history proves a move from a local state (status and history) to the remote status
only if

- every stamp the local history holds is still there, unchanged, except that the stamp of a
  status the path enters again moves to that later entry;
- every other remote stamp is explained: it belongs to a status the path enters, no earlier
  than the latest stamp already known;
- every status with a history field that the path enters carries its stamp, and the stamps
  follow the order of the path (a status's stamp records its latest entry). A status without
  a field (REQUIRES_OFFLINE_REVIEW) may be passed unstamped: nothing documents AWS leaving an
  entered status unstamped, so the library does not assume it.

A version read from AWS with nothing known about it is judged from DRAFT, its DraftTimestamp
being the one stamp known (:func:`judge_new`).
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import attrs

from .errors import AwsReviewNotApplied
from .history import STAMPED_STATUSES, StatusHistory
from .lifecycle import LIFECYCLE, Edge, _group
from .statuses import VersionStatus

__all__ = [
    "Problem",
    "ProblemKind",
    "Proof",
    "aws_review_refusal",
    "judge",
    "judge_new",
    "judge_stamps",
    "require_aws_review",
]

_DRAFT = VersionStatus.DRAFT
_REACH = {s: LIFECYCLE.reachable_from(s) for s in VersionStatus}


class ProblemKind(str, enum.Enum):
    """Why a remote history does not prove a move."""

    CONTRADICTS_LOCAL = "contradicts_local"
    """The remote history drops or changes a stamp the local history already holds."""
    MISSING_STAMP = "missing_stamp"
    """A status the move must enter carries no stamp."""
    IMPOSSIBLE_PREDECESSOR = "impossible_predecessor"
    """A status is stamped that no path to the remote status could have visited."""
    STAMPS_OUT_OF_ORDER = "stamps_out_of_order"
    """The stamps are in an order no legal path takes."""
    ILLEGAL_PATH = "illegal_path"
    """No legal path visits the stamped statuses in the order of their stamps."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen
class Problem:
    """One reason a remote history does not prove a move, in words a person can act on."""

    kind: ProblemKind
    reason: str

    def __str__(self) -> str:
        return f"{self.kind.value}: {self.reason}"


@attrs.frozen
class Proof:
    """The judgement of a remote state: the legal path it proves, or why there is none."""

    start: VersionStatus
    status: VersionStatus
    path: tuple[Edge, ...] | None
    """The shortest legal path the stamps prove, or None when they prove none."""
    problems: tuple[Problem, ...] = ()
    """Empty exactly when ``path`` is not None."""

    @property
    def proven(self) -> bool:
        """True when the remote stamps prove a legal path to the remote status."""
        return self.path is not None

    def __str__(self) -> str:
        if self.path is not None:
            via = " -> ".join(e.trigger for e in self.path) or "no move"
            return f"{self.start.value} -> {self.status.value} proven ({via})"
        return "; ".join(p.reason for p in self.problems)


Show = Callable[[VersionStatus, datetime], str]
"""How a reason writes a stamp: given its status and its time."""


def _key(status: VersionStatus) -> str:
    return status.history_key or status.value


_KEYS = {status: _key(status) for status in STAMPED_STATUSES}


def _iso(status: VersionStatus, stamp: datetime) -> str:
    return stamp.isoformat()


def judge(
    start: VersionStatus,
    local: StatusHistory,
    status: VersionStatus,
    remote: StatusHistory,
    *,
    show: Show | None = None,
) -> Proof:
    """Whether ``remote`` (AWS's history, in ``status``) proves a move from ``start``/``local``.

    ``start`` and ``local`` are the model's status and history. See the module docstring for
    the rule; the proof's problems name every stamp that breaks it, each written by ``show``
    (by default its ISO-8601 text; the audit fills in a file's own values later).
    """
    return judge_stamps(start, local._stamps(), status, remote, show=show)


def judge_stamps(
    start: VersionStatus,
    local_stamps: tuple[datetime | None, ...],
    status: VersionStatus,
    remote: StatusHistory,
    *,
    show: Show | None = None,
) -> Proof:
    """:func:`judge` of a local history given as its stamps (one per status of
    ``STAMPED_STATUSES``, in that order, as a version holds them): a version judges an
    answer from its own state without building a StatusHistory of it first."""
    remote_stamps = remote._stamps()
    if show is not None:
        return _judge(start, local_stamps, status, remote_stamps, remote, show)
    # The service judges each answer twice (adopting it, then journaling the move), so the
    # last judgement is kept: a pure function of statuses and UTC stamps (StatusHistory holds
    # nothing else), whose Proof is frozen. One tuple, swapped in one step, for any thread.
    key = (start, local_stamps, status, remote_stamps)
    last = _LAST[0]
    if last is not None and last[0] == key:
        return last[1]
    proof = _judge(start, local_stamps, status, remote_stamps, remote, _iso)
    _LAST[0] = (key, proof)
    return proof


_LAST: list[tuple[tuple[Any, ...], Proof] | None] = [None]


def _judge(
    start: VersionStatus,
    local_stamps: tuple[datetime | None, ...],
    status: VersionStatus,
    remote_stamps: tuple[datetime | None, ...],
    remote: StatusHistory,
    at: Show,
) -> Proof:
    # Every answer the service adopts is judged here once, so the pass over the stamps does
    # only the comparisons; the words of a problem are found only when there is one.
    known = max(filter(None, local_stamps))  # a datetime is never false
    problems: list[Problem] = []
    old: list[VersionStatus] = []
    at_start: list[VersionStatus] = []
    new: list[tuple[VersionStatus, datetime]] = []
    for stamped, mine, theirs in zip(STAMPED_STATUSES, local_stamps, remote_stamps):
        if mine is not None:
            if theirs is None:
                problems.append(
                    Problem(
                        ProblemKind.CONTRADICTS_LOCAL,
                        f"the remote history has no {_KEYS[stamped]}, which the local history "
                        f"holds ({at(stamped, mine)}): a stamp is never removed",
                    )
                )
            elif theirs == mine:
                (at_start if mine == known else old).append(stamped)
            elif theirs > mine and theirs >= known:
                new.append((stamped, theirs))
            else:
                problems.append(
                    Problem(
                        ProblemKind.CONTRADICTS_LOCAL,
                        f"the remote {_KEYS[stamped]} ({at(stamped, theirs)}) differs from the "
                        f"local one ({at(stamped, mine)}); only a status entered again moves "
                        "its stamp, to a later entry",
                    )
                )
        elif theirs is not None:
            if theirs < known:
                problems.append(
                    Problem(
                        ProblemKind.STAMPS_OUT_OF_ORDER,
                        f"{_KEYS[stamped]} ({at(stamped, theirs)}) is earlier than "
                        f"{_since(local_stamps, known, at)}",
                    )
                )
            else:
                new.append((stamped, theirs))
    if problems:
        return Proof(start, status, None, tuple(problems))
    new.sort(key=_WHEN)
    groups = _group(new)
    shape: _Shape = (groups, frozenset(old), frozenset(at_start), bool(new) and new[0][1] == known)
    path = _path_through(start, status, shape, unstamped=False)
    if path is not None:
        return Proof(start, status, path)
    problems = _diagnose(start, status, new, remote, at)
    if not problems:
        passed = _path_through(start, status, shape, unstamped=True)
        if passed is not None:
            missing = [
                e.dest
                for e in passed
                if e.dest.history_field is not None and remote[e.dest] is None
            ]
            names = ", ".join(dict.fromkeys(_key(s) for s in missing))
            problems.append(
                Problem(
                    ProblemKind.MISSING_STAMP,
                    f"the path from {start.value} to {status.value} enters "
                    f"{', '.join(dict.fromkeys(s.value for s in missing))}, but there is no "
                    f"{names}: AWS stamps every status a version enters",
                )
            )
        else:
            shown = ", then ".join(" = ".join(s.value for s in sorted(g)) for g in groups)
            problems.append(
                Problem(
                    ProblemKind.ILLEGAL_PATH,
                    f"no legal path from {start.value} to {status.value} visits the newly "
                    f"stamped statuses in the order of their stamps ({shown or 'none'}); a "
                    "status cannot be entered again after its stamp, which records its latest "
                    "entry",
                )
            )
    return Proof(start, status, None, tuple(problems))


_Shape = tuple[
    tuple[frozenset[VersionStatus], ...], frozenset[VersionStatus], frozenset[VersionStatus], bool
]
"""What the stamps showed: the new stamps' groups by instant, the statuses stamped before the
start and at its instant, and whether the first group shares that instant."""


def _path_through(
    start: VersionStatus,
    status: VersionStatus,
    shape: _Shape,
    *,
    unstamped: bool,
) -> tuple[Edge, ...] | None:
    """The lifecycle's shortest legal path through ``shape``, or None."""
    groups, old, at_start, first_at_start = shape
    return LIFECYCLE.path_through(
        start,
        status,
        groups,
        old=old,
        at_start=at_start,
        first_at_start=first_at_start,
        unstamped=unstamped,
    )


def _since(local_stamps: tuple[datetime | None, ...], known: datetime, at: Show) -> str:
    """What a remote stamp earlier than ``known`` (the latest local stamp) is earlier than."""
    if all(stamp is None for stamp in local_stamps[1:]):
        return "DraftTimestamp: every version starts as a DRAFT"
    latest = next(
        s for s, t in zip(reversed(STAMPED_STATUSES), reversed(local_stamps)) if t == known
    )
    return f"the latest stamp already known ({at(latest, known)})"


_WHEN = operator.itemgetter(1)


def judge_new(status: VersionStatus, remote: StatusHistory, *, show: Show | None = None) -> Proof:
    """:func:`judge` for a version the model does not hold: from DRAFT, at its DraftTimestamp."""
    local = StatusHistory._from_stamps(_draft_only(remote))
    return judge(_DRAFT, local, status, remote, show=show)


def _draft_only(history: StatusHistory) -> tuple[datetime | None, ...]:
    stamps = history._stamps()
    return (stamps[0],) + (None,) * (len(stamps) - 1)


def _diagnose(
    start: VersionStatus,
    status: VersionStatus,
    new: Iterable[tuple[VersionStatus, datetime]],
    remote: StatusHistory,
    show: Show,
) -> list[Problem]:
    """The precise reasons no path fits, where the new stamps show them directly."""
    problems: list[Problem] = []
    new = list(new)
    own_key = status.history_key
    if own_key is not None and remote[status] is None:
        problems.append(
            Problem(
                ProblemKind.MISSING_STAMP,
                f"the status is {status.value} but there is no {own_key}: AWS stamps every "
                "status a version enters",
            )
        )
    impossible = {s for s, _ in new if s is not status and status not in _REACH[s]}
    if status not in _REACH[start]:
        problems.append(
            Problem(
                ProblemKind.ILLEGAL_PATH,
                f"no legal path leads from {start.value} to {status.value}",
            )
        )
    for stamped, when in new:
        if stamped in impossible:
            problems.append(
                Problem(
                    ProblemKind.IMPOSSIBLE_PREDECESSOR,
                    f"{_key(stamped)} ({show(stamped, when)}) is set, but a version in "
                    f"{stamped.value} can never become {status.value}, its current status",
                )
            )
    mine = remote[status]
    if mine is not None:
        for stamped, when in new:
            if when > mine and stamped not in impossible:
                problems.append(
                    Problem(
                        ProblemKind.STAMPS_OUT_OF_ORDER,
                        f"{_key(stamped)} ({show(stamped, when)}) is later than {_key(status)} "
                        f"({show(status, mine)}), the stamp of the current status "
                        f"{status.value}: the current status has the latest stamp",
                    )
                )
    pairs = [(s, t) for s, t in new if s is not status and s not in impossible]
    for i, (first, first_at) in enumerate(pairs):
        for second, second_at in pairs[i + 1 :]:
            if first_at == second_at:
                if second not in _REACH[first] and first not in _REACH[second]:
                    problems.append(
                        Problem(
                            ProblemKind.STAMPS_OUT_OF_ORDER,
                            f"{_key(first)} equals {_key(second)} ({show(first, first_at)}), "
                            f"but neither {first.value} nor {second.value} can follow the other",
                        )
                    )
            elif second not in _REACH[first]:
                problems.append(
                    Problem(
                        ProblemKind.STAMPS_OUT_OF_ORDER,
                        f"{_key(first)} ({show(first, first_at)}) is earlier than "
                        f"{_key(second)} ({show(second, second_at)}), but {second.value} never "
                        f"comes after {first.value}",
                    )
                )
    return problems


def aws_review_refusal(
    status: VersionStatus, history: StatusHistory, applied: bool | None
) -> str | None:
    """Why the service's view shows that a requested AwsReview was not applied, or None.

    ``applied`` is the answer's AwsReview flag (None when the view came from a read-back,
    which does not carry it). The stamps show it too: the full review started (a
    ReviewingTimestamp) without the pre-review (no AwsReviewingTimestamp). Anything else, a
    version still SUBMITTED say, proves neither, so it is not refused.
    """
    if applied is False:
        return f"the service answered AwsReview=false; the version is {status.value}"
    if history.reviewing is not None and history.aws_reviewing is None:
        return (
            f"the version is {status.value}: its review started (ReviewingTimestamp) without "
            "the pre-review (no AwsReviewingTimestamp)"
        )
    return None


def require_aws_review(registration_id: str, answer: Any) -> None:
    """Raise AwsReviewNotApplied when ``answer`` (a VersionInfo) shows the AwsReview asked
    for was not applied (:func:`aws_review_refusal`)."""
    refusal = aws_review_refusal(answer.status, answer.history, answer.aws_review)
    if refusal is not None:
        raise AwsReviewNotApplied(registration_id, answer, refusal)
