"""Fixtures for the sandbox's own tests: one real server per session, reset before every test."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator

import httpx2
import pytest

from posthog_environments_mcp.sandbox import SandboxServer, SandboxState

FAST_CHUNK_DELAY = 0.002
_TLS = ssl.create_default_context()
"""Built once: loading CA certificates per client costs ~50 ms and these tests only speak plain HTTP."""


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxState(stream_chunk_delay=FAST_CHUNK_DELAY)) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_session: SandboxServer) -> SandboxServer:
    """The running sandbox with seed data, default keys and settings restored."""
    if not sandbox_session.running:
        sandbox_session.start()
    sandbox_session.state.reset()
    return sandbox_session


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[httpx2.Client]:
    """A client for project 1 with the default all-scope key; paths are relative to ``/api/environments/1/``."""
    with httpx2.Client(
        base_url=f"{sandbox.base_url}/api/environments/1/",
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
        timeout=10,
        verify=_TLS,
    ) as client:
        yield client


ClientFactory = Callable[..., httpx2.Client]


@pytest.fixture
def connect(sandbox: SandboxServer) -> Iterator[ClientFactory]:
    """``connect(key, project=1)``: a client with another key (``None`` for no Authorization header)."""
    opened: list[httpx2.Client] = []

    def factory(key: str | None, project: int | str = 1) -> httpx2.Client:
        headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
        client = httpx2.Client(
            base_url=f"{sandbox.base_url}/api/environments/{project}/", headers=headers, timeout=10, verify=_TLS
        )
        opened.append(client)
        return client

    yield factory
    for client in opened:
        client.close()
