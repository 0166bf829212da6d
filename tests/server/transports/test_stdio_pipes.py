"""stdio through the real command: on pipes the event loop reads and writes (server/transports/pipes.py); a file
as stdout is still served, through the thread-based streams. What must hold either way: a message split
across writes is read whole, a huge line is one message, answers bigger than a pipe's buffer arrive complete when
the client reads late, and the end of stdin ends the server cleanly (once the answers still due are written:
tests/server/transports/test_stdin_eof.py)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from tests.conftest import server_command, server_env
from tests.e2e.clients import RAW_INITIALIZE as INITIALIZE

INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
PIPE_BUFFER = 65_536
"""Linux's default pipe capacity: answers past it make the server wait for the client to read."""


def _line(message: dict[str, Any]) -> bytes:
    return (json.dumps(message) + "\n").encode()


def _tools_list(request_id: int) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/list", "params": {}}


def _answers(raw: bytes) -> dict[int, dict[str, Any]]:
    messages = [json.loads(line) for line in raw.splitlines() if line.strip()]
    return {message["id"]: message for message in messages if "id" in message}


@pytest.mark.slow
def test_split_messages_a_huge_line_and_answers_over_the_pipe_buffer(sandbox: SandboxServer) -> None:
    process = subprocess.Popen(
        server_command(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_env(sandbox),
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        first = _line(INITIALIZE)
        process.stdin.write(first[:20])  # half a message, then the rest a moment later
        process.stdin.flush()
        time.sleep(0.2)
        process.stdin.write(first[20:] + _line(INITIALIZED))
        huge_name = "x" * 1_000_000
        process.stdin.write(
            _line({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": huge_name, "arguments": {}}})
        )
        for request_id in range(3, 8):  # five tools/list answers, far more than a pipe holds, not read yet
            process.stdin.write(_line(_tools_list(request_id)))
        process.stdin.flush()
        time.sleep(0.5)  # the server now waits for room in its stdout
        raw = b""
        while len(_answers(raw)) < 7:
            line = process.stdout.readline()
            assert line, f"stdout ended after {sorted(_answers(raw))}"
            raw += line
        process.stdin.close()  # the end of stdin ends the server
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    answers = _answers(raw)
    assert sorted(answers) == [1, 2, 3, 4, 5, 6, 7]
    assert answers[1]["result"]["serverInfo"]["name"] == "posthog-environments-mcp"
    refusal = json.dumps(answers[2])
    assert "Unknown tool" in refusal
    assert len(refusal) < 1_000
    listings = [answers[request_id]["result"]["tools"] for request_id in range(3, 8)]
    assert all(tools == listings[0] and len(tools) > 0 for tools in listings)
    assert len(raw) > 2 * PIPE_BUFFER


@pytest.mark.slow
def test_a_file_as_stdout_is_served_through_the_threaded_streams(sandbox: SandboxServer, tmp_path: Path) -> None:
    out = tmp_path / "answers.jsonl"
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            server_command(), stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.DEVNULL, env=server_env(sandbox)
        )
        assert process.stdin is not None
        try:
            process.stdin.write(_line(INITIALIZE) + _line(INITIALIZED) + _line(_tools_list(2)))
            process.stdin.flush()
            deadline = time.monotonic() + 30
            while len(_answers(out.read_bytes())) < 2:
                assert time.monotonic() < deadline, out.read_bytes()[:500]
                time.sleep(0.05)
            process.stdin.close()
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    answers = _answers(out.read_bytes())
    assert answers[1]["result"]["serverInfo"]["name"] == "posthog-environments-mcp"
    assert len(answers[2]["result"]["tools"]) > 0


@pytest.mark.slow
def test_a_client_that_stops_reading_ends_the_server_with_one_line(sandbox: SandboxServer) -> None:
    process = subprocess.Popen(
        server_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=server_env(sandbox)
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        process.stdin.write(_line(INITIALIZE))
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == 1
        process.stdout.close()  # the client goes away from the answers' side
        for request_id in range(2, 5):
            try:
                process.stdin.write(_line(_tools_list(request_id)))
                process.stdin.flush()
            except BrokenPipeError:
                break  # the server has already stopped
            time.sleep(0.2)
        status = process.wait(timeout=30)
        assert process.stderr is not None
        said = process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert status == 0
    assert said.splitlines()[-1] == "posthog-environments-mcp: the client closed its end of stdout; stopped."
    assert "Traceback" not in said
