"""Following recordings and conversations that are still changing, for clients of both protocol eras.

- 2025 era: ``resources/subscribe`` / ``resources/unsubscribe``; a change is sent as
  ``notifications/resources/updated`` on the subscribing connection.
- 2026-07-28: ``subscriptions/listen``; the SDK's ``ListenHandler`` serves the stream and this module wraps it to
  learn which URIs the stream asked for, then publishes ``ResourceUpdated`` on the bus it reads from.

PostHog has no push, so each subscribed object is polled every ``poll_interval`` while anyone follows it: one
poller per object (a recording and its transcript share one), in the task group the server lifespan owns.
A poller stops when nobody follows the object any more, or once the object settles (recording ``ready`` or
``error``, conversation ``idle``) after the last change was announced. A failed poll is logged and retried on
the next tick; it never ends the server.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import TaskGroup
from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ResourceUpdated, SubscriptionBus

from ..resource_uris import ResourceRef, conversation_uri, parse_uri, recording_uri, transcript_uri
from ..target import Target
from ..upstream_errors import UpstreamFailure
from .reader import ResourceReader
from .templates import BY_TYPE, Collection

logger = logging.getLogger("posthog_environments_mcp.resources")

SETTLED: Mapping[Collection, frozenset[str]] = {
    "desktop_recordings": frozenset({"ready", "error"}),
    "conversations": frozenset({"idle"}),
}
"""Statuses after which an object no longer changes on its own, so polling it stops."""

_SHARED_CONNECTION = object()
"""Key for legacy subscribers when the SDK does not expose the connection (all treated as one)."""


@dataclass(frozen=True, slots=True)
class ObjectKey:
    collection: Collection
    project_id: str
    object_id: str

    @classmethod
    def of(cls, ref: ResourceRef) -> ObjectKey:
        return cls(BY_TYPE[ref.kind].collection, ref.project_id, ref.object_id)

    def uris(self) -> tuple[str, ...]:
        if self.collection == "desktop_recordings":
            return (recording_uri(self.project_id, self.object_id), transcript_uri(self.project_id, self.object_id))
        return (conversation_uri(self.project_id, self.object_id),)


def fingerprint(ref: ResourceRef, data: Mapping[str, Any]) -> str:
    """A digest of what the URI's document shows: the transcript resource ignores summary and task changes."""
    watched: Any = data
    if ref.kind == "transcript":
        watched = [data.get("status"), data.get("meeting_title"), data.get("transcript_segments")]
    encoded = json.dumps(watched, sort_keys=True, default=str, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


def is_settled(collection: Collection, data: Mapping[str, Any]) -> bool:
    return data.get("status") in SETTLED[collection]


def _connection_of(session: ServerSession) -> Connection | None:
    """The client connection behind a per-request session.

    The SDK keeps it private on ``ServerSession``, but it is the one stable per-connection identity and owns the
    exit stack unwound at disconnect, which is how a vanished client's subscriptions are dropped.
    """
    found = getattr(session, "_connection", None)
    return found if isinstance(found, Connection) else None


class SubscriptionManager:
    """Who follows which URI (legacy connections and listen streams), and the pollers that serve them."""

    def __init__(
        self,
        reader: ResourceReader,
        task_group: TaskGroup,
        *,
        poll_interval: float,
        bus: SubscriptionBus | None = None,
    ) -> None:
        self._reader = reader
        self._task_group = task_group
        self._interval = poll_interval
        self._bus: SubscriptionBus = bus if bus is not None else InMemorySubscriptionBus()
        self._listen = ListenHandler(self._bus)
        self._legacy: dict[str, dict[object, ServerSession]] = {}
        self._listening: dict[str, int] = {}
        self._hooked: set[object] = set()
        self._pollers: dict[ObjectKey, anyio.CancelScope] = {}

    # -- who follows what ----------------------------------------------------------------------------------------

    def followers(self, uri: str) -> int:
        return len(self._legacy.get(uri, {})) + self._listening.get(uri, 0)

    @property
    def polling(self) -> frozenset[ObjectKey]:
        """Objects being polled right now (for tests and diagnostics)."""
        return frozenset(self._pollers)

    def subscribe(self, ref: ResourceRef, uri: str, session: ServerSession, target: Target) -> None:
        """A 2025-era ``resources/subscribe``: remember the connection and start polling."""
        connection = _connection_of(session)
        key: object = connection if connection is not None else _SHARED_CONNECTION
        self._legacy.setdefault(uri, {})[key] = session
        if connection is not None and key not in self._hooked:
            self._hooked.add(key)
            connection.exit_stack.callback(self.drop_connection, key)
        self._ensure_poller(ObjectKey.of(ref), target)

    def unsubscribe(self, ref: ResourceRef, uri: str, session: ServerSession) -> None:
        connection = _connection_of(session)
        subscribers = self._legacy.get(uri, {})
        subscribers.pop(connection if connection is not None else _SHARED_CONNECTION, None)
        if not subscribers:
            self._legacy.pop(uri, None)
        self._stop_if_unfollowed(ObjectKey.of(ref))

    def drop_connection(self, key: object) -> None:
        """The client went away without unsubscribing: forget its subscriptions."""
        self._hooked.discard(key)
        for uri in [u for u, subscribers in self._legacy.items() if key in subscribers]:
            del self._legacy[uri][key]
            if not self._legacy[uri]:
                del self._legacy[uri]
            if (ref := parse_uri(uri)) is not None:
                self._stop_if_unfollowed(ObjectKey.of(ref))

    async def listen(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscriptionsListenRequestParams, target: Target
    ) -> types.SubscriptionsListenResult:
        """Serve one 2026-07-28 listen stream, polling its resource URIs for as long as it stays open."""
        refs = [(uri, ref) for uri in params.notifications.resource_subscriptions or () if (ref := parse_uri(uri))]
        for uri, ref in refs:
            self._listening[uri] = self._listening.get(uri, 0) + 1
            self._ensure_poller(ObjectKey.of(ref), target)
        try:
            return await self._listen(ctx, params)
        finally:
            for uri, ref in refs:
                remaining = self._listening.get(uri, 0) - 1
                if remaining > 0:
                    self._listening[uri] = remaining
                else:
                    self._listening.pop(uri, None)
                self._stop_if_unfollowed(ObjectKey.of(ref))

    def close(self) -> None:
        """At shutdown: end listen streams gracefully and stop every poller."""
        self._listen.close()
        for scope in self._pollers.values():
            scope.cancel()

    # -- polling ---------------------------------------------------------------------------------------------------

    def _followed_uris(self, key: ObjectKey) -> list[str]:
        return [uri for uri in key.uris() if self.followers(uri)]

    def _ensure_poller(self, key: ObjectKey, target: Target) -> None:
        if key in self._pollers:
            return
        scope = anyio.CancelScope()
        self._pollers[key] = scope
        self._task_group.start_soon(self._run_poller, key, target, scope, name=f"poll {key.collection}")

    def _stop_if_unfollowed(self, key: ObjectKey) -> None:
        if not self._followed_uris(key) and (scope := self._pollers.pop(key, None)) is not None:
            scope.cancel()

    async def _run_poller(self, key: ObjectKey, target: Target, scope: anyio.CancelScope) -> None:
        try:
            with scope:
                await self._poll(key, target)
        finally:
            if self._pollers.get(key) is scope:
                del self._pollers[key]

    async def _poll(self, key: ObjectKey, target: Target) -> None:
        seen: dict[str, str] = {}
        failing = False
        while uris := self._followed_uris(key):
            try:
                data = await self._reader.fetch(target, key.collection, key.project_id, key.object_id)
            except UpstreamFailure as failure:
                if failure.status == 404:
                    logger.info("stopped following %s %s: PostHog no longer has it", key.collection, key.object_id)
                    if seen:
                        await self._announce(uris)
                    return
                if not failing:
                    logger.warning(
                        "polling %s failed (%s); retrying every %g s", key.collection, failure, self._interval
                    )
                failing = True
                await anyio.sleep(self._interval)
                continue
            except Exception:  # a bug must not end the server: log it and keep the subscription alive
                logger.exception("polling %s %s failed unexpectedly; retrying", key.collection, key.object_id)
                await anyio.sleep(self._interval)
                continue
            if failing:
                logger.info("polling %s works again", key.collection)
                failing = False
            changed: list[str] = []
            for uri in uris:
                ref = parse_uri(uri)
                if ref is None:
                    continue
                digest = fingerprint(ref, data)
                if seen.get(uri, digest) != digest:
                    changed.append(uri)
                seen[uri] = digest
            await self._announce(changed)
            if is_settled(key.collection, data):
                return
            await anyio.sleep(self._interval)

    async def _announce(self, uris: list[str]) -> None:
        """Tell every follower of each URI, in whichever era it subscribed."""
        for uri in uris:
            for session in list(self._legacy.get(uri, {}).values()):
                try:
                    await session.send_resource_updated(uri)
                except Exception as error:  # a vanished client must not stop the others' notifications
                    logger.warning("could not notify a subscriber of %s: %s", uri, error)
            if self._listening.get(uri):
                await self._bus.publish(ResourceUpdated(uri=uri))
