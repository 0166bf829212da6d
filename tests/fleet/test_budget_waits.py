"""``RateBudget`` itself, with a one-second window so waiting is quick: a request past the budget waits for room
when room comes within its deadline, and otherwise fails at once with when to retry; in process and through a
real Redis (the Lua script)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from posthog_environments_mcp.server.posthog.target import Target
from posthog_environments_mcp.server.posthog.upstream_errors import UpstreamFailure
from posthog_environments_mcp.server.shared.budget import RateBudget
from posthog_environments_mcp.server.shared.redis_link import RedisLink
from posthog_environments_mcp.server.shared.windows import SlidingLog, Window
from tests.fleet.support import redis_server

pytestmark = pytest.mark.anyio
TWO_A_SECOND = (Window("all", 2, 1, "TEST_BUDGET"),)
TARGET = Target(host="http://127.0.0.1:1", api_key=SecretStr("phx_" + "a" * 40), default_project="1")


@pytest.fixture(params=["in process", "redis"])
async def budget(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RateBudget]:
    if request.param == "in process":
        yield RateBudget(TWO_A_SECOND, b"k" * 32)
        return
    with redis_server(tmp_path) as redis:
        link = RedisLink(SecretStr(redis.url), fallback="test")
        assert await link.start()
        try:
            yield RateBudget(TWO_A_SECOND, b"k" * 32, link=link)
        finally:
            await link.aclose()


async def take(budget: RateBudget) -> None:
    await budget.acquire(TARGET, "GET", "desktop_recordings/")


async def test_a_request_past_the_budget_waits_for_room_within_its_deadline(budget: RateBudget) -> None:
    with anyio.fail_after(10):  # room comes back after about a second: well inside
        for _ in range(3):
            await take(budget)


async def test_a_request_past_the_budget_fails_when_room_comes_too_late(budget: RateBudget) -> None:
    await take(budget)
    await take(budget)
    with anyio.move_on_after(0.3), pytest.raises(UpstreamFailure) as spent:
        await take(budget)
    assert spent.value.kind == "budget"
    assert not spent.value.sent
    assert spent.value.retry_after == 1
    assert "2 per 1 s (TEST_BUDGET)" in spent.value.message


async def test_ai_messages_also_spend_posthog_ais_own_budget() -> None:
    """PostHog AI allows 10 a minute: the eleventh conversation message waits past a short deadline."""
    wide = RateBudget((), b"k" * 32)
    for _ in range(10):
        await wide.acquire(TARGET, "POST", "conversations/")
    await wide.acquire(TARGET, "GET", "conversations/")  # reads are not AI messages
    with anyio.move_on_after(1), pytest.raises(UpstreamFailure) as spent:
        await wide.acquire(TARGET, "POST", "conversations/{conversation}/append_message/")
    assert "10 per minute (PostHog AI's own limit)" in spent.value.message


async def test_the_in_process_log_forgets_keys_whose_windows_emptied() -> None:
    """Over HTTP many keys come and go: a key unused for a whole window is dropped at the next sweep."""

    class QuickSweeps(SlidingLog):
        SWEEP_EVERY = 2

    log = QuickSweeps()
    log.take("gone", TWO_A_SECOND)
    await anyio.sleep(1.1)  # the one-second window empties (a wait, not a measurement)
    log.take("here", TWO_A_SECOND)
    log.take("here", TWO_A_SECOND)
    assert {holder for holder, _scope, _seconds in log._log} == {"here"}  # pyright: ignore[reportPrivateUsage]
