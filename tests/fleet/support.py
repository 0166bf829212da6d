"""Real fleet components for tests: a ``redis-server``, an ``nginx`` load balancer and several served workers.

Each starts on random loopback ports in a temporary directory and is stopped afterwards; a test needing a binary
that is not installed is skipped with the package to install (``.ci/run`` installs both). Reusable by any
scale-out test: ``redis_server``, ``nginx_balancer``, ``fleet_servers``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from tests.e2e.http_server import HttpServer, http_server, stop_process

SBIN = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def require_binary(name: str, package: str) -> str:
    """The binary's path, or skip: the scale-out tests drive the real thing, never a stand-in."""
    found = shutil.which(name) or next((f"{d}/{name}" for d in SBIN if Path(f"{d}/{name}").exists()), None)
    if found is None:
        pytest.skip(f"{name} is not installed: apt-get install {package} (.ci/run installs it) to run this test")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{what} did not listen on port {port} within {seconds} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    stop_process(process, 10)


class RedisServer:
    """A throwaway ``redis-server`` (no persistence) that a test can kill and bring back on the same port."""

    def __init__(self, binary: str, directory: Path) -> None:
        self._binary = binary
        self._directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self._directory / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [self._binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self._directory,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_for_port(self.port, self.process, "redis-server")

    def kill(self) -> None:
        """SIGKILL: Redis gone mid-run, as when its machine dies."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)


@contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    server = RedisServer(require_binary("redis-server", "redis-server"), directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{upstream}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://mcp;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_buffering off;
            proxy_read_timeout 300s;
        }}
    }}
}}
"""


def upstream_block(addresses: list[str], *, affinity: str | None) -> str:
    """The upstream block ``deploy/nginx.conf`` documents: round-robin, or hashed on ``affinity``."""
    lines = ["    upstream mcp {"]
    if affinity:
        lines.append(f"        hash {affinity} consistent;")
    lines += [f"        server {address};" for address in addresses]
    lines += ["        keepalive 16;", "    }"]
    return "\n".join(lines)


@contextmanager
def nginx_balancer(directory: Path, addresses: list[str], *, affinity: str | None = None) -> Iterator[str]:
    """nginx on a random loopback port in front of ``addresses`` (round-robin unless an ``affinity`` key is
    given, e.g. ``$remote_addr``); yields its MCP URL."""
    binary = require_binary("nginx", "nginx")
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = directory / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(dir=directory, port=port, upstream=upstream_block(addresses, affinity=affinity)),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(directory), "-e", str(directory / "error.log")],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "nginx")
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        stop(process)


@dataclass
class Fleet:
    servers: list[HttpServer]
    url: str
    """The load balancer's MCP URL."""

    def logs(self) -> list[str]:
        return [server.log() for server in self.servers]


@contextmanager
def fleet_servers(
    sandbox: SandboxServer, directory: Path, workers: list[int], *, affinity: str | None = None, **env: str
) -> Iterator[Fleet]:
    """One served process per entry of ``workers`` (each with that many ``--workers``), all behind one nginx."""
    with ExitStack() as stack:
        servers = [
            stack.enter_context(http_server(sandbox, directory / f"server{index}.log", "--workers", str(count), **env))
            for index, count in enumerate(workers)
        ]
        addresses = [server.base.removeprefix("http://") for server in servers]
        url = stack.enter_context(nginx_balancer(directory / "nginx", addresses, affinity=affinity))
        yield Fleet(servers, url)
