"""Reads PostHog AI's event stream for one conversation turn and sums it up for the agent.

PostHog answers ``POST conversations/`` with ``text/event-stream`` frames (``conversation``, ``message``,
``status``, ``update``) and simply closes the stream when done. Messages without an ``id`` are partial
chunks of the answer being written; the final answer arrives with an ``id``. A ``ai/failure`` message or a
``generation_error`` status means the turn failed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import httpx2

from .upstream_errors import UpstreamFailure

ProgressReport = Callable[[float, str | None], Awaitable[None]]
TurnStatus = Literal["completed", "failed", "interrupted"]

_TEXT_TYPES = frozenset({"ai", "human"})


@dataclass(slots=True)
class ConversationTurn:
    conversation_id: str
    trace_id: str
    conversation: dict[str, Any] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    partial_answer: str = ""
    failure: str | None = None
    events: int = 0

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
        for index, existing in enumerate(self.messages):
            if message_id is not None and existing.get("id") == message_id:
                self.messages[index] = message
                return
        self.messages.append(message)

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
        kind = payload.get("type")
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


async def read_turn(response: httpx2.Response, turn: ConversationTurn, report: ProgressReport) -> ConversationTurn:
    """Consume the stream into ``turn``; a broken or stalled stream raises ``UpstreamFailure``."""
    try:
        async for sse in httpx2.EventSource(response):
            try:
                data = json.loads(sse.data) if sse.data else None
            except ValueError:
                continue  # a malformed frame: keep reading; the turn is judged by what arrives in full
            note = turn.take(sse.event or "message", data)
            if note is not None:
                await report(float(turn.events), note)
    except httpx2.TimeoutException as error:
        raise UpstreamFailure("stream", "PostHog AI stopped sending before the answer was complete") from error
    except (httpx2.TransportError, httpx2.SSEError) as error:
        raise UpstreamFailure("stream", "the PostHog AI event stream broke off") from error
    return turn
