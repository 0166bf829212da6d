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
gate (``poll_gate.py``) spending at most ``poll_rate_share`` of the key's PostHog rate limit, and back off on 429.

A successful write through a tool that declares ``Operation.invalidates`` tells the object's followers at once
(``after_write``); its poller then re-reads it quietly. With ``POSTHOG_MCP_REDIS_URL`` (``fleet.py``) one
worker polls each object for the whole fleet under a lease, changes and invalidations reach the followers on
every worker through Redis pub/sub, and the gate is shared; without Redis, or while it is unreachable, each
worker polls for its own followers.

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

from ...tools.operation import Invalidates
from ..config import Settings
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure
from .fleet import FleetEvent, FleetLink
from .poll_gate import PollGate, RateGate, SharedRateGate
from .reader import ResourceReader
from .resource_uris import InvalidId, ResourceRef, conversation_uri, parse_uri, recording_uri, transcript_uri
from .templates import BY_TYPE, Collection

logger = logging.getLogger("posthog_environments_mcp.resources")

SETTLED: Mapping[Collection, frozenset[str]] = {
    "desktop_recordings": frozenset({"ready", "error"}),
    "conversations": frozenset({"idle"}),
}
"""Statuses after which an object no longer changes on its own, so polling it stops."""

_SHARED_CONNECTION = object()
"""Key for legacy subscribers when the SDK does not expose the connection (all treated as one)."""


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

    @property
    def lease_name(self) -> str:
        """How the fleet names this poller in Redis: the credential digest and the object, never a key."""
        return f"{self.credential}:{self.collection}:{self.project_id}:{self.object_id}"

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


class _Listener:
    """One credential's listen streams: a bus of its own, so its events reach only its streams."""

    def __init__(self) -> None:
        self.bus = InMemorySubscriptionBus()
        self.handler = ListenHandler(self.bus)
        self.streams = 0


class SubscriptionManager:
    """Who follows which URI (legacy connections and listen streams), and the pollers that serve them."""

    def __init__(
        self, reader: ResourceReader, task_group: TaskGroup, *, settings: Settings, fleet: FleetLink | None = None
    ) -> None:
        self._reader = reader
        self._fleet = fleet
        """With Redis: leases, fan-out and the shared gate across workers (server/resources/fleet.py)."""
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
        self._gates: dict[str, PollGate] = {}
        self._wakes: dict[ObjectKey, anyio.Event] = {}
        """Set when a write invalidated the object: its poller re-reads it now."""
        self._absorb: set[ObjectKey] = set()
        """Objects whose next read only takes note: their followers were already told of the write."""
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

    # -- writes ----------------------------------------------------------------------------------------------------

    def after_write(self, changes: Invalidates, arguments: Mapping[str, Any] | None, target: Target) -> None:
        """A call changed an object: tell its followers on every worker now, not at the next poll."""
        arguments = arguments or {}
        object_id, project_id = arguments.get(changes.id_argument), arguments.get("project_id")
        project_id = project_id or target.default_project
        if not isinstance(object_id, str) or not isinstance(project_id, str):
            return  # e.g. a new conversation: nobody can follow it yet
        build = recording_uri if changes.kind == "desktop_recording" else conversation_uri
        try:
            ref = parse_uri(build(project_id, object_id))
        except InvalidId:
            return
        if ref is None:
            return
        key = ObjectKey.of(credential_of(target), ref)
        event = FleetEvent("invalidated", key.credential, tuple(f.uri for f in key.follows()))
        if not self._closed:  # in the background: the call's result never waits on Redis
            self._task_group.start_soon(self._spread, event, name="invalidate")

    async def _spread(self, event: FleetEvent) -> None:
        try:
            if self._fleet is None or not await self._fleet.publish(event):
                await self.deliver(event)
        except Exception:  # telling followers must never end the server
            logger.exception("could not tell the followers of %s", event.uris[0])

    async def deliver(self, event: FleetEvent) -> None:
        """An event from this worker or another: tell this worker's followers of those URIs."""
        follows = [Follow(event.credential, uri) for uri in event.uris]
        if event.kind == "invalidated":
            for ref in {ref for f in follows if (ref := parse_uri(f.uri)) is not None}:
                key = ObjectKey.of(event.credential, ref)
                if (wake := self._wakes.get(key)) is not None:
                    self._absorb.add(key)
                    wake.set()
        await self._tell([f for f in follows if f in self._legacy or f in self._listening])

    # -- polling ---------------------------------------------------------------------------------------------------

    def _followed(self, key: ObjectKey) -> list[Follow]:
        return [f for f in key.follows() if f in self._legacy or f in self._listening]

    def _ensure_poller(self, key: ObjectKey, target: Target) -> None:
        if key in self._pollers or self._closed:
            return
        scope = anyio.CancelScope()
        self._pollers[key] = scope
        self._wakes[key] = anyio.Event()
        self._task_group.start_soon(self._run_poller, key, target, scope, name=f"poll {key.collection}")

    def _gate(self, credential: str) -> PollGate:
        gate = self._gates.get(credential)
        if gate is None:
            fleet = self._fleet
            gate = SharedRateGate(fleet, credential, self._poll_rate) if fleet else RateGate(self._poll_rate)
            self._gates[credential] = gate
        return gate

    def _stop_if_unfollowed(self, key: ObjectKey) -> None:
        if not self._followed(key) and (scope := self._pollers.pop(key, None)) is not None:
            scope.cancel()
            self._forget(key)

    def _forget(self, key: ObjectKey) -> None:
        self._wakes.pop(key, None)
        self._absorb.discard(key)
        if not any(k.credential == key.credential for k in self._pollers):
            self._gates.pop(key.credential, None)

    async def _run_poller(self, key: ObjectKey, target: Target, scope: anyio.CancelScope) -> None:
        leased = [False]
        try:
            with scope:
                await self._poll(key, target, leased)
        finally:
            if self._pollers.get(key) is scope:
                del self._pollers[key]
                self._forget(key)
            if leased[0] and self._fleet is not None:
                await self._fleet.release(key.lease_name)

    async def _turn(self, key: ObjectKey, leased: list[bool]) -> bool:
        """Whether this worker polls the object now: it holds the lease, or (without Redis) polls it itself."""
        fleet = self._fleet
        if fleet is not None:
            await fleet.started()
        held = await fleet.claim(key.lease_name) if fleet is not None and fleet.up else None
        if held and not leased[0]:
            logger.info("this worker polls %s %s for every worker", key.collection, key.object_id)
        leased[0] = bool(held)
        return held is not False

    async def _rest(self, key: ObjectKey, seconds: float, leased: list[bool]) -> None:
        """Sleep until the next poll, renewing a held lease meanwhile; a write's invalidation ends it early."""
        deadline = anyio.current_time() + seconds
        fleet = self._fleet
        while (left := deadline - anyio.current_time()) > 0 and (wake := self._wakes.get(key)) is not None:
            with anyio.move_on_after(min(left, fleet.renew_every) if fleet is not None else left):
                await wake.wait()
                self._wakes[key] = anyio.Event()
                return
            if leased[0] and fleet is not None and fleet.up and not await self._turn(key, leased):
                return

    async def _poll(self, key: ObjectKey, target: Target, leased: list[bool]) -> None:
        seen: dict[str, str] = {}
        failing = False
        fleet = self._fleet
        while follows := self._followed(key):
            was_leased = leased[0]
            if not await self._turn(key, leased):  # another worker polls it: stand by to take over if it stops
                self._absorb.discard(key)
                await self._rest(key, fleet.renew_every / 2 if fleet is not None else self._interval, leased)
                continue
            if leased[0] and not was_leased and fleet is not None:
                seen = await fleet.load_seen(key.lease_name) or seen
            gate = self._gate(key.credential)
            await gate.wait()
            try:
                data = await self._reader.fetch(target, key.collection, key.project_id, key.object_id, retry=False)
            except UpstreamFailure as failure:
                if failure.status == 404:
                    logger.info("stopped following %s %s: PostHog no longer has it", key.collection, key.object_id)
                    if seen and key not in self._absorb:
                        await self._announce(key.credential, self._followed(key))
                    return
                if failure.status == 429:
                    pause = gate.throttled(failure.retry_after)
                    logger.warning("PostHog rate-limits polling (429); this key's pollers pause %g s", pause)
                elif not failing:
                    logger.warning(
                        "polling %s failed (%s); retrying every %g s", key.collection, failure, self._interval
                    )
                failing = True
                await self._rest(key, self._interval, leased)
                continue
            except Exception:  # a bug must not end the server: log it once and keep the subscription alive
                if not failing:
                    logger.exception("polling %s %s failed unexpectedly; retrying", key.collection, key.object_id)
                failing = True
                await self._rest(key, self._interval, leased)
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
            if key in self._absorb:  # a write's invalidation already told the followers
                self._absorb.discard(key)
            else:
                await self._announce(key.credential, changed)
            if leased[0] and fleet is not None:
                await fleet.store_seen(key.lease_name, seen)
            if is_settled(key.collection, data):
                return
            await self._rest(key, self._interval, leased)

    async def _announce(self, credential: str, follows: list[Follow]) -> None:
        """A poll saw changes: through Redis every worker's followers hear of it, else this worker's."""
        if not follows:
            return
        event = FleetEvent("updated", credential, tuple(f.uri for f in follows))
        if self._fleet is None or not await self._fleet.publish(event):
            await self.deliver(event)

    async def _tell(self, follows: list[Follow]) -> None:
        """Tell this worker's followers of each resource, in whichever era and spelling they subscribed."""
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
