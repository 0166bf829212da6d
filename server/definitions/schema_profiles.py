"""Schema profiles: the published input schemas adapted to what one model API accepts.

The lean default (``schema_export.py``) suits MCP clients and Anthropic's API as is. Two APIs need a different
spelling of the same contract, and no single schema satisfies all three:

- **gemini** (Google's ``google-genai`` MCP conversion, Gemini CLI): no ``additionalProperties`` (the converter
  crashes on a boolean there), formats other than ``date-time`` dropped (Gemini rejects e.g. ``uuid``/``uri``, and
  one bad tool fails every request), no ``null`` in enums, nullable values as ``[T, "null"]`` (kept with their
  description, unlike ``anyOf``), and free-form JSON as JSON text (Gemini wants ``properties`` on every object,
  and the converter splits multi-type lists, losing the description).
- **openai** (OpenAI strict function calling, as ``openai-agents`` converts MCP tools): strict mode makes every
  property required (the converter adds them to ``required`` itself; published, ``required`` still names only the
  truly required ones, for non-strict clients such as Codex and to save every turn's bytes), so each optional one
  becomes nullable (null = "not given": in this profile an optional null never clears a field;
  ``registry.adapt_entry``), every object closed, free-form JSON sent as JSON text (strict mode cannot say
  "any object"; the pydantic models decode it), and ``minLength``/``maxLength`` left to the server (strict mode
  rejects them).

Which profile a session gets is chosen from the client's ``clientInfo.name`` (``profile_for_client``), or forced
with ``POSTHOG_MCP_SCHEMA_PROFILE``. Adaptations are pure functions of the lean schema, derived once per
registry and profile and cached, so start-up still only loads the manifest.
"""

from __future__ import annotations

import copy
from enum import StrEnum
from typing import Any, cast

from .schema_export import compact_types, type_list

JsonObject = dict[str, Any]


class SchemaProfile(StrEnum):
    LEAN = "lean"
    GEMINI = "gemini"
    OPENAI = "openai"


CLIENT_PROFILES: tuple[tuple[str, SchemaProfile], ...] = (
    ("gemini", SchemaProfile.GEMINI),
    ("google", SchemaProfile.GEMINI),
    ("openai", SchemaProfile.OPENAI),
    ("codex", SchemaProfile.OPENAI),
    ("chatgpt", SchemaProfile.OPENAI),
)
"""Substring of ``clientInfo.name`` (case-insensitive) → profile; the first match wins, no match is lean."""

JSON_TEXT_HINT = "JSON text."


def profile_for_client(client_name: str | None, override: SchemaProfile | None = None) -> SchemaProfile:
    if override is not None:
        return override
    name = (client_name or "").lower()
    return next((profile for needle, profile in CLIENT_PROFILES if needle in name), SchemaProfile.LEAN)


def parse_profile(raw: str) -> SchemaProfile:
    """``ValueError`` naming the valid profiles for anything else."""
    try:
        return SchemaProfile(raw.strip().lower())
    except ValueError:
        valid = ", ".join(profile.value for profile in SchemaProfile)
        raise ValueError(f"unknown schema profile {raw!r}; choose one of {valid}") from None


def adapt_input_schema(schema: JsonObject, profile: SchemaProfile) -> JsonObject:
    if profile is SchemaProfile.GEMINI:
        return _gemini(compact_types(copy.deepcopy(schema)))
    if profile is SchemaProfile.OPENAI:
        return _openai_object(compact_types(copy.deepcopy(schema)))
    return schema


def _gemini(obj: JsonObject) -> JsonObject:
    """Adapt one (copied) schema node in place, then its subschemas."""
    obj.pop("additionalProperties", None)
    if obj.get("format") not in (None, "date-time"):
        del obj["format"]
    if isinstance(obj.get("enum"), list):
        obj["enum"] = [value for value in cast(list[Any], obj["enum"]) if value is not None]
    if _is_free_form(obj):
        _to_json_text(obj)  # Gemini wants properties on an object, and its converter splits type lists
    children = [*cast(JsonObject, obj.get("properties", {})).values(), *cast(list[Any], obj.get("anyOf", []))]
    if isinstance(obj.get("items"), dict):
        children.append(obj["items"])
    for child in children:
        _gemini(cast(JsonObject, child))
    return obj


def _is_free_form(schema: JsonObject) -> bool:
    kinds = [kind for kind in type_list(schema) if kind != "null"]
    return len(kinds) > 1 or (kinds == ["object"] and not schema.get("properties"))


def _to_json_text(schema: JsonObject) -> None:
    """A free-form value as JSON text (in place): neither API can say "any object"; the models decode it."""
    schema["type"] = ["string", "null"] if "null" in type_list(schema) else "string"
    schema["description"] = " ".join(filter(None, [schema.get("description"), JSON_TEXT_HINT]))


def _openai(schema: JsonObject, *, optional: bool) -> JsonObject:
    for key in ("minLength", "maxLength"):
        schema.pop(key, None)
    if _is_free_form(schema):
        _to_json_text(schema)
    elif "properties" in schema:
        schema = _openai_object(schema)
    elif isinstance(schema.get("items"), dict):
        schema["items"] = _openai(cast(JsonObject, schema["items"]), optional=False)
    if optional:
        schema = _nullable(schema)
    return schema


def _openai_object(schema: JsonObject) -> JsonObject:
    properties = cast(JsonObject, schema.get("properties", {}))
    required = set(cast(list[str], schema.get("required", [])))
    schema["properties"] = {
        name: _openai(cast(JsonObject, prop), optional=name not in required) for name, prop in properties.items()
    }
    kept = [name for name in properties if name in required]  # the converter requires the rest itself
    if kept:
        schema["required"] = kept
    else:
        schema.pop("required", None)
    schema["additionalProperties"] = False
    return schema


def _nullable(schema: JsonObject) -> JsonObject:
    kinds = type_list(schema)
    if "null" in kinds:
        return schema
    if isinstance(schema.get("enum"), list):
        schema["enum"] = [*cast(list[Any], schema["enum"]), None]
    schema["type"] = [*kinds, "null"]
    return schema
