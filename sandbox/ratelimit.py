"""PostHog's per-key request budget: DRF's ``SimpleRateThrottle`` sliding log.

Each key keeps the times of its recent accepted requests; when the window already holds ``requests`` of them the
request is refused and the wait is DRF's estimate (time until the oldest leaves the window, spread over the free
slots). Refused requests do not count against the budget.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    requests: int
    per_seconds: float
    retry_after_header: bool = False


DEFAULT_RATE_LIMIT = RateLimit(requests=480, per_seconds=60.0)
"""PostHog's default for personal API keys: 480 requests a minute."""


class RateLimiter:
    """Thread-safe sliding-window limiter keyed by API key."""

    def __init__(self, limit: RateLimit = DEFAULT_RATE_LIMIT, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._history: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @property
    def limit(self) -> RateLimit:
        return self._limit

    def configure(self, limit: RateLimit) -> None:
        with self._lock:
            self._limit = limit
            self._history.clear()

    def reset(self) -> None:
        with self._lock:
            self._history.clear()

    def acquire(self, key: str) -> float | None:
        """Count one request; ``None`` when allowed, else the seconds to wait."""
        now = self._clock()
        with self._lock:
            history = self._history.setdefault(key, deque())
            while history and history[-1] <= now - self._limit.per_seconds:
                history.pop()
            if len(history) >= self._limit.requests:
                remaining = self._limit.per_seconds - (now - history[-1]) if history else self._limit.per_seconds
                available = self._limit.requests - len(history) + 1
                return remaining / available if available > 0 else remaining
            history.appendleft(now)
            return None
