"""Single-use tokens (the nonce of a sealed confirmation): used once across the fleet with Redis, else per process."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .digest import keyed_hash
from .redis_link import RedisLink, SharedUnavailable

KEY_PREFIX = "posthog-mcp:nonce:"


@dataclass
class LocalNonces:
    """Nonces already used in this process, each kept until its state would have expired anyway."""

    _until: dict[str, float] = field(default_factory=dict[str, float])

    def consume(self, nonce: str, ttl: float) -> bool:
        now = time.monotonic()
        for old in [n for n, until in self._until.items() if until < now]:
            del self._until[old]
        if nonce in self._until:
            return False
        self._until[nonce] = now + ttl
        return True


class NonceLedger:
    """``consume`` is True the first time a nonce is seen (on any worker sharing the Redis), False after."""

    def __init__(self, digest_key: bytes, link: RedisLink | None = None) -> None:
        self._digest_key = digest_key
        self._link = link
        self._local = LocalNonces()

    async def consume(self, nonce: str, ttl: float) -> bool:
        first_here = self._local.consume(nonce, ttl)
        if self._link is None or not first_here:
            return first_here
        key = KEY_PREFIX + keyed_hash(self._digest_key, nonce)
        try:
            stored = await self._link.run(lambda redis: redis.set(key, b"1", nx=True, px=max(1, int(ttl * 1000))))
        except SharedUnavailable:
            return True  # Redis away: this worker's own record is what is left to go by
        return bool(stored)
