"""Compact JSON text from the standard library's C encoder, built once.

``json.JSONEncoder.encode`` builds its C encoder anew on every call. A store encodes a body
and hashes a journal entry on every save, so it keeps one encoder per shape instead. The
text is the same C encoder's, so it is exactly ``json.dumps(value, separators=(",", ":"))``
(with ``sort_keys`` when asked); where the C encoder is missing, ``JSONEncoder`` makes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any

__all__ = ["compact_encoder"]


def _refuse(value: object) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


def compact_encoder(*, sort_keys: bool) -> Callable[[Any], str]:
    """``json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)``, for trees without
    cycles (the circular-reference check is off: every caller encodes fresh dicts)."""
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        fallback = json.JSONEncoder(
            separators=(",", ":"), sort_keys=sort_keys, check_circular=False
        )
        return fallback.encode
    chunks = make(
        None, _refuse, _encoder.encode_basestring_ascii, None, ":", ",", sort_keys, False, True
    )

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode
