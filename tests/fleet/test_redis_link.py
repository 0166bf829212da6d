"""One Redis client per worker: a real ``posthog-environments-mcp --transport http --workers 2`` against a real
``redis-server``, seen from Redis' side (``CLIENT LIST``), while callers make calls (the shared rate budget) and
follow a recording (leases, the shared poll gate, pub/sub fan-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.server.shared.redis_link import NAME_PREFIX
from tests.e2e.clients import text_of
from tests.e2e.http_server import http_client, http_server
from tests.fleet.redis_support import RedisProcess, fleet_env
from tests.fleet.redis_support import redis as redis  # the fixture
from tests.server.resources.support import object_reads, recording_uri, wait_until

pytestmark = pytest.mark.anyio

WORKERS = 2
OBSERVER = "test-observer"
"""The name of this test's own connection, the one connection in ``CLIENT LIST`` that is not a worker's."""


async def client_list(redis: RedisProcess) -> list[dict[str, Any]]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis.url, client_name=OBSERVER)  # pyright: ignore[reportUnknownMemberType]
    try:
        listed: list[dict[str, Any]] = await client.client_list()  # pyright: ignore[reportUnknownMemberType]
    finally:
        await client.aclose()
    return listed


def by_link(connections: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every connection but this test's, grouped by the link name it carries (an unnamed one under '')."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for connection in connections:
        if connection["name"] != OBSERVER:
            grouped.setdefault(connection["name"], []).append(connection)
    return grouped


def subscribed(connection: dict[str, Any]) -> bool:
    return int(connection["sub"]) > 0


async def every_worker_subscribed(redis: RedisProcess) -> None:
    """Until each worker has started (it subscribes at start-up; the listen address answers before): bounded."""
    with anyio.fail_after(30):
        while len([c for c in await client_list(redis) if subscribed(c)]) < WORKERS:  # noqa: ASYNC110 - Redis, seen from outside
            await anyio.sleep(0.1)


def children_of(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


async def test_each_worker_holds_one_redis_client(sandbox: SandboxServer, redis: RedisProcess, tmp_path: Path) -> None:
    """Budget, nonces, leases, the gate and pub/sub all go through one link per worker: Redis sees one connection
    name per worker process, each with exactly one subscribed connection (the fan-out) beside the command
    connection(s) of its one pool, and no connection outside those links."""
    env = fleet_env(redis, POSTHOG_MCP_POLL_INTERVAL="0.3")
    with http_server(sandbox, tmp_path / "server.log", "--workers", str(WORKERS), **env) as server:
        await every_worker_subscribed(redis)
        live = RECORDING_IDS["design_review_live"]
        async with (  # a 2026-07-28 listen stream: one long request, on whichever worker took it
            http_client(server.url, "auto", sandbox.api_key) as follower,
            follower.listen(resource_subscriptions=[recording_uri(live)]),
        ):
            await wait_until(lambda: bool(object_reads(sandbox, live)), what="the first poll (under a lease)")
            async with http_client(server.url, "auto", sandbox.api_key) as caller:
                for _ in range(3):  # concurrent calls: each spends the shared budget through Redis first
                    async with anyio.create_task_group() as group:
                        for _ in range(6):
                            group.start_soon(caller.call_tool, "desktop_recordings_list", {})
                result = await caller.call_tool("desktop_recordings_list", {})
                assert not result.is_error, text_of(result)
            links = by_link(await client_list(redis))
        workers = children_of(server.process.pid)

    assert "" not in links, f"connections outside the workers' links: {links['']}"
    assert all(name.startswith(NAME_PREFIX) for name in links)
    assert len(links) == WORKERS, f"{len(links)} Redis clients for {WORKERS} workers: {sorted(links)}"
    pids = {int(name.removeprefix(NAME_PREFIX).split(":")[0]) for name in links}
    assert len(pids) == WORKERS
    assert pids <= workers, "each link belongs to one of the server's worker processes"
    for name, connections in links.items():
        assert len([c for c in connections if subscribed(c)]) == 1, f"{name}: one pub/sub connection"
    commands = [c for connections in links.values() for c in connections if not subscribed(c)]
    assert commands, "the calls' budget commands ran on the links' pools"
