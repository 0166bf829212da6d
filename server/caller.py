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

from .registry import ToolEntry, ToolRegistry
from .target import Target


class ToolView:
    """The deployment's registry narrowed by a caller's choices (it can only remove tools, never add one)."""

    def __init__(self, registry: ToolRegistry, allows: Callable[[ToolEntry], bool] = lambda _entry: True) -> None:
        self._entries = {entry.tool.name: entry for entry in registry if allows(entry)}
        self.tools: list[types.Tool] = [entry.tool for entry in self._entries.values()]

    def get(self, name: str) -> ToolEntry | None:
        return self._entries.get(name)


@dataclass(frozen=True, slots=True)
class Caller:
    """One caller's view of the server: PostHog target, tools, and the key its per-caller state is filed under."""

    target: Target
    tools: ToolView
    isolation_key: str
    """A hash of the caller's credential and what it asked for; never the credential itself."""


CURRENT_CALLER: ContextVar[Caller | None] = ContextVar("posthog_mcp_current_caller", default=None)
