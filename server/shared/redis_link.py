"""One worker's one connection to the deployment's Redis, and whether it is up.

Everything the worker keeps in Redis goes through its one ``RedisLink``: the rate budget, the confirmation
nonces and the fleet's subscriptions (``resources/fleet.py``), so the worker has one ``redis.asyncio`` client
(one connection pool; a pub/sub subscription takes one connection of it), one up/down state and one pair of log
lines. Its connections are named ``posthog-mcp:<pid>:<link>`` in Redis' ``CLIENT LIST``.

Every command goes through ``run``: a failure marks the link down (logged once) and raises ``SharedUnavailable``,
so the caller falls back to its per-worker state at once instead of waiting on a dead server; while down, one
command per ``probe_every`` seconds tries again on a fresh pool, and the first success is logged once as the
recovery. ``until_worth_trying`` lets a background user (the fleet's subscription) wait for that moment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import anyio
from pydantic import SecretStr

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("posthog_environments_mcp.shared")

_T = TypeVar("_T")
COMMAND_TIMEOUT = 0.5
"""Seconds one Redis command may take before the worker stops waiting and uses its own state."""
PROBE_EVERY = 1.0
NAME_PREFIX = "posthog-mcp:"


class SharedUnavailable(Exception):
    """Redis cannot be reached right now; the caller uses its per-worker fallback."""


def redis_where(url: SecretStr) -> str:
    """``host:port`` (or the socket path) of the Redis URL, without its password, for log lines."""
    parts = urlsplit(url.get_secret_value())
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}"


class RedisLink:
    """A lazily created ``redis.asyncio`` client with the up/down state of the link."""

    def __init__(self, url: SecretStr, fallback: str, *, probe_every: float = PROBE_EVERY) -> None:
        self._url = url
        self._fallback = fallback
        """What the worker does while Redis is away, for the log lines."""
        self._probe_every = probe_every
        self._client: Redis | None = None
        self._up: bool | None = None
        self._next_probe = 0.0
        self._changed: anyio.Event | None = None
        """Set (and dropped) when the link goes up or down; made only when someone waits for it."""
        self.name = f"{NAME_PREFIX}{os.getpid()}:{secrets.token_hex(4)}"
        """What Redis calls every connection of this link (``CLIENT LIST``): one name, one link."""
        self.where = redis_where(url)

    @property
    def up(self) -> bool:
        return self._up is True

    def client(self) -> Redis:
        if self._client is None:
            from redis.asyncio import Redis
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff

            self._client = Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
                self._url.get_secret_value(),
                socket_timeout=COMMAND_TIMEOUT,
                socket_connect_timeout=COMMAND_TIMEOUT,
                retry=Retry(NoBackoff(), 0),  # no hidden retries: a dead Redis must fail fast, the caller falls back
                decode_responses=False,
                client_name=self.name,
            )
        return self._client

    async def start(self) -> bool:
        """Check the link once at start-up; unreachable is a warning, never a reason not to start."""
        try:
            await self.run(lambda redis: redis.ping())  # pyright: ignore[reportUnknownLambdaType, reportUnknownMemberType]
        except SharedUnavailable:
            return False
        return True

    async def run(self, command: Callable[[Redis], Awaitable[_T]]) -> _T:
        if self._up is False:
            if time.monotonic() < self._next_probe:
                raise SharedUnavailable(self.where)
            self._next_probe = time.monotonic() + self._probe_every  # one probe at a time: the others fall back
            await self.aclose()  # probing on a fresh pool, as every connection of the old one may be dead
        from redis.exceptions import RedisError

        client = self.client()
        try:
            result = await command(client)
        except (RedisError, OSError) as error:
            if client is self._client:  # not a late failure on a pool a probe has replaced meanwhile
                self._went_down(error)
            raise SharedUnavailable(self.where) from error
        if client is self._client:
            self._came_up()
        return result

    async def until_worth_trying(self) -> None:
        """Return once a command may reach Redis: at once while up, else when it is back or a probe is due."""
        while self._up is False and (left := self._next_probe - time.monotonic()) > 0:
            if self._changed is None:
                self._changed = anyio.Event()
            with anyio.move_on_after(left):
                await self._changed.wait()

    def _went_down(self, error: BaseException) -> None:
        self._next_probe = time.monotonic() + self._probe_every
        if self._up is False:
            return
        if self._up is None:
            logger.warning(
                "Redis at %s is unreachable at start (%s); serving anyway, %s until it is reachable.",
                self.where,
                type(error).__name__,
                self._fallback,
            )
        else:
            logger.warning(
                "lost Redis at %s (%s); calls go on, %s until it returns.",
                self.where,
                type(error).__name__,
                self._fallback,
            )
        self._up = False
        self._announce_change()

    def _came_up(self) -> None:
        if self._up is False:
            logger.warning("Redis at %s is back: the fleet shares its state again.", self.where)
        if self._up is not True:
            self._up = True
            self._announce_change()

    def _announce_change(self) -> None:
        changed, self._changed = self._changed, None
        if changed is not None:
            changed.set()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            from redis.exceptions import RedisError

            with contextlib.suppress(RedisError, OSError):  # closing what is already broken
                await client.aclose()


class LuaScript:
    """A Lua script, run on whichever client the link holds now (a probe replaces it with a fresh one)."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._script: Any = None

    async def __call__(self, redis: Redis, keys: Sequence[str], args: Sequence[str | int]) -> Any:
        if self._script is None:
            self._script = redis.register_script(self._source)
        return await self._script(keys=keys, args=args, client=redis)
