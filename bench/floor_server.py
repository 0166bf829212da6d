"""The baseline: the least an MCP server can do for one PostHog GET.

A low-level ``mcp`` server with one tool that does a single GET through httpx2 against the same upstream as the
real server. The benchmark reports the real server's numbers as ratios against this one, run side by side.
"""

from __future__ import annotations

import os
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server

HOST = os.environ["POSTHOG_HOST"]
KEY = os.environ["POSTHOG_API_KEY"]
CLIENT = httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"})
TOOL = types.Tool(
    name="desktop_recordings_get",
    input_schema={"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
)


async def list_tools(
    ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
) -> types.ListToolsResult:
    return types.ListToolsResult(tools=[TOOL])


async def call_tool(ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
    recording_id = (params.arguments or {})["id"]
    response = await CLIENT.get(f"{HOST}/api/environments/1/desktop_recordings/{recording_id}/")
    return types.CallToolResult(content=[types.TextContent(text=response.text)], structured_content=response.json())


async def main() -> None:
    server = Server[Any]("floor", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
