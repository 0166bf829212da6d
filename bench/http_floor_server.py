"""The HTTP floor: the least an ``mcp`` SDK Streamable HTTP server can do for one PostHog GET.

The very tool of the stdio floor (``bench/floor_server.py``: one low-level server tool doing a single GET through
httpx2 against the same upstream as the real server), served by the SDK's session manager under uvicorn (one
process). ``bench/http_throughput.py`` reports the real server against it.
Usage: ``POSTHOG_HOST=… POSTHOG_API_KEY=… python bench/http_floor_server.py PORT``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from floor_server import call_tool, list_tools  # bench/ is this script's directory, so first on sys.path
from mcp.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.applications import Starlette
from starlette.routing import Route


def app() -> Starlette:
    manager = StreamableHTTPSessionManager(app=Server[Any]("floor", on_list_tools=list_tools, on_call_tool=call_tool))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    return Starlette(routes=[Route("/mcp", endpoint=StreamableHTTPASGIApp(manager))], lifespan=lifespan)


if __name__ == "__main__":
    uvicorn.run(app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
