"""Which schema profile a client gets, and what a call means in it, through the real server and MCP client."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, cast, get_args

import mcp_types as types
import pytest
from mcp import Client
from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS
from posthog_environments_mcp.server.config import ConfigError, Settings, build_settings, from_environment
from posthog_environments_mcp.server.definitions.registry import ToolEntry, ToolRegistry
from posthog_environments_mcp.server.definitions.schema_profiles import (
    JSON_TEXT_HINT,
    SchemaProfile,
    profile_for_client,
)
from posthog_environments_mcp.server.handlers.app import create_server
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.conftest import run_server
from tests.e2e.clients import stdio_session
from tests.reliability.support import fast_settings

MODES = ["auto", "legacy"]
RECORDING = RECORDING_IDS["pricing_review"]


def _client(settings: Settings, mode: str, client_name: str | None) -> Client:
    info = types.Implementation(name=client_name, version="1.0") if client_name else None
    return Client(create_server(settings), mode=mode, client_info=info, read_timeout_seconds=30)  # type: ignore[arg-type]


async def _schemas(settings: Settings, mode: str, client_name: str | None) -> dict[str, dict[str, Any]]:
    async with _client(settings, mode, client_name) as client:
        return {tool.name: tool.input_schema for tool in (await client.list_tools()).tools}


def _profile_of(schema: dict[str, Any]) -> SchemaProfile:
    if "additionalProperties" not in schema:
        return SchemaProfile.GEMINI
    optional = [prop for name, prop in schema["properties"].items() if name not in schema.get("required", [])]
    nullable_type_lists = all(isinstance(prop.get("type"), list) and "null" in prop["type"] for prop in optional)
    return SchemaProfile.OPENAI if optional and nullable_type_lists else SchemaProfile.LEAN


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("client_name", "expected"),
    [
        ("gemini-cli-mcp-client", SchemaProfile.GEMINI),
        ("codex-mcp-client", SchemaProfile.OPENAI),
        ("openai-mcp", SchemaProfile.OPENAI),
        ("claude-ai", SchemaProfile.LEAN),
        (None, SchemaProfile.LEAN),
    ],
)
async def test_the_profile_follows_client_info_in_both_eras(
    mode: str, client_name: str | None, expected: SchemaProfile
) -> None:
    schemas = await _schemas(Settings(project_id="1"), mode, client_name)
    assert len(schemas) == len(CATALOG)
    assert {_profile_of(schema) for schema in schemas.values()} == {expected}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_the_setting_overrides_client_info(mode: str) -> None:
    schemas = await _schemas(Settings(project_id="1", schema_profile="openai"), mode, "gemini-cli-mcp-client")
    assert {_profile_of(schema) for schema in schemas.values()} == {SchemaProfile.OPENAI}


def test_the_environment_variable_is_checked() -> None:
    settings = build_settings(from_environment({"POSTHOG_MCP_SCHEMA_PROFILE": "Gemini"}), frozenset())
    assert settings.schema_profile == "gemini"
    with pytest.raises(ConfigError, match=r"POSTHOG_MCP_SCHEMA_PROFILE.*lean, gemini, openai"):
        build_settings(from_environment({"POSTHOG_MCP_SCHEMA_PROFILE": "claude"}), frozenset())
    assert profile_for_client("Gemini CLI", SchemaProfile.LEAN) is SchemaProfile.LEAN


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_openai_nulls_mean_not_given_and_free_form_json_arrives_as_text(
    sandbox: SandboxServer, mode: str
) -> None:
    """Strict mode makes the model send every parameter: the nulls must not clear fields, and JSON text for a
    free-form object must reach PostHog as the object."""
    async with _client(fast_settings(sandbox), mode, "codex-mcp-client") as client:
        schema = next(t for t in (await client.list_tools()).tools if t.name == "desktop_recordings_update")
        arguments: dict[str, Any] = dict.fromkeys(schema.input_schema["properties"])
        arguments |= {"id": RECORDING, "summary": "Pricing agreed."}
        updated = await client.call_tool("desktop_recordings_update", arguments)
        asked = await client.call_tool(
            "conversations_create",
            {"content": "How many signups?", "ui_context": json.dumps({"dashboards": [{"id": 12}]})},
        )
    assert not updated.is_error, updated.content
    assert not asked.is_error, asked.content
    patch, create = (r for r in sandbox.state.requests if r.method in ("PATCH", "POST"))
    assert patch.json == {"summary": "Pricing agreed."}
    assert create.json["ui_context"] == {"dashboards": [{"id": 12}]}


@pytest.mark.anyio
async def test_in_the_lean_profile_null_still_clears(sandbox: SandboxServer) -> None:
    async with _client(fast_settings(sandbox), "auto", None) as client:
        result = await client.call_tool("desktop_recordings_update", {"id": RECORDING, "notes": None})
    assert not result.is_error, result.content
    assert sandbox.state.requests[-1].json == {"notes": None}


@pytest.mark.anyio
async def test_json_text_that_is_not_an_object_is_refused_with_what_is_expected(sandbox: SandboxServer) -> None:
    async with _client(fast_settings(sandbox), "auto", "codex-mcp-client") as client:
        result = await client.call_tool("conversations_create", {"content": "hi", "ui_context": "{not json"})
    assert result.is_error
    text = result.content[0].text if isinstance(result.content[0], types.TextContent) else ""
    assert "ui_context" in text
    assert "nothing was sent" in text.lower()
    assert sandbox.state.requests == []


@pytest.mark.anyio
async def test_openai_keeps_the_meaning_of_a_required_null(sandbox: SandboxServer) -> None:
    """``content`` must be sent either way; its null (resume) is meaningful and reaches PostHog."""
    async with _client(fast_settings(sandbox), "auto", "codex-mcp-client") as client:
        schema = next(t for t in (await client.list_tools()).tools if t.name == "conversations_create")
        arguments: dict[str, Any] = dict.fromkeys(schema.input_schema["properties"])
        arguments |= {"conversation": CONVERSATION_IDS["daily_signups"], "deep_research_mode": False}
        await client.call_tool("conversations_create", arguments)
    sent = [r.json for r in sandbox.state.requests if r.method == "POST"]
    assert sent
    assert {name for name, value in sent[0].items() if value is None} == {"content"}
    assert sent[0]["conversation"] == CONVERSATION_IDS["daily_signups"]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_the_installed_command_reads_the_profile_from_the_environment(
    sandbox: SandboxServer, mode: str, tmp_path: Path
) -> None:
    async with stdio_session(sandbox, mode, tmp_path / "stderr.log", POSTHOG_MCP_SCHEMA_PROFILE="openai") as client:
        schemas = [tool.input_schema for tool in (await client.list_tools()).tools]
    assert len(schemas) == len(CATALOG)
    assert {_profile_of(schema) for schema in schemas} == {SchemaProfile.OPENAI}


def test_the_installed_command_refuses_an_unknown_profile() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    completed = run_server("tools", env={**env, "POSTHOG_MCP_SCHEMA_PROFILE": "claude"}, timeout=120)
    assert completed.returncode == 2
    assert "POSTHOG_MCP_SCHEMA_PROFILE" in completed.stderr
    assert "lean, gemini, openai" in completed.stderr


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("profile_client", "tool", "arguments", "field", "keyword", "expected"),
    [
        (None, "desktop_recordings_get", {"id": "abc"}, "id", "pattern", "must be a UUID such as"),
        (None, "endpoints_list", {"project_id": "my-project"}, "project_id", "pattern", "ASCII digits"),
        (
            "codex-mcp-client",
            "desktop_recordings_update",
            {"id": RECORDING, "meeting_title": "x" * 256},
            "meeting_title",
            "maxLength",
            "at most 255 characters",
        ),
    ],
)
async def test_rules_the_schema_no_longer_spells_out_are_enforced_with_what_is_expected(
    sandbox: SandboxServer,
    profile_client: str | None,
    tool: str,
    arguments: dict[str, Any],
    field: str,
    keyword: str,
    expected: str,
) -> None:
    async with _client(fast_settings(sandbox), "auto", profile_client) as client:
        published = next(t for t in (await client.list_tools()).tools if t.name == tool)
        result = await client.call_tool(tool, arguments)
    assert keyword not in json.dumps(published.input_schema["properties"][field])
    assert result.is_error
    text = result.content[0].text if isinstance(result.content[0], types.TextContent) else ""
    assert f"`{field}`" in text
    assert expected in text, text
    assert sandbox.state.requests == []


def _field(model: type[BaseModel], path: list[str]) -> FieldInfo:
    field = model.model_fields[path[0]]
    if len(path) == 1:
        return field
    nested = next(arg for arg in (field.annotation, *get_args(field.annotation)) if isinstance(arg, type))
    return _field(cast(type[BaseModel], nested), path[1:])


def _json_text_fields(schema: dict[str, Any], path: list[str]) -> list[list[str]]:
    found: list[list[str]] = []
    for name, prop in schema.get("properties", {}).items():
        if str(prop.get("description", "")).endswith(JSON_TEXT_HINT):
            found.append([*path, name])
        found.extend(_json_text_fields(prop, [*path, name]))
    return found


@pytest.mark.parametrize("profile", [SchemaProfile.GEMINI, SchemaProfile.OPENAI])
def test_every_field_published_as_json_text_is_decoded_by_its_model(profile: SchemaProfile) -> None:
    registry = ToolRegistry(default_project=True)
    checked = 0
    for tool in registry.tools_for(profile):
        model = cast(ToolEntry, registry.get(tool.name)).operation.input_model
        for path in _json_text_fields(tool.input_schema, []):
            field = _field(model, path)
            annotation = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            adapter = TypeAdapter[Any](annotation)
            assert adapter.validate_python('{"kind": "HogQLQuery"}') == {"kind": "HogQLQuery"}, (tool.name, path)
            checked += 1
    assert checked >= 12
