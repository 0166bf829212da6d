"""The real command serving Streamable HTTP (uvicorn on a loopback port) and the real MCP client talking to it."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx2
import pytest
from mcp import Client
from mcp.client.session import ElicitationFnT, MessageHandlerFnT
from mcp.client.streamable_http import streamable_http_client

from posthog_environments_mcp.sandbox import SandboxServer
from tests.conftest import server_command, server_env

Mode = Literal["auto", "legacy"]
_URL = re.compile(r"at (http://\S+/mcp)")


@dataclass
class HttpServer:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def base(self) -> str:
        return self.url.removesuffix("/mcp")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


@contextmanager
def http_server(sandbox: SandboxServer, log_path: Path, *args: str, **env: str) -> Iterator[HttpServer]:
    """``posthog-environments-mcp --transport http --listen 127.0.0.1:0`` against the sandbox; stderr to a file."""
    environment = server_env(sandbox, **{"POSTHOG_MCP_POLL_INTERVAL": "0.2", **env})  # a test may set its own
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [*server_command(), "--transport", "http", "--listen", "127.0.0.1:0", *args],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    try:
        url = _wait_for_url(process, log_path)
        yield HttpServer(process, url, log_path)
    finally:
        stop_process(process, 20)


def stop_process(process: subprocess.Popen[bytes], seconds: float) -> None:
    """SIGTERM (a drain), then SIGKILL if it is still running after ``seconds``."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_url(process: subprocess.Popen[bytes], log_path: Path, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = _URL.search(log_path.read_text(encoding="utf-8", errors="replace"))
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise AssertionError(f"the server exited ({process.returncode}):\n{log_path.read_text()}")
        time.sleep(0.05)
    raise AssertionError(f"the server did not print its URL:\n{log_path.read_text()}")


@pytest.fixture(scope="module")
def per_request_server(sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """One HTTP server per test module where every caller sends their own key (no key of its own)."""
    log = tmp_path_factory.mktemp("http") / "server.log"
    with http_server(sandbox_server, log, POSTHOG_MCP_AUTH="per-request", POSTHOG_API_KEY="") as running:
        yield running


@asynccontextmanager
async def http_client(
    url: str,
    mode: Mode,
    key: str | None = None,
    *,
    message_handler: MessageHandlerFnT | None = None,
    headers: dict[str, str] | None = None,
    elicitation_callback: ElicitationFnT | None = None,
) -> AsyncIterator[Client]:
    """The real ``mcp`` client over Streamable HTTP, sending ``key`` as ``Authorization: Bearer``."""
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    async with (
        httpx2.AsyncClient(headers=sent, timeout=httpx2.Timeout(60, read=60)) as http,
        Client(
            streamable_http_client(url, http_client=http),
            mode=mode,
            message_handler=message_handler,
            elicitation_callback=elicitation_callback,
            read_timeout_seconds=60,
        ) as client,
    ):
        yield client
