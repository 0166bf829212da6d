"""What every HTTP response carries and what is written about it: security headers and one access-log line.

The log line names method, path, status, duration and a short hash of the caller; never a header, a query
value or a body, so no credential can reach it. ``MaskPersonalKeys`` masks anything shaped like a personal
API key in every log record, in case a library logs one.
"""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..logs import LOGGER_NAME
from .caller_gate import caller_of

access_logger = logging.getLogger(f"{LOGGER_NAME}.access")
_KEYISH = re.compile(r"ph[xa]_[A-Za-z0-9]{8,}")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


class MaskPersonalKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _KEYISH.search(message):
            record.msg, record.args = _KEYISH.sub("phx_***", message), None
        return True


class Exposure:
    """Outermost middleware: security headers on every response, and the access-log line when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                if b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await self._app(scope, receive, send_with_headers)
        finally:
            caller = caller_of(scope)
            access_logger.info(
                "%s %s %d %.0fms caller=%s",
                scope.get("method", "?"),
                scope.get("path", "?"),
                status,
                (time.perf_counter() - started) * 1000,
                caller.isolation_key[:12] if caller is not None else "-",
            )
