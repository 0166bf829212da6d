"""PostHog's error answers, so the sandbox fails exactly the way the real service does.

PostHog formats errors through ``exceptions_hog``: ``{"type", "code", "detail", "attr"}``. A few views answer a
bare ``{"error": …}`` or ``{"detail": …}`` instead, and some answer with no body at all; all of them are here.
Handlers raise :class:`ApiError`; the dispatcher turns it into a response.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response

ErrorType = str
"""One of ``validation_error``, ``authentication_error``, ``invalid_request``, ``throttled_error``, ``server_error``."""


class ApiError(Exception):
    """An HTTP answer other than success; ``body`` ``None`` is an empty body (PostHog's ``Response(status=…)``)."""

    def __init__(self, status: int, body: Any | None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {body!r}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def to_response(self) -> Response:
        if self.body is None:
            return Response(status_code=self.status, headers=self.headers)
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def error_body(type_: ErrorType, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": type_, "code": code, "detail": detail, "attr": attr}


def validation_error(detail: str, attr: str | None = None, code: str = "invalid_input") -> ApiError:
    """400 ``validation_error``. DRF's generic ``invalid`` code is renamed ``invalid_input`` by exceptions_hog."""
    return ApiError(400, error_body("validation_error", code, detail, attr))


def not_found(detail: str = "Not found.") -> ApiError:
    return ApiError(404, error_body("invalid_request", "not_found", detail))


def model_not_found(model: str) -> ApiError:
    """Django's ``get_object_or_404`` message as DRF ≥ 3.15 passes it through."""
    return not_found(f"No {model} matches the given query.")


def method_not_allowed(method: str, allowed: list[str]) -> ApiError:
    return ApiError(
        405,
        error_body("invalid_request", "method_not_allowed", f'Method "{method}" not allowed.'),
        {"Allow": ", ".join(allowed)},
    )


def not_authenticated(status: int = 401) -> ApiError:
    return ApiError(
        status,
        error_body("authentication_error", "not_authenticated", "Authentication credentials were not provided."),
        _www_authenticate(status),
    )


def authentication_failed(status: int = 401) -> ApiError:
    return ApiError(
        status,
        error_body(
            "authentication_error",
            "authentication_failed",
            "Personal API key found in request Authorization header is invalid.",
        ),
        _www_authenticate(status),
    )


def _www_authenticate(status: int) -> dict[str, str]:
    # DRF only sends the challenge when it answers 401; views whose first authenticator has none answer 403.
    return {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else {}


def permission_denied(detail: str = "You do not have permission to perform this action.") -> ApiError:
    return ApiError(403, error_body("authentication_error", "permission_denied", detail))


def throttled(wait_seconds: float, retry_after_header: bool) -> ApiError:
    """DRF's ``Throttled``: the wait is rounded up; only newer PostHog servers send ``Retry-After``."""
    wait = max(1, math.ceil(wait_seconds))
    unit = "second" if wait == 1 else "seconds"
    detail = f"Request was throttled. Expected available in {wait} {unit}."
    headers = {"Retry-After": str(wait)} if retry_after_header else {}
    return ApiError(429, error_body("throttled_error", "throttled", detail), headers)


def conflict(detail: str) -> ApiError:
    return ApiError(409, error_body("invalid_request", "conflict", detail))


def parse_error(detail: str) -> ApiError:
    return ApiError(400, error_body("invalid_request", "parse_error", detail))


def unsupported_media_type(content_type: str) -> ApiError:
    return ApiError(
        415,
        error_body("invalid_request", "unsupported_media_type", f'Unsupported media type "{content_type}" in request.'),
    )


def server_error() -> ApiError:
    return ApiError(500, error_body("server_error", "error", "A server error occurred."))


def bare_error(status: int, message: str, **extra: Any) -> ApiError:
    """Views that answer ``{"error": …}`` (conversations, endpoint versions)."""
    return ApiError(status, {"error": message, **extra})


def bare_detail(status: int, message: str) -> ApiError:
    """Views that answer ``{"detail": …}`` (desktop recording upload service)."""
    return ApiError(status, {"detail": message})


def empty(status: int) -> ApiError:
    """PostHog's ``Response(status=…)`` with no data: no body at all."""
    return ApiError(status, None)


def default_error_body(status: int) -> dict[str, Any]:
    """A plausible PostHog body for an arbitrary status, used by faults that only name a status."""
    if status == 400:
        return error_body("validation_error", "invalid_input", "Bad request.")
    if status == 401:
        return error_body("authentication_error", "not_authenticated", "Authentication credentials were not provided.")
    if status == 403:
        return error_body(
            "authentication_error", "permission_denied", "You do not have permission to perform this action."
        )
    if status == 404:
        return error_body("invalid_request", "not_found", "Not found.")
    if status == 409:
        return error_body("invalid_request", "conflict", "Conflict.")
    if status == 429:
        return error_body("throttled_error", "throttled", "Request was throttled. Expected available in 1 second.")
    if status >= 500:
        return error_body("server_error", "error", "A server error occurred.")
    return error_body("invalid_request", "error", f"Request failed with status {status}.")
