"""The end of stdin ends the session only once every request read so far has been answered.

The SDK's serving loop ends when its read stream ends, cancelling the handlers still running, so a client that
writes its last requests and closes its end (``posthog-environments-mcp < requests.jsonl``) lost the answers to
the slow ones. These wrappers sit between ``stdio_server`` and ``Server.run``: they note each request read and
each answer written, and hold back the end of the read stream until nothing is left to answer, or until
``bound`` seconds after stdin ended (the call deadline plus a margin), after which the session ends as before.

Not waited for: notifications; a request the client cancelled (it is never answered); ``subscriptions/listen``
(2026-07-28), a stream that stays open until the session ends rather than a call to finish.
"""

from __future__ import annotations

import contextvars
from collections import Counter
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

import anyio
import mcp_types as types
from mcp.shared._stream_protocols import ReadStream, WriteStream
from mcp.shared.dispatcher import coerce_request_id
from mcp.shared.jsonrpc_dispatcher import cancelled_request_id_from_params
from mcp.shared.message import SessionMessage

DRAIN_MARGIN = 2.0
"""Seconds past the call deadline a call may take to put its answer into words before the session ends anyway."""
OPEN_STREAMS = frozenset({"subscriptions/listen"})
"""Requests answered only when the session ends: waiting for them would keep every piped session open."""


class PendingAnswers:
    """Request ids read and not yet answered (a count per id: a client may reuse one)."""

    def __init__(self) -> None:
        self._waiting: Counter[types.RequestId] = Counter()
        self._changed = anyio.Event()

    def read(self, item: SessionMessage | Exception) -> None:
        if not isinstance(item, SessionMessage):
            return
        message = item.message
        if isinstance(message, types.JSONRPCRequest) and message.method not in OPEN_STREAMS:
            self._waiting[coerce_request_id(message.id)] += 1
        elif isinstance(message, types.JSONRPCNotification) and message.method == "notifications/cancelled":
            cancelled = cancelled_request_id_from_params(message.params)
            if cancelled is not None:
                self._settle(cancelled, every=True)

    def written(self, item: SessionMessage) -> None:
        message = item.message
        if isinstance(message, types.JSONRPCResponse | types.JSONRPCError) and message.id is not None:
            self._settle(message.id, every=False)

    def _settle(self, request_id: types.RequestId, *, every: bool) -> None:
        key = coerce_request_id(request_id)
        if key not in self._waiting:
            return
        left = 0 if every else self._waiting[key] - 1
        if left:
            self._waiting[key] = left
        else:
            del self._waiting[key]
        self._changed.set()

    async def all_answered(self) -> None:
        while self._waiting:
            self._changed = anyio.Event()
            await self._changed.wait()


class _Wrapper:
    """Closing a wrapper closes the stream it wraps (the SDK's loop closes both, with ``async with``)."""

    def __init__(self, close_inner: Callable[[], Awaitable[None]]) -> None:
        self._close_inner = close_inner

    async def aclose(self) -> None:
        await self._close_inner()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc_val: BaseException | None, exc_tb: TracebackType | None
    ) -> None:
        await self.aclose()


class DrainingReadStream(_Wrapper):
    """The messages read from stdin; their end is passed on once every request has its answer (or ``bound``)."""

    def __init__(self, inner: ReadStream[SessionMessage | Exception], pending: PendingAnswers, bound: float) -> None:
        super().__init__(inner.aclose)
        self._inner = inner
        self._pending = pending
        self._bound = bound
        self._gives_up_at: float | None = None
        self.last_context: contextvars.Context | None = None
        """The sender's context of the last message, which the SDK's loop reads (as on ``ContextReceiveStream``)."""

    async def receive(self) -> SessionMessage | Exception:
        try:
            item = await self._inner.receive()
        except anyio.EndOfStream:
            if self._gives_up_at is None:  # the bound counts from the end of stdin, however often it is read
                self._gives_up_at = anyio.current_time() + self._bound
            with anyio.CancelScope(deadline=self._gives_up_at):
                await self._pending.all_answered()
            raise
        self.last_context = getattr(self._inner, "last_context", None)
        self._pending.read(item)
        return item

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None


class AnsweringWriteStream(_Wrapper):
    """The messages written to stdout, each answer crossed off the pending ones once the writer has taken it."""

    def __init__(self, inner: WriteStream[SessionMessage], pending: PendingAnswers) -> None:
        super().__init__(inner.aclose)
        self._inner = inner
        self._pending = pending

    async def send(self, item: SessionMessage) -> None:
        try:
            await self._inner.send(item)
        finally:  # a failed write ends the session anyway: nothing more is waited for it
            self._pending.written(item)


def draining(
    read_stream: ReadStream[SessionMessage | Exception], write_stream: WriteStream[SessionMessage], call_timeout: float
) -> tuple[DrainingReadStream, AnsweringWriteStream]:
    """``stdio_server``'s two streams, wrapped so that the end of stdin waits for the answers still due."""
    pending = PendingAnswers()
    bound = call_timeout + DRAIN_MARGIN
    return DrainingReadStream(read_stream, pending, bound), AnsweringWriteStream(write_stream, pending)
