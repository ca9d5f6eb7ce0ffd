"""How the simulator holds a registration and its versions (a private part of
:class:`InMemoryBackend`, shared by its parts)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ..version import RegistrationVersion
from .base import DeniedReason


class _Version:
    """One version as the service holds it: the status machine plus the review's verdict."""

    __slots__ = ("aws_review", "denied_reasons", "feedback", "fsm", "values")

    def __init__(
        self, fsm: RegistrationVersion, values: Mapping[str, dict[str, Any]] | None = None
    ) -> None:
        self.fsm = fsm
        self.denied_reasons: tuple[DeniedReason, ...] = ()
        self.feedback: str | None = None
        self.aws_review = False
        self.values = {k: dict(v) for k, v in (values or {}).items()}


class _Registration:
    __slots__ = (
        "arn",
        "associations",
        "attributes",
        "created",
        "deleted",
        "id",
        "tags",
        "type",
        "versions",
    )

    def __init__(
        self,
        registration_id: str,
        arn: str,
        registration_type: str,
        created: datetime,
        tags: Mapping[str, str],
    ) -> None:
        self.id = registration_id
        self.arn = arn
        self.type = registration_type
        self.created = created
        self.tags = dict(tags)
        self.attributes: dict[str, str] = {}
        self.versions: list[_Version] = []
        self.associations: dict[str, dict[str, Any]] = {}
        self.deleted = False
