"""A real ``redis-server`` on a random loopback port, and several real HTTP server processes sharing it.

Several processes sharing one Redis stand for several machines: nothing but Redis and the sandbox is shared.
The tests skip with a clear reason when ``redis-server`` is not installed (CI installs it).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from tests.e2e.http_server import HttpServer, http_server

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RedisProcess:
    """One ``redis-server`` (no persistence) in a temp dir; it can be killed and started again on its port."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "redis.log").read_text(errors="replace")
                raise AssertionError(f"redis-server did not start on port {self.port}:\n{log}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as link:
                link.sendall(b"PING\r\n")
                return link.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: Redis vanishes mid-run, as a crashed or partitioned Redis would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisProcess]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; CI installs it)")
    redis = RedisProcess(directory, free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.kill()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A fresh Redis for one test (the tests kill it, so it is never shared)."""
    with redis_server(tmp_path) as running:
        yield running


def fleet_env(redis: RedisProcess, **env: str) -> dict[str, str]:
    """The settings of a worker joined by ``redis``. Per-request auth: each caller sends its own key, so what
    they follow is keyed by that caller's digest."""
    return {
        "POSTHOG_MCP_AUTH": "per-request",
        "POSTHOG_API_KEY": "",
        "POSTHOG_MCP_REDIS_URL": redis.url,
        "POSTHOG_MCP_POLL_RATE_LIMIT": "60000",
        **env,
    }


@contextmanager
def workers(
    sandbox: SandboxServer, redis: RedisProcess, logs: Path, count: int, **env: str
) -> Iterator[list[HttpServer]]:
    """``count`` separate ``posthog-environments-mcp --transport http`` processes joined by ``redis``."""
    settings = fleet_env(redis, **env)
    with ExitStack() as stack:
        yield [stack.enter_context(http_server(sandbox, logs / f"worker{n}.log", **settings)) for n in range(count)]


def kill(worker: HttpServer) -> None:
    """SIGKILL: the worker gets no chance to release its leases."""
    worker.process.send_signal(signal.SIGKILL)
    worker.process.wait(timeout=10)
