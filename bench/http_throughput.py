"""HTTP throughput and latency: 1,000 ``tools/call`` at concurrency 32, the real server with 1 and 2 workers
against the HTTP floor (``bench/http_floor_server.py``), all calling one sandbox whose rate limit is off.

The load generator is ``h2load`` (nghttp2's C load tool, HTTP/1.1 mode: ``apt-get install nghttp2-client``), so
it takes a small share of the cores the servers and the sandbox share. Every request is the same raw 2026-07-28
``tools/call`` POST (stateless: any worker serves it). Before each timed run a Python client sends that exact
request and checks the answer is a real success (HTTP 200, a JSON-RPC ``result``, not ``isError``); a timed run
counts only if h2load saw every answer as 2xx *and* received exactly ``calls`` times that answer's byte count
(an ``isError`` or any other answer differs in size). CPU seconds per process come from ``/proc``.

    .venv/bin/python bench/http_throughput.py [--calls 1000] [--concurrency 32] [--runs 5] [--profile]

``--profile`` then samples the floor and one worker with py-spy (``pip install py-spy``) under the same load and
reports where their CPU went, in the buckets of ``PROFILE_BUCKETS``.

Prints the ratios (1 worker / floor; 2 workers / 1 worker), writes ``bench/http_results.json``;
``bench/README.md`` records them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, cast

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
BODY = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "desktop_recordings_get", "arguments": {"id": RECORDING}, "_meta": MODERN_META},
    }
).encode()
INSTALL_HINT = "h2load not found: install it with `apt-get install -y nghttp2-client` (Debian/Ubuntu)."
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
    succeeded: int
    server_cpu_s: float
    sandbox_cpu_s: float
    loadgen_cpu_s: float
    cpu_s_per_wall_s: float
    """All three together per second of wall time: 2.0 means this machine's two cores were full."""
    server_cpu_ms_per_call: float
    worker_cpu_s: list[float]
    """Each worker's own share of ``server_cpu_s`` (2 workers: how evenly the connections were spread)."""
    load_average: float
    """The 1-minute load average just before the run (other people's work on the machine shows here)."""
    concurrency: int = 32
    machine_busy_cores: float = 0.0
    """Cores the whole machine kept busy per second of wall time (``/proc/stat``: everything but idle and iowait),
    ours and anyone else's; the cores minus this is what was idle."""
    machine_idle_cores: float = 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def success_body(url: str) -> bytes:
    """The answer to the exact request h2load sends; refuses anything but a real tool success."""
    response = httpx2.post(url, content=BODY, headers=HEADERS, timeout=30)
    payload: object = json.loads(response.content) if response.status_code == 200 else None
    result: object = cast(dict[str, object], payload).get("result") if isinstance(payload, dict) else None
    answer = cast(dict[str, object], result) if isinstance(result, dict) else {}
    if answer.get("isError") is True or "structuredContent" not in answer:
        raise SystemExit(f"{url} did not answer the bench's tools/call with a success: {response.content[:300]!r}")
    return response.content


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> bytes:
    """Until the target answers a real ``tools/call`` (listening is not enough: the app must be loaded)."""
    deadline = time.monotonic() + seconds
    while process.poll() is None and time.monotonic() < deadline:
        try:
            return success_body(url)
        except httpx2.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer (exit status {process.poll()})")


def process_table() -> tuple[dict[int, int], dict[int, float]]:
    """Parent and CPU seconds (utime+stime) of every process, from /proc."""
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
    return parents, cpu


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of ``root`` and its descendants (the workers)."""
    parents, cpu = process_table()
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += cpu.get(pid, 0.0)
        stack += [child for child, parent in parents.items() if parent == pid]
    return total


def child_cpu_seconds(root: int) -> dict[int, float]:
    """CPU seconds of each direct child of ``root`` (the workers, and uvicorn's idle resource tracker)."""
    parents, cpu = process_table()
    return {pid: cpu[pid] for pid, parent in parents.items() if parent == root}


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every core since boot, from the first line of ``/proc/stat``."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class LoadRun:
    seconds: float
    latencies_us: list[int]
    succeeded: int
    two_xx: int
    data_bytes: int


def h2load(url: str, calls: int, concurrency: int, body_file: Path) -> LoadRun:
    """One h2load run over HTTP/1.1 keep-alive connections; per-request latencies from its log file."""
    with tempfile.NamedTemporaryFile("r", suffix=".tsv") as log:
        headers = [arg for name, value in HEADERS.items() for arg in ("-H", f"{name}: {value}")]
        command = ["h2load", "--h1", "-n", str(calls), "-c", str(concurrency), "-d", str(body_file)]
        completed = subprocess.run(
            [*command, *headers, f"--log-file={log.name}", url], capture_output=True, text=True, check=False
        )
        rows = [line.split("\t") for line in log.read().splitlines() if line]
    out = completed.stdout
    finished = re.search(r"finished in ([\d.]+)(m?s)", out)
    requests = re.search(r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
    codes = re.search(r"(\d+) 2xx", out)
    data = re.search(r"\((\d+)\) data", out)
    if completed.returncode != 0 or not (finished and requests and codes and data):
        raise SystemExit(f"h2load failed ({completed.returncode}): {out[-800:]}{completed.stderr[-800:]}")
    seconds = float(finished[1]) / (1000 if finished[2] == "ms" else 1)
    return LoadRun(seconds, sorted(int(row[2]) for row in rows), int(requests[1]), int(codes[1]), int(data[1]))


def measure(
    name: str, url: str, expected: bytes, server: int, sandbox: int, args: argparse.Namespace, concurrency: int
) -> Sample:
    h2load(url, 200, concurrency, args.body_file)  # warm-up: connections, imports, caches
    if success_body(url) != expected:  # every answer is the same bytes, which the data count below relies on
        raise SystemExit(f"{name}: the answer changed between two identical calls; the byte check cannot work")
    load_average = os.getloadavg()[0]
    before = (tree_cpu_seconds(server), tree_cpu_seconds(sandbox), children_cpu_seconds())
    workers_before = child_cpu_seconds(server)
    machine_before = machine_cpu_ticks()
    run = h2load(url, args.calls, concurrency, args.body_file)
    machine_after = machine_cpu_ticks()
    machine_busy, machine_all = machine_after[0] - machine_before[0], machine_after[1] - machine_before[1]
    cores = os.cpu_count() or 1
    workers = {pid: cpu - workers_before.get(pid, 0.0) for pid, cpu in child_cpu_seconds(server).items()}
    server_cpu = tree_cpu_seconds(server) - before[0]
    sandbox_cpu = tree_cpu_seconds(sandbox) - before[1]
    loadgen_cpu = children_cpu_seconds() - before[2]
    if run.two_xx != args.calls or run.succeeded != args.calls or run.data_bytes != args.calls * len(expected):
        raise SystemExit(
            f"{name}: not every answer was the success checked before the run: {run.two_xx} 2xx of {args.calls}, "
            f"{run.data_bytes} bytes received against {args.calls} x {len(expected)}"
        )
    latencies = run.latencies_us
    return Sample(
        target=name,
        calls=args.calls,
        seconds=round(run.seconds, 3),
        throughput=round(args.calls / run.seconds, 1),
        p50_ms=round(statistics.median(latencies) / 1000, 1),
        p95_ms=round(latencies[int(len(latencies) * 0.95)] / 1000, 1),
        succeeded=run.succeeded,
        server_cpu_s=round(server_cpu, 2),
        sandbox_cpu_s=round(sandbox_cpu, 2),
        loadgen_cpu_s=round(loadgen_cpu, 2),
        cpu_s_per_wall_s=round((server_cpu + sandbox_cpu + loadgen_cpu) / run.seconds, 2),
        server_cpu_ms_per_call=round(server_cpu * 1000 / args.calls, 2),
        worker_cpu_s=sorted((round(cpu, 2) for cpu in workers.values() if cpu >= 0.05), reverse=True),
        load_average=round(load_average, 2),
        concurrency=concurrency,
        machine_busy_cores=round(cores * machine_busy / max(machine_all, 1), 2),
        machine_idle_cores=round(cores * (1 - machine_busy / max(machine_all, 1)), 2),
    )


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


def summary(runs: list[Sample]) -> dict[str, Any]:
    return {
        "best_throughput": max(s.throughput for s in runs),
        "median_throughput": round(statistics.median(s.throughput for s in runs), 1),
        "median_server_cpu_ms_per_call": round(statistics.median(s.server_cpu_ms_per_call for s in runs), 2),
        "median_cpu_s_per_wall_s": round(statistics.median(s.cpu_s_per_wall_s for s in runs), 2),
        "median_machine_idle_cores": round(statistics.median(s.machine_idle_cores for s in runs), 2),
    }


SATURATION_PROBE = "2 workers, twice the connections"


def saturation(stats: dict[str, dict[str, Any]]) -> dict[str, float]:
    """What twice the offered load does to two workers: the idle cores it fills, the throughput it adds, and the
    CPU each call then costs."""
    probe, two = stats[SATURATION_PROBE], stats["2 workers"]
    return {
        "idle_cores_at_bench_load": two["median_machine_idle_cores"],
        "idle_cores_at_twice_the_load": probe["median_machine_idle_cores"],
        "throughput_ratio": round(probe["median_throughput"] / two["median_throughput"], 2),
        "cpu_per_call_ratio": round(probe["median_server_cpu_ms_per_call"] / two["median_server_cpu_ms_per_call"], 2),
    }


def ratios(stats: dict[str, dict[str, Any]], key: str) -> dict[str, float]:
    return {
        "one_worker_vs_floor": round(stats["1 worker"][key] / stats["floor"][key], 2),
        "two_workers_vs_one": round(stats["2 workers"][key] / stats["1 worker"][key], 2),
    }


def cpu_ratio(stats: dict[str, dict[str, Any]]) -> float:
    """Floor CPU per call / one worker's: the throughput ratio when both are CPU-bound on a core of their own,
    and the signal that stays readable on a busy machine (throughput does not)."""
    key = "median_server_cpu_ms_per_call"
    return round(stats["floor"][key] / stats["1 worker"][key], 2)


PROFILE_BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (  # a sample counts in the first bucket it matches
    ("upstream HTTP client (httpx2/httpcore)", ("AsyncClient.send", "AsyncClient.get")),
    ("upstream request/response around the client (server/posthog)", ("PostHogHTTP.",)),
    ("call path (server/handlers, server/calls)", ("_call_tool (server/handlers", "ToolExecutor.")),
    ("floor tool body", ("call_tool (floor_server",)),
    ("SDK: Mcp-Param-* schema lookup", ("_mcp_param_rejection",)),
    ("SDK: runner and server middleware around the handler", ("serve_one", "run_handler")),
    ("SDK: 2026-07-28 HTTP request handling", ("handle_modern_request",)),
    ("this server's HTTP gates (server/transports, SDK auth)", ("HostOriginCheck", "Exposure.", "CallerGate")),
    ("uvicorn, h11, Starlette", ("RequestResponseCycle", "H11Protocol", "Starlette.__call__")),
)


def py_spy() -> str | None:
    return shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))


def profile(url: str, server: int, args: argparse.Namespace) -> dict[str, float]:
    """py-spy samples of ``server`` over ``3 x calls`` calls, as shares (%) of the buckets above."""
    spy = py_spy()
    assert spy is not None
    h2load(url, 200, args.concurrency, args.body_file)
    with tempfile.TemporaryDirectory() as directory:
        raw = Path(directory) / "profile.txt"
        command = [spy, "record", "--format", "raw", "--function", "--rate", "250", "--pid", str(server)]
        recorder = subprocess.Popen([*command, "-o", str(raw)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # attached
        h2load(url, 3 * args.calls, args.concurrency, args.body_file)
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
        lines = [line.rpartition(" ") for line in raw.read_text().splitlines() if line.strip()]
    counts: dict[str, int] = {}
    for stack, _, count in lines:
        bucket = next((name for name, marks in PROFILE_BUCKETS if any(m in stack for m in marks)), "event loop, other")
        counts[bucket] = counts.get(bucket, 0) + int(count)
    total = sum(counts.values()) or 1
    return {name: round(100 * count / total, 1) for name, count in sorted(counts.items(), key=lambda kv: -kv[1])}


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
        # POSTHOG_MCP_MAX_CONCURRENCY is left at its default (8 requests in flight to PostHog per worker): a
        # higher cap (64) made every upstream request dearer here (more pooled connections to scan and probe on
        # each request and release, more tasks and timers at once) for no throughput, as the cores are the limit.
    }
    ours = [*server_command(), "--transport", "http", "--listen", "127.0.0.1:{port}", "--workers"]
    targets: list[tuple[str, list[str], int]] = [
        ("floor", [sys.executable, str(HERE / "http_floor_server.py"), "{port}"], args.concurrency),
        ("1 worker", [*ours, "1"], args.concurrency),
        ("2 workers", [*ours, "2"], args.concurrency),
        # The saturation probe: twice the connections fill the cores two workers leave idle at the bench's
        # concurrency; if that buys no throughput, the cores (not idle time) are what limits two workers.
        (SATURATION_PROBE, [*ours, "2"], 2 * args.concurrency),
    ]
    samples: dict[str, list[Sample]] = {name: [] for name, _, _ in targets}
    profiles: dict[str, dict[str, float]] = {}
    try:
        for _ in range(args.runs):  # interleaved, so a noisy neighbour hurts every target alike
            for name, template, concurrency in targets:
                port = free_port()
                url = f"http://127.0.0.1:{port}/mcp"
                command = [part.replace("{port}", str(port)) for part in template]
                server = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                try:
                    expected = wait_for(url, server)
                    samples[name].append(measure(name, url, expected, server.pid, sandbox.pid, args, concurrency))
                finally:
                    stop(server)
                print(json.dumps(asdict(samples[name][-1])), flush=True)
        for name, template, _ in targets[:2] if args.profile else ():
            port = free_port()
            url = f"http://127.0.0.1:{port}/mcp"
            command = [part.replace("{port}", str(port)) for part in template]
            server = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            try:
                wait_for(url, server)
                profiles[name] = profile(url, server.pid, args)
            finally:
                stop(server)
            print(json.dumps({"profile": name, "shares_percent": profiles[name]}), flush=True)
    finally:
        stop(sandbox)
    stats = {name: summary(runs) for name, runs in samples.items()}
    return {
        "calls": args.calls,
        "concurrency": args.concurrency,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "load_generator": "h2load --h1",
        "summary": stats,
        "ratios_best": ratios(stats, "best_throughput"),
        "ratios_median": ratios(stats, "median_throughput"),
        "one_worker_vs_floor_by_cpu_per_call": cpu_ratio(stats),
        "saturation_probe": saturation(stats),
        "all": {name: [asdict(s) for s in runs] for name, runs in samples.items()},
        "profile_shares_percent": profiles,
    }


def measure_http(runs: int, *, calls: int = 1000, concurrency: int = 32, profile: bool = False) -> dict[str, Any]:
    """The whole HTTP measurement (also called by ``bench/run.py``); raises ``SystemExit(2)`` without h2load."""
    if shutil.which("h2load") is None:
        print(INSTALL_HINT, file=sys.stderr)
        raise SystemExit(2)
    if profile and py_spy() is None:
        print("--profile needs py-spy: .venv/bin/pip install py-spy", file=sys.stderr)
        raise SystemExit(2)
    args = argparse.Namespace(calls=calls, concurrency=concurrency, runs=runs, profile=profile)
    with tempfile.NamedTemporaryFile(suffix=".json") as body_file:
        body_file.write(BODY)
        body_file.flush()
        args.body_file = Path(body_file.name)
        return run(args)


RATIO_KEYS = ("ratios_best", "ratios_median", "one_worker_vs_floor_by_cpu_per_call", "saturation_probe")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "http_results.json")
    parser.add_argument("--profile", action="store_true", help="then profile the floor and 1 worker with py-spy")
    args = parser.parse_args()
    results = measure_http(args.runs, calls=args.calls, concurrency=args.concurrency, profile=args.profile)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({key: results[key] for key in RATIO_KEYS}))


if __name__ == "__main__":
    main()
