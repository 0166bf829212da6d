"""Everything the sandbox holds in memory: seeded data, API keys, the rate limit, faults and the request log.

One ``SandboxState`` backs one running app. It is shared between the server's event-loop thread and the test
thread, so data access goes through ``state.lock`` and the sub-objects are thread-safe themselves.
``reset()`` returns it to exactly its initial condition.
"""

from __future__ import annotations

import asyncio
import random
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from . import seed
from .assistant import AssistantRun
from .auth import ApiKey, check_key_format, generate_key, normalize_scopes
from .faults import Fault, FaultBook
from .models import Project, User
from .queries import QueryRunner
from .ratelimit import DEFAULT_RATE_LIMIT, RateLimit, RateLimiter
from .requestlog import RecordedRequest, RequestLog

DEFAULT_CHUNK_DELAY = 0.03
DEFAULT_BLOCKING_TIMEOUT = 1.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SandboxState:
    """In-memory PostHog: data for projects 1 and 2, keys, rate limit, faults, request log.

    ``stream_chunk_delay`` (seconds between streamed AI chunks), ``query_blocking_timeout`` (longest query
    runtime answered synchronously, see ``sandbox.queries``), ``upload_service_configured`` (False makes
    recording creation answer 503 like a server without Recall.ai) and ``clock`` may be changed at any time;
    ``reset()`` restores the values given here.
    """

    def __init__(
        self,
        *,
        stream_chunk_delay: float = DEFAULT_CHUNK_DELAY,
        rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
        query_blocking_timeout: float = DEFAULT_BLOCKING_TIMEOUT,
        id_seed: int = 0,
    ) -> None:
        self._initial_chunk_delay = stream_chunk_delay
        self._initial_rate_limit = rate_limit
        self._initial_blocking_timeout = query_blocking_timeout
        self._id_seed = id_seed
        self.lock = threading.RLock()
        self.faults = FaultBook()
        self.log = RequestLog()
        self.limiter = RateLimiter(rate_limit)
        self.clock: Callable[[], datetime] = _utc_now
        self.queries = QueryRunner(self.now)
        self.runs: dict[str, AssistantRun] = {}
        self.draining = threading.Event()
        """Set while the server shuts down, so connections held open on purpose (stalls) let go at once."""
        self.tasks: set[asyncio.Task[None]] = set()
        self.epoch = 0
        self.stream_chunk_delay = stream_chunk_delay
        self.query_blocking_timeout = query_blocking_timeout
        self.upload_service_configured = True
        self.users: dict[int, User] = {}
        self.projects: dict[int, Project] = {}
        self.keys: dict[str, ApiKey] = {}
        self._rng = random.Random(id_seed)
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Seed data, default keys and settings back; faults, request log, rate counters and caches cleared."""
        with self.lock:
            self.epoch += 1
            for run in self.runs.values():
                run.cancelled = True
            self.runs = {}
            self._rng = random.Random(self._id_seed)
            self.users = seed.build_users()
            self.projects = seed.build_projects()
            self.keys = {
                seed.DEFAULT_KEY: ApiKey(seed.DEFAULT_KEY, seed.ADA.id, ("*",), None),
                seed.SECOND_USER_KEY: ApiKey(seed.SECOND_USER_KEY, seed.GRACE.id, ("*",), None),
            }
            self.stream_chunk_delay = self._initial_chunk_delay
            self.query_blocking_timeout = self._initial_blocking_timeout
            self.upload_service_configured = True
            self.clock = _utc_now
        self.faults.clear()
        self.log.clear()
        self.limiter.configure(self._initial_rate_limit)
        self.queries.reset()

    # -- keys --------------------------------------------------------------------------------------------------

    @property
    def default_key(self) -> str:
        """All scopes (``*``), every project (1 and 2), acting as user 1 (Ada)."""
        return seed.DEFAULT_KEY

    @property
    def second_user_key(self) -> str:
        """All scopes, every project, acting as user 2 (Grace): for "another user's conversation" cases."""
        return seed.SECOND_USER_KEY

    def add_key(
        self,
        scopes: Sequence[str] = ("*",),
        projects: Sequence[int] | None = None,
        key: str | None = None,
        *,
        user_id: int = seed.ADA.id,
    ) -> str:
        """Register a personal API key; ``scopes=()`` makes a legacy unscoped key. Returns the key."""
        with self.lock:
            value = key if key is not None else generate_key(self._rng)
            check_key_format(value)
            if user_id not in self.users:
                raise ValueError(f"Unknown user {user_id}; the sandbox has users {sorted(self.users)}")
            self.keys[value] = ApiKey(
                value, user_id, normalize_scopes(scopes), tuple(projects) if projects is not None else None
            )
            return value

    def revoke_key(self, key: str) -> None:
        with self.lock:
            self.keys.pop(key, None)

    # -- settings ----------------------------------------------------------------------------------------------

    def set_rate_limit(self, requests: int, per_seconds: float, retry_after_header: bool = False) -> None:
        """Budget per key; counters restart. ``retry_after_header`` mimics newer PostHog servers."""
        if requests < 1 or per_seconds <= 0:
            raise ValueError("A rate limit needs at least one request per a positive number of seconds")
        self.limiter.configure(RateLimit(requests, per_seconds, retry_after_header))

    def set_query_runtime(self, project_id: int, endpoint_name: str, seconds: float) -> None:
        """How long the named endpoint's query takes to compute (see ``sandbox.queries`` for the 202 rule)."""
        with self.lock:
            self.projects[project_id].endpoints[endpoint_name].runtime_seconds = seconds

    # -- faults and request log --------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        return self.log.entries()

    def clear_requests(self) -> None:
        self.log.clear()

    # -- helpers for routes ------------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def new_id(self) -> str:
        """A UUID4, deterministic from the state's seed so runs are reproducible."""
        with self.lock:
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def track(self, task: asyncio.Task[None]) -> None:
        """Keep a background task alive until it ends."""
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
