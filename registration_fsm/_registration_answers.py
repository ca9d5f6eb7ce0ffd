"""AWS's answers to a registration's calls, checked and put in place all or nothing.

SubmitRegistrationVersion, DiscardRegistrationVersion and CreateRegistrationVersion answer
with the version as the service then holds it, which may be ahead of the request. The answer
must be about the version asked for, is judged by the rule of evidence from the state the
request was made in, and an answer that approves a version archives the older approved one in
the same step, as the service does.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .errors import MalformedDataError, UnexpectedAnswerError
from .evidence import require_aws_review
from .statuses import VersionStatus
from .values import VersionInfo
from .version import RegistrationVersion, holding

if TYPE_CHECKING:
    from .backends.base import Backend
    from .registration import Registration

__all__ = ["adopt_created", "adopt_remote", "archives_for", "checked_answer"]

_V = VersionStatus


def adopt_created(reg: Registration, answer: VersionInfo) -> RegistrationVersion:
    """The version CreateRegistrationVersion answered, added with the archives it causes."""
    new = RegistrationVersion.new(
        reg._registration_id,
        answer.version_number,
        at=answer.history.draft,
        registration_arn=reg._registration_arn,
        clock=reg._clock,
    )
    new._adopt_unlocked(answer.status, answer.history, strict=True)
    archives = archives_for(reg, new, answer)
    with holding(v for v, _ in archives):
        for version, archived in archives:
            version._state = archived._state
        new._last_answer = answer
        reg._versions = (*reg._versions, new)
    return new


def adopt_remote(
    reg: Registration, latest: RegistrationVersion, answer: VersionInfo, aws_review: bool
) -> VersionStatus:
    """Adopt ``answer`` for ``latest``, whose lock the caller holds, with its archives."""
    if aws_review:
        require_aws_review(reg._registration_id, answer)
    trial = latest.__copy__()
    trial._adopt_unlocked(answer.status, answer.history, strict=True)
    archives = archives_for(reg, latest, trial)
    if archives:  # put in place in one step with the approval, under their locks
        with holding(v for v, _ in archives):
            for version, new in archives:
                version._state = new._state
            latest._state = trial._state
    else:
        latest._state = trial._state
    latest._history_cache = trial._history_cache
    latest._last_answer = answer
    return answer.status


def archives_for(
    reg: Registration, target: RegistrationVersion, adopted: RegistrationVersion | VersionInfo
) -> list[tuple[RegistrationVersion, RegistrationVersion]]:
    """The older APPROVED versions archived because ``target`` became ``adopted``.

    The service archives them in the same step as the approval, at its ApprovedTimestamp;
    each pair is (version, its archived copy), to be put in place with the approval.
    """
    if adopted.status is not _V.APPROVED:
        return []
    history = adopted.history
    approved_at = history.approved or history.latest
    staged = []
    for other in reg._versions:
        if other is not target and other.status is _V.APPROVED:
            archived = copy.copy(other)
            archived.archive(at=approved_at)
            staged.append((other, archived))
    return staged


def checked_answer(
    reg: Registration, answer: object, backend: Backend | None, operation: str, version_number: int
) -> VersionInfo:
    """``answer``, checked to be the service's view of the version the call was about."""
    if not isinstance(answer, VersionInfo):
        called = f"{type(backend).__name__}." if backend is not None else ""
        raise MalformedDataError(
            f"{called}{operation}() returned {type(answer).__name__}, not a VersionInfo",
            value=answer,
        )
    rid = reg._registration_id
    names = {rid, reg._registration_arn} - {None}
    if answer.registration_id not in names and answer.registration_arn not in names:
        raise UnexpectedAnswerError(
            rid, version_number, answer, f"registration {answer.registration_id}"
        )
    if answer.version_number != version_number:
        raise UnexpectedAnswerError(
            rid, version_number, answer, f"version {answer.version_number}"
        )
    return answer
