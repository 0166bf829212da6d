"""One listening socket per worker on the shared address (``SO_REUSEPORT``), so the kernel spreads connections.

With one socket shared by every worker, whichever worker wakes first takes every connection waiting in its
accept queue: a client that opens 32 keep-alive connections at once (a load balancer, a load generator) had
them all served by one worker while the other idled (measured: 3.5 s against 0.6 s of CPU). Sockets bound with
``SO_REUSEPORT`` to one address each get their own queue, and Linux hashes each new connection to one of them.

The supervisor binds the address first (so port 0 resolves and the port is held) without listening on it, so no
connection can land in a queue nobody accepts from; each worker opens its own listening socket on that port
when it is spawned: uvicorn hands a worker the supervisor's socket list by pickling it, and ``OwnListener``
unpickles as the worker's fresh socket. Without ``SO_REUSEPORT`` the workers share one socket as before.
Linux lets only processes of the same user join the port's group. A worker that stops closes its socket, and
connections still waiting in that socket's queue (not yet accepted) are reset.
"""

from __future__ import annotations

import socket

REUSE_PORT: int | None = getattr(socket, "SO_REUSEPORT", None)


def _reuseport_socket(host: str) -> socket.socket:
    assert REUSE_PORT is not None
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, REUSE_PORT, 1)
    return sock


def reserve_address(host: str, port: int) -> socket.socket:
    """The supervisor's socket: bound (holding the port) but not listening, so it never takes a connection."""
    sock = _reuseport_socket(host)
    sock.bind((host, port))
    return sock


def open_own_listener(host: str, port: int, backlog: int) -> socket.socket:
    """Runs in the worker (as ``OwnListener`` is unpickled): its own listening socket on the reserved port."""
    sock = _reuseport_socket(host)
    sock.bind((host, port))
    sock.listen(backlog)
    return sock


class OwnListener:
    """The entry in the supervisor's socket list that becomes, in each spawned worker, a socket of its own."""

    def __init__(self, host: str, port: int, backlog: int) -> None:
        self.host, self.port, self.backlog = host, port, backlog

    def __reduce__(self) -> tuple[object, tuple[str, int, int]]:
        return open_own_listener, (self.host, self.port, self.backlog)
