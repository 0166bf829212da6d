"""Ctrl-C (SIGINT) and SIGTERM stop the real command at once: within 2 s, exit status 130 or 0, exactly one line
on stderr after the signal and no traceback, the sandbox's port released, and a call in flight cancelled."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from typing import Any

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.faults import Fault
from tests.conftest import server_command, server_env

STOP_WITHIN = 2.0
"""The bound the issue sets for stopping, signal to exit."""
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 0}
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM]


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTHOG_")}
    return subprocess.Popen(
        [*server_command(), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or base,
    )


def _read_until(stream: Any, marker: str, timeout: float = 30) -> str:
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        assert time.monotonic() < deadline, seen
        line = stream.readline()
        assert line, f"the process ended before printing {marker!r}: {seen}"
        seen += line
    return seen


def _stop(process: subprocess.Popen[str], stop_signal: signal.Signals) -> tuple[int, str]:
    """Send the signal; the exit status and what stderr printed after it."""
    process.send_signal(stop_signal)
    try:
        status = process.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"still running {STOP_WITHIN} s after {stop_signal.name}")
    assert process.stderr is not None
    return status, process.stderr.read()


def _refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def _send(process: subprocess.Popen[str], message: dict[str, Any]) -> None:
    assert process.stdin is not None
    process.stdin.write(json.dumps(message) + "\n")
    process.stdin.flush()


@pytest.fixture
def processes() -> Any:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", STOP_SIGNALS, ids=lambda s: s.name)
def test_an_idle_sandbox_server_stops_at_once_and_frees_its_port(
    stop_signal: signal.Signals, processes: list[subprocess.Popen[str]]
) -> None:
    process = _start("--sandbox")
    processes.append(process)
    note = _read_until(process.stderr, "waiting for a client")
    port_match = re.search(r"built-in sandbox at http://127\.0\.0\.1:(\d+)", note)
    assert port_match is not None, note
    port = int(port_match.group(1))
    assert not _refuses_connections(port)

    status, after = _stop(process, stop_signal)

    assert status == STATUS[stop_signal]
    assert after.splitlines() == [f"posthog-environments-mcp: stopped ({stop_signal.name})."]
    assert _refuses_connections(port)


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", STOP_SIGNALS, ids=lambda s: s.name)
def test_a_call_in_flight_is_cancelled_and_the_server_stops_at_once(
    sandbox: SandboxServer, stop_signal: signal.Signals, processes: list[subprocess.Popen[str]]
) -> None:
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings", kind="delay", delay=30))
    process = _start(env=server_env(sandbox))
    processes.append(process)
    _read_until(process.stderr, "waiting for a client")
    assert process.stdout is not None
    _send(
        process,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        },
    )
    assert json.loads(process.stdout.readline())["id"] == 1
    _send(process, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    _send(
        process,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "desktop_recordings_list"}},
    )
    deadline = time.monotonic() + 30
    while not any(request.api_path == "desktop_recordings" for request in sandbox.state.requests):
        assert time.monotonic() < deadline, "the call never reached the sandbox"
        time.sleep(0.02)

    status, after = _stop(process, stop_signal)

    assert status == STATUS[stop_signal]
    assert after.splitlines() == [f"posthog-environments-mcp: stopped ({stop_signal.name})."]
    assert process.stdout.read() == "", "no answer was sent for the cancelled call"


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", STOP_SIGNALS, ids=lambda s: s.name)
def test_the_sandbox_command_stops_at_once_and_frees_its_port(
    stop_signal: signal.Signals, processes: list[subprocess.Popen[str]]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = _start("sandbox", "--port", str(port))
    processes.append(process)
    _read_until(process.stdout, "Press Ctrl-C")

    status, after = _stop(process, stop_signal)

    assert status == 0
    assert after == ""
    assert process.stdout is not None
    assert process.stdout.read().splitlines() == ["Sandbox stopped."]
    assert _refuses_connections(port)


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", STOP_SIGNALS, ids=lambda s: s.name)
@pytest.mark.parametrize("after", [0.15, 0.3])
def test_a_stop_while_the_command_line_is_still_loading_says_one_line(
    stop_signal: signal.Signals, after: float, processes: list[subprocess.Popen[str]]
) -> None:
    """Loading the SDK takes most of a second here: a signal this early lands mid-import (on a faster machine,
    in ``main``, which must answer the same)."""
    process = _start()
    processes.append(process)
    time.sleep(after)

    status, said = _stop(process, stop_signal)

    assert status == STATUS[stop_signal]
    assert said.splitlines()[-1] == f"posthog-environments-mcp: stopped ({stop_signal.name})."
    assert said.count("stopped") == 1  # before it, at most the start-up note of a machine that loads faster
    assert "Traceback" not in said
