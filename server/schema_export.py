"""Turns pydantic models into the JSON schemas ``tools/list`` publishes.

Clients differ in how much JSON Schema they understand; several reject ``$ref``/``$defs``. So every reference
is inlined, pydantic's generated ``title`` noise is dropped (descriptions stay), and ``"default": null`` on
fields that are simply omitted is removed. Computed once per model at start-up.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from pydantic import BaseModel

JsonObject = dict[str, Any]

_MAX_DEPTH = 32


def _resolve(node: Any, defs: JsonObject, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ValueError("schema nests too deeply (recursive model?)")
    if isinstance(node, list):
        return [_resolve(item, defs, depth + 1) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    obj = cast(JsonObject, node)
    ref = obj.get("$ref")
    if isinstance(ref, str):
        target = defs[ref.rsplit("/", 1)[-1]]
        merged = {**copy.deepcopy(target), **{k: v for k, v in obj.items() if k != "$ref"}}
        return _resolve(merged, defs, depth + 1)
    out: JsonObject = {}
    for key, value in obj.items():
        if key == "$defs":
            continue
        if key == "properties" and isinstance(value, dict):
            props = cast(JsonObject, value)
            out[key] = {name: _tidy_property(_resolve(prop, defs, depth + 1)) for name, prop in props.items()}
        else:
            out[key] = _resolve(value, defs, depth + 1)
    return out


def _tidy_property(prop: Any) -> Any:
    if not isinstance(prop, dict):
        return prop
    tidy = {k: v for k, v in cast(JsonObject, prop).items() if k != "title"}
    if "default" in tidy and tidy["default"] is None and not _allows_null(tidy):
        del tidy["default"]
    return tidy


def _allows_null(schema: JsonObject) -> bool:
    if schema.get("type") == "null":
        return True
    variants = cast(list[Any], schema.get("anyOf") or schema.get("oneOf") or [])
    return any(isinstance(v, dict) and cast(JsonObject, v).get("type") == "null" for v in variants)


def _strip_titles(node: Any) -> Any:
    """Drop generated titles of nested objects too (they repeat class names, not meaning)."""
    if isinstance(node, list):
        return [_strip_titles(item) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    obj = cast(JsonObject, node)
    result: JsonObject = {}
    for key, value in obj.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "properties" and isinstance(value, dict):
            result[key] = {name: _strip_titles(prop) for name, prop in cast(JsonObject, value).items()}
        else:
            result[key] = _strip_titles(value)
    return result


_SHAPE_KEYWORDS = frozenset({"type", "anyOf", "oneOf", "allOf", "enum", "const", "properties", "items", "not", "$ref"})
ANY_JSON_TYPES = ["object", "array", "string", "number", "boolean", "null"]


def _declare_any(node: Any) -> Any:
    """Spell "any JSON value" out as ``anyOf`` single-type branches (the most portable spelling): a schema with no
    keyword at all reads as a mistake to schema checkers, and a ``type`` list is rejected by some clients."""
    if isinstance(node, list):
        return [_declare_any(item) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    obj = cast(JsonObject, node)
    out: JsonObject = {}
    for key, value in obj.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _as_declared(prop) for name, prop in cast(JsonObject, value).items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _as_declared(value)
        elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
            out[key] = [_as_declared(member) for member in cast(list[Any], value)]
        else:
            out[key] = _declare_any(value)
    return out


def _as_declared(schema: Any) -> Any:
    if isinstance(schema, dict) and not (_SHAPE_KEYWORDS & cast(JsonObject, schema).keys()):
        return {**cast(JsonObject, schema), "anyOf": [{"type": kind} for kind in ANY_JSON_TYPES]}
    return _declare_any(schema)


def publish_schema(model: type[BaseModel], *, mode: str = "validation") -> JsonObject:
    """The model's JSON schema, self-contained (no ``$ref``), without generated titles."""
    raw = model.model_json_schema(mode="validation" if mode == "validation" else "serialization")
    defs = cast(JsonObject, raw.get("$defs", {}))
    schema = cast(JsonObject, _declare_any(_strip_titles(_resolve(raw, defs, 0))))
    schema["type"] = "object"
    return schema


def contains_ref(node: Any) -> bool:
    if isinstance(node, dict):
        obj = cast(JsonObject, node)
        return "$ref" in obj or "$defs" in obj or any(contains_ref(v) for v in obj.values())
    if isinstance(node, list):
        return any(contains_ref(v) for v in cast(list[Any], node))
    return False
