"""Who one MCP request is served for, when that varies per request (Streamable HTTP).

A transport that serves many callers sets ``CURRENT_CALLER`` around each request it dispatches; the handlers
read whom to call PostHog for and which tools to offer through ``AppState`` and never see the transport.
Over stdio nothing sets it and the deployment's own settings apply.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

import mcp_types as types

from .registry import ToolEntry, ToolRegistry
from .target import Target


class ToolView:
    """The deployment's registry narrowed to named tools (``None``: all of them)."""

    def __init__(self, registry: ToolRegistry, names: frozenset[str] | None = None) -> None:
        self._registry = registry
        self._names = names
        self.tools: list[types.Tool] = [t for t in registry.tools if names is None or t.name in names]

    def get(self, name: str) -> ToolEntry | None:
        return self._registry.get(name) if self._names is None or name in self._names else None


@dataclass(frozen=True, slots=True)
class Caller:
    """One caller's view of the server: PostHog target, tools, and the key its per-caller state is filed under."""

    target: Target
    tools: ToolView
    isolation_key: str
    """A hash of the caller's credential and what it asked for; never the credential itself."""


CURRENT_CALLER: ContextVar[Caller | None] = ContextVar("posthog_mcp_current_caller", default=None)
