"""Helpers for the reliability tests: small timeouts, an in-process server over real loopback HTTP, timing, and
an HTTP transport that counts the server's open upstream responses."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncGenerator, AsyncIterator, Generator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, cast

import httpx2
import mcp_types as types
from mcp import Client
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.handlers.app import create_server
from tests.e2e.clients import text_of as text_of

FAST: dict[str, Any] = {
    "read_timeout": 0.5,
    "connect_timeout": 0.5,
    "call_timeout": 3.0,
    "retry_max_wait": 1.5,
    "max_retries": 3,
}
"""Small timeouts so that every fault resolves in well under the defaults' minutes."""

FAST_ENV: dict[str, str] = {
    "POSTHOG_MCP_READ_TIMEOUT": "0.5",
    "POSTHOG_MCP_CONNECT_TIMEOUT": "0.5",
    "POSTHOG_MCP_CALL_TIMEOUT": "3",
    "POSTHOG_MCP_RETRY_MAX_WAIT": "1.5",
    "POSTHOG_MCP_MAX_RETRIES": "3",
}
"""The same settings for a server started as a subprocess."""

SLACK = 0.75
"""Scheduling and loopback overhead allowed on top of a computed time bound."""


def fast_settings(sandbox: SandboxServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": SecretStr(sandbox.api_key),
        "host": sandbox.base_url,
        "project_id": "1",
        **FAST,
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def inproc(settings: Settings, transport: httpx2.AsyncBaseTransport | None = None) -> AsyncGenerator[Client]:
    """The real server (``create_server``) behind a real MCP client, in this process; PostHog traffic goes over
    real loopback HTTP unless ``transport`` wraps it."""
    async with Client(create_server(settings, transport=transport), read_timeout_seconds=30) as client:
        yield client


@dataclass
class Stopwatch:
    started: float = 0.0
    elapsed: float = 0.0


@contextmanager
def stopwatch() -> Generator[Stopwatch]:
    watch = Stopwatch(started=time.monotonic())
    try:
        yield watch
    finally:
        watch.elapsed = time.monotonic() - watch.started


def free_port() -> int:
    """A loopback port nobody listens on (connection refused), free to listen on later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def structured(result: types.CallToolResult) -> dict[str, Any]:
    """The structured content of a successful result."""
    assert not result.is_error, text_of(result)
    content: object = result.structured_content  # pyright: ignore[reportUnknownMemberType]
    assert isinstance(content, dict), text_of(result)
    return cast(dict[str, Any], content)


class _CountedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, owner: CountingTransport) -> None:
        self._inner = inner
        self._owner = owner
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            self._owner.in_flight -= 1
        await self._inner.aclose()


class CountingTransport(httpx2.AsyncBaseTransport):
    """The real HTTP transport, counting the server's upstream requests in flight: from sending until the
    response is closed, or until sending fails or is cancelled."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()
        self.in_flight = 0
        self.peak = 0
        self.sent = 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.sent += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self.in_flight -= 1
            raise
        assert isinstance(response.stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CountedStream(response.stream, self),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
