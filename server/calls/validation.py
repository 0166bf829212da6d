"""Argument validation before any request: pydantic errors rewritten as instructions an agent can follow."""

from __future__ import annotations

from collections.abc import Sized
from typing import Any, cast

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_MAX_SHOWN_INPUT = 60
_MAX_NAME_CHARS = 80
MAX_LISTED_ERRORS = 20
"""Fields described one by one; beyond, one line says how many more (a huge bad argument can fail 100k times)."""


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [f"[{part}]" if isinstance(part, int) else str(part)[:_MAX_NAME_CHARS] for part in loc]
    name = ".".join(parts).replace(".[", "[") or "(arguments)"
    return repr(name)[1:-1] if len(name) <= _MAX_NAME_CHARS else repr(name[:_MAX_NAME_CHARS])[1:-1] + "…"


def _shown(value: object) -> str:
    """A short repr, computed from a prefix: a 10 MB argument is never rendered whole."""
    if isinstance(value, str) and len(value) > _MAX_SHOWN_INPUT:
        return repr(value[:_MAX_SHOWN_INPUT]) + "…"
    if isinstance(value, list | dict) and len(cast(Sized, value)) > _MAX_SHOWN_INPUT:
        return f"a {type(cast(object, value)).__name__} of {len(cast(Sized, value))} items"
    text = repr(cast(object, value))
    return text if len(text) <= _MAX_SHOWN_INPUT else text[:_MAX_SHOWN_INPUT] + "…"


def _property_schema(schema: dict[str, Any], loc: tuple[int | str, ...]) -> dict[str, Any] | None:
    node: Any = schema
    for part in loc:
        if not isinstance(node, dict):
            return None
        current = cast(dict[str, Any], node)
        if isinstance(part, int):
            node = current.get("items")
        else:
            node = cast(dict[str, Any], current.get("properties", {})).get(part)
    return cast(dict[str, Any], node) if isinstance(node, dict) else None


_UUID_PATTERN_START = "^[0-9a-fA-F]{8}"


def _expected(prop: dict[str, Any] | None) -> str:
    if not prop:
        return ""
    if str(prop.get("pattern", "")).startswith(_UUID_PATTERN_START):
        return " Expected a UUID such as '0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a' (copy it from a list result)."
    if "enum" in prop:
        return " Allowed values: " + ", ".join(repr(v) for v in cast(list[Any], prop["enum"])) + "."
    hints: list[str] = []
    if "format" in prop:
        hints.append(f"format {prop['format']}")
    if "pattern" in prop:
        hints.append(f"pattern {prop['pattern']}")
    if isinstance(prop.get("type"), str):
        kind = str(prop["type"])
        hints.insert(0, f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}")
    return (" Expected " + ", ".join(hints) + ".") if hints else ""


def _clean_loc(loc: tuple[int | str, ...], schema: dict[str, Any]) -> tuple[int | str, ...]:
    """Drop pydantic's union-branch tags (``constrained-int``, ``none``…) that are not fields of the schema."""
    kept: list[int | str] = []
    node: Any = schema
    for part in loc:
        current = cast(dict[str, Any], node) if isinstance(node, dict) else {}
        if isinstance(part, int) and "items" in current:
            kept.append(part)
            node = current["items"]
        elif isinstance(part, str) and part in cast(dict[str, Any], current.get("properties", {})):
            kept.append(part)
            node = cast(dict[str, Any], current["properties"])[part]
        elif not kept or isinstance(part, int):
            kept.append(part)  # unknown field (extra_forbidden) or an index we cannot follow
            node = {}
    return tuple(kept)


def describe_error(error: ErrorDetails, schema: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    name = _field_name(loc)
    if error["type"] == "missing":
        return f"- `{name}` is required but missing.{_expected(_property_schema(schema, loc))}"
    if error["type"] == "extra_forbidden":
        known = ", ".join(sorted(cast(dict[str, Any], schema.get("properties", {}))))
        return f"- `{name}` is not a parameter of this tool. Known parameters: {known}."
    prop = _property_schema(schema, loc)
    if error["type"] == "string_pattern_mismatch":
        message = "does not have the expected form"
        pattern = (error.get("ctx") or {}).get("pattern")
        if prop is not None and "pattern" not in prop and pattern:
            prop = {**prop, "pattern": str(pattern)}  # a pattern the published schema does not show
    else:
        message = error["msg"]
    return f"- `{name}`: {message} (got {_shown(error.get('input'))}).{_expected(prop)}"


def format_validation_error(tool: str, error: ValidationError, schema: dict[str, Any]) -> str:
    """One line per field; for a value that fails an ``X | None`` union, the "should be None" branch is noise."""
    lines = [f"Invalid arguments for {tool}; nothing was sent to PostHog. Fix these and call again:"]
    seen: set[tuple[int | str, ...]] = set()
    details = error.errors(include_url=False)
    for detail in details:
        loc = _clean_loc(tuple(detail["loc"]), schema)
        if loc in seen or (detail["type"] == "none_required" and _has_other(details, loc, schema)):
            continue
        seen.add(loc)
        if len(seen) > MAX_LISTED_ERRORS:
            lines.append(
                f"- … and {error.error_count() - MAX_LISTED_ERRORS} more problems of the same kind are not listed: "
                "fix the ones above (or shorten the argument) and call again to see what remains."
            )
            break
        lines.append(describe_error({**detail, "loc": loc}, schema))
    return "\n".join(lines)


def _has_other(details: list[ErrorDetails], loc: tuple[int | str, ...], schema: dict[str, Any]) -> bool:
    return any(d["type"] != "none_required" and _clean_loc(tuple(d["loc"]), schema) == loc for d in details)
