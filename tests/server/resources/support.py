"""Helpers for the resource tests: a real MCP client over stdio or in-process, sandbox writes, snapshots."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx2
import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client.session import IncomingMessage, MessageHandlerFnT
from mcp.client.stdio import stdio_client
from mcp.server import Server
from mcp.shared.exceptions import MCPDeprecationWarning
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.requestlog import RecordedRequest
from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.handlers.app import AppState, build_registry, create_server, open_state
from posthog_environments_mcp.server.posthog.target import Target
from tests.conftest import server_command, server_env
from tests.snapshot import assert_matches_snapshot as shared_assert_matches_snapshot

Transport = Literal["stdio", "inproc"]
Mode = Literal["auto", "legacy"]
PAGE_SIZE = 4
POLL_INTERVAL = 0.2
POLL_RATE_LIMIT = 60_000
"""Tests poll fast, so the polling share of the rate limit is raised far above PostHog's 480/min."""
SNAPSHOTS = Path(__file__).parent / "snapshots"
RECORDING_TEMPLATE = "posthog://projects/{project_id}/desktop_recordings/{id}"
TRANSCRIPT_TEMPLATE = "posthog://projects/{project_id}/desktop_recordings/{id}/transcript"
CONVERSATION_TEMPLATE = "posthog://projects/{project_id}/conversations/{id}"


def recording_uri(recording_id: str, project: str = "1") -> str:
    return f"posthog://projects/{project}/desktop_recordings/{recording_id}"


def conversation_uri(conversation_id: str, project: str = "1") -> str:
    return f"posthog://projects/{project}/conversations/{conversation_id}"


def settings_for(sandbox: SandboxServer, **overrides: Any) -> Settings:
    base = Settings(
        api_key=SecretStr(sandbox.api_key),
        host=sandbox.base_url,
        project_id="1",
        resource_page_size=PAGE_SIZE,
        poll_interval=POLL_INTERVAL,
        poll_rate_limit=POLL_RATE_LIMIT,
    )
    return base.with_overrides(**overrides)


@asynccontextmanager
async def connect(
    sandbox: SandboxServer,
    transport: Transport,
    mode: Mode,
    *,
    api_key: str | None = None,
    message_handler: MessageHandlerFnT | None = None,
    **overrides: Any,
) -> AsyncGenerator[Client]:
    """A real MCP client: the installed command over stdio, or ``create_server`` in-process."""
    if transport == "stdio":
        env = server_env(
            sandbox,
            POSTHOG_MCP_RESOURCE_PAGE_SIZE=str(PAGE_SIZE),
            POSTHOG_MCP_POLL_INTERVAL=str(POLL_INTERVAL),
            POSTHOG_MCP_POLL_RATE_LIMIT=str(POLL_RATE_LIMIT),
            POSTHOG_MCP_LOG_LEVEL="WARNING",
            **({"POSTHOG_API_KEY": api_key} if api_key else {}),
        )
        command = server_command()
        params = StdioServerParameters(command=command[0], args=command[1:], env=env)
        with open(os.devnull, "w", encoding="utf-8") as quiet:  # noqa: ASYNC230 - opening /dev/null does not block
            errlog = sys.stderr if os.environ.get("SHOW_SERVER_LOGS") else quiet
            async with Client(
                stdio_client(params, errlog=errlog), mode=mode, message_handler=message_handler, read_timeout_seconds=30
            ) as client:
                yield client
        return
    if api_key is not None:
        overrides["api_key"] = SecretStr(api_key)
    server = create_server(settings_for(sandbox, **overrides))
    async with Client(server, mode=mode, message_handler=message_handler, read_timeout_seconds=30) as client:
        yield client


async def append_segments(sandbox: SandboxServer, recording_id: str, segments: list[dict[str, Any]]) -> None:
    """Add transcript lines the way a recorder does: straight to PostHog (the sandbox), not through MCP."""
    async with httpx2.AsyncClient() as http:
        response = await http.post(
            f"{sandbox.base_url}/api/environments/1/desktop_recordings/{recording_id}/append_segments/",
            json={"segments": segments},
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
        )
        response.raise_for_status()


async def patch_recording(sandbox: SandboxServer, recording_id: str, changes: dict[str, Any]) -> None:
    async with httpx2.AsyncClient() as http:
        response = await http.patch(
            f"{sandbox.base_url}/api/environments/1/desktop_recordings/{recording_id}/",
            json=changes,
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
        )
        response.raise_for_status()


def object_reads(sandbox: SandboxServer, object_id: str) -> list[RecordedRequest]:
    """GETs of one object that reached the sandbox (each poll is one)."""
    return [r for r in sandbox.state.requests if r.method == "GET" and r.path.rstrip("/").endswith(object_id)]


async def wait_until(condition: Callable[[], bool], what: str = "condition", seconds: float = 5.0) -> None:
    """Poll a test condition on the sandbox's side (it lives in another thread, so no event to wait on)."""
    try:
        with anyio.fail_after(seconds):
            while not condition():  # noqa: ASYNC110 - the condition is another thread's state
                await anyio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"gave up after {seconds:g} s waiting for {what}") from None


def assert_matches_snapshot(name: str, text: str) -> None:
    """Committed snapshot under tests/server/resources/snapshots; ``UPDATE_SNAPSHOTS=1`` rewrites it."""
    shared_assert_matches_snapshot(name, text, SNAPSHOTS)


class Updates:
    """``notifications/resources/updated`` as a legacy client receives them."""

    def __init__(self) -> None:
        self.uris: list[str] = []

    async def __call__(self, message: IncomingMessage) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            self.uris.append(message.params.uri)


async def subscribe(client: Client, uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        await client.session.subscribe_resource(uri)  # pyright: ignore[reportDeprecated]


async def unsubscribe(client: Client, uri: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        await client.session.unsubscribe_resource(uri)  # pyright: ignore[reportDeprecated]


@dataclass(slots=True)
class SwitchableState(AppState):
    """An AppState whose caller's key can change between requests, as per-request credentials over HTTP will."""

    api_key: str | None = None

    def target(self) -> Target:
        base = AppState.target(self)
        return Target(base.host, SecretStr(self.api_key) if self.api_key else base.api_key, base.default_project)


@asynccontextmanager
async def shared_state(
    sandbox: SandboxServer, **overrides: Any
) -> AsyncGenerator[tuple[Server[AppState], SwitchableState]]:
    """A server whose state outlives its connections, as with Streamable HTTP's one lifespan for many clients."""
    settings = settings_for(sandbox, **overrides)
    async with open_state(settings, build_registry(settings)) as opened:
        state = SwitchableState(**{name: getattr(opened, name) for name in AppState.__dataclass_fields__})

        @asynccontextmanager
        async def lifespan(_server: Server[AppState]) -> AsyncGenerator[AppState]:
            yield state

        server = create_server(settings)
        server.lifespan = lifespan
        yield server, state
