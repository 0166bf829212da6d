"""What one worker shares with the rest of its deployment, built from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from .budget import RateBudget
from .digest import digest_key
from .nonces import NonceLedger
from .redis_link import RedisLink
from .windows import general_windows


@dataclass(slots=True)
class SharedState:
    budget: RateBudget | None
    """``None``: no budget is kept (stdio, where PostHog's own 429 and the retries pace the one user)."""
    nonces: NonceLedger
    link: RedisLink | None = None
    """The worker's one connection to Redis (``POSTHOG_MCP_REDIS_URL``), shared by everything above and by the
    fleet's subscriptions; ``None`` without Redis."""

    async def start(self) -> None:
        if self.link is not None:
            await self.link.start()

    async def aclose(self) -> None:
        if self.link is not None:
            await self.link.aclose()


def local_state(settings: Settings) -> SharedState:
    """One process on its own, nothing budgeted: stdio and the one-shot commands, exactly as before; with a Redis
    URL its link serves only the fleet's subscriptions (the budget is off and confirmations stay per process)."""
    link = _link(settings, "subscriptions poll for this process's own followers")
    return SharedState(budget=None, nonces=NonceLedger(digest_key(settings)), link=link)


def shared_state(settings: Settings, *, workers: int = 1) -> SharedState:
    """A served worker: in memory alone, or joined to the fleet through ``POSTHOG_MCP_REDIS_URL``.

    One ``RedisLink`` for all of it: the budget, the nonces and (``open_state``) the fleet's subscriptions.
    """
    key = digest_key(settings)
    windows = general_windows(settings)
    share = f"budget split by {workers} worker(s), confirmations checked and subscriptions polled per worker"
    link = _link(settings, f"each worker keeps its own state ({share})")
    return SharedState(
        budget=RateBudget(windows, key, link=link, workers=workers), nonces=NonceLedger(key, link), link=link
    )


def _link(settings: Settings, fallback: str) -> RedisLink | None:
    return RedisLink(settings.redis_url, fallback=fallback) if settings.redis_url is not None else None
