"""Run the sandbox with uvicorn in a background thread on loopback: start, stop, start again on the same port."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import create_app
from .middleware import quiet_dropped_connections
from .state import SandboxState

_START_TIMEOUT = 10.0


class SandboxServer:
    """A real HTTP server for tests and ``--sandbox``.

    ``port=0`` picks a free port on the first start; later starts reuse it, so a test can stop the server to
    get "connection refused" and start it again at the same ``base_url``.
    """

    def __init__(self, state: SandboxState | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state if state is not None else SandboxState()
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._app = create_app(self.state)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.state.default_key

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and
        # without it keep-alive requests stall ~40 ms on delayed ACKs.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        return sock

    def start(self) -> SandboxServer:
        if self.running:
            return self
        quiet_dropped_connections()
        self.state.draining.clear()
        sock = self._bind()
        config = uvicorn.Config(
            self._app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
            timeout_keep_alive=5,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="sandbox-server", daemon=True)
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError(f"The sandbox server did not start on {self.base_url}")
            time.sleep(0.005)
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Stop listening and close connections; the port is free again afterwards."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self.state.draining.set()
        for run in list(self.state.runs.values()):
            run.cancelled = True
        server.should_exit = True
        thread.join(timeout=3)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=3)
        self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
