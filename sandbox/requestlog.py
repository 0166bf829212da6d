"""A thread-safe log of every request the sandbox received, for end-to-end assertions."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """What arrived on the wire. Header names are lower-case (HTTP/1.1 as parsed); values are as received."""

    method: str
    path: str
    """The raw path as received (percent-encoding kept), without the query string."""
    query: dict[str, list[str]]
    json: Any | None
    """The parsed JSON body, or ``None`` when the body was empty or not JSON."""
    body_size: int
    headers: dict[str, str]
    body: bytes = field(repr=False)
    received_at: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def api_path(self) -> str | None:
        """The path after ``/api/environments/{project_id}/`` without its trailing slash, if it is one."""
        parts = self.path.split("/", 4)
        if len(parts) < 5 or parts[1] != "api" or parts[2] != "environments":
            return None
        return parts[4].rstrip("/")


def _parse_json(body: bytes) -> Any | None:
    if not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


class RequestLog:
    def __init__(self) -> None:
        self._entries: list[RecordedRequest] = []
        self._lock = threading.Lock()

    def record(self, method: str, raw_path: str, query_string: str, headers: dict[str, str], body: bytes) -> None:
        entry = RecordedRequest(
            method=method,
            path=raw_path,
            query=parse_qs(query_string, keep_blank_values=True),
            json=_parse_json(body),
            body_size=len(body),
            headers=headers,
            body=body,
        )
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
