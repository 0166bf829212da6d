"""Which rate windows a PostHog request spends, and the in-process sliding log that counts them.

The windows mirror PostHog's own throttles (DRF's ``SimpleRateThrottle``: a sliding log of accepted requests per
key), so a fleet that stays inside them is never throttled by PostHog: every request counts against the
per-minute and per-hour budgets; a PostHog AI message (creating a conversation or appending to one) also
counts against PostHog AI's own 10 per minute and 100 per day.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from ..config import Settings

AI_PER_MINUTE = 10
AI_PER_DAY = 100
"""PostHog AI's limits per user (``/work/shared/spec/posthog-behaviour.md``): fixed by PostHog, not tunable."""
AI_MESSAGE_TEMPLATES = frozenset({"conversations/", "conversations/{conversation}/append_message/"})


@dataclass(frozen=True, slots=True)
class Window:
    scope: str
    """``all`` (every request) or ``ai`` (PostHog AI messages)."""
    limit: int
    seconds: int
    setting: str
    """What sets it, for the message a caller reads when it is spent."""

    def split(self, workers: int) -> Window:
        """This worker's share when the workers cannot share one count (Redis away)."""
        return Window(self.scope, max(1, self.limit // max(1, workers)), self.seconds, self.setting)

    def describe(self) -> str:
        unit = {60: "minute", 3600: "hour", 86400: "day"}.get(self.seconds, f"{self.seconds} s")
        return f"{self.limit} per {unit} ({self.setting})"


def general_windows(settings: Settings) -> tuple[Window, ...]:
    """The budgets every request spends; a limit of 0 turns that budget off."""
    windows = (
        Window("all", settings.rate_per_minute, 60, "POSTHOG_MCP_RATE_PER_MINUTE"),
        Window("all", settings.rate_per_hour, 3600, "POSTHOG_MCP_RATE_PER_HOUR"),
    )
    return tuple(window for window in windows if window.limit > 0)


AI_WINDOWS = (
    Window("ai", AI_PER_MINUTE, 60, "PostHog AI's own limit"),
    Window("ai", AI_PER_DAY, 86400, "PostHog AI's own limit"),
)


def windows_for(general: tuple[Window, ...], method: str, template: str) -> tuple[Window, ...]:
    if method == "POST" and template in AI_MESSAGE_TEMPLATES:
        return (*general, *AI_WINDOWS)
    return general


class SlidingLog:
    """Times of accepted requests per (holder, window), in this process; asyncio makes each check atomic."""

    SWEEP_EVERY = 1024
    """Checks between sweeps that forget holders whose windows emptied (many keys come and go over HTTP)."""

    def __init__(self) -> None:
        self._log: dict[tuple[str, str, int], deque[float]] = {}
        self._until_sweep = self.SWEEP_EVERY

    def take(self, holder: str, windows: tuple[Window, ...]) -> float:
        """Record one request if every window has room (returns 0), else the seconds until all would."""
        now = time.monotonic()
        self._until_sweep -= 1
        if self._until_sweep <= 0:
            self._sweep(now)
        wait = 0.0
        for window in windows:
            times = self._times(holder, window, now)
            if len(times) >= window.limit:
                wait = max(wait, times[len(times) - window.limit] + window.seconds - now)
        if wait <= 0:
            self.record(holder, windows, now)
        return wait

    def record(self, holder: str, windows: tuple[Window, ...], now: float | None = None) -> None:
        """Note a request granted elsewhere (by Redis), so this worker's fallback knows its recent spending."""
        moment = time.monotonic() if now is None else now
        for window in windows:
            self._times(holder, window, moment).append(moment)

    def _sweep(self, now: float) -> None:
        self._until_sweep = self.SWEEP_EVERY
        for (holder, scope, seconds), times in list(self._log.items()):
            if not times or times[-1] <= now - seconds:
                del self._log[(holder, scope, seconds)]

    def _times(self, holder: str, window: Window, now: float) -> deque[float]:
        times = self._log.setdefault((holder, window.scope, window.seconds), deque())
        while times and times[0] <= now - window.seconds:
            times.popleft()
        return times
