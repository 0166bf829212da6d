"""Spacing one key's polls so that together they spend at most a share of its PostHog rate limit.

``RateGate`` spaces the polls of one process. ``SharedRateGate`` spaces them across every worker sharing a
Redis (one slot counter per key there), and falls back to its own ``RateGate`` while Redis is unreachable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import anyio

if TYPE_CHECKING:
    from .fleet import FleetLink

BACKOFF_AFTER_429 = 30.0
"""Seconds a key's pollers pause after PostHog's 429 when it names no wait (doubling while it goes on)."""
MAX_BACKOFF = 600.0


class PollGate(Protocol):
    async def wait(self) -> None: ...

    def throttled(self, retry_after: float | None) -> float: ...

    def served(self) -> None: ...


class RateGate:
    """Spaces one key's polls in this process."""

    def __init__(self, per_minute: float) -> None:
        self.spacing = 60.0 / per_minute
        self._next = 0.0
        self._streak = 0

    async def wait(self) -> None:
        now = anyio.current_time()
        slot = max(now, self._next)
        self._next = slot + self.spacing
        try:
            await anyio.sleep(slot - now)
        except BaseException:  # cancelled (unsubscribed): give the slot back unless a later one was handed out
            if self._next == slot + self.spacing:
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


class SharedRateGate:
    """Spaces one key's polls across the fleet; a 429 seen by one worker pauses the key's polls on all."""

    def __init__(self, link: FleetLink, credential: str, per_minute: float) -> None:
        self._link = link
        self._credential = credential
        self._local = RateGate(per_minute)
        self._pause = 0.0

    async def wait(self) -> None:
        if self._link.up:
            pause, self._pause = self._pause, 0.0
            if pause:
                await self._link.next_slot(self._credential, self._local.spacing, pause)
            wait = await self._link.next_slot(self._credential, self._local.spacing)
            if wait is not None:
                await anyio.sleep(wait)
                return
        await self._local.wait()

    def throttled(self, retry_after: float | None) -> float:
        self._pause = self._local.throttled(retry_after)
        return self._pause

    def served(self) -> None:
        self._local.served()
