"""Turns pydantic models into the JSON schemas ``tools/list`` publishes.

Clients differ in how much JSON Schema they understand; several reject ``$ref``/``$defs``. So every reference
is inlined, and every byte a model pays for on each turn must carry meaning: pydantic's generated ``title``s,
``"default": null``, ``examples`` and ``anyOf`` null unions are dropped or folded into one ``type`` list
(descriptions, enums, bounds and formats stay). Per-client adaptations live in ``schema_profiles.py``. Computed
when the manifest is generated, never at start-up.
"""

from __future__ import annotations

import copy
from typing import Any, cast

from pydantic import BaseModel

JsonObject = dict[str, Any]

_MAX_DEPTH = 32


def _resolve(node: Any, defs: JsonObject, depth: int) -> Any:
    """Inline every ``$ref``. A referenced model's docstring is for developers (the property's own description,
    if any, says what a model needs), so it is not carried into the published schema."""
    if depth > _MAX_DEPTH:
        raise ValueError("schema nests too deeply (recursive model?)")
    if isinstance(node, list):
        return [_resolve(item, defs, depth + 1) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    obj = cast(JsonObject, node)
    ref = obj.get("$ref")
    if isinstance(ref, str):
        target = {k: v for k, v in defs[ref.rsplit("/", 1)[-1]].items() if k != "description"}
        merged = {**copy.deepcopy(target), **{k: v for k, v in obj.items() if k != "$ref"}}
        return _resolve(merged, defs, depth + 1)
    out: JsonObject = {}
    for key, value in obj.items():
        if key == "$defs":
            continue
        if key == "properties" and isinstance(value, dict):
            props = cast(JsonObject, value)
            out[key] = {name: _resolve(prop, defs, depth + 1) for name, prop in props.items()}
        else:
            out[key] = _resolve(value, defs, depth + 1)
    return out


def _drop_text(node: Any, keys: frozenset[str]) -> Any:
    """Drop text keywords (``title``, ``description``) at every depth; properties *named* so are kept."""
    if isinstance(node, list):
        return [_drop_text(item, keys) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    result: JsonObject = {}
    for key, value in cast(JsonObject, node).items():
        if key in keys and isinstance(value, str):
            continue
        if key == "properties" and isinstance(value, dict):
            result[key] = {name: _drop_text(prop, keys) for name, prop in cast(JsonObject, value).items()}
        else:
            result[key] = _drop_text(value, keys)
    return result


_TITLES = frozenset({"title"})
"""Generated titles repeat class and field names, not meaning."""
_DESCRIPTIONS = frozenset({"description"})


_SHAPE_KEYWORDS = frozenset({"type", "anyOf", "oneOf", "allOf", "enum", "const", "properties", "items", "not", "$ref"})
ANY_JSON_TYPES = ["object", "array", "string", "number", "boolean", "null"]
""""Any JSON value", spelled as one ``type`` list: a schema with no keyword at all reads as a mistake to schema
checkers, and the list is a third of the size of an ``anyOf`` of single-type branches."""

NON_BLANK_PATTERN = r"\S"
"""``schemas.fields.NonBlankStr``'s pattern; published alone (its ``minLength: 1`` says nothing more)."""

_NOISE_KEYS = frozenset({"examples"})
"""Keywords that only repeat what the description's "e.g." already says."""


def _lean(node: Any) -> Any:
    """The lean spelling of a resolved schema, applied bottom-up.

    - ``"default": null`` goes (absent already means "not given"), and so does ``additionalProperties: true``
      (the default of JSON Schema; ``false`` stays: it tells a schema-driven caller that no other key is taken);
    - a union of plain types (``anyOf [{"type": T}, …]``, the any-JSON union, ``T | None``) becomes one ``type``
      list, and a ``T | None`` branch with constraints keeps them: ``{"type": [T, "null"], …}``;
    - a property with no shape keyword (pydantic's ``Any``) becomes any JSON.
    """
    if isinstance(node, list):
        return [_lean(item) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    obj: JsonObject = {}
    for key, value in cast(JsonObject, node).items():
        if key in _NOISE_KEYS or (key == "default" and value is None):
            continue
        if key == "additionalProperties" and value is True:
            continue
        if key == "properties" and isinstance(value, dict):
            obj[key] = {name: _lean(_as_declared(prop)) for name, prop in cast(JsonObject, value).items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            declared = _lean(_as_declared(value))
            if declared != {"type": ANY_JSON_TYPES}:  # items of any JSON: the same as no ``items`` at all
                obj[key] = declared
        else:
            obj[key] = _lean(value)
    if obj.get("pattern") == NON_BLANK_PATTERN and obj.get("minLength") == 1:
        del obj["minLength"]  # implied: a string with a non-whitespace character is not empty
    variants = obj.get("anyOf")
    if isinstance(variants, list):
        return _merge_union(obj, [cast(JsonObject, v) for v in cast(list[Any], variants)])
    return obj


def _as_declared(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    obj = cast(JsonObject, schema)
    return obj if _SHAPE_KEYWORDS & obj.keys() else {**obj, "type": list(ANY_JSON_TYPES)}


def type_list(schema: JsonObject) -> list[str]:
    """A schema's ``type`` as a list (empty when it has none)."""
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) else [str(k) for k in cast(list[Any], kind or [])]


def _merge_union(outer: JsonObject, variants: list[JsonObject]) -> JsonObject:
    rest = {k: v for k, v in outer.items() if k != "anyOf"}
    if all(set(v) <= {"type"} and "type" in v for v in variants):
        merged = [kind for v in variants for kind in type_list(v)]
        return {**rest, "type": merged[0] if len(merged) == 1 else merged}
    not_null = [v for v in variants if v.get("type") != "null"]
    if len(not_null) == 1 and len(variants) == 2 and "anyOf" not in not_null[0] and "type" in not_null[0]:
        branch = dict(not_null[0])
        branch["type"] = [*type_list(branch), "null"]
        if "enum" in branch:
            branch["enum"] = [*cast(list[Any], branch["enum"]), None]
        return {**branch, **rest}
    return outer


_ANNOTATIONS = frozenset({"description", "default", "title", "examples"})


def spread_types(node: Any) -> Any:
    """Spell every ``type`` list as ``anyOf`` single-type branches, the constraints on the non-null one.

    The Inspector's strict check (and clients that map schemas onto a single-``type`` dialect) flag type
    lists, so this is the published spelling; the profiles work on the compact form (``compact_types``).
    """
    if isinstance(node, list):
        return [spread_types(item) for item in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    obj = {
        key: (
            {name: spread_types(prop) for name, prop in cast(JsonObject, value).items()}
            if key == "properties"
            else spread_types(value)
        )
        for key, value in cast(JsonObject, node).items()
    }
    kinds = type_list(obj)
    if len(kinds) < 2:
        return obj
    outer = {key: value for key, value in obj.items() if key in _ANNOTATIONS}
    constraints = {key: value for key, value in obj.items() if key not in _ANNOTATIONS and key != "type"}
    if "enum" in constraints:
        constraints["enum"] = [value for value in cast(list[Any], constraints["enum"]) if value is not None]
    branches: list[JsonObject] = []
    for kind in kinds:
        first_typed = kind != "null" and not any(branch.get("type") != "null" for branch in branches)
        branches.append({"type": kind, **constraints} if first_typed else {"type": kind})
    return {**outer, "anyOf": branches}


def compact_types(schema: JsonObject) -> JsonObject:
    """The compact spelling (type lists) of a published schema, what the profiles adapt."""
    return cast(JsonObject, _lean(schema))


def publish_schema(model: type[BaseModel], *, field_descriptions: bool = True) -> JsonObject:
    """The model's JSON schema, self-contained (no ``$ref``), lean: without generated titles, null defaults,
    examples or the model's own docstring (the tool description says it).

    ``field_descriptions=False`` (output schemas) keeps the types and only the root description: structured
    clients validate and parse with the shape, while models read results, not output schemas, so the per-field
    prose (a third of ``tools/list``) stays in the pydantic models and the docs.
    """
    raw = model.model_json_schema()
    defs = cast(JsonObject, raw.get("$defs", {}))
    schema = cast(JsonObject, _lean(_drop_text(_resolve(raw, defs, 0), _TITLES)))
    description = schema.pop("description", None)
    if not field_descriptions:
        schema = cast(JsonObject, _drop_text(schema, _DESCRIPTIONS))
        if description:
            schema["description"] = description
    schema = cast(JsonObject, spread_types(schema))
    schema["type"] = "object"
    return schema


def contains_ref(node: Any) -> bool:
    if isinstance(node, dict):
        obj = cast(JsonObject, node)
        return "$ref" in obj or "$defs" in obj or any(contains_ref(v) for v in obj.values())
    if isinstance(node, list):
        return any(contains_ref(v) for v in cast(list[Any], node))
    return False
