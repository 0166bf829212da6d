"""The gate in front of ``/mcp``: authenticated caller, checked choices, then the SDK's session manager.

The SDK's ``AuthenticationMiddleware`` + ``BearerAuthBackend`` have already run the credential source's
``verify_token``; this gate refuses requests without an accepted token (401 with ``WWW-Authenticate``), refuses
bad query choices (400), and files a ``Caller`` in the ASGI scope. ``CallerContext`` (a server middleware, in
the handler's own task) turns that into ``CURRENT_CALLER`` for the handlers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_REQUEST
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..config import Settings
from ..handlers.caller import CURRENT_CALLER, Caller, ToolView
from ..posthog.target import Target
from .choices import CallerTools, ChoiceError, parse_choices
from .credentials import CredentialSource, credential_hash

SCOPE_KEY = "posthog_environments_mcp.caller"
QUERIES_KEPT = 256
"""Distinct query strings whose checked choices are kept (least recently used dropped first)."""


async def send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    payload = json.dumps(body).encode()
    fields = {"content-type": "application/json", "content-length": str(len(payload)), **(headers or {})}
    raw_headers = [(name.lower().encode(), value.encode()) for name, value in fields.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


def caller_of(scope: Scope) -> Caller | None:
    found = scope.get(SCOPE_KEY)
    return found if isinstance(found, Caller) else None


class CallerGate:
    def __init__(self, app: ASGIApp, settings: Settings, source: CredentialSource, areas: frozenset[str]) -> None:
        self._app = app
        self._settings = settings
        self._source = source
        self._areas = areas
        self._tools = CallerTools(settings)
        # Most requests repeat one of a few query strings: their checked choices and tool view are kept (they
        # hold no credential); a refused query raises, so it is never kept.
        self._offer = lru_cache(maxsize=QUERIES_KEPT)(self._offer_for)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        user = scope.get("user")
        token = user.access_token if isinstance(user, AuthenticatedUser) else None
        if token is None and self._source.required:
            presented = any(name == b"authorization" for name, _ in scope["headers"])
            challenge, body = self._source.challenge(presented)
            await send_json(send, 401, body, {"WWW-Authenticate": challenge})
            return
        try:
            caller = self._caller(scope, token.client_id if token else "anonymous", token)
        except ChoiceError as error:
            body = {"error": "invalid_request", "parameter": error.parameter, "error_description": str(error)}
            await send_json(send, 400, body)
            return
        scope[SCOPE_KEY] = caller
        await self._app(scope, receive, send)

    def _caller(self, scope: Scope, identity: str, token: AccessToken | None) -> Caller:
        offer = self._offer(scope.get("query_string", b""))
        target = Target(host=self._settings.host, api_key=self._source.api_key(token), default_project=offer.project)
        return Caller(
            target=target,
            tools=offer.tools,
            isolation_key=credential_hash(f"{identity}\x00{offer.canonical}"),
        )

    def _offer_for(self, query_string: bytes) -> Offer:
        query = parse_qs(query_string.decode("latin-1"), keep_blank_values=True)
        choices = parse_choices(query, self._settings, self._areas)
        project = choices.project_id or self._settings.project_id
        return Offer(tools=self._tools.view(choices), project=project, canonical=choices.canonical())


@dataclass(frozen=True, slots=True)
class Offer:
    """What one query string asks for, checked: the same for every caller who sends it."""

    tools: ToolView
    project: str | None
    canonical: str


class CallerContext:
    """Server middleware: each MCP request's handlers see the caller its HTTP request was filed under."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        request = ctx.request
        caller = caller_of(request.scope) if isinstance(request, Request) else None
        if caller is None:
            if ctx.request_id is None:  # a notification: nothing is called for anyone
                return await call_next(ctx)
            # Fail closed: a request that did not pass the gate never falls back to the deployment's key.
            raise MCPError(INVALID_REQUEST, "This request has no authenticated caller; reconnect to /mcp.")
        reset = CURRENT_CALLER.set(caller)
        try:
            return await call_next(ctx)
        finally:
            CURRENT_CALLER.reset(reset)
