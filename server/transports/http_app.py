"""The ASGI app for ``--transport http``: the SDK's Streamable HTTP session manager behind this server's gates.

Order of checks on ``/mcp``, outermost first: security headers and access log; CORS (only when origins are
configured); Host/Origin allow-lists (the SDK's DNS-rebinding check, before anything else looks at the
request); the SDK's bearer authentication with this server's credential source; the caller gate (401, query
choices, per-caller target); then the SDK's manager (body limit 413, sessions, both protocol eras, SSE).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import httpx2
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import __version__
from ..config import Settings
from ..definitions.registry import ToolRegistry, known_areas
from ..handlers.app import build_registry, create_server
from ..shared.state import shared_state
from .caller_gate import CallerContext, CallerGate
from .credentials import CredentialSource, DeploymentKey, PerRequestKeys
from .hygiene import Exposure
from .settings import HttpSettings

MCP_PATH = "/mcp"
MCP_HEADERS = ["Authorization", "Content-Type", "Accept", "Mcp-Session-Id", "Mcp-Protocol-Version", "Last-Event-ID"]


def credential_source(settings: Settings, http: HttpSettings) -> CredentialSource:
    if http.auth == "per-request":
        return PerRequestKeys()
    return DeploymentKey(settings.api_key, http.access_token)


class HostOriginCheck:
    """The SDK's DNS-rebinding check, run first so an untrusted Host or Origin learns nothing else."""

    def __init__(self, app: ASGIApp, security: TransportSecuritySettings) -> None:
        self._app = app
        self._check = TransportSecurityMiddleware(security)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = await self._check.validate_request(Request(scope, receive), is_post=False)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self._app(scope, receive, send)


async def healthz(_request: Request) -> JSONResponse:
    """Liveness only: no PostHog call, no credential needed."""
    return JSONResponse({"status": "ok", "version": __version__})


def tool_input_schema(registry: ToolRegistry, name: str) -> Mapping[str, Any] | None:
    entry = registry.get(name)
    return entry.input_schema if entry is not None else None


def build_http_app(
    settings: Settings, http: HttpSettings, *, upstream: httpx2.AsyncBaseTransport | None = None
) -> Starlette:
    shared = shared_state(settings, workers=http.workers)  # the rate budget and single-use state (server/shared)
    registry = build_registry(settings)
    server = create_server(settings, registry=registry, transport=upstream, shared=shared)
    # The SDK checks a 2026-07-28 call's Mcp-Param-* headers against the tool's input schema; given this lookup
    # it does not run (and serialize) a whole tools/list for every tools/call to find it.
    server.get_tool_input_schema = partial(tool_input_schema, registry)
    server.middleware.append(CallerContext())
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(http.allowed_hosts),
        allowed_origins=list(http.allowed_origins),
    )
    manager = StreamableHTTPSessionManager(
        app=server,
        security_settings=security,
        max_request_body_size=http.max_body_bytes,
        stateless=http.legacy_sessions == "stateless",  # 2025-11-25 requests served by any worker (scale-out)
    )
    source = credential_source(settings, http)
    endpoint = HostOriginCheck(
        AuthenticationMiddleware(
            AuthContextMiddleware(CallerGate(StreamableHTTPASGIApp(manager), settings, source, known_areas())),
            backend=BearerAuthBackend(source),
        ),
        security,
    )
    middleware = [Middleware(Exposure)]
    if http.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(http.cors_origins),
                allow_methods=["GET", "POST", "DELETE"],
                allow_headers=MCP_HEADERS,
                expose_headers=["Mcp-Session-Id", "WWW-Authenticate"],
            )
        )
    return Starlette(
        routes=[Route(MCP_PATH, endpoint=endpoint), Route("/healthz", endpoint=healthz, methods=["GET"])],
        middleware=middleware,
        lifespan=lambda _app: manager.run(),
    )
