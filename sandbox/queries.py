"""Running endpoint queries: insight evaluation, PostHog's cache, and queries that outlast a blocking call.

Rule for 202 (documented behaviour of the sandbox): every endpoint has a simulated query runtime (0 for the
seeded endpoints except ``weekly_active_users``, 3 s; settable with ``SandboxState.set_query_runtime``). A run
whose runtime fits in ``SandboxState.query_blocking_timeout`` waits that long and answers 200. A longer one
answers **202** with ``query_status.complete: false`` and keeps computing; an identical run (same endpoint,
version, variables and overrides) made before it finishes gets 202 with progress, one made after gets 200 with
the result (``is_cached: true``). ``refresh: "force_blocking"`` always starts over; ``"blocking"`` reuses a
cached result younger than the version's ``cache_age_seconds`` (default 1 hour).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from .models import Event, Json, iso
from .seed import SEED_NOW

DEFAULT_CACHE_AGE_SECONDS = 3600.0
QUERY_EXPIRATION = timedelta(minutes=10)


def cache_key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def breakdown_property(query: Mapping[str, Any]) -> str | None:
    """The single breakdown property of an insight query (legacy ``breakdown`` or new ``breakdowns`` form)."""
    breakdown_filter: Any = query.get("breakdownFilter")
    if not isinstance(breakdown_filter, dict):
        return None
    typed = cast(dict[str, Any], breakdown_filter)
    single = typed.get("breakdown")
    if isinstance(single, str) and single:
        return single
    many: Any = typed.get("breakdowns")
    if isinstance(many, list) and len(cast(list[Any], many)) == 1:
        first: Any = cast(list[Any], many)[0]
        prop = cast(dict[str, Any], first).get("property") if isinstance(first, dict) else None
        return prop if isinstance(prop, str) else None
    return None


def hogql_variables(query: Mapping[str, Any]) -> dict[str, Any]:
    """A HogQL query's variables by code name, with their saved values."""
    declared: Any = query.get("variables")
    if not isinstance(declared, dict):
        return {}
    values: dict[str, Any] = {}
    for entry in cast(dict[str, Any], declared).values():
        if isinstance(entry, dict):
            typed = cast(dict[str, Any], entry)
            if isinstance(typed.get("code_name"), str):
                values[typed["code_name"]] = typed.get("value")
    return values


def _resolve_date(text: str | None, today: date, *, default: date) -> date:
    """PostHog's relative dates (``-7d``, ``-2w``, ``-1m``, ``-1y``, ``dStart``) resolve against the seed's present."""
    if not text:
        return default
    if text in {"dStart", "-0d"}:
        return today
    if text.startswith("-") and text[1:-1].isdigit() and text[-1] in "dwmyh":
        amount = int(text[1:-1])
        days = {"d": 1, "w": 7, "m": 30, "y": 365, "h": 0}[text[-1]] * amount
        return today - timedelta(days=days)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return default


def _matches_properties(event: Event, properties: Sequence[Mapping[str, Any]]) -> bool:
    for prop in properties:
        key = prop.get("key")
        value = prop.get("value")
        operator = prop.get("operator", "exact")
        actual = event.properties.get(str(key))
        wanted: list[Any] = cast(list[Any], value) if isinstance(value, list) else [value]
        if operator in {"exact", None} and actual not in wanted:
            return False
        if operator == "is_not" and actual in wanted:
            return False
    return True


def evaluate_trends(query: Mapping[str, Any], events: Iterable[Event], filters: Mapping[str, Any]) -> Json:
    """A ``TrendsQuery`` over the seeded events: one daily (or weekly) series per ``EventsNode``."""
    today = SEED_NOW.date()
    date_range: Mapping[str, Any] = query.get("dateRange") or {}
    start = _resolve_date(filters.get("date_from") or date_range.get("date_from"), today, default=today - timedelta(7))
    end = _resolve_date(filters.get("date_to") or date_range.get("date_to"), today, default=today)
    step = 7 if query.get("interval") == "week" else 1
    buckets: list[date] = []
    cursor = start
    while cursor <= end:
        buckets.append(cursor)
        cursor += timedelta(days=step)
    properties: list[Mapping[str, Any]] = [*(query.get("properties") or []), *(filters.get("properties") or [])]
    breakdown: str | None = breakdown_property(query)
    pool = [e for e in events if start <= e.timestamp.date() <= end and _matches_properties(e, properties)]
    results: list[Json] = []
    for order, node in enumerate(query.get("series") or []):
        event_name = node.get("event")
        math = node.get("math") or "total"
        matching = [e for e in pool if event_name is None or e.event == event_name]
        values: list[Any] = sorted({e.properties.get(breakdown) for e in matching}, key=str) if breakdown else [None]
        for value in values:
            members = [e for e in matching if not breakdown or e.properties.get(breakdown) == value]
            data: list[int] = []
            for bucket in buckets:
                in_bucket = [e for e in members if bucket <= e.timestamp.date() < bucket + timedelta(days=step)]
                data.append(len({e.distinct_id for e in in_bucket}) if math == "dau" else len(in_bucket))
            label = node.get("custom_name") or node.get("name") or event_name or "All events"
            series: Json = {
                "action": {"id": event_name, "type": "events", "order": order, "name": label, "math": math},
                "label": label if value is None else f"{label} - {value}",
                "count": sum(data),
                "data": data,
                "labels": [f"{b.day}-{b.strftime('%b-%Y')}" for b in buckets],
                "days": [b.isoformat() for b in buckets],
            }
            if breakdown:
                series["breakdown_value"] = value
            results.append(series)
    return {"results": results, "timezone": "UTC"}


@dataclass(slots=True)
class _Running:
    query_id: str
    team_id: int
    started: float
    started_at: datetime
    runtime: float
    compute: Callable[[], Json]


@dataclass(slots=True)
class _Cached:
    payload: Json
    computed: float
    computed_at: datetime


class QueryRunner:
    """Caches results and tracks queries still running; thread-safe."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._running: dict[str, _Running] = {}
        self._cache: dict[str, _Cached] = {}

    def reset(self) -> None:
        with self._lock:
            self._running.clear()
            self._cache.clear()

    def lookup(self, key: str, *, cache_age: float, force: bool) -> tuple[int, Json] | None:
        """An answer without starting work: a fresh cached result, or the status of a query still running."""
        monotonic = time.monotonic()
        with self._lock:
            running = self._running.get(key)
            if running is not None and not force:
                elapsed = monotonic - running.started
                if elapsed < running.runtime:
                    return 202, {"query_status": self._status(running, elapsed)}
                del self._running[key]
                finished_at = running.started_at + timedelta(seconds=running.runtime)
                self._cache[key] = _Cached(running.compute(), running.started + running.runtime, finished_at)
            cached = self._cache.get(key)
            if cached is not None and not force and monotonic - cached.computed < cache_age:
                return 200, self._envelope(cached.payload, cached.computed_at, cached=True, cache_age=cache_age)
        return None

    def start_async(
        self, key: str, *, runtime: float, team_id: int, query_id: str, compute: Callable[[], Json]
    ) -> Json:
        """Register a query that outlasts the blocking window; the 202 body."""
        running = _Running(query_id, team_id, time.monotonic(), self._now(), runtime, compute)
        with self._lock:
            self._running[key] = running
        return {"query_status": self._status(running, 0.0)}

    def store(self, key: str, payload: Json, *, cache_age: float) -> Json:
        """Cache a result computed just now; the 200 body."""
        computed_at = self._now()
        with self._lock:
            self._cache[key] = _Cached(payload, time.monotonic(), computed_at)
        return self._envelope(payload, computed_at, cached=False, cache_age=cache_age)

    def _envelope(self, payload: Json, computed_at: datetime, *, cached: bool, cache_age: float) -> Json:
        return {
            **payload,
            "is_cached": cached,
            "last_refresh": iso(computed_at),
            "next_allowed_client_refresh": iso(computed_at + timedelta(minutes=1)),
            "cache_target_age": iso(computed_at + timedelta(seconds=cache_age)),
            "query_status": None,
        }

    def _status(self, running: _Running, elapsed: float) -> Json:
        fraction = min(1.0, elapsed / running.runtime) if running.runtime else 1.0
        total_rows = 2_000_000
        return {
            "id": running.query_id,
            "team_id": running.team_id,
            "complete": False,
            "error": False,
            "error_message": None,
            "query_async": True,
            "start_time": iso(running.started_at),
            "pickup_time": iso(running.started_at),
            "end_time": None,
            "expiration_time": iso(running.started_at + QUERY_EXPIRATION),
            "dashboard_id": None,
            "insight_id": None,
            "labels": None,
            "results": None,
            "task_id": None,
            "query_progress": {
                "bytes_read": int(fraction * total_rows * 180),
                "rows_read": int(fraction * total_rows),
                "estimated_rows_total": total_rows,
                "time_elapsed": int(elapsed * 1000),
                "active_cpu_time": int(elapsed * 800_000),
            },
        }


def new_query_id() -> str:
    return uuid.uuid4().hex
