"""The server a broken configuration starts, so the user sees why in their MCP client.

Exiting before the handshake leaves a desktop client with only "Connection closed" and the reason in a log file
nobody opens. Instead this server completes the handshake, lists the tools, carries the problem in its
``instructions`` and answers every tool call with an ``isError`` result naming each bad setting and its fix.
It never calls PostHog (no HTTP client, no resources) until the configuration is fixed and it is restarted.
"""

from __future__ import annotations

from typing import Any

import mcp_types as types
from mcp.server import Server, ServerRequestContext

from .. import SERVER_NAME, __version__
from ..config import ConfigError, Settings, misconfiguration_notice
from .app import INSTRUCTIONS, build_registry


def create_misconfigured_server(error: ConfigError) -> Server[dict[str, Any]]:
    notice = misconfiguration_notice(error)
    tools = build_registry(Settings()).tools

    async def list_tools(
        _ctx: ServerRequestContext[dict[str, Any]], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        _ctx: ServerRequestContext[dict[str, Any]], _params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(text=notice)], is_error=True)

    return Server[dict[str, Any]](
        SERVER_NAME,
        version=__version__,
        title="PostHog Environments (configuration error)",
        instructions=f"{notice}\n\n{INSTRUCTIONS}",
        website_url="https://posthog.com/docs/api",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
