"""The end of stdin ends the session once every request read so far has its answer (server/transports/drain.py),
through the real command: stdin as a pipe (the event-loop streams) and as a file (the threaded stdin, as with
``posthog-environments-mcp < requests.jsonl``), in both protocol eras. A request the client cancelled and a
2026-07-28 ``subscriptions/listen`` stream are not waited for, and a call that cannot finish (it waits for the
client's answer to a confirmation, which can no longer come) holds the process only until the call deadline plus
a margin. A stop signal still stops at once."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from mcp_types import CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.faults import Fault
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from tests.conftest import server_command, server_env
from tests.e2e.clients import RAW_INITIALIZE

INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
PRICING = RECORDING_IDS["pricing_review"]
SLOW_CALL = 0.5
"""Seconds the sandbox waits before answering one call, so that it is surely still running when stdin ends."""
MODERN_META = {
    PROTOCOL_VERSION_META_KEY: "2026-07-28",
    CLIENT_INFO_META_KEY: {"name": "raw", "version": "1"},
    CLIENT_CAPABILITIES_META_KEY: {},
}


def _call(request_id: int, name: str, arguments: dict[str, Any], *, modern: bool = False) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    if modern:
        params["_meta"] = MODERN_META
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


def _lines(messages: list[dict[str, Any]]) -> bytes:
    return b"".join((json.dumps(message) + "\n").encode() for message in messages)


def _run(sandbox: SandboxServer, requests: bytes, *, stdin_file: Path | None = None, **env: str) -> tuple[int, bytes]:
    """The command fed ``requests`` (through a pipe closed at once, or from a file), waited for within 30 s."""
    common: dict[str, Any] = {"capture_output": True, "env": server_env(sandbox, **env), "timeout": 30}
    if stdin_file is None:
        done = subprocess.run(server_command(), input=requests, check=False, **common)
    else:
        stdin_file.write_bytes(requests)
        with stdin_file.open("rb") as stdin:
            done = subprocess.run(server_command(), stdin=stdin, check=False, **common)
    return done.returncode, done.stdout


def _answers(stdout: bytes) -> tuple[Counter[int], dict[int, dict[str, Any]]]:
    """How many answers each request id got, and the last of each."""
    messages = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    answers = [m for m in messages if "id" in m and "method" not in m]
    return Counter(m["id"] for m in answers), {m["id"]: m for m in answers}


@pytest.mark.slow
def test_calls_in_flight_when_stdin_ends_are_answered_2025(sandbox: SandboxServer) -> None:
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings/*", kind="delay", delay=SLOW_CALL, times=1))
    requests = [
        RAW_INITIALIZE,
        INITIALIZED,
        *(_call(request_id, "desktop_recordings_get", {"id": PRICING}) for request_id in (2, 3, 4)),
        _call(5, "desktop_recordings_list", {"limit": 2}),
        {"jsonrpc": "2.0", "id": 6, "method": "ping"},
    ]
    status, stdout = _run(sandbox, _lines(requests))  # through a pipe, closed once the requests are written

    assert status == 0
    counts, answers = _answers(stdout)
    assert counts == Counter({1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 1})
    assert answers[1]["result"]["serverInfo"]["name"] == "posthog-environments-mcp"
    for request_id in (2, 3, 4):
        assert answers[request_id]["result"]["isError"] is False
        assert answers[request_id]["result"]["structuredContent"]["id"] == PRICING
    assert answers[5]["result"]["isError"] is False
    assert answers[6]["result"] == {}
    assert [r.method for r in sandbox.state.requests if "desktop_recordings" in r.path] == ["GET"] * 4


@pytest.mark.slow
def test_calls_in_flight_when_stdin_ends_are_answered_2026_and_a_listen_stream_is_not_waited_for(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings/*", kind="delay", delay=SLOW_CALL, times=1))
    listen = {
        "jsonrpc": "2.0",
        "id": 9,
        "method": "subscriptions/listen",
        "params": {"_meta": MODERN_META, "notifications": {"resourcesListChanged": True}},
    }
    requests = [*(_call(request_id, "desktop_recordings_get", {"id": PRICING}, modern=True) for request_id in (1, 2))]
    # a file, as with ``server < requests.jsonl``; the call deadline (60 s) is far past the test's wait (30 s)
    status, stdout = _run(
        sandbox, _lines([*requests, listen]), stdin_file=tmp_path / "requests.jsonl", POSTHOG_MCP_CALL_TIMEOUT="60"
    )

    assert status == 0
    counts, answers = _answers(stdout)
    assert counts[1] == counts[2] == 1
    assert counts[9] <= 1
    for request_id in (1, 2):
        assert answers[request_id]["result"]["isError"] is False
        assert answers[request_id]["result"]["structuredContent"]["id"] == PRICING


@pytest.mark.slow
def test_a_call_the_client_cancelled_is_not_waited_for(sandbox: SandboxServer) -> None:
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings/*", kind="delay", delay=25, times=1))
    cancel = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 2, "reason": "enough"}}
    requests = [RAW_INITIALIZE, INITIALIZED, _call(2, "desktop_recordings_get", {"id": PRICING}), cancel]
    status, stdout = _run(sandbox, _lines(requests), POSTHOG_MCP_CALL_TIMEOUT="60")

    assert status == 0  # within the 30 s wait, before the 25 s delay and the 60 s deadline could pass
    counts, _ = _answers(stdout)
    assert counts == Counter({1: 1})  # a cancelled request is never answered (the SDK's rule)


@pytest.mark.slow
def test_a_call_that_cannot_finish_holds_the_process_only_until_the_deadline_and_margin(
    sandbox: SandboxServer,
) -> None:
    """A 2025-11-25 client that can confirm asks for a delete and closes stdin: the call waits for an answer to
    its confirmation that cannot come. The process ends at the bound (1 s deadline + margin), well within the
    test's 30 s wait, and nothing is deleted."""
    initialize = json.loads(json.dumps(RAW_INITIALIZE))
    initialize["params"]["capabilities"] = {"elicitation": {}}
    requests = [initialize, INITIALIZED, _call(2, "desktop_recordings_delete", {"id": PRICING})]
    status, stdout = _run(sandbox, _lines(requests), POSTHOG_MCP_CALL_TIMEOUT="1")

    assert status == 0
    messages = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert [m["method"] for m in messages if "method" in m] == ["elicitation/create"]
    counts, answers = _answers(stdout)
    assert counts[1] == 1
    # The ending session fails the question (server/calls/confirmation.py: nothing deleted) while the SDK is
    # cancelling the call: its answer, "not done" or "Connection closed", may or may not reach stdout, never twice.
    assert counts[2] <= 1
    if counts[2]:
        answer = answers[2]
        assert answer.get("error", {}).get("message") == "Connection closed" or answer["result"]["isError"] is True
    assert [r.method for r in sandbox.state.requests] == ["GET"]  # the title looked up, nothing deleted
    assert PRICING in sandbox.state.projects[1].recordings


@pytest.mark.slow
def test_a_stop_signal_while_answers_are_still_due_stops_at_once(sandbox: SandboxServer) -> None:
    sandbox.state.inject(Fault(method="GET", path="desktop_recordings/*", kind="delay", delay=25, times=1))
    with subprocess.Popen(
        server_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env(sandbox, POSTHOG_MCP_CALL_TIMEOUT="60"),
    ) as process:
        try:
            assert process.stdin is not None
            process.stdin.write(
                _lines([RAW_INITIALIZE, INITIALIZED, _call(2, "desktop_recordings_get", {"id": PRICING})])
            )
            process.stdin.close()
            deadline = time.monotonic() + 30
            while not any("desktop_recordings" in request.path for request in sandbox.state.requests):
                assert time.monotonic() < deadline, "the call never reached the sandbox"
                time.sleep(0.02)
            process.send_signal(signal.SIGTERM)
            status = process.wait(timeout=10)  # long before the 25 s delay or the 60 s deadline
        except BaseException:
            process.kill()
            raise
        assert process.stderr is not None
        said = process.stderr.read().decode()

    assert status == 0
    assert said.splitlines()[-1] == "posthog-environments-mcp: stopped (SIGTERM)."
