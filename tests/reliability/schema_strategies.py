"""Hypothesis strategies built from a tool's published JSON Schema (its ``inputSchema``).

``hypothesis-jsonschema`` 0.23 no longer runs with the installed Hypothesis (its object generator calls a removed
internal, ``many.more``), so this covers the subset of JSON Schema the tools publish: ``type`` (one or several),
``properties``/``required``/``additionalProperties``, ``items``/``minItems``/``maxItems``, ``anyOf``, ``enum``,
``const``, ``pattern``, ``minLength``/``maxLength``, ``minimum``/``maximum`` and the formats ``date-time``,
``uuid`` and ``uri``. Anything else fails loudly, so a new keyword in a schema cannot silently go untested.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from typing import Any, cast

from hypothesis import strategies as st

Schema = dict[str, Any]

_KNOWN = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "anyOf", "enum",
        "const", "pattern", "minLength", "maxLength", "minimum", "maximum", "format", "default", "description",
        "examples", "title",
    }
)  # fmt: skip
_MAX_TEXT = 40
_MAX_ITEMS = 3

JSON_SCALARS: st.SearchStrategy[Any] = (
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.floats(allow_nan=False, allow_infinity=False)
) | st.text(max_size=_MAX_TEXT)
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=_MAX_ITEMS) | st.dictionaries(st.text(max_size=8), inner, max_size=_MAX_ITEMS)
    ),
    max_leaves=8,
)


def from_schema(schema: Schema) -> st.SearchStrategy[Any]:
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"schema keywords not supported by this generator: {sorted(unknown)}")
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(cast(list[Any], schema["enum"]))
    if "anyOf" in schema:
        return st.one_of([from_schema(cast(Schema, branch)) for branch in schema["anyOf"]])
    kind = schema.get("type")
    if kind is None:
        return ANY_JSON
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": one}) for one in cast(list[str], kind)])
    return _BY_TYPE[cast(str, kind)](schema)


def _object(schema: Schema) -> st.SearchStrategy[Any]:
    properties = cast(dict[str, Schema], schema.get("properties", {}))
    required = set(cast(list[str], schema.get("required", [])))
    if not properties:
        if schema.get("additionalProperties") is False:
            return st.just({})
        return st.dictionaries(st.text(max_size=8), ANY_JSON, max_size=_MAX_ITEMS)
    return st.fixed_dictionaries(
        {name: from_schema(prop) for name, prop in properties.items() if name in required},
        optional={name: from_schema(prop) for name, prop in properties.items() if name not in required},
    )


def _array(schema: Schema) -> st.SearchStrategy[Any]:
    items = cast(Schema | None, schema.get("items"))
    low = int(schema.get("minItems", 0))
    high = max(low, min(int(schema.get("maxItems", _MAX_ITEMS)), _MAX_ITEMS))
    return st.lists(from_schema(items) if items is not None else ANY_JSON, min_size=low, max_size=high)


def _string(schema: Schema) -> st.SearchStrategy[Any]:
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, _MAX_TEXT)))
    fmt = schema.get("format")
    if fmt == "date-time":
        strategy: st.SearchStrategy[str] = st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())
    elif fmt == "uuid":
        strategy = st.uuids().map(str)
    elif fmt == "uri":
        strategy = st.from_regex(r"https://[a-z]{1,12}\.example\.com/[a-zA-Z0-9_-]{0,24}", fullmatch=True)
    elif "pattern" in schema:
        # JSON Schema patterns search (ECMA-262): ``$`` is the end of the text, never before a final newline.
        pattern = re.sub(r"\$$", r"\\Z", cast(str, schema["pattern"]))
        strategy = st.from_regex(pattern)
    elif fmt is not None:
        raise ValueError(f"string format {fmt!r} not supported by this generator")
    else:
        strategy = st.text(min_size=low, max_size=min(high, _MAX_TEXT))
    return strategy.filter(lambda text: low <= len(text) <= high)


def _integer(schema: Schema) -> st.SearchStrategy[Any]:
    return st.integers(min_value=schema.get("minimum"), max_value=schema.get("maximum"))


def _number(schema: Schema) -> st.SearchStrategy[Any]:
    return st.floats(
        min_value=schema.get("minimum"), max_value=schema.get("maximum"), allow_nan=False, allow_infinity=False
    )


def _boolean(_schema: Schema) -> st.SearchStrategy[Any]:
    return st.booleans()


def _null(_schema: Schema) -> st.SearchStrategy[Any]:
    return st.none()


_BY_TYPE: dict[str, Callable[[Schema], st.SearchStrategy[Any]]] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "null": _null,
}
