"""The compact encoder the stores use is ``json.dumps`` to the character."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registration_fsm.store._json_text import compact_encoder

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES, st.booleans())
def test_the_text_is_json_dumps_compact(value: Any, sort_keys: bool) -> None:
    encode = compact_encoder(sort_keys=sort_keys)
    assert encode(value) == json.dumps(value, separators=(",", ":"), sort_keys=sort_keys)


def test_what_json_cannot_encode_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        compact_encoder(sort_keys=False)({"a": object()})


def test_keys_are_sorted_only_when_asked() -> None:
    value = {"b": 1, "a": {"d": 2, "c": 3}}
    assert compact_encoder(sort_keys=True)(value) == '{"a":{"c":3,"d":2},"b":1}'
    assert compact_encoder(sort_keys=False)(value) == '{"b":1,"a":{"d":2,"c":3}}'
