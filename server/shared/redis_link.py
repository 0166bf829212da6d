"""One worker's connection to the deployment's Redis, and whether it is up.

Every command goes through ``run``: a failure marks the link down (logged once) and raises ``SharedUnavailable``,
so the caller falls back to its per-worker state at once instead of waiting on a dead server; while down, one
command per ``probe_every`` seconds tries again, and the first success is logged once as the recovery.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from pydantic import SecretStr

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("posthog_environments_mcp.shared")

_T = TypeVar("_T")
COMMAND_TIMEOUT = 0.5
"""Seconds one Redis command may take before the worker stops waiting and uses its own state."""
PROBE_EVERY = 1.0


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
        if self._up is False and time.monotonic() < self._next_probe:
            raise SharedUnavailable(self.where)
        from redis.exceptions import RedisError

        if self._up is False:  # probing: a fresh pool, as every connection of the old one may be dead
            await self.aclose()
        try:
            result = await command(self.client())
        except (RedisError, OSError) as error:
            self._went_down(error)
            raise SharedUnavailable(self.where) from error
        self._came_up()
        return result

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

    def _came_up(self) -> None:
        if self._up is False:
            logger.warning("Redis at %s is back: the fleet shares its state again.", self.where)
        self._up = True

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            from redis.exceptions import RedisError

            with contextlib.suppress(RedisError, OSError):  # closing what is already broken
                await client.aclose()
