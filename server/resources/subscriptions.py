"""Following recordings and conversations that are still changing, for clients of both protocol eras.

- 2025 era: ``resources/subscribe`` / ``resources/unsubscribe``; a change is sent as
  ``notifications/resources/updated`` on the subscribing connection.
- 2026-07-28: ``subscriptions/listen``; the SDK's ``ListenHandler`` serves the stream and this module wraps it to
  learn which URIs the stream asked for, then publishes ``ResourceUpdated`` on the bus it reads from.

PostHog has no push, so each subscribed object is polled every ``poll_interval`` while anyone follows it: one
poller per canonical (credential, object) (a recording and its transcript share one; ``007`` and ``7`` are one
project), in the task group the server lifespan owns. Everything is keyed by a hash of the caller's host and
key, never the key itself, and each credential has its own listen bus: one caller never hears about another's
subscriptions, and a poller only ever uses the key of the callers it serves.

Within a budget: a connection or listen stream follows at most ``max_subscriptions_per_session`` resources and
the server at most ``max_subscriptions`` (over either, a clear MCP error); all pollers of one key share a
``RateGate`` spending at most ``poll_rate_share`` of the key's PostHog rate limit, and back off on 429.

A poller stops when nobody follows the object any more, or once the object settles (recording ``ready`` or
``error``, conversation ``idle``) after the last change was announced. A failed poll is logged once per failing
streak and retried on the next tick; it never ends the server.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import TaskGroup
from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler, ResourceUpdated
from mcp.shared.exceptions import MCPError

from ..config import Settings
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure
from .reader import ResourceReader
from .resource_uris import ResourceRef, conversation_uri, parse_uri, recording_uri, transcript_uri
from .templates import BY_TYPE, Collection

logger = logging.getLogger("posthog_environments_mcp.resources")

SETTLED: Mapping[Collection, frozenset[str]] = {
    "desktop_recordings": frozenset({"ready", "error"}),
    "conversations": frozenset({"idle"}),
}
"""Statuses after which an object no longer changes on its own, so polling it stops."""

_SHARED_CONNECTION = object()
"""Key for legacy subscribers when the SDK does not expose the connection (all treated as one)."""
BACKOFF_AFTER_429 = 30.0
"""Seconds a key's pollers pause after PostHog's 429 when it names no wait (doubling while it goes on)."""
MAX_BACKOFF = 600.0


def credential_of(target: Target) -> str:
    """Who a subscription is for: a digest of host and key, so the key itself is never kept or compared."""
    key = target.api_key.get_secret_value() if target.api_key is not None else ""
    return hashlib.sha256(f"{target.host}\0{key}".encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Follow:
    """One followed resource: a credential and a canonical URI."""

    credential: str
    uri: str


@dataclass(frozen=True, slots=True)
class ObjectKey:
    """What one poller reads: an object, for one credential."""

    credential: str
    collection: Collection
    project_id: str
    object_id: str

    @classmethod
    def of(cls, credential: str, ref: ResourceRef) -> ObjectKey:
        return cls(credential, BY_TYPE[ref.kind].collection, ref.project_id, ref.object_id)

    def follows(self) -> tuple[Follow, ...]:
        if self.collection == "desktop_recordings":
            uris = (recording_uri(self.project_id, self.object_id), transcript_uri(self.project_id, self.object_id))
        else:
            uris = (conversation_uri(self.project_id, self.object_id),)
        return tuple(Follow(self.credential, uri) for uri in uris)


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


class RateGate:
    """Spaces one key's polls so that together they spend at most a share of its PostHog rate limit."""

    def __init__(self, per_minute: float) -> None:
        self._spacing = 60.0 / per_minute
        self._next = 0.0
        self._streak = 0

    async def wait(self) -> None:
        now = anyio.current_time()
        slot = max(now, self._next)
        self._next = slot + self._spacing
        try:
            await anyio.sleep(slot - now)
        except BaseException:  # cancelled (unsubscribed): give the slot back unless a later one was handed out
            if self._next == slot + self._spacing:
                self._next = slot
            raise

    def throttled(self, retry_after: float | None) -> float:
        """PostHog said 429: hold every poll of this key for its wait (or a doubling one); returns the pause."""
        self._streak += 1
        pause = min(MAX_BACKOFF, retry_after or BACKOFF_AFTER_429 * 2 ** (self._streak - 1))
        self._next = max(self._next, anyio.current_time() + pause)
        return pause

    def served(self) -> None:
        self._streak = 0


class _Listener:
    """One credential's listen streams: a bus of its own, so its events reach only its streams."""

    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self.handler = ListenHandler(self.bus)
        self.streams = 0


class SubscriptionManager:
    """Who follows which URI (legacy connections and listen streams), and the pollers that serve them."""

    def __init__(self, reader: ResourceReader, task_group: TaskGroup, *, settings: Settings) -> None:
        self._reader = reader
        self._task_group = task_group
        self._interval = settings.poll_interval
        self._per_session = settings.max_subscriptions_per_session
        self._per_server = settings.max_subscriptions
        self._poll_rate = settings.poll_rate_limit * settings.poll_rate_share
        self._legacy: dict[Follow, dict[object, tuple[ServerSession, str]]] = {}
        """Per followed resource: connection → (its session, the URI as the client spelled it)."""
        self._listening: dict[Follow, Counter[str]] = {}
        """Per followed resource: open listen streams by the URI spelling they asked for."""
        self._listeners: dict[str, _Listener] = {}
        self._hooked: set[object] = set()
        self._pollers: dict[ObjectKey, anyio.CancelScope] = {}
        self._gates: dict[str, RateGate] = {}
        self._closed = False

    # -- who follows what ----------------------------------------------------------------------------------------

    def followers(self, uri: str) -> int:
        """How many connections and streams follow this resource, under any credential and spelling."""
        ref = parse_uri(uri)
        if ref is None:
            return 0
        canonical = ref.uri
        return sum(self._count(f) for f in {*self._legacy, *self._listening} if f.uri == canonical)

    def _count(self, follow: Follow) -> int:
        return len(self._legacy.get(follow, {})) + sum(self._listening.get(follow, Counter[str]()).values())

    @property
    def polling(self) -> frozenset[ObjectKey]:
        """Objects being polled right now (for tests and diagnostics)."""
        return frozenset(self._pollers)

    @property
    def diagnostics(self) -> dict[str, int]:
        """What the manager holds right now; all zero once nobody follows anything (the soak test checks)."""
        return {
            "pollers": len(self._pollers),
            "followed": self.followed,
            "listen_buses": len(self._listeners),
            "rate_gates": len(self._gates),
            "connections_hooked": len(self._hooked),
        }

    @property
    def followed(self) -> int:
        """Distinct (credential, resource) pairs followed right now."""
        return len({*self._legacy, *self._listening})

    def _refuse_beyond_server_cap(self, new: Iterable[Follow]) -> None:
        fresh = {f for f in new if f not in self._legacy and f not in self._listening}
        if fresh and self.followed + len(fresh) > self._per_server:
            raise MCPError(
                types.INVALID_REQUEST,
                f"Too many subscriptions: this server already follows {self.followed} resources and allows "
                f"{self._per_server} (POSTHOG_MCP_MAX_SUBSCRIPTIONS). Unsubscribe from resources you no longer "
                "need, or read them with resources/read instead of following them.",
            )

    def _refuse_beyond_session_cap(self, count: int, where: str) -> None:
        if count > self._per_session:
            raise MCPError(
                types.INVALID_REQUEST,
                f"Too many subscriptions: {where} would follow {count} resources and at most {self._per_session} "
                "are allowed (POSTHOG_MCP_MAX_SUBSCRIPTIONS_PER_SESSION). Follow only the recordings and "
                "conversations still changing; unsubscribe from the others.",
            )

    def subscribe(self, ref: ResourceRef, uri: str, session: ServerSession, target: Target) -> None:
        """A 2025-era ``resources/subscribe``: remember the connection and start polling (within the caps)."""
        connection = _connection_of(session)
        key: object = connection if connection is not None else _SHARED_CONNECTION
        credential = credential_of(target)
        follow = Follow(credential, ref.uri)
        if key not in self._legacy.get(follow, {}):
            held = sum(1 for subscribers in self._legacy.values() if key in subscribers)
            self._refuse_beyond_session_cap(held + 1, "this connection")
            self._refuse_beyond_server_cap([follow])
        self._legacy.setdefault(follow, {})[key] = (session, uri)
        if connection is not None and key not in self._hooked:
            self._hooked.add(key)
            connection.exit_stack.callback(self.drop_connection, key)
        self._ensure_poller(ObjectKey.of(credential, ref), target)

    def unsubscribe(self, ref: ResourceRef, uri: str, session: ServerSession, target: Target) -> None:
        connection = _connection_of(session)
        credential = credential_of(target)
        follow = Follow(credential, ref.uri)
        subscribers = self._legacy.get(follow, {})
        subscribers.pop(connection if connection is not None else _SHARED_CONNECTION, None)
        if not subscribers:
            self._legacy.pop(follow, None)
        self._stop_if_unfollowed(ObjectKey.of(credential, ref))

    def drop_connection(self, key: object) -> None:
        """The client went away without unsubscribing: forget its subscriptions."""
        self._hooked.discard(key)
        for follow in [f for f, subscribers in self._legacy.items() if key in subscribers]:
            del self._legacy[follow][key]
            if not self._legacy[follow]:
                del self._legacy[follow]
            if (ref := parse_uri(follow.uri)) is not None:
                self._stop_if_unfollowed(ObjectKey.of(follow.credential, ref))

    async def listen(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscriptionsListenRequestParams, target: Target
    ) -> types.SubscriptionsListenResult:
        """Serve one 2026-07-28 listen stream, polling its resource URIs for as long as it stays open."""
        credential = credential_of(target)
        asked = {uri: ref for uri in params.notifications.resource_subscriptions or () if (ref := parse_uri(uri))}
        follows = [(Follow(credential, ref.uri), uri, ref) for uri, ref in asked.items()]
        self._refuse_beyond_session_cap(len({f for f, _uri, _ref in follows}), "this listen stream")
        self._refuse_beyond_server_cap(f for f, _uri, _ref in follows)
        listener = self._listeners.setdefault(credential, _Listener())
        listener.streams += 1
        for follow, uri, ref in follows:
            self._listening.setdefault(follow, Counter[str]())[uri] += 1
            self._ensure_poller(ObjectKey.of(credential, ref), target)
        try:
            return await listener.handler(ctx, params)
        finally:
            listener.streams -= 1
            if listener.streams == 0 and self._listeners.get(credential) is listener:
                del self._listeners[credential]
            for follow, uri, ref in follows:
                spellings = self._listening.get(follow, Counter[str]())
                spellings[uri] -= 1
                if spellings[uri] <= 0:
                    del spellings[uri]
                if not spellings:
                    self._listening.pop(follow, None)
                self._stop_if_unfollowed(ObjectKey.of(credential, ref))

    def close(self) -> None:
        """At shutdown: end listen streams gracefully and stop every poller."""
        self._closed = True
        for listener in self._listeners.values():
            listener.handler.close()
        for scope in self._pollers.values():
            scope.cancel()

    # -- polling ---------------------------------------------------------------------------------------------------

    def _followed(self, key: ObjectKey) -> list[Follow]:
        return [f for f in key.follows() if f in self._legacy or f in self._listening]

    def _ensure_poller(self, key: ObjectKey, target: Target) -> None:
        if key in self._pollers or self._closed:
            return
        scope = anyio.CancelScope()
        self._pollers[key] = scope
        self._gates.setdefault(key.credential, RateGate(self._poll_rate))
        self._task_group.start_soon(self._run_poller, key, target, scope, name=f"poll {key.collection}")

    def _stop_if_unfollowed(self, key: ObjectKey) -> None:
        if not self._followed(key) and (scope := self._pollers.pop(key, None)) is not None:
            scope.cancel()
            self._forget_gate_if_idle(key.credential)

    def _forget_gate_if_idle(self, credential: str) -> None:
        if not any(k.credential == credential for k in self._pollers):
            self._gates.pop(credential, None)

    async def _run_poller(self, key: ObjectKey, target: Target, scope: anyio.CancelScope) -> None:
        try:
            with scope:
                await self._poll(key, target)
        finally:
            if self._pollers.get(key) is scope:
                del self._pollers[key]
                self._forget_gate_if_idle(key.credential)

    async def _poll(self, key: ObjectKey, target: Target) -> None:
        seen: dict[str, str] = {}
        failing = False
        while follows := self._followed(key):
            gate = self._gates.setdefault(key.credential, RateGate(self._poll_rate))
            await gate.wait()
            try:
                data = await self._reader.fetch(target, key.collection, key.project_id, key.object_id, retry=False)
            except UpstreamFailure as failure:
                if failure.status == 404:
                    logger.info("stopped following %s %s: PostHog no longer has it", key.collection, key.object_id)
                    if seen:
                        await self._announce(self._followed(key))
                    return
                if failure.status == 429:
                    pause = gate.throttled(failure.retry_after)
                    logger.warning("PostHog rate-limits polling (429); this key's pollers pause %g s", pause)
                elif not failing:
                    logger.warning(
                        "polling %s failed (%s); retrying every %g s", key.collection, failure, self._interval
                    )
                failing = True
                await anyio.sleep(self._interval)
                continue
            except Exception:  # a bug must not end the server: log it once and keep the subscription alive
                if not failing:
                    logger.exception("polling %s %s failed unexpectedly; retrying", key.collection, key.object_id)
                failing = True
                await anyio.sleep(self._interval)
                continue
            gate.served()
            if failing:
                logger.info("polling %s works again", key.collection)
                failing = False
            changed: list[Follow] = []
            for follow in follows:
                ref = parse_uri(follow.uri)
                if ref is None:
                    continue
                digest = fingerprint(ref, data)
                if seen.get(follow.uri, digest) != digest:
                    changed.append(follow)
                seen[follow.uri] = digest
            await self._announce(changed)
            if is_settled(key.collection, data):
                return
            await anyio.sleep(self._interval)

    async def _announce(self, follows: list[Follow]) -> None:
        """Tell every follower of each resource, in whichever era and spelling it subscribed."""
        for follow in follows:
            for session, uri in list(self._legacy.get(follow, {}).values()):
                try:
                    await session.send_resource_updated(uri)
                except Exception as error:  # a vanished client must not stop the others' notifications
                    logger.warning("could not notify a subscriber of %s: %s", uri, error)
            listener = self._listeners.get(follow.credential)
            for uri in list(self._listening.get(follow, Counter[str]())):
                if listener is not None:
                    await listener.bus.publish(ResourceUpdated(uri=uri))
