"""Subscriptions across workers sharing one Redis (``POSTHOG_MCP_REDIS_URL``): leases, fan-out, a shared gate.

- **Lease**: one worker polls an object for the whole fleet; it holds ``lease:<object>`` (``SET NX PX``) and
  renews it while it polls; the others stand by and take over once it lapses (its holder died or stopped).
- **Fan-out**: the holder publishes what changed on one channel; every worker tells its own followers. A write
  through any worker publishes an invalidation on the same channel.
- **Gate**: the polls of one key are spaced fleet-wide (a Lua script over one Redis key), not per process.

Everything in Redis is named by the credential digest (``credential_of``) and canonical URIs; never a key.
All of it goes through the worker's one ``RedisLink`` (``server/shared``), the one the rate budget and the
nonces use: the subscription takes a connection of its pool and follows its up/down state, so a worker logs the
loss of Redis and its return once each, whoever noticed. While the link is down every worker polls its own
followers' objects; once it is back the workers coordinate again. ``redis`` is loaded only when a URL is set.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio

from ..shared.redis_link import COMMAND_TIMEOUT, LuaScript, RedisLink, SharedUnavailable

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("posthog_environments_mcp.resources")
_T = TypeVar("_T")

PREFIX = "posthog-mcp:subscriptions:"
CHANNEL = PREFIX + "events"
READ_FOR = 0.25
"""Seconds one read of the subscription waits for an event before the listener looks at the link's state again."""
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
    """Leases, events, fingerprints and the shared gate over the worker's ``RedisLink``, and the subscription.

    ``up``: coordinated with the fleet right now, i.e. the link is up and this worker hears the fleet's events.
    """

    def __init__(self, link: RedisLink, *, lease_ttl: float) -> None:
        self._link = link
        self.lease_ms = max(1, int(lease_ttl * 1000))
        self.renew_every = lease_ttl / 3
        self._token = secrets.token_hex(16)
        """Names this worker's leases (no meaning beyond telling holders apart)."""
        self._subscribed = False
        self._first_attempt = anyio.Event()
        """Set once the first subscription attempt ended either way: until then nobody knows whether to coordinate."""
        self._claim = LuaScript(_CLAIM)
        self._release = LuaScript(_RELEASE)
        self._next_slot = LuaScript(_NEXT_SLOT)

    @property
    def up(self) -> bool:
        return self._subscribed and self._link.up

    async def started(self) -> None:
        """While the link is up, wait (bounded) for the first subscription attempt: until then, poll or stand by?"""
        if self._link.up:
            with anyio.move_on_after(4 * COMMAND_TIMEOUT):
                await self._first_attempt.wait()

    # -- the subscription ----------------------------------------------------------------------------------------

    async def run(self, deliver: Deliver) -> None:
        """Receive the fleet's events for as long as the server runs: subscribed while the link is up, dropped
        when it goes down (whichever command noticed), taken again once it is back. The link does the logging."""
        while True:
            await self._link.until_worth_trying()
            try:
                pubsub = await self._link.run(_subscribe)
            except SharedUnavailable:
                self._first_attempt.set()
                await anyio.sleep(READ_FOR)  # never a busy loop, whatever the link says
                continue
            try:
                self._subscribed = True
                self._first_attempt.set()
                await self._receive(pubsub, deliver)
            finally:
                self._subscribed = False
                with anyio.CancelScope(shield=True), anyio.move_on_after(1):
                    await _close(pubsub)

    async def _receive(self, pubsub: Any, deliver: Deliver) -> None:
        """Hand events over until the link goes down: this read failing, or any other command of the worker."""
        while self._link.up:
            try:
                message: dict[str, Any] | None = await self._link.run(
                    lambda _redis: pubsub.get_message(ignore_subscribe_messages=True, timeout=READ_FOR)
                )
            except SharedUnavailable:
                return
            if message is not None and (event := FleetEvent.decode(message["data"])) is not None:
                await self._hand_over(deliver, event)

    @staticmethod
    async def _hand_over(deliver: Deliver, event: FleetEvent) -> None:
        try:
            await deliver(event)
        except Exception:  # one follower's failure must not stop the fleet's events
            logger.exception("could not deliver a subscription event")

    # -- leases, events, fingerprints, the shared gate -----------------------------------------------------------

    async def _run(self, command: Callable[[Redis], Awaitable[_T]], otherwise: _T) -> _T:
        """One command through the link; ``otherwise`` while Redis cannot be reached (the link says so, once)."""
        try:
            return await self._link.run(command)
        except SharedUnavailable:
            return otherwise

    async def claim(self, name: str) -> bool | None:
        """Take or renew the lease on one object's polling: ``None`` when Redis cannot be reached."""
        keys, args = [PREFIX + "lease:" + name], [self._token, self.lease_ms]
        held: Any = await self._run(lambda redis: self._claim(redis, keys, args), None)
        return None if held is None else bool(held)

    async def release(self, name: str) -> None:
        """Give a lease up at once (nobody here follows the object any more), so a standby takes over."""
        if not self.up:
            return
        keys, args = [PREFIX + "lease:" + name], [self._token]
        with anyio.CancelScope(shield=True), anyio.move_on_after(1):
            await self._run(lambda redis: self._release(redis, keys, args), None)

    async def publish(self, event: FleetEvent) -> bool:
        """Tell every worker (this one included); ``False`` when this worker does not coordinate right now."""
        if not self.up:
            return False
        return await self._run(lambda redis: _published(redis, event), False)

    async def load_seen(self, name: str) -> dict[str, str]:
        """The fingerprints the previous holder last saw, so a change during the handover is still announced."""
        stored: dict[bytes | str, bytes | str] = await self._run(
            lambda redis: redis.hgetall(PREFIX + "seen:" + name),  # pyright: ignore[reportUnknownLambdaType, reportUnknownMemberType, reportUnknownArgumentType]
            {},
        )
        return {_text(uri): _text(digest) for uri, digest in stored.items()}

    async def store_seen(self, name: str, seen: dict[str, str]) -> None:
        if seen:
            await self._run(lambda redis: _store(redis, PREFIX + "seen:" + name, seen), None)

    async def next_slot(self, credential: str, spacing: float, pause: float = 0.0) -> float | None:
        """Seconds until this key's next poll may go out fleet-wide (or, with ``pause``, hold them all)."""
        keys, args = [PREFIX + "gate:" + credential], [max(1, int(spacing * 1000)), int(pause * 1000)]
        wait: Any = await self._run(lambda redis: self._next_slot(redis, keys, args), None)
        return None if wait is None else int(wait) / 1000


async def _subscribe(redis: Redis) -> Any:
    """A subscription on a connection of the link's pool, once Redis confirms it (events reach it from then on)."""
    from redis.exceptions import TimeoutError as RedisTimeout

    pubsub: Any = redis.pubsub()  # pyright: ignore[reportUnknownMemberType]
    try:
        await pubsub.subscribe(CHANNEL)
        confirmed: dict[str, Any] | None = await pubsub.get_message(timeout=COMMAND_TIMEOUT)
        if confirmed is None or confirmed["type"] != "subscribe":
            raise RedisTimeout("Redis did not confirm the subscription")
    except BaseException:
        with anyio.CancelScope(shield=True), anyio.move_on_after(1):
            await _close(pubsub)
        raise
    return pubsub


async def _close(pubsub: Any) -> None:
    from redis.exceptions import RedisError

    with contextlib.suppress(RedisError, OSError):  # closing what is already broken
        await pubsub.aclose()


async def _published(redis: Redis, event: FleetEvent) -> bool:
    await redis.publish(CHANNEL, event.encode())  # pyright: ignore[reportUnknownMemberType]
    return True


async def _store(redis: Redis, key: str, seen: dict[str, str]) -> None:
    async with redis.pipeline(transaction=True) as pipe:  # pyright: ignore[reportUnknownMemberType]
        pipe.hset(key, mapping=seen)  # pyright: ignore[reportUnknownMemberType, reportArgumentType]
        pipe.pexpire(key, SEEN_TTL_MS)  # pyright: ignore[reportUnknownMemberType]
        await pipe.execute()  # pyright: ignore[reportUnknownMemberType]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
