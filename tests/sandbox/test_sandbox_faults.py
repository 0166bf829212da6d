"""Every fault kind, observed by a real HTTP client on loopback."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid

import httpx2
import pytest

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS


def _conversation_body() -> dict[str, object]:
    return {"content": "How are our recordings?", "conversation": str(uuid.uuid4()), "trace_id": str(uuid.uuid4())}


def test_respond_answers_without_reaching_the_view(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(method="POST", path="desktop_recordings", status=503, headers={"Retry-After": "7"}))
    response = api.post("desktop_recordings/", json={"platform": "zoom"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.json() == {
        "type": "server_error",
        "code": "error",
        "detail": "A server error occurred.",
        "attr": None,
    }
    assert api.get("desktop_recordings/").json()["count"] == 7
    assert api.post("desktop_recordings/", json={"platform": "zoom"}).status_code == 201


def test_respond_with_custom_body_and_times(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="endpoints", status=429, body={"detail": "slow down"}, times=2))
    assert [api.get("endpoints/").status_code for _ in range(3)] == [429, 429, 200]
    sandbox.state.inject(Fault(path="endpoints", status=500, body="plain failure"))
    response = api.get("endpoints")
    assert (response.status_code, response.text) == (500, "plain failure")
    assert response.headers["content-type"].startswith("text/plain")


def test_matching_by_method_glob_full_path_and_regex(sandbox: SandboxServer, api: httpx2.Client, connect) -> None:
    sandbox.state.inject(Fault(method="DELETE", path="desktop_recordings/*", status=418))
    assert api.get(f"desktop_recordings/{RECORDING_IDS['pricing_review']}/").status_code == 200
    assert api.delete(f"desktop_recordings/{RECORDING_IDS['pricing_review']}/").status_code == 418
    sandbox.state.inject(Fault(path="/api/environments/2/*", status=502, times=None))
    assert connect(sandbox.api_key, project=2).get("desktop_recordings/").status_code == 502
    assert connect(sandbox.api_key, project=2).get("endpoints/").status_code == 502
    assert api.get("desktop_recordings/").status_code == 200
    sandbox.state.clear_faults()
    assert connect(sandbox.api_key, project=2).get("endpoints/").status_code == 200
    sandbox.state.inject(Fault(path=re.compile(r"/endpoints/[^/]+/run"), status=504))
    assert api.get("endpoints/daily_pageviews/").status_code == 200
    assert api.get("endpoints/daily_pageviews/run").status_code == 504


def test_delay_slows_then_answers_normally(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="endpoints", kind="delay", delay=0.3))
    started = time.monotonic()
    response = api.get("endpoints/")
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    sandbox.state.inject(Fault(path="endpoints", kind="delay", delay=1.0))
    with pytest.raises(httpx2.ReadTimeout):
        api.get("endpoints/", timeout=0.2)


def test_disconnect_mid_body_after_the_view_ran(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(method="POST", path="desktop_recordings", kind="disconnect"))
    with pytest.raises(httpx2.RemoteProtocolError):
        api.post("desktop_recordings/", json={"platform": "teams"})
    assert api.get("desktop_recordings/").json()["count"] == 8
    sandbox.state.inject(Fault(path="endpoints", kind="disconnect", size=0))
    with pytest.raises(httpx2.RemoteProtocolError):
        api.get("endpoints/")
    assert api.get("endpoints/").status_code == 200


def test_malformed_json(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="desktop_recordings", kind="malformed_json"))
    response = api.get("desktop_recordings/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_html_error_page(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="*", kind="html"))
    response = api.get("conversations/")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert "<title>502 Bad Gateway</title>" in response.text


def test_empty_body(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="customer_profile_configs", kind="empty"))
    response = api.get("customer_profile_configs/")
    assert (response.status_code, response.content, response.headers["content-length"]) == (200, b"", "0")


def test_oversized_body_is_valid_json_of_exact_size(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="desktop_recordings", kind="oversized", size=3_000_000))
    response = api.get("desktop_recordings/")
    assert len(response.content) == 3_000_000
    assert response.headers["content-length"] == "3000000"
    assert response.json()["count"] == 1


def test_redirect_to_another_origin(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="endpoints", kind="redirect", status=307, location="https://evil.example/steal"))
    response = api.get("endpoints/")
    assert response.status_code == 307
    assert response.headers["location"] == "https://evil.example/steal"
    with pytest.raises(ValueError, match="location"):
        Fault(kind="redirect")


def test_cut_stream_after_k_events(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="cut_stream", after_events=2))
    received: list[str] = []
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        api.stream("POST", "conversations/", json=_conversation_body()) as response,
    ):
        received.extend(event.event for event in httpx2.EventSource(response))
    assert received == ["conversation", "message"]


def test_stall_stream_until_the_client_gives_up(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="stall_stream", after_events=1))
    received: list[str] = []
    started = time.monotonic()
    with (
        pytest.raises(httpx2.ReadTimeout),
        api.stream("POST", "conversations/", json=_conversation_body(), timeout=0.3) as response,
    ):
        received.extend(event.event for event in httpx2.EventSource(response))
    assert received == ["conversation"]
    assert time.monotonic() - started < 5


def test_stall_stream_is_dropped_after_max_stall(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(path="conversations", kind="stall_stream", after_events=2, max_stall=0.2))
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        api.stream("POST", "conversations/", json=_conversation_body()) as r,
    ):
        for _ in httpx2.EventSource(r):
            pass


def test_stopped_server_refuses_connections_and_restarts_on_the_same_port(
    sandbox: SandboxServer, api: httpx2.Client
) -> None:
    url = sandbox.base_url
    sandbox.stop()
    assert not sandbox.running
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{url}/api/environments/1/endpoints/", timeout=2)
    sandbox.start()
    assert sandbox.base_url == url
    assert api.get("endpoints/").status_code == 200


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="times"):
        Fault(times=0)
    assert Fault(kind="html").status_code == 502
    assert Fault(kind="empty").status_code == 200


def test_stop_releases_a_stalled_stream_quickly(sandbox: SandboxServer) -> None:
    sandbox.state.inject(Fault(path="conversations", kind="stall_stream", after_events=1))
    outcome: list[str] = []

    def read() -> None:
        url = f"{sandbox.base_url}/api/environments/1/conversations/"
        headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        try:
            with httpx2.stream("POST", url, headers=headers, json=_conversation_body(), timeout=20) as response:
                for _ in response.iter_lines():
                    pass
        except httpx2.HTTPError as error:
            outcome.append(type(error).__name__)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 2
    reader.join(5)
    assert outcome == ["RemoteProtocolError"]
    sandbox.start()
