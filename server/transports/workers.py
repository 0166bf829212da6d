"""``--transport http --workers N``: N processes on one listen address, under uvicorn's own supervisor.

uvicorn's ``Multiprocess`` (its ``--workers`` mode) rather than gunicorn: it is already a dependency, it hands
spawned workers their sockets (here each its own ``SO_REUSEPORT`` listener, ``listeners.py``), restarts a worker
that dies or stops answering its health check, drains every worker on SIGTERM/SIGINT, restarts them one by one on
SIGHUP and adds or removes one on SIGTTIN/SIGTTOU. gunicorn would add two packages (gunicorn and the
uvicorn-worker class) for the same job.

Each worker is a fresh spawned process building its own app (event loop, PostHog connection pool, Redis link)
from the settings pickled into ``WorkerApp``; what they must agree on lives in Redis (``server/shared``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from socket import socket
from typing import cast

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from .. import SERVER_NAME
from ..config import Settings
from ..logs import configure_logging
from ..shared.redis_link import redis_where
from .heap import settle_for_serving
from .http_app import build_http_app
from .listeners import REUSE_PORT, OwnListener, reserve_address
from .serve import announce, listen_and_announce, mask_personal_keys, uvicorn_config
from .settings import HttpSettings

HEALTHCHECK_SECONDS = 10
"""How long the supervisor waits for a worker to answer before it replaces it."""


@dataclass(frozen=True, slots=True)
class WorkerApp:
    """The app factory each worker calls once it is spawned (picklable: plain settings only)."""

    settings: Settings
    http: HttpSettings

    def __call__(self) -> Starlette:
        configure_logging(self.settings.log_level, self.settings.api_key)
        mask_personal_keys()
        app = build_http_app(self.settings, self.http)
        settle_for_serving()
        return app


def fleet_note(settings: Settings, http: HttpSettings) -> str:
    if settings.redis_url is None:
        note = (
            f"{http.workers} workers without POSTHOG_MCP_REDIS_URL: each keeps its own share of the rate budget "
            f"(1/{http.workers}) and its own single-use confirmations."
        )
    else:
        note = f"{http.workers} workers sharing Redis at {redis_where(settings.redis_url)}."
    if http.legacy_sessions == "stateful":
        note += (
            "\nA 2025-11-25 session lives in the one worker that began it, and connections are spread over the "
            "workers: for such clients set POSTHOG_MCP_LEGACY_SESSIONS=stateless, or run one worker per address "
            "behind client-address affinity (README, Scale-out)."
        )
    return note


def serve_http_workers(settings: Settings, http: HttpSettings) -> int:
    """Blocks until SIGTERM/SIGINT, then drains every worker; 0 once they have stopped."""
    mask_personal_keys()
    config = uvicorn_config(
        WorkerApp(settings, http),
        http,
        factory=True,
        workers=http.workers,
        timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
    )
    note = fleet_note(settings, http)
    if REUSE_PORT is None:
        Multiprocess(config, sockets=[listen_and_announce(config, settings, http, note)]).run()
        return 0
    try:
        reserved = reserve_address(http.host, http.port)
    except OSError as error:  # as uvicorn's own bind does: say why, exit with its start-up failure status
        print(f"{SERVER_NAME}: cannot listen on {http.host}:{http.port}: {error}", file=sys.stderr)
        return STARTUP_FAILURE
    port = int(reserved.getsockname()[1])
    own = cast(socket, OwnListener(http.host, port, config.backlog))  # a socket once unpickled in the worker
    try:
        AnnouncingSupervisor(config, [own], partial(announce, settings, http, port, note)).run()
    finally:
        reserved.close()
    return 0


class AnnouncingSupervisor(Multiprocess):
    """uvicorn's supervisor, printing where to connect once the workers listen (the reserved socket does not)."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket], announce: Callable[[], None]) -> None:
        super().__init__(config, sockets)
        self._announce = announce

    def init_processes(self) -> None:
        super().init_processes()
        for process in self.processes:
            process.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit)
        self._announce()
