"""The sandbox (``python -m posthog_environments_mcp.sandbox``) runs alone, prints how to use it,
answers a curl-style request and stops on a signal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx2
import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_python_m_sandbox_serves_and_stops_cleanly(stop_signal: signal.Signals) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "posthog_environments_mcp.sandbox", "--port", str(port), "--chunk-delay", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 15
        while not any(line.startswith("Press Ctrl-C") for line in lines):
            assert time.monotonic() < deadline, lines
            line = process.stdout.readline()
            assert line, f"sandbox exited early: {process.stderr.read() if process.stderr else ''}"
            lines.append(line.strip())
        output = "\n".join(lines)
        base_url = f"http://127.0.0.1:{port}"
        assert base_url in output
        key_line = next(line for line in lines if line.startswith("API key"))
        key = key_line.rsplit(" ", 1)[-1]
        assert key.startswith("phx_")
        assert len(key) == 44
        curl = next(line for line in lines if line.startswith("curl "))
        assert curl == f'curl -H "Authorization: Bearer {key}" {base_url}/api/environments/1/desktop_recordings/'

        response = httpx2.get(
            f"{base_url}/api/environments/1/desktop_recordings/", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200
        assert response.json()["count"] == 7

        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
        assert "Sandbox stopped." in process.stdout.read()
        with pytest.raises(httpx2.ConnectError):
            httpx2.get(f"{base_url}/api/environments/1/endpoints/", timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_rejects_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    from posthog_environments_mcp.sandbox.serve import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)]) == 1
    assert "Cannot listen" in capsys.readouterr().err
