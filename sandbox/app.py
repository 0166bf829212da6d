"""The sandbox as an ASGI application."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .middleware import SandboxMiddleware
from .routes import ALL_ROUTES
from .routing import Dispatcher
from .state import SandboxState

_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(state: SandboxState) -> Starlette:
    """A Starlette app answering PostHog's Environments API from ``state``.

    Every path goes to one dispatcher so that unknown paths, methods and auth are answered in PostHog's order
    and shape rather than Starlette's.
    """
    dispatcher = Dispatcher(state, ALL_ROUTES)

    async def endpoint(request: Request) -> Response:
        return await dispatcher(request)

    return Starlette(
        routes=[Route("/{path:path}", endpoint, methods=_METHODS)],
        middleware=[Middleware(SandboxMiddleware, state=state)],
    )
