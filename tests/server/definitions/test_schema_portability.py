"""The published tools, fed to the model providers' own converters (offline: no API is called).

- Google's ``google-genai`` MCP conversion must accept every tool of the gemini profile and keep every
  property's description and enum;
- ``openai-agents``' strict conversion must accept every tool of the openai profile in strict mode, without
  making an optional parameter required (each is nullable there) and without a free-form object;
- Anthropic's input-schema rules must hold for the lean default (what Claude clients get), through the
  ``anthropic`` SDK's own MCP tool conversion.
Both registries are checked: with a default project (``project_id`` optional) and without (required).
"""

from __future__ import annotations

import logging
import re
from typing import Any, cast

import jsonschema
import mcp.types as mcp_v1_types
import pytest
from agents.mcp import MCPServerStdio, MCPUtil
from anthropic.lib.tools.mcp import mcp_tool
from google.genai import _mcp_utils  # pyright: ignore[reportPrivateUsage]
from google.genai import types as genai

from posthog_environments_mcp.server.definitions.registry import ToolRegistry
from posthog_environments_mcp.server.definitions.schema_profiles import SchemaProfile
from posthog_environments_mcp.tools.catalog import CATALOG

Schema = dict[str, Any]
REGISTRIES = {
    "default-project": ToolRegistry(default_project=True),
    "no-default-project": ToolRegistry(default_project=False),
}
_ANTHROPIC_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@pytest.fixture(autouse=True)
def _quiet_converters() -> None:
    logging.getLogger("google_genai").setLevel(logging.ERROR)


def _as_sdk_tool(tool: Any) -> mcp_v1_types.Tool:
    """The tool as a client SDK receives it: parsed from the wire form."""
    return mcp_v1_types.Tool.model_validate(tool.model_dump(mode="json", by_alias=True, exclude_none=True))


def _properties(schema: Schema, path: str = "") -> list[tuple[str, Schema]]:
    """Every property at any depth, with a dotted path."""
    found: list[tuple[str, Schema]] = []
    for name, prop in cast(Schema, schema.get("properties", {})).items():
        prop = cast(Schema, prop)
        found.append((f"{path}{name}", prop))
        found.extend(_properties(prop, f"{path}{name}."))
        items = prop.get("items")
        if isinstance(items, dict):
            found.extend(_properties(cast(Schema, items), f"{path}{name}[]."))
    return found


def _gemini_property(parameters: genai.Schema, path: str) -> genai.Schema:
    node = parameters
    for part in path.split("."):
        if part.endswith("[]"):
            node = cast(genai.Schema, cast(dict[str, genai.Schema], node.properties)[part[:-2]].items)
        else:
            node = cast(dict[str, genai.Schema], node.properties)[part]
    return node


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_google_genai_converts_every_tool_keeping_descriptions_and_enums(registry: ToolRegistry) -> None:
    tools = registry.tools_for(SchemaProfile.GEMINI)
    assert len(tools) == len(CATALOG)
    for tool in tools:
        converted = _mcp_utils.mcp_to_gemini_tool(_as_sdk_tool(tool))
        declaration = cast(list[genai.FunctionDeclaration], converted.function_declarations)[0]
        parameters = cast(genai.Schema, declaration.parameters)
        assert declaration.description == tool.description
        for path, prop in _properties(tool.input_schema):
            kept = _gemini_property(parameters, path)
            assert kept.description == prop.get("description"), (tool.name, path)
            if "enum" in prop:
                assert kept.enum == [str(v) for v in prop["enum"] if v is not None], (tool.name, path)


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_the_lean_default_is_what_google_genai_cannot_take(registry: ToolRegistry) -> None:
    """Why the gemini profile exists: the converter crashes on ``additionalProperties: false``."""
    with pytest.raises(AttributeError):
        _mcp_utils.mcp_to_gemini_tool(_as_sdk_tool(registry.tools_for(SchemaProfile.LEAN)[0]))


def _allows_null(schema: Schema) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind)


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_openai_agents_converts_every_tool_to_strict_without_forcing_optional_values(registry: ToolRegistry) -> None:
    server = MCPServerStdio(params={"command": "true"})  # never started: conversion needs no connection
    lean = {tool.name: tool for tool in registry.tools_for(SchemaProfile.LEAN)}
    tools = registry.tools_for(SchemaProfile.OPENAI)
    assert len(tools) == len(CATALOG)
    for tool in tools:
        converted = MCPUtil.to_function_tool(_as_sdk_tool(tool), server, convert_schemas_to_strict=True)
        assert converted.strict_json_schema, f"{tool.name} fell back to non-strict"
        schema = converted.params_json_schema
        assert set(schema["required"]) == set(schema["properties"]), tool.name  # the converter requires them all
        published_required = set(cast(list[str], lean[tool.name].input_schema.get("required", [])))
        for name, prop in cast(Schema, schema["properties"]).items():
            if name not in published_required:
                assert _allows_null(cast(Schema, prop)), f"{tool.name}.{name} became required"
        for path, prop in _properties(schema):
            assert not (prop.get("type") == "object" and not prop.get("properties")), (tool.name, path)


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_the_lean_default_needs_the_openai_profile_for_strict_mode(registry: ToolRegistry) -> None:
    server = MCPServerStdio(params={"command": "true"})
    endpoints_create = next(tool for tool in registry.tools_for(SchemaProfile.LEAN) if tool.name == "endpoints_create")
    converted = MCPUtil.to_function_tool(_as_sdk_tool(endpoints_create), server, convert_schemas_to_strict=True)
    assert not converted.strict_json_schema  # a free-form `query` object cannot be strict


@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_anthropic_input_schema_rules_hold_for_the_lean_default(registry: ToolRegistry) -> None:
    tools = registry.tools_for(SchemaProfile.LEAN)
    assert len(tools) == len(CATALOG)
    for tool in tools:
        definition = cast(dict[str, Any], mcp_tool(_as_sdk_tool(tool), cast(Any, None)).to_dict())
        assert _ANTHROPIC_NAME.fullmatch(definition["name"]), tool.name
        schema = cast(Schema, definition["input_schema"])
        assert schema == tool.input_schema
        assert schema["type"] == "object"
        assert not {"anyOf", "oneOf", "allOf", "$ref", "$defs"} & schema.keys(), tool.name
        assert all(_ANTHROPIC_NAME.fullmatch(name) for name in schema["properties"]), tool.name
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("profile", list(SchemaProfile))
@pytest.mark.parametrize("registry", REGISTRIES.values(), ids=REGISTRIES.keys())
def test_every_profile_is_valid_json_schema_keeping_the_lean_descriptions(
    registry: ToolRegistry, profile: SchemaProfile
) -> None:
    """Every description the lean default publishes is in every profile too (a profile may append to it)."""
    lean = {tool.name: dict(_properties(tool.input_schema)) for tool in registry.tools_for(SchemaProfile.LEAN)}
    for tool in registry.tools_for(profile):
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        adapted = dict(_properties(tool.input_schema))
        for path, prop in lean[tool.name].items():
            if "description" in prop:
                assert str(adapted[path].get("description", "")).startswith(prop["description"]), (tool.name, path)
