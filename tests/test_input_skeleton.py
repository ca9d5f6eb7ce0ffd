"""The depth check's skeleton, built a piece at a time, is the skeleton of the whole text."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from registration_fsm import _input


def _whole(text: str) -> bytes:
    """The skeleton as the depth check built it from the whole text at once."""
    if "\\" in text:
        text = text.replace("\\\\", "").replace('\\"', "")
    skeleton = text.encode("utf-8", "surrogatepass").translate(
        _input._BRACKETS, _input._NOT_STRUCTURE
    )
    return skeleton.replace(b'""', b"")


_TEXT = st.text(alphabet=st.sampled_from('[]{}"\\ab,:\u00e9\ud800'), max_size=80)


@given(_TEXT, st.integers(1, 9))
@example('"\\\\\\"[', 1)
@example('""""""[]', 2)
@example("[\\\\\\\\\\", 2)
def test_pieces_give_the_whole_skeleton(text: str, piece: int) -> None:
    saved = _input._PIECE
    _input._PIECE = piece
    try:
        assert _input._skeleton(text) == _whole(text)
    finally:
        _input._PIECE = saved


@pytest.mark.parametrize("depth", [99, 100, 101])
def test_the_limit_holds_across_pieces(depth: int) -> None:
    text = '{"a": "\\\\\\"", "b": ' + "[" * depth + "]" * depth + "}"
    saved = _input._PIECE
    _input._PIECE = 3
    try:
        assert _input._depth_exceeds(text, 100) is (depth + 1 > 100)
    finally:
        _input._PIECE = saved
