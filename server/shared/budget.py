"""The rate budget of each PostHog key, kept by the whole fleet (Redis) or by this process (no Redis).

``acquire`` is called before every request goes upstream (each retry too). A request past the budget waits for
room when that fits in its call's deadline, else fails with ``UpstreamFailure("budget")``, which says when to
retry and was never sent. In Redis the check-and-record is one Lua script (atomic across workers), timed by Redis'
own clock, on sorted sets named by a keyed hash of the credential. While Redis is away each worker keeps its own
share (the budget divided by the worker count), and a call is never lost or sent twice for it: the budget is
decided before sending, whichever store decides it.
"""

from __future__ import annotations

import math
import secrets
from typing import TYPE_CHECKING

import anyio

from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure
from .digest import credential_digest
from .redis_link import LuaScript, RedisLink, SharedUnavailable
from .windows import SlidingLog, Window, windows_for

if TYPE_CHECKING:
    from redis.asyncio import Redis

KEY_PREFIX = "posthog-mcp:budget:"

# KEYS: one sorted set per window. ARGV[1]: a unique member; then limit and window length (ms) per key.
# Returns 0 when the request is recorded in every window, else the milliseconds until every window has room.
TAKE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[2 * i])
  local span = tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + span - now)
  end
end
if wait > 0 then
  return wait
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, ARGV[1])
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i + 1]))
end
return 0
"""


class RateBudget:
    """Per-key budgets for one worker: shared through ``link`` when there is one, else in this process."""

    def __init__(
        self, windows: tuple[Window, ...], digest_key: bytes, *, link: RedisLink | None = None, workers: int = 1
    ) -> None:
        self._windows = windows
        self._digest_key = digest_key
        self._link = link
        self._workers = workers
        self._local = SlidingLog()
        self._script = LuaScript(TAKE_SCRIPT)

    async def acquire(self, target: Target, method: str, template: str) -> None:
        """Return when the request may go upstream; raise ``UpstreamFailure("budget")`` if not in time."""
        windows = windows_for(self._windows, method, template)
        if not windows:
            return
        holder = credential_digest(self._digest_key, target)
        while True:
            wait = await self._take(holder, windows)
            if wait <= 0:
                return
            if anyio.current_time() + wait >= anyio.current_effective_deadline():
                raise _spent(windows, wait)
            await anyio.sleep(wait)

    async def _take(self, holder: str, windows: tuple[Window, ...]) -> float:
        if self._link is not None:
            try:
                wait = await self._link.run(lambda redis: self._take_shared(redis, holder, windows))
            except SharedUnavailable:
                pass
            else:
                if wait <= 0:
                    self._local.record(holder, windows)
                return wait
        # alone (no Redis, or Redis away): this worker's share, so N workers together still keep the budget
        return self._local.take(holder, tuple(window.split(self._workers) for window in windows))

    async def _take_shared(self, redis: Redis, holder: str, windows: tuple[Window, ...]) -> float:
        keys = [f"{KEY_PREFIX}{holder}:{window.scope}:{window.seconds}" for window in windows]
        args: list[str | int] = [secrets.token_hex(8)]
        for window in windows:
            args += [window.limit, window.seconds * 1000]
        return int(await self._script(redis, keys, args)) / 1000


def _spent(windows: tuple[Window, ...], wait: float) -> UpstreamFailure:
    seconds = max(1, math.ceil(wait))
    budgets = ", ".join(window.describe() for window in windows)
    return UpstreamFailure(
        "budget",
        f"this server's rate budget for this PostHog key is spent ({budgets}); room again in {seconds} s, "
        "later than this call's deadline",
        retry_after=seconds,
        sent=False,
    )
