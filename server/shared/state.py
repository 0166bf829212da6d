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

    async def start(self) -> None:
        if self.link is not None:
            await self.link.start()

    async def aclose(self) -> None:
        if self.link is not None:
            await self.link.aclose()


def local_state(settings: Settings) -> SharedState:
    """One process on its own, nothing budgeted: stdio and the one-shot commands, exactly as before."""
    return SharedState(budget=None, nonces=NonceLedger(digest_key(settings)))


def shared_state(settings: Settings, *, workers: int = 1) -> SharedState:
    """A served worker: in memory alone, or joined to the fleet through ``POSTHOG_MCP_REDIS_URL``."""
    key = digest_key(settings)
    windows = general_windows(settings)
    link = None
    if settings.redis_url is not None:
        share = f"budget split by {workers} worker(s) and confirmations checked per worker"
        link = RedisLink(settings.redis_url, fallback=f"each worker keeps its own state ({share})")
    return SharedState(
        budget=RateBudget(windows, key, link=link, workers=workers), nonces=NonceLedger(key, link), link=link
    )
