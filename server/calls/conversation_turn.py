"""Reads PostHog AI's event stream for one conversation turn and sums it up for the agent.

PostHog answers ``POST conversations/`` with ``text/event-stream`` frames (``conversation``, ``message``,
``status``, ``update``) and simply closes the stream when done. Messages without an ``id`` are partial
chunks of the answer being written; the final answer arrives with an ``id``. A ``ai/failure`` message or a
``generation_error`` status means the turn failed.

Each event costs constant time (messages are indexed by id), and progress is reported at most every
``PROGRESS_INTERVAL`` seconds plus once at the end, so a stream of 50k chunks is neither quadratic nor 50k
notifications. Frames are decoded with ``json_text`` (no lone surrogates, no NaN, bounded nesting).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import httpx2

from ..logs import one_line
from ..posthog import json_text
from ..posthog.upstream_errors import UpstreamFailure

ProgressReport = Callable[[float, str | None], Awaitable[None]]
TurnStatus = Literal["completed", "failed", "interrupted"]

_TEXT_TYPES = frozenset({"ai", "human"})
PROGRESS_INTERVAL = 0.25
"""Seconds between two progress notifications of one turn (at most four a second, plus the final one)."""
_MAX_KIND_CHARS = 40


@dataclass(slots=True)
class ConversationTurn:
    conversation_id: str
    trace_id: str
    conversation: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    partial_answer: str = ""
    failure: str | None = None
    events: int = 0
    _positions: dict[Any, int] = field(default_factory=dict[Any, int])
    """Index in ``messages`` of each message id, so a replaced message is found in constant time."""

    @property
    def answer(self) -> str | None:
        for message in reversed(self.messages):
            if message.get("type") == "ai" and isinstance(message.get("content"), str):
                return cast(str, message["content"])
        return self.partial_answer or None

    @property
    def completed(self) -> bool:
        return self.failure is None and any(m.get("type") == "ai" for m in self.messages)

    def summary(self, status: TurnStatus) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "trace_id": self.trace_id,
            "status": status,
            "answer": self.answer,
            "messages": self.messages,
            "failure": self.failure,
        }

    def _keep_message(self, message: dict[str, Any]) -> None:
        message_id = message.get("id")
        key = message_id if isinstance(message_id, (str, int, float, bool)) else None
        if key is not None and key in self._positions:
            self.messages[self._positions[key]] = message
            return
        if key is not None:
            self._positions[key] = len(self.messages)
        self.messages.append(message)

    def too_deep(self, error: json_text.TooDeep) -> str:
        """A frame nesting too deep: the turn fails with that reason; what arrived before is kept."""
        self.events += 1
        self.failure = f"{error} (one event of the stream could not be read)"
        return "unreadable event"

    def take(self, event: str, data: Any) -> str | None:
        """Fold one event in; returns a progress message worth reporting, if any."""
        self.events += 1
        if not isinstance(data, dict):
            return None
        payload = cast(dict[str, Any], data)
        if event == "conversation":
            self.conversation = payload
            return "conversation started"
        if event == "status" and payload.get("type") == "generation_error":
            self.failure = "PostHog AI reported a generation error"
            return "generation error"
        if event != "message":
            return None
        kind = one_line(str(payload.get("type")))[:_MAX_KIND_CHARS]
        if kind == "ai/failure":
            self.failure = str(payload.get("content") or "PostHog AI failed to answer")
            self._keep_message(payload)
            return "PostHog AI failed"
        if payload.get("id") is None:
            if kind == "ai" and isinstance(payload.get("content"), str):
                self.partial_answer = cast(str, payload["content"])
                return f"writing answer ({len(self.partial_answer)} characters so far)"
            return None
        self._keep_message(payload)
        if kind in _TEXT_TYPES:
            return f"{kind} message received"
        return f"{kind} step received"


class _Coalesced:
    """Passes on at most one progress note per ``PROGRESS_INTERVAL``; ``flush`` sends the last one held back."""

    def __init__(self, report: ProgressReport) -> None:
        self._report = report
        self._last_sent = float("-inf")
        self._held: tuple[float, str] | None = None

    async def note(self, done: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last_sent >= PROGRESS_INTERVAL:
            self._last_sent, self._held = now, None
            await self._report(done, message)
        else:
            self._held = (done, message)

    async def flush(self) -> None:
        if self._held is not None:
            done, message = self._held
            self._held = None
            await self._report(done, message)


async def read_turn(
    response: httpx2.Response, turn: ConversationTurn, report: ProgressReport, *, max_bytes: int | None = None
) -> ConversationTurn:
    """Consume the stream into ``turn``; a broken or stalled stream, or one whose event data exceeds
    ``max_bytes`` in all (what a plain answer may weigh), raises ``UpstreamFailure``."""
    progress = _Coalesced(report)
    received = 0
    try:
        async for sse in httpx2.EventSource(response):
            received += len(sse.data)
            if max_bytes is not None and received > max_bytes:
                await progress.flush()
                raise UpstreamFailure(
                    "too_large", f"PostHog AI's event stream exceeded the {max_bytes}-byte limit; reading stopped"
                )
            try:
                data = json_text.loads(sse.data) if sse.data else None
            except json_text.TooDeep as error:
                await progress.note(float(turn.events), turn.too_deep(error))
                continue
            except ValueError:
                continue  # a malformed frame: keep reading; the turn is judged by what arrives in full
            note = turn.take(sse.event or "message", data)
            if note is not None:
                await progress.note(float(turn.events), note)
    except httpx2.TimeoutException as error:
        await progress.flush()
        raise UpstreamFailure("stream", "PostHog AI stopped sending before the answer was complete") from error
    except (httpx2.TransportError, httpx2.SSEError) as error:
        await progress.flush()
        raise UpstreamFailure("stream", "the PostHog AI event stream broke off") from error
    await progress.flush()
    return turn
