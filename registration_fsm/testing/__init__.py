"""Testing helpers for services built on registration_fsm; needs the ``testing`` extra.

``registration_fsm.testing.strategies`` holds the Hypothesis strategies, in one place.
"""

from __future__ import annotations

__all__: list[str] = []
