"""Read one JSON document from a file or standard input, refusing what could hurt.

Every command that takes a file (``audit``, ``diagram``, ``check-drift``) and
:func:`~registration_fsm.audit.load_export` read through here, so each refuses the same
things the same way, with an :class:`UnreadableInputError` naming the source and the reason:

- anything but a regular file or standard input: a FIFO would wait for a writer forever and a
  device such as ``/dev/zero`` never ends, so the file is checked before it is opened, and
  opened without blocking in case it was swapped in between;
- more than ``max_bytes`` (after gunzipping, for a ``.gz`` model): read in pieces, so a
  generous limit costs nothing on a small file;
- text that is not UTF-8 (with or without a byte order mark) or UTF-16/32;
- JSON nested deeper than :data:`MAX_DEPTH`, or with an integer of more than
  :data:`MAX_DIGITS` digits: limits of this module, the same on every Python, where the
  interpreter's recursion limit and integer conversion limit differ between versions and can
  be changed at run time (a stricter integer limit set for the interpreter is kept).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from .errors import InvalidValueError, UnreadableInputError

__all__ = [
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_INPUT_BYTES",
    "STDIN",
    "STDIN_SOURCE",
    "check_depth",
    "check_max_bytes",
    "decode_text",
    "json_decoder",
    "json_errors",
    "load_json",
    "parse_json",
    "parse_json_text",
]

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""The default size limit: 64 MiB, about 150,000 versions of an AWS CLI export."""

MAX_DEPTH = 100
"""The deepest JSON nesting read. Exports nest 4 levels deep, botocore's models 7."""

MAX_DIGITS = 4300
"""The most digits an integer may have (CPython's default integer conversion limit)."""

STDIN = "-"
"""The file name that means standard input, on the command line."""

STDIN_SOURCE = "<stdin>"
"""How errors and reports name standard input."""

_CHUNK = 1024 * 1024
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_BRACKETS = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"'))
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_max_bytes(max_bytes: object) -> int:
    """``max_bytes`` if it is a positive int; InvalidValueError otherwise."""
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise InvalidValueError(f"max_bytes must be a positive number of bytes, got {max_bytes!r}")
    return max_bytes


def load_json(
    name: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    stdin: TextIO | None = None,
    gzipped: bool = False,
) -> object:
    """The JSON document in file ``name``, or on ``stdin`` when ``name`` is ``-`` and a
    ``stdin`` is given. ``gzipped`` files are inflated first, within the same limit."""
    limit = check_max_bytes(max_bytes)
    if stdin is not None and os.fspath(name) == STDIN:
        return _read_stdin(stdin, limit)
    source = os.fspath(name)
    raw = _read_file(source, limit)
    if gzipped:
        raw = _gunzip(raw, source, limit)
    return parse_json(raw, source)


def parse_json(raw: bytes, source: str) -> object:
    """Decode ``raw`` by its byte order mark (UTF-8 without one) and parse it."""
    return parse_json_text(decode_text(raw, source), source)


def decode_text(raw: bytes, source: str) -> str:
    """``raw`` as text, by its byte order mark (UTF-8 without one)."""
    encoding = json.detect_encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        named = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        raise UnreadableInputError(
            source,
            f"not {named} text: byte 0x{raw[error.start]:02x} at offset {error.start} "
            "cannot be decoded",
        ) from None


def parse_json_text(text: str, source: str) -> object:
    """Parse JSON text within the nesting and digit limits; NaN and Infinity are refused."""
    check_depth(text, source)
    decoder = json_decoder()
    with json_errors(source):
        return decoder.decode(text)


def check_depth(text: str, source: str) -> None:
    """Refuse JSON text nested deeper than MAX_DEPTH, before a parser recurses into it."""
    if _depth_exceeds(text, MAX_DEPTH):
        raise UnreadableInputError(
            source, f"JSON nested too deeply to be read (more than {MAX_DEPTH} levels)"
        )


def json_decoder() -> json.JSONDecoder:
    """A decoder that refuses NaN and Infinity and integers of more than the digit limit.

    Where the interpreter's own integer limit is in force and at least as strict, it does the
    refusing; otherwise a hook does, at the cost of a call per integer.
    """
    if _interpreter_digit_limit() is None:
        return json.JSONDecoder(parse_constant=_refuse_constant, parse_int=_parse_int)
    return _DECODER


@contextlib.contextmanager
def json_errors(source: str) -> Iterator[None]:
    """Turn what a :func:`json_decoder` raises into the UnreadableInputError that says why."""
    try:
        yield
    except RecursionError:  # only if the interpreter's limit is below MAX_DEPTH
        raise UnreadableInputError(source, "JSON nested too deeply to be read") from None
    except _NotAValue as error:
        raise UnreadableInputError(source, f"not valid JSON: {error}") from None
    except json.JSONDecodeError as error:
        raise UnreadableInputError(
            source, f"not JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except ValueError:  # the only other ValueError: an integer too long for int()
        digits = _interpreter_digit_limit() or MAX_DIGITS
        raise UnreadableInputError(
            source,
            f"not valid JSON: a number of more than {digits} digits, which no export or "
            "model holds",
        ) from None


def _interpreter_digit_limit() -> int | None:
    """The interpreter's own limit on the digits int() converts, when it is at least as
    strict as MAX_DIGITS; None where there is none (Python 3.10 before 3.10.7) or it was
    raised or lifted, so that a hook enforces MAX_DIGITS instead (costing a call per int)."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    return limit if 0 < limit <= MAX_DIGITS else None


def _depth_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON text nests deeper than ``limit``, found before the parser meets it.

    Outside strings, valid JSON holds no backslash or quote; inside, every backslash starts
    an escape. So once the escaped backslashes and then the escaped quotes are gone, the
    quotes left only delimit strings. Keeping just brackets and quotes, dropping adjacent
    quote pairs (an empty string, or two strings that meet, so no bracket changes side) and
    then what lies between the quotes left leaves the structure. Its depth is the number of
    rounds that remove every innermost ``[]``. Each step is a pass in C, so an export costs a
    fraction of its parse. For invalid JSON the answer may be wrong, which only chooses
    between two refusals.
    """
    skeleton = _skeleton(text)
    if b'"' in skeleton:
        skeleton = b"".join(skeleton.split(b'"')[::2])
    deepest = b"[" * (limit + 1)
    for _ in range(limit):
        if deepest in skeleton:
            return True
        inner = skeleton.replace(b"[]", b"")
        if len(inner) == len(skeleton):
            return False  # empty, or unbalanced: the parser says what is wrong
        skeleton = inner
    return b"[]" in skeleton


def _skeleton(text: str) -> bytes:
    """The text's brackets and quotes, escapes gone and adjacent quote pairs dropped, built a
    piece at a time so that it never holds more than a piece of the text twice over (the
    whole text encoded and translated would take twice the text's size).

    A piece never ends in a backslash, so no run of backslashes and no escape is split: each
    piece gives what the whole would give for its part. A run of quotes split between pieces
    keeps its parity (each piece leaves its own part's parity, the join pairs them up again).
    """
    pieces = []
    start, size = 0, len(text)
    while start < size:
        end = min(start + _PIECE, size)
        if text[end - 1] == "\\":
            after = _NOT_BACKSLASH.search(text, end)
            end = after.start() + 1 if after is not None else size
        piece = text[start:end]
        if "\\" in piece:
            piece = piece.replace("\\\\", "").replace('\\"', "")
        skeleton = piece.encode("utf-8", "surrogatepass").translate(_BRACKETS, _NOT_STRUCTURE)
        pieces.append(skeleton.replace(b'""', b""))
        start = end
    return b"".join(pieces).replace(b'""', b"")


_PIECE = 1 << 18
_NOT_BACKSLASH = re.compile(r"[^\\]")


class _NotAValue(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON has no such values."""


def _parse_int(digits: str) -> int:
    if len(digits) - digits.startswith("-") > MAX_DIGITS:
        raise ValueError(digits[:20])
    return int(digits)


def _refuse_constant(name: str) -> object:
    raise _NotAValue(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _read_file(source: str, max_bytes: int) -> bytes:
    try:
        _require_regular_file(os.stat(source).st_mode, source)
        descriptor = os.open(source, os.O_RDONLY | _NONBLOCK | _BINARY)
    except OSError as error:
        raise _unreadable(error, source) from None
    try:
        _require_regular_file(os.fstat(descriptor).st_mode, source)  # swapped in since stat
        return _read_limited(lambda: os.read(descriptor, _CHUNK), source, max_bytes)
    except OSError as error:
        raise _unreadable(error, source) from None
    finally:
        os.close(descriptor)


def _require_regular_file(mode: int, source: str) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise UnreadableInputError(source, f"is {kind}, not a regular file")


def _unreadable(error: OSError, source: str) -> UnreadableInputError:
    if isinstance(error, FileNotFoundError):
        return UnreadableInputError(source, "no such file")
    if isinstance(error, PermissionError):
        return UnreadableInputError(source, "permission denied")
    if isinstance(error, IsADirectoryError):
        return UnreadableInputError(source, "is a directory, not a regular file")
    return UnreadableInputError(source, f"cannot be read: {error.strerror or error}")


def _read_limited(read: Callable[[], bytes], source: str, max_bytes: int) -> bytes:
    """Read pieces until the end, or refuse as soon as more than ``max_bytes`` arrived."""
    pieces: list[bytes] = []
    size = 0
    while piece := read():
        size += len(piece)
        if size > max_bytes:
            raise _too_large(source, max_bytes)
        pieces.append(piece)
    return b"".join(pieces)


def _too_large(source: str, max_bytes: int) -> UnreadableInputError:
    return UnreadableInputError(
        source,
        f"larger than the limit of {max_bytes} bytes; split the export (one file per page "
        "of describe-registration-versions) or raise the limit",
    )


def _gunzip(raw: bytes, source: str, max_bytes: int) -> bytes:
    import gzip
    import io
    import zlib

    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as inflated:
            return _read_limited(lambda: inflated.read(_CHUNK), source, max_bytes)
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableInputError(source, f"not gzip data: {error}") from None


def _read_stdin(stdin: TextIO, max_bytes: int) -> object:
    """Standard input as bytes where it has them (then decoded like a file), else as text."""
    binary = getattr(stdin, "buffer", None)
    try:
        if binary is not None:
            raw = _read_limited(lambda: binary.read(_CHUNK), STDIN_SOURCE, max_bytes)
            return parse_json(raw, STDIN_SOURCE)
        text = "".join(_read_limited_text(stdin, max_bytes))
    except OSError as error:
        raise _unreadable(error, STDIN_SOURCE) from None
    except UnicodeDecodeError:
        raise UnreadableInputError(STDIN_SOURCE, "not text in the input's encoding") from None
    return parse_json_text(text, STDIN_SOURCE)


def _read_limited_text(stdin: TextIO, max_bytes: int) -> list[str]:
    pieces: list[str] = []
    size = 0
    while piece := stdin.read(_CHUNK):
        size += len(piece)
        if size > max_bytes:
            raise _too_large(STDIN_SOURCE, max_bytes)
        pieces.append(piece)
    return pieces
