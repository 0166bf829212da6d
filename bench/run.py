"""Measures the server against the floor (bench/floor_server.py), side by side, over stdio.

For each run, both servers are started as subprocesses against the same local upstream (the sandbox) and
driven with raw JSON-RPC lines (the handshake-era protocol, no client library in the measurement):

- cold start: from spawning the process to the first ``tools/list`` answer;
- latency: the median of ``tools/call`` round trips for the same single GET (desktop_recordings_get);
- memory: the peak resident set (VmHWM) of the server process after the calls.

Medians over runs, then ratios (server / floor). Usage: ``python bench/run.py [--runs 7] [--calls 200]``.
Writes bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS

HERE = Path(__file__).resolve().parent
RECORDING = RECORDING_IDS["pricing_review"]
TARGETS = {"floor": 1.0, "cold_start": 1.15, "call_latency": 1.1, "peak_rss": 1.2}


@dataclass
class Sample:
    cold_start_s: float
    call_latency_s: float
    peak_rss_kb: int


class RawStdioClient:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        await self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        assert self.process.stdout is not None
        while True:
            line = await self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"server exited during {method}")
            message = json.loads(line)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message["result"])

    async def notify(self, method: str) -> None:
        await self._send({"jsonrpc": "2.0", "method": method})

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        await self.process.stdin.drain()


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


async def measure(command: list[str], env: dict[str, str], calls: int) -> Sample:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        limit=2**24,  # tools/list is one long line
        env=env,
    )
    client = RawStdioClient(process)
    try:
        await client.request(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
        )
        await client.notify("notifications/initialized")
        tools = await client.request("tools/list", {})
        cold_start = time.perf_counter() - started
        assert any(t["name"] == "desktop_recordings_get" for t in tools["tools"])
        latencies: list[float] = []
        for _ in range(calls):
            t0 = time.perf_counter()
            result = await client.request(
                "tools/call", {"name": "desktop_recordings_get", "arguments": {"id": RECORDING}}
            )
            latencies.append(time.perf_counter() - t0)
            assert not result.get("isError"), result
        return Sample(cold_start, statistics.median(latencies), peak_rss_kb(process.pid))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()


def server_command() -> list[str]:
    script = Path(sys.executable).parent / "posthog-environments-mcp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "posthog_environments_mcp"]


async def bench(runs: int, calls: int) -> dict[str, Any]:
    with SandboxServer() as sandbox:
        sandbox.state.set_rate_limit(10**9, 60)  # measure the servers, not PostHog's throttling
        env = {
            **os.environ,
            "POSTHOG_HOST": sandbox.base_url,
            "POSTHOG_API_KEY": sandbox.api_key,
            "POSTHOG_PROJECT_ID": "1",
            "POSTHOG_MCP_LOG_LEVEL": "WARNING",
        }
        commands = {"floor": [sys.executable, str(HERE / "floor_server.py")], "server": server_command()}
        samples: dict[str, list[Sample]] = {"floor": [], "server": []}
        await measure(commands["server"], env, 5)  # warm the OS file cache for both before timing
        await measure(commands["floor"], env, 5)
        for run in range(runs):
            order = ["floor", "server"] if run % 2 == 0 else ["server", "floor"]  # alternate to cancel drift
            for name in order:
                samples[name].append(await measure(commands[name], env, calls))
    medians = {
        name: {
            "cold_start_s": statistics.median(s.cold_start_s for s in values),
            "call_latency_s": statistics.median(s.call_latency_s for s in values),
            "peak_rss_kb": statistics.median(s.peak_rss_kb for s in values),
        }
        for name, values in samples.items()
    }
    ratios = {
        "cold_start": medians["server"]["cold_start_s"] / medians["floor"]["cold_start_s"],
        "call_latency": medians["server"]["call_latency_s"] / medians["floor"]["call_latency_s"],
        "peak_rss": medians["server"]["peak_rss_kb"] / medians["floor"]["peak_rss_kb"],
    }
    return {
        "runs": runs,
        "calls_per_run": calls,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "medians": medians,
        "ratios": ratios,
        "targets": {k: v for k, v in TARGETS.items() if k != "floor"},
        "samples": {name: [asdict(s) for s in values] for name, values in samples.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--output", type=Path, default=HERE / "results.json")
    args = parser.parse_args()
    results = asyncio.run(bench(args.runs, args.calls))
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"{'metric':<14}{'floor':>12}{'server':>12}{'ratio':>8}{'target':>8}")
    units = {
        "cold_start": ("cold_start_s", 1000, "ms"),
        "call_latency": ("call_latency_s", 1000, "ms"),
        "peak_rss": ("peak_rss_kb", 1 / 1024, "MiB"),
    }
    for metric, (key, scale, unit) in units.items():
        floor, server = results["medians"]["floor"][key] * scale, results["medians"]["server"][key] * scale
        print(
            f"{metric:<14}{floor:>9.1f}{unit:>3}{server:>9.1f}{unit:>3}{results['ratios'][metric]:>8.2f}"
            f"{TARGETS[metric]:>8.2f}"
        )


if __name__ == "__main__":
    main()
