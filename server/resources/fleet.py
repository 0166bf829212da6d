"""Subscriptions across workers sharing one Redis (``POSTHOG_MCP_REDIS_URL``): leases, fan-out, a shared gate.

- **Lease**: one worker polls an object for the whole fleet; it holds ``lease:<object>`` (``SET NX PX``) and
  renews it while it polls; the others stand by and take over once it lapses (its holder died or stopped).
- **Fan-out**: the holder publishes what changed on one channel; every worker tells its own followers. A write
  through any worker publishes an invalidation on the same channel.
- **Gate**: the polls of one key are spaced fleet-wide (a Lua script over one Redis key), not per process.

Everything in Redis is named by the credential digest (``credential_of``) and canonical URIs; never a key.
When Redis cannot be reached every worker polls its own followers' objects (and says so once); when it comes
back the workers coordinate again (said once too). ``redis`` is imported here only, when a URL is set.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, cast

import anyio

logger = logging.getLogger("posthog_environments_mcp.resources")

PREFIX = "posthog-mcp:subscriptions:"
CHANNEL = PREFIX + "events"
RECONNECT_EVERY = 0.5
"""Seconds between attempts to reach Redis again after losing it."""
SEEN_TTL_MS = 3_600_000
"""How long the last fingerprints of an object stay in Redis for a worker taking over its polling."""

_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if held then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
"""Take or renew a lease: 1 when this worker holds it now."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_NEXT_SLOT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local spacing = tonumber(ARGV[1])
if tonumber(ARGV[2]) > 0 then
  slot = math.max(slot, now + tonumber(ARGV[2]))
  redis.call('SET', KEYS[1], slot, 'PX', slot - now + spacing)
  return 0
end
redis.call('SET', KEYS[1], slot + spacing, 'PX', slot - now + 2 * spacing)
return slot - now
"""
"""A key's next poll slot fleet-wide (ms from now), spacing them; with ARGV[2] > 0 (a 429 pause), only holds."""

EventKind = Literal["updated", "invalidated"]


@dataclass(frozen=True, slots=True)
class FleetEvent:
    """What one worker tells the others: these canonical URIs of this credential changed."""

    kind: EventKind
    credential: str
    uris: tuple[str, ...]

    def encode(self) -> str:
        return json.dumps({"kind": self.kind, "credential": self.credential, "uris": list(self.uris)})

    @classmethod
    def decode(cls, raw: bytes | str) -> FleetEvent | None:
        try:
            data: Any = json.loads(raw)
            kind, credential, uris = data["kind"], data["credential"], data["uris"]
        except (ValueError, KeyError, TypeError):
            return None
        if kind not in ("updated", "invalidated") or not isinstance(credential, str) or not isinstance(uris, list):
            return None
        return cls(kind, credential, tuple(str(uri) for uri in uris))  # pyright: ignore[reportUnknownArgumentType, reportUnknownVariableType]


Deliver = Callable[[FleetEvent], Awaitable[None]]


class FleetLink:
    """This worker's connection to the fleet's Redis, and whether it is reachable right now."""

    def __init__(self, url: str, *, lease_ttl: float) -> None:
        from redis.asyncio import Redis  # only deployments with Redis load it
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import RedisError

        self._client: Any = cast(Any, Redis).from_url(  # redis-py's own hints are partly untyped
            # One retry: a pooled connection that Redis dropped (a restart) is reconnected once, no more.
            url,
            socket_connect_timeout=1.0,
            socket_timeout=2.0,
            retry=Retry(NoBackoff(), 1),
        )
        self.errors: tuple[type[BaseException], ...] = (RedisError, OSError)
        self.lease_ms = max(1, int(lease_ttl * 1000))
        self.renew_every = lease_ttl / 3
        self._token = secrets.token_hex(16)
        """Names this worker's leases (no meaning beyond telling holders apart)."""
        self.up = False
        self._connected_once = False
        self._first_attempt = anyio.Event()
        """Set once the first connection attempt ended either way: until then nobody knows whether to coordinate."""
        self._claim = self._client.register_script(_CLAIM)
        self._release = self._client.register_script(_RELEASE)
        self._next_slot = self._client.register_script(_NEXT_SLOT)

    # -- reachability ------------------------------------------------------------------------------------------

    async def started(self) -> None:
        """Wait (at most the connect timeout) until it is known whether Redis answers."""
        await self._first_attempt.wait()

    def lost(self, error: BaseException) -> None:
        """A Redis call failed: poll locally from now on (said once until Redis is back)."""
        self._first_attempt.set()
        if self.up:
            self.up = False
            logger.warning(
                "Redis unreachable (%s): subscriptions fall back to polling on this worker until it returns",
                type(error).__name__,
            )
        elif not self._connected_once:
            self._connected_once = True  # said once at start too
            logger.warning(
                "Redis unreachable at start (%s): subscriptions poll on this worker until it can be reached",
                type(error).__name__,
            )

    def _reached(self) -> None:
        self._first_attempt.set()
        if not self.up:
            self.up = True
            again = self._connected_once
            self._connected_once = True
            if again:
                logger.info("Redis reachable again: subscriptions are coordinated across workers once more")
            else:
                logger.info("subscriptions are coordinated across workers through Redis")

    async def run(self, deliver: Deliver) -> None:
        """Receive the fleet's events for as long as the server runs, reconnecting whenever Redis drops."""
        while True:
            pubsub = self._client.pubsub()
            try:
                await self._client.ping()
                await pubsub.subscribe(CHANNEL)
                self._reached()
                while True:
                    message: dict[str, Any] | None = await pubsub.get_message(
                        ignore_subscribe_messages=True, timeout=1.0
                    )
                    if message is not None and (event := FleetEvent.decode(message["data"])) is not None:
                        await self._hand_over(deliver, event)
            except self.errors as error:
                self.lost(error)
            finally:
                with anyio.CancelScope(shield=True), anyio.move_on_after(1):
                    await pubsub.aclose()
            await anyio.sleep(RECONNECT_EVERY)

    @staticmethod
    async def _hand_over(deliver: Deliver, event: FleetEvent) -> None:
        try:
            await deliver(event)
        except Exception:  # one follower's failure must not stop the fleet's events
            logger.exception("could not deliver a subscription event")

    async def aclose(self) -> None:
        with anyio.CancelScope(shield=True), anyio.move_on_after(2):
            await self._client.aclose()

    # -- leases, events, fingerprints, the shared gate -----------------------------------------------------------

    async def claim(self, name: str) -> bool | None:
        """Take or renew the lease on one object's polling: ``None`` when Redis cannot be reached."""
        try:
            held = await self._claim(keys=[PREFIX + "lease:" + name], args=[self._token, self.lease_ms])
        except self.errors as error:
            self.lost(error)
            return None
        return bool(held)

    async def release(self, name: str) -> None:
        """Give a lease up at once (nobody here follows the object any more), so a standby takes over."""
        if not self.up:
            return
        try:
            with anyio.CancelScope(shield=True), anyio.move_on_after(1):
                await self._release(keys=[PREFIX + "lease:" + name], args=[self._token])
        except self.errors as error:
            self.lost(error)

    async def publish(self, event: FleetEvent) -> bool:
        """Tell every worker (this one included); ``False`` when Redis cannot be reached."""
        if not self.up:
            return False
        try:
            await self._client.publish(CHANNEL, event.encode())
        except self.errors as error:
            self.lost(error)
            return False
        return True

    async def load_seen(self, name: str) -> dict[str, str]:
        """The fingerprints the previous holder last saw, so a change during the handover is still announced."""
        try:
            stored: dict[bytes, bytes] = await self._client.hgetall(PREFIX + "seen:" + name)
        except self.errors as error:
            self.lost(error)
            return {}
        return {_text(uri): _text(digest) for uri, digest in stored.items()}

    async def store_seen(self, name: str, seen: dict[str, str]) -> None:
        if not seen:
            return
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(PREFIX + "seen:" + name, mapping=seen)
                pipe.pexpire(PREFIX + "seen:" + name, SEEN_TTL_MS)
                await pipe.execute()
        except self.errors as error:
            self.lost(error)

    async def next_slot(self, credential: str, spacing: float, pause: float = 0.0) -> float | None:
        """Seconds until this key's next poll may go out fleet-wide (or, with ``pause``, hold them all)."""
        try:
            wait = await self._next_slot(
                keys=[PREFIX + "gate:" + credential], args=[max(1, int(spacing * 1000)), int(pause * 1000)]
            )
        except self.errors as error:
            self.lost(error)
            return None
        return int(wait) / 1000


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
