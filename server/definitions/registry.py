"""Turns the operation catalog into published MCP tool definitions.

Start-up loads the precomputed definitions (``server/definitions/manifest.py``); each tool's catalog ``Operation`` (and
with it the pydantic models) is looked up only when the tool is first called. The set of tools is a function of
the definitions and a ``ToolFilter`` (toolsets, read-only mode, tool names), so a deployment — or later a single
request — can expose a subset without touching the catalog.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import mcp_types as types

from ...tools.operation import Operation
from .manifest import load_manifest
from .schema_export import publish_schema, type_list
from .schema_profiles import SchemaProfile, adapt_input_schema


@dataclass(frozen=True, slots=True)
class ToolFilter:
    """Which tools are published. Every rule only narrows: a tool must pass all of them."""

    read_only: bool = False
    toolsets: frozenset[str] | None = None
    tools: frozenset[str] | None = None
    """Allow-list of tool names; ``None`` allows every name."""
    exclude_tools: frozenset[str] = frozenset()

    def allows(self, area: str, read_only: bool, *, name: str) -> bool:
        if self.read_only and not read_only:
            return False
        if name in self.exclude_tools or (self.tools is not None and name not in self.tools):
            return False
        return self.toolsets is None or area in self.toolsets


@dataclass(frozen=True)
class ToolEntry:
    tool: types.Tool
    area: str
    nullable_fields: frozenset[str] = field(default_factory=frozenset[str])
    """Arguments for which an explicit null is meaningful to PostHog (all other nulls mean "not given")."""

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.tool.input_schema

    @cached_property
    def operation(self) -> Operation:
        from ...tools.catalog import OPERATIONS_BY_NAME  # the pydantic models load on the first call, not at start-up

        return OPERATIONS_BY_NAME[self.tool.name]


def _nullable_fields(schema: Mapping[str, Any]) -> frozenset[str]:
    nullable: set[str] = set()
    for name, prop in cast(Mapping[str, Any], schema.get("properties", {})).items():
        prop = cast(Mapping[str, Any], prop)
        variants = cast(list[Any], prop.get("anyOf", []))
        if "null" in type_list(dict(prop)) or any(cast(Mapping[str, Any], v).get("type") == "null" for v in variants):
            nullable.add(name)
    return frozenset(nullable)


def scope_line(operation: Operation) -> str:
    """The one sentence about the required scope, generated from ``scopes`` (descriptions never repeat it).

    Short on purpose: it is paid on every turn for every tool; what a scope is, is said once in the server
    instructions."""
    if operation.internal:
        return "Scope: INTERNAL (only an all-access `*` key)."
    if not operation.scopes:
        return "Scope: none documented."
    return "Scope: " + ", ".join(operation.scopes) + "."


def build_tool(operation: Operation) -> ToolEntry:
    """Generate one tool's published definition from its catalog entry (the source of the manifest).

    Published as for a server with a default project; ``_require_project`` adapts it for one without.
    """
    input_schema = publish_schema(operation.input_model)
    description = f"{operation.description.strip()}\n{scope_line(operation)}"
    tool = types.Tool(
        name=operation.name,
        title=operation.title,
        description=description,
        input_schema=input_schema,
        output_schema=(
            publish_schema(operation.output_model, field_descriptions=False) if operation.output_model else None
        ),
        annotations=types.ToolAnnotations(  # no annotations.title: Tool.title says it once (both eras have it)
            read_only_hint=operation.read_only,
            destructive_hint=operation.destructive,
            idempotent_hint=operation.idempotent,
            open_world_hint=operation.open_world,
        ),
    )
    return ToolEntry(tool=tool, area=operation.area, nullable_fields=_nullable_fields(input_schema))


def _require_project(schema: dict[str, Any]) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    required = cast(list[str], schema.setdefault("required", []))
    if "project_id" in schema.get("properties", {}) and "project_id" not in required:
        required.insert(0, "project_id")
    return schema


def _entry_from_manifest(item: Mapping[str, Any], *, default_project: bool) -> ToolEntry:
    tool = types.Tool.model_validate(item["tool"])
    if not default_project:
        tool = tool.model_copy(update={"input_schema": _require_project(tool.input_schema)})
    return ToolEntry(tool=tool, area=str(item["area"]), nullable_fields=_nullable_fields(tool.input_schema))


def adapt_entry(entry: ToolEntry, profile: SchemaProfile) -> ToolEntry:
    """The entry as ``profile`` publishes it. In the openai profile every optional argument is nullable and the
    model sends null for each one it leaves out, so there null on an optional argument means "not given" (never
    "clear"); only a required argument's null keeps its meaning (``conversations_create``'s ``content``)."""
    if profile is SchemaProfile.LEAN:
        return entry
    tool = entry.tool.model_copy(update={"input_schema": adapt_input_schema(entry.input_schema, profile)})
    nullable = entry.nullable_fields
    if profile is SchemaProfile.OPENAI:
        nullable &= frozenset(cast(list[str], entry.input_schema.get("required", [])))
    return ToolEntry(tool=tool, area=entry.area, nullable_fields=nullable)


def known_areas() -> frozenset[str]:
    return frozenset(str(item["area"]) for item in load_manifest())


def known_tool_names() -> frozenset[str]:
    return frozenset(str(item["tool"]["name"]) for item in load_manifest())


class ToolRegistry:
    """The published tools, by name, in catalog order (stable across runs, so clients' prompt caches hold)."""

    def __init__(self, *, default_project: bool, tool_filter: ToolFilter | None = None) -> None:
        chosen = tool_filter or ToolFilter()
        self._entries = {
            str(item["tool"]["name"]): _entry_from_manifest(item, default_project=default_project)
            for item in load_manifest()
            if chosen.allows(str(item["area"]), bool(item["read_only"]), name=str(item["tool"]["name"]))
        }
        self._profiles: dict[SchemaProfile, dict[str, ToolEntry]] = {SchemaProfile.LEAN: self._entries}
        self._tools = [entry.tool for entry in self._entries.values()]

    @property
    def tools(self) -> list[types.Tool]:
        return self._tools

    def _profile(self, profile: SchemaProfile) -> dict[str, ToolEntry]:
        """Derived on first use and kept: start-up only loads the (lean) manifest."""
        if profile not in self._profiles:
            self._profiles[profile] = {name: adapt_entry(e, profile) for name, e in self._entries.items()}
        return self._profiles[profile]

    def tools_for(self, profile: SchemaProfile) -> list[types.Tool]:
        return [entry.tool for entry in self._profile(profile).values()]

    def get(self, name: str, profile: SchemaProfile = SchemaProfile.LEAN) -> ToolEntry | None:
        return self._profile(profile).get(name)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ToolEntry]:
        return iter(self._entries.values())
