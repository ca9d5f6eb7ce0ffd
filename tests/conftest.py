"""Shared test configuration: Hypothesis profiles, and the fixture for Graphviz's dot.

``make test`` runs the quick profile; set ``HYPOTHESIS_PROFILE=thorough`` for a long run.
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("quick", max_examples=60, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture
def graphviz_dot() -> str:
    """The path of Graphviz's ``dot``. Skips where it is missing, except under CI=true."""
    found = shutil.which("dot")
    if found is None:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("Graphviz's dot is missing under CI=true; .ci/run installs it")
        pytest.skip("Graphviz's dot is not installed")
    return found
