"""The HTTP floor: the least an ``mcp`` SDK Streamable HTTP server can do for one PostHog GET.

A low-level server with one tool doing a single GET through httpx2 against the same upstream as the real server,
served by the SDK's session manager under uvicorn (one process). ``bench/http_throughput.py`` reports the real
server against it. Usage: ``POSTHOG_HOST=… POSTHOG_API_KEY=… python bench/http_floor_server.py PORT``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx2
import mcp_types as types
import uvicorn
from mcp.server import Server, ServerRequestContext
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.applications import Starlette
from starlette.routing import Route

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


def app() -> Starlette:
    manager = StreamableHTTPSessionManager(app=Server[Any]("floor", on_list_tools=list_tools, on_call_tool=call_tool))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    return Starlette(routes=[Route("/mcp", endpoint=StreamableHTTPASGIApp(manager))], lifespan=lifespan)


if __name__ == "__main__":
    uvicorn.run(app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
