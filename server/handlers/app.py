"""Builds the low-level MCP ``Server`` from the registry: tools now, resources alongside.

The low-level server is used (not ``MCPServer``) because the tools come from a catalog with explicit schemas
and annotations; it does not validate arguments, which the executor does with pydantic.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import httpx2
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.caching import CacheHint
from mcp.shared.exceptions import MCPError

from .. import SERVER_NAME, __version__
from ..calls.confirmation import DestructiveConfirmation, state_boundary
from ..calls.executor import ToolExecutor
from ..config import Settings
from ..definitions.registry import ToolFilter, ToolRegistry
from ..definitions.schema_profiles import SchemaProfile, profile_for_client
from ..posthog.http import PostHogHTTP
from ..posthog.target import Target
from ..prompts import handlers as prompt_handlers
from ..resources import handlers as resource_handlers
from ..resources.fleet import FleetLink
from ..resources.reader import ResourceReader
from ..resources.subscriptions import SubscriptionManager
from ..shared.state import SharedState, local_state
from .caller import CURRENT_CALLER, ToolView

INSTRUCTIONS = """\
Tools for PostHog's Environments API: desktop meeting recordings and their transcripts, data warehouse
endpoints (saved queries you can run), batch exports, PostHog AI conversations and customer profile configs.
Every tool takes `project_id`: the project's number as text (e.g. '12345', from the PostHog URL
/project/<id>/) or '@current'; it may be left out when the server has a default project (POSTHOG_PROJECT_ID).
IDs are UUIDs: copy them from list or create results. Timestamps are ISO 8601 (e.g. '2025-01-31T14:00:00Z').
Leave out a parameter you do not need; update tools change only the fields given, and null clears a field only
where its type allows null. Lists page with `limit` and `offset` until `next` is null. Each tool's description
ends with the personal API key scope it needs ("Scope: ..."; INTERNAL means PostHog refuses scoped keys: only a
key with all access, `*`, can call it). Recordings and conversations are also readable as resources
(posthog://projects/{project_id}/...).
"""


@dataclass(slots=True)
class AppState:
    settings: Settings
    registry: ToolRegistry
    http: PostHogHTTP
    executor: ToolExecutor
    subscriptions: SubscriptionManager
    """Who follows which resource, and the pollers (in the lifespan's task group) that serve them."""
    confirmation: DestructiveConfirmation
    """Asks the person before destructive tools (server/calls/confirmation.py)."""
    shared: SharedState
    """What this worker shares with its fleet: the rate budget, single-use nonces, the Redis link (server/shared)."""

    def target(self) -> Target:
        """Whom this request's calls are made for: its caller over HTTP, else the deployment's settings."""
        caller = CURRENT_CALLER.get()
        return caller.target if caller is not None else Target.from_settings(self.settings)

    def tools(self) -> ToolRegistry | ToolView:
        """The tools this request may see and call: its caller's narrowed view over HTTP, else the registry."""
        caller = CURRENT_CALLER.get()
        return caller.tools if caller is not None else self.registry


def build_registry(settings: Settings) -> ToolRegistry:
    return ToolRegistry(
        default_project=settings.project_id is not None,
        tool_filter=ToolFilter(
            read_only=settings.read_only,
            toolsets=settings.toolsets,
            tools=settings.tools,
            exclude_tools=settings.exclude_tools,
        ),
    )


@asynccontextmanager
async def open_state(
    settings: Settings,
    registry: ToolRegistry,
    transport: httpx2.AsyncBaseTransport | None = None,
    shared: SharedState | None = None,
) -> AsyncGenerator[AppState]:
    """``shared``: what this worker shares with its fleet (server/shared); by default a process on its own."""
    shared = shared or local_state(settings)
    await shared.start()
    http = PostHogHTTP(settings, transport=transport, budget=shared.budget)
    # The fleet's subscriptions ride on the worker's one Redis link, with the budget and the nonces.
    fleet = FleetLink(shared.link, lease_ttl=settings.subscription_lease_ttl) if shared.link is not None else None
    try:
        async with anyio.create_task_group() as pollers:
            subscriptions = SubscriptionManager(ResourceReader(http), pollers, settings=settings, fleet=fleet)
            if fleet is not None:  # subscriptions shared with the other workers through Redis
                pollers.start_soon(fleet.run, subscriptions.deliver, name="subscriptions fleet link")
            try:
                yield AppState(
                    settings=settings,
                    registry=registry,
                    http=http,
                    executor=ToolExecutor(http, settings),
                    subscriptions=subscriptions,
                    confirmation=DestructiveConfirmation(http, settings, shared.nonces),
                    shared=shared,
                )
            finally:
                subscriptions.close()
                pollers.cancel_scope.cancel()
    finally:
        await http.aclose()
        await shared.aclose()


def schema_profile(ctx: ServerRequestContext[AppState]) -> SchemaProfile:
    """The session's schema profile: forced by the settings, else chosen from ``clientInfo`` (both eras)."""
    forced = ctx.lifespan_context.settings.schema_profile
    client = ctx.session.client_params
    name = client.client_info.name if client is not None else None
    return profile_for_client(name, SchemaProfile(forced) if forced else None)


async def _list_tools(
    ctx: ServerRequestContext[AppState], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(tools=ctx.lifespan_context.tools().tools_for(schema_profile(ctx)))


_NAME_SHOWN = 80
"""How much of an unknown tool name an error repeats: a caller's megabyte of name must not come back."""


def unknown_tool_message(name: str) -> str:
    shown = name if len(name) <= _NAME_SHOWN else name[:_NAME_SHOWN] + f"… ({len(name)} characters)"
    return f"Unknown tool {shown!r}; call tools/list for the available tools."


async def _call_tool(
    ctx: ServerRequestContext[AppState], params: types.CallToolRequestParams
) -> types.CallToolResult | types.InputRequiredResult:
    state = ctx.lifespan_context
    entry = state.tools().get(params.name, schema_profile(ctx))
    if entry is None:
        raise MCPError(types.INVALID_PARAMS, unknown_tool_message(params.name))

    target = state.target()
    instead = await state.confirmation.check(ctx, entry, params, target)
    if instead is not None:  # declined, refused, or (2026-07-28) asking the person first: nothing sent
        return instead

    async def progress(done: float, message: str | None) -> None:
        await ctx.session.report_progress(done, None, message)

    result = await state.executor.call(entry, params.arguments, target, progress)
    if not result.is_error and (changes := entry.operation.invalidates) is not None:  # followers hear of it now
        state.subscriptions.after_write(changes, params.arguments, target)
    return result


def create_server(
    settings: Settings,
    *,
    registry: ToolRegistry | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    shared: SharedState | None = None,
) -> Server[AppState]:
    """The MCP server for ``settings``; ``transport`` lets tests route PostHog traffic without sockets;
    ``shared`` joins it to a fleet (server/shared)."""
    registry = registry or build_registry(settings)

    @asynccontextmanager
    async def lifespan(_server: Server[AppState]) -> AsyncGenerator[AppState]:
        async with open_state(settings, registry, transport, shared) as state:
            yield state

    server = Server[AppState](
        SERVER_NAME,
        version=__version__,
        title="PostHog Environments",
        instructions=INSTRUCTIONS,
        website_url="https://posthog.com/docs/api",
        lifespan=lifespan,
        # Results can differ per caller (key, narrowed tools) once served over HTTP: never shared between them.
        cache_hints={
            method: CacheHint(scope="private") for method in ("tools/list", "resources/list", "resources/read")
        },
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
        # Resources (server/resources): recordings, transcripts and conversations, followable in both eras.
        on_list_resources=resource_handlers.on_list_resources,
        on_list_resource_templates=resource_handlers.on_list_resource_templates,
        on_read_resource=resource_handlers.on_read_resource,
        on_completion=prompt_handlers.on_completion,  # prompt arguments, then resource template arguments
        on_subscribe_resource=resource_handlers.on_subscribe_resource,
        on_unsubscribe_resource=resource_handlers.on_unsubscribe_resource,
        on_subscriptions_listen=resource_handlers.on_subscriptions_listen,
        # Prompts (server/prompts): task-shaped workflows that embed the resources above.
        on_list_prompts=prompt_handlers.on_list_prompts,
        on_get_prompt=prompt_handlers.on_get_prompt,
    )
    # Seals and verifies the 2026-07-28 multi-round `requestState` (destructive-tool confirmations).
    server.middleware.append(state_boundary(settings))
    return server
