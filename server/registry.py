"""Turns the operation catalog into published MCP tool definitions, once, at start-up.

The set of tools is a function of the catalog and a ``ToolFilter`` (toolsets, read-only mode), so a
deployment — or later a single request — can expose a subset without touching the catalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import mcp_types as types

from server.schema_export import publish_input_schema, publish_schema
from tools.operation import Operation


@dataclass(frozen=True, slots=True)
class ToolFilter:
    read_only: bool = False
    toolsets: frozenset[str] | None = None

    def allows(self, operation: Operation) -> bool:
        if self.read_only and not operation.read_only:
            return False
        return self.toolsets is None or operation.area in self.toolsets


@dataclass(frozen=True, slots=True)
class ToolEntry:
    operation: Operation
    tool: types.Tool
    nullable_fields: frozenset[str]
    """Arguments for which an explicit null is meaningful to PostHog (all other nulls mean "not given")."""

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.tool.input_schema


def _nullable_fields(schema: Mapping[str, Any]) -> frozenset[str]:
    nullable: set[str] = set()
    for name, prop in cast(Mapping[str, Any], schema.get("properties", {})).items():
        prop = cast(Mapping[str, Any], prop)
        variants = cast(list[Any], prop.get("anyOf", []))
        if prop.get("type") == "null" or any(cast(Mapping[str, Any], v).get("type") == "null" for v in variants):
            nullable.add(name)
    return frozenset(nullable)


def _scope_line(operation: Operation) -> str:
    if operation.internal:
        return "Required API key scope: INTERNAL (PostHog refuses scoped personal API keys; needs an all-access key)."
    if not operation.scopes:
        return "Required API key scope: none documented."
    return "Required API key scope: " + ", ".join(operation.scopes) + "."


def build_tool(operation: Operation, *, default_project: bool) -> ToolEntry:
    input_schema = publish_input_schema(operation.input_model, default_project=default_project)
    description = operation.description.strip()
    if "scope" not in description.lower():
        description = f"{description}\n{_scope_line(operation)}"
    tool = types.Tool(
        name=operation.name,
        title=operation.title,
        description=description,
        input_schema=input_schema,
        output_schema=publish_schema(operation.output_model) if operation.output_model is not None else None,
        annotations=types.ToolAnnotations(
            title=operation.title,
            read_only_hint=operation.read_only,
            destructive_hint=operation.destructive,
            idempotent_hint=operation.idempotent,
            open_world_hint=operation.open_world,
        ),
    )
    return ToolEntry(operation=operation, tool=tool, nullable_fields=_nullable_fields(input_schema))


class ToolRegistry:
    """The published tools, by name."""

    def __init__(
        self, catalog: Iterable[Operation], *, default_project: bool, tool_filter: ToolFilter | None = None
    ) -> None:
        chosen = tool_filter or ToolFilter()
        self._entries = {
            op.name: build_tool(op, default_project=default_project) for op in catalog if chosen.allows(op)
        }
        self._tools = [entry.tool for entry in self._entries.values()]

    @property
    def tools(self) -> list[types.Tool]:
        return self._tools

    def get(self, name: str) -> ToolEntry | None:
        return self._entries.get(name)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[ToolEntry]:
        return iter(self._entries.values())
