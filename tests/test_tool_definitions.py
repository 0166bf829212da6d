"""What tools/list publishes, through a real in-process MCP client: complete, self-contained, annotated, and
pinned by a committed snapshot so any change to a tool's definition is a reviewed change."""

from __future__ import annotations

import json
import re
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from posthog_environments_mcp.server.app import create_server
from posthog_environments_mcp.server.commands import tool_table_markdown
from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.manifest import MANIFEST_PATH, generate_manifest, load_manifest, render
from posthog_environments_mcp.server.schema_export import contains_ref
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.conftest import REPO
from tests.snapshot import assert_matches_snapshot


async def list_tools(settings: Settings, mode: str = "auto") -> list[types.Tool]:
    async with Client(create_server(settings), mode=mode) as client:  # type: ignore[arg-type]
        return (await client.list_tools()).tools


@pytest.fixture
async def tools() -> list[types.Tool]:
    return await list_tools(Settings(project_id="1"))


def dump(tool: types.Tool) -> dict[str, Any]:
    return tool.model_dump(mode="json", by_alias=True, exclude_none=True)


@pytest.mark.anyio
async def test_published_definitions_match_the_snapshot(tools: list[types.Tool]) -> None:
    assert_matches_snapshot("tools.json", [dump(tool) for tool in tools])


@pytest.mark.anyio
async def test_every_tool_has_all_four_annotations(tools: list[types.Tool]) -> None:
    assert len(tools) == 32
    for tool in tools:
        annotations = tool.annotations
        assert annotations is not None, tool.name
        values = [
            annotations.read_only_hint,
            annotations.destructive_hint,
            annotations.idempotent_hint,
            annotations.open_world_hint,
        ]
        assert all(isinstance(v, bool) for v in values), tool.name


@pytest.mark.anyio
async def test_annotations_follow_the_http_method(tools: list[types.Tool]) -> None:
    by_name = {tool.name: tool for tool in tools}
    for op in CATALOG:
        annotations = by_name[op.name].annotations
        assert annotations is not None
        if op.method == "GET":
            assert annotations.read_only_hint is True, op.name
        if op.method == "DELETE":
            assert annotations.destructive_hint is True, op.name
        if annotations.read_only_hint:
            assert annotations.destructive_hint is False, op.name


@pytest.mark.anyio
async def test_no_published_schema_contains_a_ref(tools: list[types.Tool]) -> None:
    for tool in tools:
        assert not contains_ref(tool.input_schema), tool.name
        assert not contains_ref(tool.output_schema), tool.name
        assert '"$ref"' not in json.dumps(dump(tool)), tool.name


@pytest.mark.anyio
async def test_every_property_is_typed_and_described(tools: list[types.Tool]) -> None:
    def walk(schema: dict[str, Any], where: str) -> None:
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{where}.{name} has no description"
            assert (
                "type" in prop
                or "anyOf" in prop
                or "enum" in prop
                or prop == {"description": prop["description"]}
                or "additionalProperties" in prop
            ), f"{where}.{name} has no type"
            if isinstance(prop.get("items"), dict):
                walk(prop["items"], f"{where}.{name}[]")
            walk(prop, f"{where}.{name}")

    for tool in tools:
        assert tool.input_schema["type"] == "object"
        walk(tool.input_schema, tool.name)


@pytest.mark.anyio
async def test_project_id_is_optional_only_with_a_default_project() -> None:
    with_default = await list_tools(Settings(project_id="1"))
    without = await list_tools(Settings(), mode="legacy")
    for tool in with_default:
        assert "project_id" in tool.input_schema["properties"]
        assert "project_id" not in tool.input_schema.get("required", []), tool.name
    for tool in without:
        assert "project_id" in tool.input_schema["required"], tool.name


@pytest.mark.anyio
async def test_documented_enums_and_defaults_are_published(tools: list[types.Tool]) -> None:
    by_name = {tool.name: tool.input_schema["properties"] for tool in tools}
    assert by_name["desktop_recordings_create"]["platform"]["enum"] == [
        "zoom",
        "teams",
        "meet",
        "desktop_audio",
        "slack",
    ]
    assert by_name["desktop_recordings_create"]["platform"]["default"] == "desktop_audio"
    assert by_name["endpoints_run_with_overrides"]["refresh"]["enum"] == ["blocking", "force_blocking"]
    assert by_name["endpoints_run_with_overrides"]["refresh"]["default"] == "blocking"
    assert "group_4" in by_name["customer_profile_configs_create"]["scope"]["enum"]
    assert "30day" in by_name["endpoints_create"]["sync_frequency"]["enum"]
    assert by_name["conversations_create"]["deep_research_mode"]["default"] is False
    assert by_name["desktop_recordings_get"]["id"]["format"] == "uuid"


@pytest.mark.anyio
async def test_internal_operations_say_so(tools: list[types.Tool]) -> None:
    internal = {op.name for op in CATALOG if op.internal}
    assert internal == {"batch_exports_test", "batch_exports_run_test_step", "batch_exports_run_test_step_new"}
    for tool in tools:
        if tool.name in internal:
            assert "INTERNAL" in (tool.description or "") or "internal" in (tool.description or "").lower()


def test_readme_tool_table_is_in_sync_with_the_catalog() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert tool_table_markdown() in readme, "README tool table is stale: paste `tool_table_markdown()` output"


def test_tool_names_are_snake_case_area_action() -> None:
    for op in CATALOG:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", op.name), op.name
        assert op.name.startswith(op.area), op.name


def test_the_shipped_manifest_is_what_the_catalog_generates() -> None:
    """server/tool_manifest.json is loaded at start-up instead of generating schemas; it must never go stale."""
    assert load_manifest() == generate_manifest(), (
        "run `python -m posthog_environments_mcp.server.manifest` and commit the result"
    )
    assert MANIFEST_PATH.read_text(encoding="utf-8") == render(generate_manifest())
