"""PostHog AI's event-stream framing: ``event: <type>\ndata: <compact json>\n\n``, no ids, no end event."""

from __future__ import annotations

import json
from typing import Any

CONTENT_TYPE = "text/event-stream"
"""Exactly what Django's ``StreamingHttpResponse(content_type="text/event-stream")`` sends (no charset)."""


def compact_json(payload: Any) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def frame(event: str, payload: Any) -> bytes:
    """One server-sent event as PostHog's ``AssistantSSESerializer`` writes it."""
    return f"event: {event}\ndata: {compact_json(payload)}\n\n".encode()


def count_frames(data: bytes) -> int:
    """Complete events in a byte string (each ends with a blank line)."""
    return data.count(b"\n\n")
