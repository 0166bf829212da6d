"""``--transport http``: bind, say where to connect, serve under uvicorn, drain on SIGTERM."""

from __future__ import annotations

import logging
import math
import signal
import sys
from dataclasses import replace
from socket import socket

import uvicorn

from .. import SERVER_NAME
from ..config import Settings
from ..logs import LOGGER_NAME
from .heap import settle_for_serving
from .http_app import MCP_PATH, build_http_app
from .hygiene import MaskPersonalKeys
from .settings import HttpSettings

logger = logging.getLogger(LOGGER_NAME)


def startup_note(settings: Settings, http: HttpSettings) -> str:
    where = f"the built-in sandbox at {settings.host}" if settings.sandbox else settings.host
    auth = {
        "per-request": "each caller sends their own PostHog key as 'Authorization: Bearer phx_…'",
        "server-key": "this server's PostHog key serves every caller"
        + (" holding POSTHOG_MCP_ACCESS_TOKEN" if http.access_token else " (loopback only, no access token)"),
    }[http.auth]
    lines = [
        f"{SERVER_NAME}: serving MCP (Streamable HTTP) at {http.url}, talking to {where}; {auth}.",
        f"Health check: {http.url.removesuffix(MCP_PATH)}/healthz. SIGTERM or Ctrl-C drains calls in flight "
        f"(up to {http.shutdown_grace:g} s) and stops.",
    ]
    if settings.sandbox:
        inspector = f"  npx @modelcontextprotocol/inspector --transport http --server-url {http.url}"
        if http.auth == "per-request" and settings.api_key is not None:
            # The sandbox's own made-up key (not a secret): what a caller sends in per-request mode.
            inspector += f' --header "Authorization: Bearer {settings.api_key.get_secret_value()}"'
        lines += ["Point the MCP Inspector at it:", inspector]
    if not http.loopback and http.allowed_hosts[0].startswith("127.0.0.1"):
        lines.append(
            "Only loopback Host names are accepted: set POSTHOG_MCP_ALLOWED_HOSTS to the name clients use, "
            "e.g. mcp.example.com (behind your TLS proxy)."
        )
    return "\n".join(lines)


def mask_personal_keys() -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskPersonalKeys())


def uvicorn_config(app: object, http: HttpSettings, **options: object) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # pyright: ignore[reportArgumentType] - an ASGI app, or (workers) a picklable factory of one
        host=http.host,
        port=http.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=math.ceil(http.shutdown_grace),
        server_header=False,
        **options,  # pyright: ignore[reportArgumentType]
    )


def announce(settings: Settings, http: HttpSettings, port: int, extra: str = "") -> None:
    note = startup_note(settings, replace(http, port=port))
    print(note + (f"\n{extra}" if extra else ""), file=sys.stderr, flush=True)


def listen_and_announce(config: uvicorn.Config, settings: Settings, http: HttpSettings, extra: str = "") -> socket:
    sock = config.bind_socket()  # bound before the note, so port 0 is reported as the port actually chosen
    sock.listen(config.backlog)  # and listening: a client reading the note can connect at once
    announce(settings, http, sock.getsockname()[1], extra)
    return sock


async def serve_http(settings: Settings, http: HttpSettings) -> int:
    mask_personal_keys()
    config = uvicorn_config(build_http_app(settings, http), http)
    settle_for_serving()
    sock = listen_and_announce(config, settings, http)
    server = uvicorn.Server(config)
    # uvicorn turns SIGTERM/SIGINT into a graceful drain, then re-raises the signal to the handler it found:
    # a quiet one here, so a drained shutdown exits 0 instead of dying by the signal afterwards.
    previous = {sig: signal.signal(sig, _drained) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        await server.serve(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _drained(_signum: int, _frame: object) -> None:
    """The re-raised signal after uvicorn's drain: nothing left to do."""
