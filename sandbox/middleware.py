"""The outermost layer of the sandbox: record every request, then apply an injected transport fault, if any.

Faults act on the wire, like a proxy or a dying server would: answering instead of the app, or letting the app
answer and then mangling, truncating or stalling what goes back. Dropping a connection is done by raising
:class:`DropConnection` after the response has started; uvicorn then closes the socket without finishing the
response, so the client sees a real incomplete read. ``quiet_dropped_connections`` keeps those out of the log.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import sse
from .errors import default_error_body
from .faults import Fault
from .sse import compact_json
from .state import SandboxState

OVERSIZE_DEFAULT = 10 * 1024 * 1024
_CHUNK = 64 * 1024


class DropConnection(Exception):
    """Raised on purpose to make the server close the connection mid-response."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not _is_drop(error)


def _is_drop(error: BaseException | None) -> bool:
    if isinstance(error, DropConnection):
        return True
    if isinstance(error, BaseExceptionGroup):
        return all(_is_drop(inner) for inner in error.exceptions)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType, reportUnknownArgumentType]
    return False


_FILTER = _QuietDrops()


def quiet_dropped_connections() -> None:
    """Hide the tracebacks uvicorn logs for connections the sandbox drops deliberately."""
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` giving the already-read body once, then the real channel (for disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _headers(pairs: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs.items()]


async def _answer(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    merged = {"content-length": str(len(body)), **{k.lower(): v for k, v in headers.items()}}
    await send({"type": "http.response.start", "status": status, "headers": _headers(merged)})
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _html_page(status: int) -> bytes:
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}.get(status, "Error")
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


def _raw_body(fault: Fault, default: bytes, default_type: str) -> tuple[bytes, str]:
    if isinstance(fault.body, bytes):
        return fault.body, default_type
    if isinstance(fault.body, str):
        return fault.body.encode(), default_type
    return default, default_type


async def _oversized(send: Send, fault: Fault) -> None:
    """Exactly ``size`` bytes of valid JSON, streamed in chunks with a Content-Length."""
    size = fault.size if fault.size is not None else OVERSIZE_DEFAULT
    head = b'{"count":1,"next":null,"previous":null,"results":[{"id":"oversized","padding":"'
    tail = b'"}]}'
    padding = max(0, size - len(head) - len(tail))
    total = len(head) + padding + len(tail)
    headers = {"content-type": "application/json", "content-length": str(total), **dict(fault.headers or {})}
    await send({"type": "http.response.start", "status": fault.status_code, "headers": _headers(headers)})
    await send({"type": "http.response.body", "body": head, "more_body": True})
    remaining = padding
    while remaining > 0:
        piece = min(_CHUNK, remaining)
        await send({"type": "http.response.body", "body": b"x" * piece, "more_body": True})
        remaining -= piece
    await send({"type": "http.response.body", "body": tail, "more_body": False})


async def _streamed(send: Send, fault: Fault, content_type: str) -> None:
    """``body`` in chunks, as a server that writes its answer progressively."""
    body, _kind = _raw_body(fault, b"", content_type)
    headers = {"content-type": content_type, **{k.lower(): v for k, v in (fault.headers or {}).items()}}
    await send({"type": "http.response.start", "status": fault.status_code, "headers": _headers(headers)})
    for start in range(0, len(body), _CHUNK):
        await send({"type": "http.response.body", "body": body[start : start + _CHUNK], "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _respond_instead(fault: Fault, send: Send, request_headers: dict[str, str]) -> None:
    extra = dict(fault.headers or {})
    status = fault.status_code
    if fault.kind == "respond":
        given: Any = fault.body
        if given is None or isinstance(given, dict | list):
            payload: Any = default_error_body(status) if given is None else cast(Any, given)
            await _answer(send, status, compact_json(payload).encode(), {"content-type": "application/json", **extra})
        else:
            body, kind = _raw_body(fault, b"", "text/plain; charset=utf-8")
            await _answer(send, status, body, {"content-type": kind, **extra})
    elif fault.kind == "malformed_json":
        body, kind = _raw_body(
            fault, b'{"count": 7, "next": null, "previous": null, "results": [{"id": "', "application/json"
        )
        await _answer(send, status, body, {"content-type": kind, **extra})
    elif fault.kind == "html":
        body, kind = _raw_body(fault, _html_page(status), "text/html")
        await _answer(send, status, body, {"content-type": kind, **extra})
    elif fault.kind == "empty":
        await _answer(send, status, b"", {"content-type": "application/json", **extra})
    elif fault.kind == "oversized":
        await _oversized(send, fault)
    elif fault.kind == "redirect":
        await _answer(send, status, b"", {"location": fault.location or "/", **extra})
    elif fault.kind == "raw_json":
        body, kind = _raw_body(fault, b"", "application/json")
        await _answer(send, status, body, {"content-type": kind, **extra})
    elif fault.kind == "event_stream":
        await _streamed(send, fault, "text/event-stream")
    elif fault.kind == "echo_auth":
        template = fault.body.decode() if isinstance(fault.body, bytes) else str(fault.body or "{authorization}")
        body = template.replace("{authorization}", request_headers.get("authorization", "")).encode()
        await _answer(send, status, body, {"content-type": "application/json", **extra})


def _truncating_send(send: Send, fault: Fault) -> Callable[[Message], Awaitable[None]]:
    """For ``disconnect``: hold the whole response, then send its headers and a prefix of its body, then drop."""
    start: Message | None = None
    body = bytearray()

    async def wrapped(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        body.extend(message.get("body", b""))
        if message.get("more_body", False):
            return
        assert start is not None
        await send(start)
        cut = fault.size if fault.size is not None else len(body) // 2
        if cut:
            await send({"type": "http.response.body", "body": bytes(body[:cut]), "more_body": True})
        raise DropConnection

    return wrapped


async def _hold(receive: Receive, seconds: float, draining: threading.Event) -> None:
    """Send nothing until the client leaves, ``seconds`` pass, or the server is shutting down."""
    deadline = time.monotonic() + seconds
    waiter = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        while not waiter.done() and not draining.is_set() and time.monotonic() < deadline:
            await asyncio.wait({waiter}, timeout=min(0.05, max(0.0, deadline - time.monotonic())))
    finally:
        waiter.cancel()


def _stream_watching_send(
    send: Send, receive: Receive, fault: Fault, draining: threading.Event
) -> Callable[[Message], Awaitable[None]]:
    """For ``cut_stream``/``stall_stream``: forward events until ``after_events``, then drop or hold the line."""
    forwarded = 0

    async def stop() -> None:
        if fault.kind == "stall_stream":
            await _hold(receive, fault.max_stall, draining)
        raise DropConnection

    async def wrapped(message: Message) -> None:
        nonlocal forwarded
        if message["type"] == "http.response.start":
            await send(message)
            if fault.after_events == 0:
                await stop()
            return
        data: bytes = message.get("body", b"")
        allowed = fault.after_events - forwarded
        if sse.count_frames(data) < allowed:
            forwarded += sse.count_frames(data)
            await send(message)
            return
        cut = 0
        for _ in range(allowed):
            cut = data.index(b"\n\n", cut) + 2
        if cut:
            await send({"type": "http.response.body", "body": data[:cut], "more_body": True})
        await stop()

    return wrapped


class SandboxMiddleware:
    """Records requests into ``state.log`` and applies the transport faults of ``state.faults``."""

    def __init__(self, app: ASGIApp, state: SandboxState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        raw_path = scope.get("raw_path")
        path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(scope["path"])
        path = path.split("?", 1)[0]
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        query = scope.get("query_string", b"").decode("latin-1")
        self.state.log.record(scope["method"], path, query, headers, body)

        replay = _replay(body, receive)
        fault = self.state.faults.take(scope["method"], str(scope["path"]), application=False)
        if fault is None:
            await self.app(scope, replay, send)
            return
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.kind == "delay":
            await self.app(scope, replay, send)
        elif fault.kind == "disconnect":
            await self.app(scope, replay, _truncating_send(send, fault))
        elif fault.kind in {"cut_stream", "stall_stream"}:
            await self.app(scope, replay, _stream_watching_send(send, receive, fault, self.state.draining))
        else:
            await _respond_instead(fault, send, headers)
