"""Who one MCP request is served for, when that varies per request (Streamable HTTP).

A transport that serves many callers sets ``CURRENT_CALLER`` around each request it dispatches; the handlers
read whom to call PostHog for and which tools to offer through ``AppState`` and never see the transport.
Over stdio nothing sets it and the deployment's own settings apply.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

import mcp_types as types

from ..definitions.registry import ToolEntry, ToolRegistry
from ..definitions.schema_profiles import SchemaProfile
from ..posthog.target import Target


class ToolView:
    """The deployment's registry narrowed by a caller's choices (it can only remove tools, never add one).

    The names are chosen once; each schema profile's definitions come from the registry, in its order."""

    def __init__(self, registry: ToolRegistry, allows: Callable[[ToolEntry], bool] = lambda _entry: True) -> None:
        self._registry = registry
        self._names = frozenset(entry.tool.name for entry in registry if allows(entry))
        self.tools: list[types.Tool] = [tool for tool in registry.tools if tool.name in self._names]

    def tools_for(self, profile: SchemaProfile) -> list[types.Tool]:
        return [tool for tool in self._registry.tools_for(profile) if tool.name in self._names]

    def get(self, name: str, profile: SchemaProfile = SchemaProfile.LEAN) -> ToolEntry | None:
        return self._registry.get(name, profile) if name in self._names else None


@dataclass(frozen=True, slots=True)
class Caller:
    """One caller's view of the server: PostHog target, tools, and the key its per-caller state is filed under."""

    target: Target
    tools: ToolView
    isolation_key: str
    """A hash of the caller's credential and what it asked for; never the credential itself."""


CURRENT_CALLER: ContextVar[Caller | None] = ContextVar("posthog_mcp_current_caller", default=None)
