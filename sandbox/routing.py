"""The request pipeline, in PostHog's order: URL → authentication → method → permissions → throttle → view.

Django resolves the URL first (unknown paths are 404 before any authentication), DRF then authenticates, checks
permissions (INTERNAL, project access, scope) and throttles, and only then runs the view, which parses the body.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from . import errors
from .auth import ApiKey, authenticate, authorize
from .models import Project, User
from .state import SandboxState

logger = logging.getLogger("sandbox")

_API_PATH = re.compile(r"^/api/environments/(?P<project>[^/]+)/(?P<rest>.*)$")
_PARAM = re.compile(r"\{(?P<name>[a-z_]+)(?::(?P<kind>int))?\}")
_BODY_METHODS = {"POST", "PATCH", "PUT"}


@dataclass(slots=True)
class RequestContext:
    """What a view gets: the authenticated caller, the project, path/query parameters and the parsed body."""

    state: SandboxState
    request: Request
    key: ApiKey
    user: User
    project_id: int
    params: dict[str, str]
    query: dict[str, str]
    query_lists: dict[str, list[str]]
    data: Any = field(default_factory=dict[str, Any])

    @property
    def project(self) -> Project:
        """The project's data; use under ``state.lock``."""
        return self.state.projects[self.project_id]

    @property
    def url(self) -> str:
        """The request's absolute URL as the client addressed it (pagination links are built from it)."""
        return str(self.request.url)

    @property
    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/")


Handler = Callable[[RequestContext], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Operation:
    handler: Handler
    scope: str
    """``object:read``/``object:write``, or ``INTERNAL``."""


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    pattern: re.Pattern[str]
    methods: Mapping[str, Operation]
    auth_failure_status: int = 401


def route(template: str, *, auth_failure_status: int = 401, **methods: Operation) -> Route:
    """``route("endpoints/{name}/versions/{version_number:int}", GET=Operation(...))``; ids match ``[^/.]+``."""

    def to_group(match: re.Match[str]) -> str:
        body = "[0-9]+" if match.group("kind") == "int" else "[^/.]+"
        return f"(?P<{match.group('name')}>{body})"

    pattern = re.compile("^" + _PARAM.sub(to_group, template) + "$")
    return Route(template, pattern, dict(methods), auth_failure_status)


async def _parse_body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in {"", "application/json"} or content_type.endswith("+json"):
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise errors.parse_error(f"JSON parse error - {error}") from None
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    raise errors.unsupported_media_type(content_type)


def _project_id(segment: str, key: ApiKey, state: SandboxState) -> int:
    if segment == "@current":
        return key.projects[0] if key.projects else min(state.projects)
    if not segment.isdigit():
        raise errors.not_found()
    return int(segment)


class Dispatcher:
    """Routes ``/api/environments/{project_id}/…`` requests to views."""

    def __init__(self, state: SandboxState, routes: Sequence[Route]) -> None:
        self.state = state
        self.routes = list(routes)

    async def __call__(self, request: Request) -> Response:
        try:
            return await self._dispatch(request)
        except errors.ApiError as error:
            return error.to_response()
        except Exception:
            logger.exception("Sandbox view failed")
            return errors.server_error().to_response()

    def _match(self, rest: str) -> tuple[Route, dict[str, str]]:
        for candidate in self.routes:
            found = candidate.pattern.match(rest)
            if found:
                return candidate, found.groupdict()
        raise errors.not_found()

    async def _dispatch(self, request: Request) -> Response:
        matched = _API_PATH.match(request.url.path)
        if matched is None:
            raise errors.not_found()
        rest = matched.group("rest")
        rest = rest[:-1] if rest.endswith("/") else rest
        found_route, params = self._match(rest)

        with self.state.lock:
            keys = dict(self.state.keys)
        key = authenticate(request.headers, keys, failure_status=found_route.auth_failure_status)

        method = "GET" if request.method == "HEAD" else request.method
        operation = found_route.methods.get(method)
        if operation is None:
            raise errors.method_not_allowed(request.method, sorted(found_route.methods))

        project_id = _project_id(matched.group("project"), key, self.state)
        authorize(key, required_scope=operation.scope, project_id=project_id)

        wait = self.state.limiter.acquire(key.key)
        if wait is not None:
            raise errors.throttled(wait, self.state.limiter.limit.retry_after_header)

        with self.state.lock:
            if project_id not in self.state.projects:
                raise errors.not_found("Project not found.")
            user = self.state.users[key.user_id]

        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        query_lists: dict[str, list[str]] = {}
        for name, value in pairs:
            query_lists.setdefault(name, []).append(value)
        context = RequestContext(
            state=self.state,
            request=request,
            key=key,
            user=user,
            project_id=project_id,
            params=params,
            query={name: values[-1] for name, values in query_lists.items()},
            query_lists=query_lists,
        )
        if method in _BODY_METHODS:
            context.data = await _parse_body(request)
        return await operation.handler(context)
