"""Soak test (not CI): many sequential tool calls and subscribe/unsubscribe cycles on one server, flat memory.

One server state (as Streamable HTTP would share it) serves an in-process MCP client, against the sandbox over
loopback HTTP:

1. ``--calls`` sequential ``tools/call`` (``desktop_recordings_get`` and ``conversations_list`` in turn);
2. ``--cycles`` subscribe/unsubscribe cycles, alternating a 2025-era ``resources/subscribe`` +
   ``resources/unsubscribe`` and a 2026-07-28 ``subscriptions/listen`` stream opened and closed.

Resident memory (VmRSS) is read after a warm-up and after each phase; the sandbox's request log is cleared as it
goes so only the server's memory is compared. Passes when RSS grows under ``--max-growth`` (5 %) and no poller,
followed resource, listen bus or task is left behind. Usage: ``python bench/soak.py [--calls N] [--cycles N]``;
writes bench/soak_results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import platform
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from mcp.shared.exceptions import MCPDeprecationWarning

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.ratelimit import RateLimit
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.sandbox.state import SandboxState

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests' shared-state helper, from the repository root
from tests.server.resources.support import recording_uri, shared_state  # noqa: E402

RECORDING = RECORDING_IDS["pricing_review"]
LIVE = RECORDING_IDS["design_review_live"]
WARM_UP = 300
CLEAR_EVERY = 500


def rss_kib() -> int:
    """The process's resident set now (Linux /proc), after a full collection."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


async def _calls(client: Client, sandbox: SandboxServer, count: int) -> None:
    for n in range(count):
        if n % 2:
            result = await client.call_tool("conversations_list", {"limit": 5})
        else:
            result = await client.call_tool("desktop_recordings_get", {"id": RECORDING})
        if result.is_error:
            raise RuntimeError(f"call {n} failed: {result.content}")
        if n % CLEAR_EVERY == 0:
            sandbox.state.clear_requests()


async def _cycles(legacy: Client, modern: Client, sandbox: SandboxServer, count: int) -> None:
    uri = recording_uri(LIVE)
    for n in range(count):
        if n % 2:
            async with modern.listen(resource_subscriptions=[uri]):
                pass
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MCPDeprecationWarning)
                await legacy.session.subscribe_resource(uri)  # pyright: ignore[reportDeprecated]
                await legacy.session.unsubscribe_resource(uri)  # pyright: ignore[reportDeprecated]
        if n % CLEAR_EVERY == 0:
            sandbox.state.clear_requests()


async def soak(calls: int, cycles: int, max_growth: float) -> dict[str, Any]:
    unthrottled = RateLimit(requests=10_000_000, per_seconds=60.0)  # the soak measures memory, not PostHog's limit
    with SandboxServer(state=SandboxState(rate_limit=unthrottled)) as sandbox:
        async with (
            shared_state(sandbox, poll_interval=0.05, resource_page_size=50) as (server, state),
            Client(server, mode="legacy") as legacy,
            Client(server, mode="auto") as modern,
        ):
            await _calls(legacy, sandbox, WARM_UP)
            await _cycles(legacy, modern, sandbox, 20)
            sandbox.state.clear_requests()
            tasks_before = len(asyncio.all_tasks())
            baseline = rss_kib()
            started = time.perf_counter()
            await _calls(legacy, sandbox, calls)
            calls_s = time.perf_counter() - started
            sandbox.state.clear_requests()
            after_calls = rss_kib()
            started = time.perf_counter()
            await _cycles(legacy, modern, sandbox, cycles)
            cycles_s = time.perf_counter() - started
            with anyio.fail_after(10):
                while state.subscriptions.polling or state.subscriptions.followed:  # noqa: ASYNC110 - no event to wait on
                    await anyio.sleep(0.05)
            sandbox.state.clear_requests()
            after_cycles = rss_kib()
            tasks_after = len(asyncio.all_tasks())
            held = state.subscriptions.diagnostics
            leaked = {
                **{name: count for name, count in held.items() if name != "connections_hooked"},
                "tasks": max(0, tasks_after - tasks_before),
            }
    growth = (after_cycles - baseline) / baseline
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "calls": calls,
        "cycles": cycles,
        "calls_seconds": round(calls_s, 1),
        "cycles_seconds": round(cycles_s, 1),
        "rss_kib": {"baseline": baseline, "after_calls": after_calls, "after_cycles": after_cycles},
        "rss_growth": round(growth, 4),
        "leaked": leaked,
        "passed": growth < max_growth and not any(leaked.values()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--cycles", type=int, default=1_000)
    parser.add_argument("--max-growth", type=float, default=0.05)
    args = parser.parse_args()
    result = anyio.run(soak, args.calls, args.cycles, args.max_growth)
    (HERE / "soak_results.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
