"""HTTP throughput and latency: 1,000 ``tools/call`` at concurrency 32, the real server with 1 and 2 workers
against the HTTP floor (``bench/http_floor_server.py``), all calling one sandbox whose rate limit is off.

Each target runs as its own process (the sandbox too), so the load generator, the sandbox and the servers share
this machine's cores as in a deployment on one box; CPU seconds per process are reported to show where the
cores went. Requests are raw 2026-07-28 ``tools/call`` POSTs (the lightest load generator the protocol allows).

    .venv/bin/python bench/http_throughput.py [--calls 1000] [--concurrency 32] [--runs 3]

Writes ``bench/http_results.json``; ``bench/README.md`` records the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx2

from posthog_environments_mcp.sandbox.seed import RECORDING_IDS

HERE = Path(__file__).resolve().parent
RECORDING = RECORDING_IDS["pricing_review"]
TICKS = os.sysconf("SC_CLK_TCK")
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "http-bench", "version": "1"},
}
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json, text/event-stream",
    "Mcp-Protocol-Version": "2026-07-28",
    "Mcp-Method": "tools/call",
    "Mcp-Name": "desktop_recordings_get",
}
SANDBOX_SCRIPT = """
import signal, sys, threading
from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.ratelimit import RateLimit
from posthog_environments_mcp.sandbox.state import SandboxState
server = SandboxServer(state=SandboxState(rate_limit=RateLimit(10**9, 1.0)), port=int(sys.argv[1])).start()
print(server.api_key, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
stop.wait()
server.stop()
"""


@dataclass
class Sample:
    target: str
    calls: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    errors: int
    server_cpu_s: float
    sandbox_cpu_s: float
    loadgen_cpu_s: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Until the target answers a real ``tools/call`` (listening is not enough: the app must be loaded)."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            if httpx2.post(url, content=body(0), headers=HEADERS, timeout=5).status_code == 200:
                return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer (exit status {process.poll()})")


def tree_cpu_seconds(root: int) -> float:
    """utime+stime of ``root`` and its descendants (the workers), from /proc."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return total


def body(index: int) -> bytes:
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "id": index,
            "method": "tools/call",
            "params": {"name": "desktop_recordings_get", "arguments": {"id": RECORDING}, "_meta": MODERN_META},
        }
    ).encode()


async def load(url: str, calls: int, concurrency: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = 0
    queue = iter(range(calls))
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(limits=limits, timeout=60, headers=HEADERS) as client:

        async def worker() -> None:
            nonlocal errors
            for index in queue:
                started = time.perf_counter()
                response = await client.post(url, content=body(index))
                latencies.append(time.perf_counter() - started)
                if (
                    response.status_code != 200
                    or b'"result"' not in response.content
                    or b'"isError":true' in (response.content)
                ):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, errors


def measure(name: str, url: str, server: subprocess.Popen[bytes], sandbox: int, args: argparse.Namespace) -> Sample:
    asyncio.run(load(url, 50, args.concurrency))  # warm-up: connections, imports, caches
    before = (tree_cpu_seconds(server.pid), tree_cpu_seconds(sandbox), resource.getrusage(resource.RUSAGE_SELF))
    seconds, latencies, errors = asyncio.run(load(url, args.calls, args.concurrency))
    after = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()
    return Sample(
        target=name,
        calls=args.calls,
        seconds=round(seconds, 3),
        throughput=round(args.calls / seconds, 1),
        p50_ms=round(statistics.median(latencies) * 1000, 1),
        p95_ms=round(latencies[int(len(latencies) * 0.95)] * 1000, 1),
        errors=errors,
        server_cpu_s=round(tree_cpu_seconds(server.pid) - before[0], 2),
        sandbox_cpu_s=round(tree_cpu_seconds(sandbox) - before[1], 2),
        loadgen_cpu_s=round(after.ru_utime + after.ru_stime - before[2].ru_utime - before[2].ru_stime, 2),
    )


def start(command: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    wait_for(url, process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def server_command() -> list[str]:
    script = Path(sys.executable).parent / "posthog-environments-mcp"
    return [str(script)] if script.exists() else [sys.executable, "-m", "posthog_environments_mcp"]


def run(args: argparse.Namespace) -> dict[str, Any]:
    sandbox_port = free_port()
    sandbox = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_SCRIPT, str(sandbox_port)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    assert sandbox.stdout is not None
    key = sandbox.stdout.readline().decode().strip()
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    env |= {
        "POSTHOG_HOST": f"http://127.0.0.1:{sandbox_port}",
        "POSTHOG_API_KEY": key,
        "POSTHOG_PROJECT_ID": "1",
        "POSTHOG_MCP_LOG_LEVEL": "WARNING",
        "POSTHOG_MCP_RATE_PER_MINUTE": "0",  # the budget is not what is measured; the sandbox's limit is off too
        "POSTHOG_MCP_RATE_PER_HOUR": "0",
        "POSTHOG_MCP_MAX_CONCURRENCY": "64",
    }
    targets: list[tuple[str, list[str]]] = [
        ("floor", [sys.executable, str(HERE / "http_floor_server.py"), "{port}"]),
        ("1 worker", [*server_command(), "--transport", "http", "--listen", "127.0.0.1:{port}", "--workers", "1"]),
        ("2 workers", [*server_command(), "--transport", "http", "--listen", "127.0.0.1:{port}", "--workers", "2"]),
    ]
    samples: dict[str, list[Sample]] = {name: [] for name, _ in targets}
    try:
        for _ in range(args.runs):  # interleaved, so a noisy neighbour hurts every target alike
            for name, template in targets:
                port = free_port()
                url = f"http://127.0.0.1:{port}/mcp"
                server = start([part.replace("{port}", str(port)) for part in template], env, url)
                try:
                    samples[name].append(measure(name, url, server, sandbox.pid, args))
                finally:
                    stop(server)
                print(json.dumps(asdict(samples[name][-1])), flush=True)
    finally:
        stop(sandbox)
    best = {name: max(runs, key=lambda s: s.throughput) for name, runs in samples.items()}
    return {
        "calls": args.calls,
        "concurrency": args.concurrency,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "best": {name: asdict(sample) for name, sample in best.items()},
        "all": {name: [asdict(s) for s in runs] for name, runs in samples.items()},
        "one_worker_vs_floor": round(best["1 worker"].throughput / best["floor"].throughput, 2),
        "two_workers_vs_one": round(best["2 workers"].throughput / best["1 worker"].throughput, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "http_results.json")
    args = parser.parse_args()
    results = run(args)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: results[k] for k in ("one_worker_vs_floor", "two_workers_vs_one")}))


if __name__ == "__main__":
    main()
