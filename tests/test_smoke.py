from __future__ import annotations

import registration_fsm
from registration_fsm import RegistrationVersion, VersionStatus


def test_public_names_are_sorted() -> None:
    assert registration_fsm.__all__ == sorted(registration_fsm.__all__)


def test_a_version_walks_to_approval() -> None:
    version = RegistrationVersion.new("reg-1")
    version.submit()
    version.begin_review()
    assert version.approve() is VersionStatus.APPROVED
