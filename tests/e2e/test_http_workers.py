"""``--workers 2``: a burst of keep-alive connections is spread over both workers, and none is left unaccepted.

With one shared accept queue, the worker that woke first took every connection of a burst; each worker now
listens on its own ``SO_REUSEPORT`` socket (``server/transports/listeners.py``). Which worker holds a connection
is read from ``/proc``: the worker process whose file descriptors include the server side of that connection.
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
from collections import Counter
from pathlib import Path

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from tests.e2e.http_server import http_server

CONNECTIONS = 24
"""All on one worker by chance: 2 x 2^-24 with an even spread."""

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(socket, "SO_REUSEPORT"), reason="Linux SO_REUSEPORT"
)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def socket_inodes(pid: int) -> set[str]:
    inodes: set[str] = set()
    for fd in (Path(f"/proc/{pid}") / "fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def server_side_inodes(server_port: int, client_ports: set[int]) -> dict[int, str]:
    """Client port -> inode of the accepted socket at the server's end (``/proc/net/tcp``, IPv4 loopback)."""
    found: dict[int, str] = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port, remote_port = int(fields[1].split(":")[1], 16), int(fields[2].split(":")[1], 16)
        if local_port == server_port and remote_port in client_ports:
            found[remote_port] = fields[9]
    return found


def test_a_burst_of_connections_is_spread_over_both_workers(sandbox: SandboxServer, tmp_path: Path) -> None:
    with http_server(sandbox, tmp_path / "server.log", "--workers", "2") as server:
        host, port = server.base.removeprefix("http://").split(":")
        connections = [http.client.HTTPConnection(host, int(port), timeout=30) for _ in range(CONNECTIONS)]
        try:
            for connection in connections:
                connection.connect()  # all open before any is used, as a balancer's pool or a load generator does
            for connection in connections:  # every one answered: accepted by some worker, none stranded
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                assert response.status == 200, response.read()
                response.read()
            client_ports = {connection.sock.getsockname()[1] for connection in connections}
            inodes = server_side_inodes(int(port), client_ports)
            assert len(inodes) == CONNECTIONS
            holders = {pid: socket_inodes(pid) for pid in children(server.process.pid)}
            per_worker = Counter(
                next(pid for pid, held in holders.items() if inode in held) for inode in inodes.values()
            )
        finally:
            for connection in connections:
                connection.close()
    assert len(per_worker) == 2, per_worker
    assert sum(per_worker.values()) == CONNECTIONS
