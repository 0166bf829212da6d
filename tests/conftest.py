"""Shared fixtures: one sandbox (a local PostHog over real loopback HTTP) for the whole run, reset per test,
and helpers to start the real server as a stdio subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from posthog_environments_mcp.sandbox import SandboxServer, SandboxState

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(state=SandboxState()) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[SandboxServer]:
    """The running sandbox with seed data restored and an empty request log."""
    sandbox_server.state.reset()
    yield sandbox_server
    sandbox_server.state.reset()


def server_command() -> list[str]:
    """The installed console script when present (the real command line), else the module."""
    script = Path(sys.executable).parent / "posthog-environments-mcp"
    if script.exists():
        return [str(script)]
    found = shutil.which("posthog-environments-mcp")
    return [found] if found else [sys.executable, "-m", "posthog_environments_mcp"]


def run_server(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The installed command run to its end with ``args`` (by default without any ``POSTHOG_*`` setting)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    return subprocess.run(
        [*server_command(), *args], capture_output=True, text=True, env=env or base, timeout=timeout, check=False
    )


def server_env(sandbox: SandboxServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env.update(
        POSTHOG_HOST=sandbox.base_url,
        POSTHOG_API_KEY=sandbox.api_key,
        POSTHOG_PROJECT_ID="1",
        POSTHOG_MCP_LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env
