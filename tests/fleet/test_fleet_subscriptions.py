"""Subscriptions across workers: separate server processes sharing one real Redis, real ``mcp`` clients over
Streamable HTTP in both eras, the sandbox as PostHog (its request log counts the polls).

- a write through one worker reaches a follower on another at once (polls are 30 s apart, so only the
  write's invalidation can explain it), and exactly one worker polls a followed object;
- SIGKILLing the lease holder moves polling to a survivor within the lease TTL, whose followers keep hearing;
- killing Redis mid-run falls back to local polling (said once), calls keep working, and coordination comes
  back with Redis (said once);
- the poll gate is shared: slots handed out to two workers are spaced as one.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.subscriptions import ResourceUpdated
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.server.resources.fleet import FleetLink
from posthog_environments_mcp.server.shared.redis_link import RedisLink
from tests.e2e.clients import Mode, text_of
from tests.e2e.http_server import HttpServer, http_client
from tests.fleet.redis_support import RedisProcess, free_port, kill, workers
from tests.fleet.redis_support import redis as redis  # the fixture
from tests.server.resources.support import Updates, append_segments, object_reads, recording_uri, subscribe, wait_until

pytestmark = pytest.mark.anyio

LIVE = RECORDING_IDS["design_review_live"]
URI = recording_uri(LIVE)
TTL = 2.0
BOUND = 3.0
"""Far under the 30 s poll interval: a notification this soon comes from the write's invalidation."""
HOLDS = "this worker polls desktop_recordings"
LOST = "lost Redis at"
BACK = "is back: the fleet shares its state again"


@asynccontextmanager
async def follower(worker: HttpServer, key: str, mode: Mode) -> AsyncIterator[tuple[Client, Updates]]:
    """A client on ``worker`` following the live recording; what it hears collects in the ``Updates``."""
    heard = Updates()
    handler = heard if mode == "legacy" else None  # a listen stream's events are collected from the stream
    async with http_client(worker.url, mode, key, message_handler=handler) as client:
        if mode == "legacy":
            await subscribe(client, URI)
            yield client, heard
            return
        async with client.listen(resource_subscriptions=[URI]) as stream, anyio.create_task_group() as group:

            async def collect() -> None:
                async for event in stream:
                    if isinstance(event, ResourceUpdated):
                        heard.uris.append(event.uri)

            group.start_soon(collect)
            yield client, heard
            group.cancel_scope.cancel()


def segment(text: str, timestamp: float) -> dict[str, Any]:
    return {"text": text, "timestamp": timestamp, "speaker": "Ada"}


def holders(fleet: list[HttpServer]) -> list[HttpServer]:
    return [worker for worker in fleet if HOLDS in worker.log()]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_write_through_one_worker_reaches_a_follower_on_another_at_once(
    sandbox: SandboxServer, redis: RedisProcess, tmp_path: Path, mode: Mode
) -> None:
    key = sandbox.api_key
    with workers(
        sandbox, redis, tmp_path, 2, POSTHOG_MCP_POLL_INTERVAL="30", POSTHOG_MCP_SUBSCRIPTION_LEASE_TTL=str(TTL)
    ) as fleet:
        async with follower(fleet[0], key, mode) as (_a, heard_a), follower(fleet[1], key, mode) as (b, heard_b):
            await wait_until(lambda: bool(object_reads(sandbox, LIVE)), what="the first poll")
            await anyio.sleep(TTL / 2)  # the standby retried its claim a few times meanwhile
            assert len(object_reads(sandbox, LIVE)) == 1, "exactly one worker polls for the fleet"
            assert len(holders(fleet)) == 1

            written = await b.call_tool(
                "desktop_recordings_append_segments", {"id": LIVE, "segments": [segment("Fleet-wide.", 77_000.0)]}
            )
            assert not written.is_error, text_of(written)
            await wait_until(lambda: bool(heard_a.uris), what="worker 0's follower hearing of it", seconds=BOUND)
            await wait_until(lambda: bool(heard_b.uris), what="worker 1's follower hearing of it", seconds=BOUND)
            await anyio.sleep(0.5)  # the holder re-reads the object quietly: no second notification
            assert heard_a.uris == [URI]
            assert heard_b.uris == [URI]
    for worker in fleet:
        assert key not in worker.log()


@asynccontextmanager
async def two_followers(fleet: list[HttpServer], key: str, mode: Mode) -> AsyncIterator[list[Updates]]:
    """A follower on each worker, each in a task of its own, so a worker killed under one harms only that one."""
    release = anyio.Event()
    heard = [Updates(), Updates()]
    ready = [anyio.Event(), anyio.Event()]

    async def hold(index: int) -> None:
        with suppress(Exception):  # a killed worker's client loses its server mid-stream
            async with follower(fleet[index], key, mode) as (_client, updates):
                heard[index] = updates
                ready[index].set()
                await release.wait()

    async with anyio.create_task_group() as group:
        for index in range(2):
            group.start_soon(hold, index)
            with anyio.fail_after(30):
                await ready[index].wait()
        yield heard
        release.set()


@asynccontextmanager
async def polled_fleet(
    sandbox: SandboxServer, redis: RedisProcess, logs: Path, mode: Mode, **env: str
) -> AsyncIterator[tuple[list[HttpServer], list[Updates]]]:
    """Two workers polling every 0.3 s, a follower of the live recording on each, one of them holding its lease."""
    env = {"POSTHOG_MCP_POLL_INTERVAL": "0.3", "POSTHOG_MCP_SUBSCRIPTION_LEASE_TTL": str(TTL), **env}
    with workers(sandbox, redis, logs, 2, **env) as fleet:
        async with two_followers(fleet, sandbox.api_key, mode) as heard:
            await wait_until(lambda: len(holders(fleet)) == 1, what="one worker taking the lease")
            yield fleet, heard


async def test_killing_the_lease_holder_moves_polling_to_a_survivor(
    sandbox: SandboxServer, redis: RedisProcess, tmp_path: Path
) -> None:
    async with polled_fleet(sandbox, redis, tmp_path, "legacy") as (fleet, heard):
        [victim] = holders(fleet)
        survivor = 1 - fleet.index(victim)

        reads_before = len(object_reads(sandbox, LIVE))
        await anyio.sleep(1.5)
        polled = len(object_reads(sandbox, LIVE)) - reads_before
        assert 1 <= polled <= 1.5 / 0.3 + 2, f"{polled} polls in 1.5 s: more than one worker polls"

        kill(victim)
        await wait_until(lambda: HOLDS in fleet[survivor].log(), what="the survivor taking over", seconds=TTL * 1.5 + 1)
        await append_segments(sandbox, LIVE, [segment("After the holder died.", 88_000.0)])
        await wait_until(lambda: URI in heard[survivor].uris, what="the survivor's follower", seconds=5)


@asynccontextmanager
async def calls_in_flight(fleet: list[HttpServer], key: str) -> AsyncIterator[list[types.CallToolResult]]:
    """Two callers per worker calling all along (each call spends the shared budget through Redis first), until
    the block ends or a bounded number of calls; their results collect in the list."""
    answered: list[types.CallToolResult] = []
    done = anyio.Event()

    async def keep_calling(worker: HttpServer) -> None:
        async with http_client(worker.url, "auto", key) as caller:
            for _ in range(500):
                if done.is_set():
                    return
                answered.append(await caller.call_tool("desktop_recordings_list", {}))
                await anyio.sleep(0.02)  # a steady stream, not a load test

    async with anyio.create_task_group() as group:
        for worker in [*fleet, *fleet]:
            group.start_soon(keep_calling, worker)
        yield answered
        done.set()


def polled_since(line: str, log: str) -> bool:
    """Whether the worker polled the live recording after it logged ``line`` (its first local poll is the
    baseline a later change is seen against)."""
    return "GET desktop_recordings/{id}/" in log.partition(line)[2]


def redis_warnings(log: str) -> list[str]:
    return [line for line in log.splitlines() if " WARNING " in line and "Redis" in line]


async def test_losing_redis_mid_run_falls_back_to_local_polling_and_recovers(
    sandbox: SandboxServer, redis: RedisProcess, tmp_path: Path
) -> None:
    """Followers on both workers and calls in flight on both when Redis is SIGKILLed and when it returns: the
    followers hear by local polling, then through Redis again; every call is answered; and each worker, its
    budget, nonces and subscriptions sharing one link, logs exactly one "lost" and one "back" line."""
    roomy = {"POSTHOG_MCP_RATE_PER_MINUTE": "1000000", "POSTHOG_MCP_RATE_PER_HOUR": "100000000"}  # never spent
    async with (
        polled_fleet(sandbox, redis, tmp_path, "auto", **roomy) as (fleet, heard),
        calls_in_flight(fleet, sandbox.api_key) as answered,
    ):
        await wait_until(lambda: len(answered) >= 8, what="calls under way")
        redis.kill()
        await wait_until(lambda: all(LOST in w.log() for w in fleet), what="both workers noticing", seconds=10)
        during = len(answered)
        await wait_until(lambda: all(polled_since(LOST, w.log()) for w in fleet), what="both polling locally")
        await append_segments(sandbox, LIVE, [segment("While Redis was down.", 91_000.0)])
        await wait_until(lambda: all(h.uris for h in heard), what="both followers, by local polling", seconds=5)
        await wait_until(lambda: len(answered) >= during + 8, what="calls while Redis is down")

        redis.start()
        await wait_until(lambda: all(BACK in w.log() for w in fleet), what="both workers reconnecting", seconds=10)
        await wait_until(lambda: sum(w.log().count(HOLDS) for w in fleet) == 2, what="one lease again", seconds=TTL * 2)
        counts = [len(h.uris) for h in heard]
        await append_segments(sandbox, LIVE, [segment("Redis is back.", 92_000.0)])
        await wait_until(
            lambda: all(len(h.uris) > n for h, n in zip(heard, counts, strict=True)),
            what="both followers, through Redis again",
            seconds=5,
        )
        after = len(answered)
        await wait_until(lambda: len(answered) >= after + 8, what="calls once Redis is back")
    assert all(not result.is_error for result in answered), [text_of(r) for r in answered if r.is_error]
    for worker in fleet:
        log = worker.log()
        assert log.count(LOST) == 1
        assert log.count(BACK) == 1
        assert len(redis_warnings(log)) == 2, redis_warnings(log)  # nothing else about Redis, from any part


async def test_without_redis_at_start_a_worker_polls_for_its_own_followers(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    nowhere = RedisProcess(tmp_path, free_port())  # never started: nothing listens on its port
    env = {"POSTHOG_MCP_POLL_INTERVAL": "0.3"}
    with workers(sandbox, nowhere, tmp_path, 1, **env) as [worker]:
        async with follower(worker, sandbox.api_key, "legacy") as (_client, heard):
            await wait_until(lambda: bool(object_reads(sandbox, LIVE)), what="the first poll")
            await append_segments(sandbox, LIVE, [segment("No Redis at all.", 93_000.0)])
            await wait_until(lambda: URI in heard.uris, what="the follower, by local polling", seconds=5)
    assert worker.log().count("is unreachable at start") == 1
    assert nowhere.url not in worker.log()


async def test_the_poll_gate_spaces_polls_across_workers(redis: RedisProcess) -> None:
    spacing = 10.0
    redis_links = [RedisLink(SecretStr(redis.url), fallback="test") for _ in range(2)]
    links = [FleetLink(link, lease_ttl=TTL) for link in redis_links]
    try:
        waits = [await links[n % 2].next_slot("a-credential-digest", spacing) for n in range(4)]
        assert all(wait is not None for wait in waits)
        slots = [wait or 0.0 for wait in waits]
        for earlier, later in itertools.pairwise(slots):
            assert later - earlier == pytest.approx(spacing, abs=1.0)  # one queue, whichever worker asks
        paused = await links[0].next_slot("a-credential-digest", spacing, pause=100.0)
        assert paused == 0
        after = await links[1].next_slot("a-credential-digest", spacing)
        assert after is not None
        assert after >= 99.0  # a 429 seen by one worker pauses the key on all
    finally:
        for link in redis_links:
            await link.aclose()
