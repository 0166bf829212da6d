"""What tools/list publishes, through a real in-process MCP client: complete, self-contained and annotated. The
committed ``server/definitions/tool_manifest.json`` is the snapshot: it must be what the catalog generates, so any
change to a tool's definition shows up as a reviewed diff of that file."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client

from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.definitions.manifest import (
    MANIFEST_PATH,
    README_PATH,
    TABLE_END,
    TABLE_START,
    examples_markdown,
    generate_manifest,
    generated_files,
    load_manifest,
    main,
    render,
    tool_table_markdown,
)
from posthog_environments_mcp.server.definitions.registry import scope_line
from posthog_environments_mcp.server.definitions.schema_export import contains_ref
from posthog_environments_mcp.server.handlers.app import create_server
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.conftest import REPO


async def list_tools(settings: Settings, mode: str = "auto") -> list[types.Tool]:
    async with Client(create_server(settings), mode=mode) as client:  # type: ignore[arg-type]
        return (await client.list_tools()).tools


@pytest.fixture
async def tools() -> list[types.Tool]:
    return await list_tools(Settings(project_id="1"))


def dump(tool: types.Tool) -> dict[str, Any]:
    return tool.model_dump(mode="json", by_alias=True, exclude_none=True)


@pytest.mark.anyio
async def test_published_definitions_are_the_committed_manifest(tools: list[types.Tool]) -> None:
    assert [dump(tool) for tool in tools] == [item["tool"] for item in load_manifest()]


@pytest.mark.anyio
async def test_every_tool_has_all_four_annotations(tools: list[types.Tool]) -> None:
    assert [tool.name for tool in tools] == [op.name for op in CATALOG]
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
async def test_every_property_is_typed_and_no_description_is_empty(tools: list[types.Tool]) -> None:
    """A description may be left out where the name says it all (tests/tools/test_catalog.py), never published empty."""

    def walk(schema: dict[str, Any], where: str) -> None:
        for name, prop in schema.get("properties", {}).items():
            assert prop.get("description", None) != "", f"{where}.{name} has an empty description"
            assert "type" in prop or "anyOf" in prop or "enum" in prop or "additionalProperties" in prop, (
                f"{where}.{name} has no type"
            )
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
async def test_each_description_ends_with_the_one_generated_scope_line(tools: list[types.Tool]) -> None:
    by_name = {tool.name: tool.description or "" for tool in tools}
    for op in CATALOG:
        description = by_name[op.name]
        assert description.endswith("\n" + scope_line(op)), op.name
        assert description.lower().count("scope:") == 1, op.name
        if op.internal:
            assert "INTERNAL" in description, op.name
            assert "`*`" in description, op.name
        else:
            assert all(scope in description for scope in op.scopes), op.name


def test_readme_tool_table_is_generated_between_its_markers() -> None:
    readme = README_PATH.read_text(encoding="utf-8")
    assert README_PATH == REPO / "README.md"
    assert f"{TABLE_START}\n{tool_table_markdown()}\n\n{examples_markdown()}\n{TABLE_END}" in readme
    for op in CATALOG:
        assert f"| `{op.name}` | {op.method} | `{op.path}` |" in readme, op.name
        assert f"posthog-environments-mcp --sandbox call {op.name} " in readme, op.name


def test_the_generator_check_passes_on_the_committed_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert capsys.readouterr().err == ""
    assert all(path.read_text(encoding="utf-8") == text for path, text in generated_files().items())


def test_the_generator_check_reports_a_stale_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--check`` fails on a stale file and leaves it alone; a plain run rewrites it."""
    from posthog_environments_mcp.server.definitions import manifest

    stale_readme = tmp_path / "README.md"
    stale_readme.write_text(f"intro\n{TABLE_START}\n| old table |\n{TABLE_END}\noutro\n", encoding="utf-8")
    monkeypatch.setattr(manifest, "README_PATH", stale_readme)
    assert main(["--check"]) == 1
    assert f"stale: {stale_readme}" in capsys.readouterr().err
    assert "| old table |" in stale_readme.read_text(encoding="utf-8")
    assert main([]) == 0
    assert stale_readme.read_text(encoding="utf-8") == (
        f"intro\n{TABLE_START}\n{tool_table_markdown()}\n\n{examples_markdown()}\n{TABLE_END}\noutro\n"
    )
    assert main(["--check"]) == 0


def test_tool_names_are_snake_case_area_action() -> None:
    for op in CATALOG:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)+", op.name), op.name
        assert op.name.startswith(op.area), op.name


def test_the_shipped_manifest_is_what_the_catalog_generates() -> None:
    """The manifest is loaded at start-up instead of generating schemas; it must never go stale."""
    assert load_manifest() == generate_manifest(), (
        "run `python -m posthog_environments_mcp.server.definitions.manifest` and commit the result"
    )
    assert MANIFEST_PATH.read_text(encoding="utf-8") == render(generate_manifest())
