"""Fault descriptions for tests: make chosen requests fail the ways real networks and servers fail.

Faults are injected through Python (``SandboxState.inject``), never through an HTTP route. A fault matches a
request by method and path and affects the next ``times`` matching requests, then is used up. Only one fault
applies to a request: the oldest matching one.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal[
    "respond",
    "delay",
    "disconnect",
    "malformed_json",
    "html",
    "empty",
    "oversized",
    "redirect",
    "cut_stream",
    "stall_stream",
    "ai_failure",
    "raw_json",
    "event_stream",
    "echo_auth",
]

APPLICATION_KINDS: frozenset[str] = frozenset({"ai_failure"})
"""Kinds acted on by a route rather than by the transport layer."""

_DEFAULT_STATUS: dict[str, int] = {
    "respond": 500,
    "malformed_json": 200,
    "html": 502,
    "empty": 200,
    "oversized": 200,
    "redirect": 302,
    "raw_json": 200,
    "event_stream": 200,
    "echo_auth": 200,
}


@dataclass(slots=True)
class Fault:
    """One injected failure.

    Matching:
      ``method``: an HTTP method, or ``"*"`` for any.
      ``path``: a glob (``fnmatch``; ``*`` also crosses ``/``) matched against the path after
      ``/api/environments/{project_id}/`` without its trailing slash, e.g. ``"desktop_recordings/*"`` or
      ``"endpoints/*/run"``; a pattern starting with ``/`` is matched against the whole path instead; a compiled
      ``re.Pattern`` is searched in the whole path.
      ``times``: how many matching requests it affects; ``None`` for every one until cleared.

    ``delay`` (seconds) is waited before acting, whatever the kind. Kinds:

    ``respond``
        Answer ``status`` (default 500) with ``body`` (JSON for dicts and lists, raw for ``str``/``bytes``; default:
        PostHog's error body for that status) and ``headers``, without reaching the route.
    ``delay``
        Only wait ``delay`` seconds, then handle the request normally (slow upstream, client timeouts).
    ``disconnect``
        Handle the request normally (its effects happen), send the headers and the first ``size`` bytes of the
        body (default: half of it), then close the connection: the client sees an incomplete body.
    ``malformed_json``
        Answer ``status`` (default 200) as ``application/json`` with a truncated JSON document (or ``body``).
    ``html``
        Answer ``status`` (default 502) with a ``text/html`` error page like a proxy's (or ``body``).
    ``empty``
        Answer ``status`` (default 200) as ``application/json`` with no body at all.
    ``oversized``
        Answer ``status`` (default 200) with a valid JSON page of exactly ``size`` bytes (default 10 MiB), streamed.
    ``redirect``
        Answer ``status`` (default 302; 301, 303, 307, 308 work too) with ``Location: location``.
    ``cut_stream``
        Handle the request normally and forward the first ``after_events`` events of its event stream, then close
        the connection mid-stream (no final chunk).
    ``stall_stream``
        Forward the first ``after_events`` events, then send nothing more and keep the connection open until the
        client goes away or ``max_stall`` seconds pass, then close it.
    ``raw_json``
        Answer ``status`` (default 200) as ``application/json`` with exactly the bytes (or UTF-8 text) of ``body``:
        hostile JSON text such as lone-surrogate escapes, invalid UTF-8, ``NaN`` or 5,000 levels of nesting.
    ``event_stream``
        Answer ``status`` (default 200) as ``text/event-stream`` with the bytes (or text) of ``body``, streamed in
        64 KiB chunks, instead of the route's stream: any frames, e.g. 50k chunks or an undecodable one.
    ``echo_auth``
        Answer ``status`` (default 200) as ``application/json`` with the text ``body`` in which ``{authorization}``
        is replaced by the request's ``Authorization`` header, like a proxy or debug view echoing it.
    ``ai_failure``
        PostHog AI fails while answering: the conversation stream sends the conversation and the human message,
        then a final ``ai/failure`` message, and the conversation returns to ``idle``.
    """

    method: str = "*"
    path: str | re.Pattern[str] = "*"
    times: int | None = 1
    kind: FaultKind = "respond"
    status: int | None = None
    body: Any = None
    headers: Mapping[str, str] | None = None
    delay: float = 0.0
    after_events: int = 0
    size: int | None = None
    location: str | None = None
    max_stall: float = 30.0
    used: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind == "redirect" and not self.location:
            raise ValueError("A redirect fault needs a location (an absolute URL)")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1, or None for unlimited")
        if self.delay < 0 or self.after_events < 0 or (self.size is not None and self.size < 0):
            raise ValueError("delay, after_events and size cannot be negative")

    @property
    def status_code(self) -> int:
        return self.status if self.status is not None else _DEFAULT_STATUS.get(self.kind, 200)

    def matches(self, method: str, full_path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if isinstance(self.path, re.Pattern):
            return self.path.search(full_path) is not None
        if self.path.startswith("/"):
            return fnmatch.fnmatchcase(full_path.rstrip("/") or "/", self.path.rstrip("/") or "/")
        return fnmatch.fnmatchcase(api_relative_path(full_path), self.path.strip("/"))

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.used >= self.times


_API_PREFIX = re.compile(r"^/api/environments/[^/]+/?")


def api_relative_path(full_path: str) -> str:
    """``/api/environments/1/desktop_recordings/`` → ``desktop_recordings``."""
    return _API_PREFIX.sub("", full_path).strip("/")


class FaultBook:
    """The injected faults, consumed as matching requests arrive. Thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [fault for fault in self._faults if not fault.exhausted]

    def take(self, method: str, full_path: str, *, application: bool) -> Fault | None:
        """Use up one application of the oldest matching fault of the transport or the application layer."""
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or (fault.kind in APPLICATION_KINDS) != application:
                    continue
                if fault.matches(method, full_path):
                    fault.used += 1
                    return fault
            return None
