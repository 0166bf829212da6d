"""Reading JSON from PostHog so that no answer can crash or hang the server.

Whatever bytes arrive, decoding gives Python data that is safe to pass on: invalid UTF-8 and unpaired
surrogate escapes (``"\\ud800"``, which ``json`` turns into a lone surrogate that no UTF-8 writer can encode,
killing the stdio transport) become U+FFFD; ``NaN``/``Infinity`` (and numbers too large for a float) become
``null``, so the text we send is valid JSON; nesting deeper than ``MAX_DEPTH`` is refused with ``TooDeep``
before anything walks it recursively.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 128
"""Deepest nesting accepted from PostHog; far beyond any real answer, far below Python's recursion limit."""

REPLACEMENT = "\ufffd"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_NUMBER_SHAPE = bytes.maketrans(b"123456789E", b"000000000e")
_HUGE_FLOAT_SHAPES = (b"e000", b"0" * 309)
"""What a number too large for a float needs, read with every digit as 0, ``E`` as ``e`` and no signs: a 3-digit
exponent, or 309 digits in a row."""
_STRING_SKELETON = re.compile(rb'"[^"]*"')
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")
_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(set(range(256)) - set(_STRUCTURE))


class TooDeep(ValueError):
    """PostHog's JSON nests deeper than ``MAX_DEPTH``."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        super().__init__(f"PostHog's answer nests deeper than {limit} levels")
        self.limit = limit


def clean_text(text: str) -> str:
    """``text`` with every unpaired surrogate replaced by U+FFFD (a no-op copy-free check when there is none)."""
    return _LONE_SURROGATE.sub(REPLACEMENT, text)


def has_lone_surrogate(text: str) -> bool:
    """An ASCII text (known at once, from how Python stores it) cannot hold one; others are searched."""
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


def nests_deeper_than(data: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON ``data`` nests deeper than ``limit``, without parsing it (all C-speed passes): escaped
    backslashes and quotes are dropped, then everything but quotes and brackets, then the strings; then the
    innermost empty pairs are removed once per level, at most ``limit`` times."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return False
    unescaped = data.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = _STRING_SKELETON.sub(b"", unescaped.translate(None, _NOT_STRUCTURE))
    for _ in range(limit):
        reduced = _EMPTY_PAIR.sub(b"", skeleton)
        if not reduced or reduced == skeleton:
            return False  # fully reduced within the limit, or unbalanced (json.loads will say so)
        skeleton = reduced
    return True


def _finite_or_none(raw: str) -> float | None:
    value = float(raw)
    return value if math.isfinite(value) else None


def _null_constant(_name: str) -> None:
    return None


_DECODER = json.JSONDecoder(parse_constant=_null_constant)
_FINITE_DECODER = json.JSONDecoder(parse_constant=_null_constant, parse_float=_finite_or_none)
"""Made once: ``json.loads`` with these options would build a decoder per call. The second converts every float
in Python, so it is used only when a too-large number may be present (``_may_hold_huge_float``)."""


def _may_hold_huge_float(data: bytes) -> bool:
    """Plain substring searches on a copy with every digit read as 0 (C speed; a regex over all the text took
    longer than parsing it). May say yes for text that only looks like one (``"e2024"`` in an id): then the
    exact, slower decoder runs."""
    shape = data.translate(_NUMBER_SHAPE, b"+-")
    return any(marker in shape for marker in _HUGE_FLOAT_SHAPES)


def loads(raw: bytes | str) -> Any:
    """Parse PostHog's JSON safely (see the module docstring); raises ``ValueError`` (``TooDeep`` included)."""
    return _parse(_as_bytes(raw))[0]


_NOT_AS_SPELLED = (b"\\u", b"NaN", b"Infinity", b"\n", b'": ')
"""Text that ``loads_spelled`` does not pass on as it is: an escape that hides a character, constants turned into
null, and the marks of pretty-printed JSON (compact JSON holds no line break and no ``": "`` between tokens;
inside a string, ``": "`` only sends the answer the slower way)."""


def loads_spelled(raw: bytes | str) -> tuple[Any, str | None]:
    """``loads``, and the text it parsed when that text is compact JSON spelling the parsed data exactly, else
    None: every string as it is in the data (no ``\\u`` escape, which could hide a character from a text search,
    a key or a surrogate), no constant or number replaced, no line break or ``": "`` (pretty-printed JSON).

    PostHog (Django REST framework) answers compact UTF-8 JSON, so for most answers this text can be shown as
    it is instead of serialising the data again."""
    data = _as_bytes(raw)
    parsed, text, exact = _parse(data)
    if not exact or any(mark in data for mark in _NOT_AS_SPELLED):
        return parsed, None
    return parsed, text.strip(" \t\r")


def _as_bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")


def _parse(data: bytes) -> tuple[Any, str, bool]:
    """The parsed data, the text it was parsed from, and whether that data is exactly what the text says (no
    float checked and replaced, no surrogate cleaned)."""
    if nests_deeper_than(data):
        raise TooDeep
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    may_hold_huge_float = _may_hold_huge_float(data)
    decoder = _FINITE_DECODER if may_hold_huge_float else _DECODER
    try:
        parsed = decoder.decode(text)
    except RecursionError:
        raise TooDeep from None
    if _SURROGATE_ESCAPE.search(data):
        return clean_data(parsed), text, False
    return parsed, text, not may_hold_huge_float


def clean_data(data: Any) -> Any:
    """``data`` with unpaired surrogates replaced in every string and key (one dump and parse, C speed)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=True)
    if not has_lone_surrogate(text):
        return data
    return json.loads(clean_text(text), parse_constant=_null_constant)
