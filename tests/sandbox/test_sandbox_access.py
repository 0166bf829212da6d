"""Authentication, permissions, throttling, routing and the request log, over real HTTP."""

from __future__ import annotations

import httpx2
import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import BATCH_EXPORT_ID, RECORDING_IDS

RECORDING = RECORDING_IDS["pricing_review"]


def test_missing_key_is_401_with_posthog_body(connect) -> None:
    response = connect(None).get("endpoints/")
    assert response.status_code == 401
    assert response.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_unknown_key_is_401_authentication_failed(connect) -> None:
    response = connect("phx_" + "x" * 40).get("customer_profile_configs/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_desktop_recordings_answer_403_for_auth_failures(connect) -> None:
    missing = connect(None).get("desktop_recordings/")
    wrong = connect("phx_" + "y" * 40).get(f"desktop_recordings/{RECORDING}/")
    assert (missing.status_code, missing.json()["code"]) == (403, "not_authenticated")
    assert (wrong.status_code, wrong.json()["code"]) == (403, "authentication_failed")
    assert "www-authenticate" not in missing.headers


def test_missing_scope_is_403_naming_the_scope(sandbox: SandboxServer, connect) -> None:
    reader = connect(sandbox.state.add_key(["desktop_recording:read"]))
    assert reader.get("desktop_recordings/").status_code == 200
    response = reader.post("desktop_recordings/", json={"platform": "zoom"})
    assert response.status_code == 403
    assert response.json() == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'desktop_recording:write'",
        "attr": None,
    }
    assert reader.get("endpoints/").json()["detail"] == "API key missing required scope 'endpoint:read'"


def test_write_scope_implies_read(sandbox: SandboxServer, connect) -> None:
    writer = connect(sandbox.state.add_key(["customer_profile_config:write"]))
    assert writer.get("customer_profile_configs/").status_code == 200


def test_key_limited_to_other_projects_gets_403(sandbox: SandboxServer, connect) -> None:
    key = sandbox.state.add_key(["*"], projects=[2])
    assert connect(key, project=2).get("desktop_recordings/").status_code == 200
    response = connect(key, project=1).get("desktop_recordings/")
    assert response.status_code == 403
    assert response.json()["detail"] == "API key does not have access to the requested project: ID 1."


def test_unknown_project_is_404_for_an_unrestricted_key(sandbox: SandboxServer, connect) -> None:
    response = connect(sandbox.api_key, project=999).get("endpoints/")
    assert response.status_code == 404
    assert response.json()["type"] == "invalid_request"


def test_current_project_alias(sandbox: SandboxServer, connect) -> None:
    response = connect(sandbox.api_key, project="@current").get("customer_profile_configs/")
    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "batch_exports/test/?destination=S3", None),
        ("POST", "batch_exports/run_test_step_new/", {"name": "x", "interval": "hour"}),
        ("POST", f"batch_exports/{BATCH_EXPORT_ID}/run_test_step/", {"name": "x", "interval": "hour"}),
    ],
)
def test_internal_operations_refuse_scoped_keys(sandbox: SandboxServer, connect, method, path, body) -> None:
    scoped = connect(sandbox.state.add_key(["batch_export:write"]))
    response = scoped.request(method, path, json=body)
    assert response.status_code == 403
    assert response.json()["detail"] == "This action does not support Personal API Key access"


def test_internal_operations_allow_star_and_legacy_keys(sandbox: SandboxServer, connect) -> None:
    assert connect(sandbox.api_key).get("batch_exports/test/?destination=S3").status_code == 200
    legacy = connect(sandbox.state.add_key(scopes=()))
    assert legacy.get("batch_exports/test/?destination=S3").status_code == 200


def test_unknown_route_is_404_before_authentication(connect) -> None:
    response = connect(None).get("no_such_thing/")
    assert response.status_code == 404
    assert response.json()["type"] == "invalid_request"
    assert response.json()["code"] == "not_found"


def test_wrong_method_is_405_after_authentication(api: httpx2.Client, connect) -> None:
    response = api.put("customer_profile_configs/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.json()["detail"] == 'Method "PUT" not allowed.'
    assert "POST" in response.headers["allow"]
    assert connect(None).put("customer_profile_configs/").status_code == 401


def test_trailing_slash_is_optional(api: httpx2.Client) -> None:
    with_slash = api.get("endpoints/daily_pageviews/")
    without = api.get("endpoints/daily_pageviews")
    assert with_slash.status_code == without.status_code == 200
    assert with_slash.json() == without.json()


def test_invalid_json_body_is_a_parse_error(api: httpx2.Client) -> None:
    response = api.post("customer_profile_configs/", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_request"
    assert response.json()["code"] == "parse_error"


def test_non_object_body_is_refused(api: httpx2.Client) -> None:
    response = api.post("customer_profile_configs/", json=["person"])
    assert response.status_code == 400
    assert response.json()["detail"] == "Invalid data. Expected a dictionary, but got list."


def test_rate_limit_answers_429_like_drf_without_retry_after(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.set_rate_limit(3, 60)
    assert [api.get("endpoints/").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("endpoints/")
    assert response.status_code == 429
    body = response.json()
    assert body["type"] == "throttled_error"
    assert body["code"] == "throttled"
    assert body["attr"] is None
    assert body["detail"].startswith("Request was throttled. Expected available in ")
    assert body["detail"].endswith(" seconds.")
    assert "retry-after" not in response.headers


def test_rate_limit_is_per_key_and_can_send_retry_after(sandbox: SandboxServer, api: httpx2.Client, connect) -> None:
    sandbox.state.set_rate_limit(1, 30, retry_after_header=True)
    assert api.get("endpoints/").status_code == 200
    throttled = api.get("endpoints/")
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 30
    other = connect(sandbox.state.second_user_key)
    assert other.get("endpoints/").status_code == 200


def test_rate_limit_window_slides(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.set_rate_limit(1, 0.2)
    assert api.get("endpoints/").status_code == 200
    assert api.get("endpoints/").status_code == 429
    import time

    time.sleep(0.25)
    assert api.get("endpoints/").status_code == 200


def test_request_log_records_what_arrived(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.clear_requests()
    api.post("customer_profile_configs/?x=1&x=2", json={"scope": "person"})
    api.get("desktop_recordings/", params={"platform": "zoom"})
    first, second = sandbox.state.requests
    assert first.method == "POST"
    assert first.path == "/api/environments/1/customer_profile_configs/"
    assert first.query == {"x": ["1", "2"]}
    assert first.json == {"scope": "person"}
    assert first.body_size == len(first.body) > 0
    assert first.headers["authorization"] == f"Bearer {sandbox.api_key}"
    assert first.header("Authorization") == f"Bearer {sandbox.api_key}"
    assert first.api_path == "customer_profile_configs"
    assert second.method == "GET"
    assert second.query == {"platform": ["zoom"]}
    assert second.json is None
    sandbox.state.clear_requests()
    assert sandbox.state.requests == []


def test_reset_restores_seed_and_forgets_keys(sandbox: SandboxServer, api: httpx2.Client, connect) -> None:
    key = sandbox.state.add_key(["*"])
    api.delete(f"desktop_recordings/{RECORDING}/")
    sandbox.state.reset()
    assert api.get(f"desktop_recordings/{RECORDING}/").status_code == 200
    assert connect(key).get("endpoints/").status_code == 401


def test_add_key_rejects_malformed_keys(sandbox: SandboxServer) -> None:
    with pytest.raises(ValueError, match="phx_"):
        sandbox.state.add_key(key="phx_short")
    with pytest.raises(ValueError, match="Scopes"):
        sandbox.state.add_key(scopes=["recordings"])


def test_datasets_delete_is_always_405_with_no_body(sandbox: SandboxServer, api: httpx2.Client, connect) -> None:
    response = api.delete("datasets/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 405
    assert response.content == b""
    assert api.delete("datasets/not-even-a-uuid").status_code == 405
    reader = connect(sandbox.state.add_key(["dataset:read"]))
    denied = reader.delete("datasets/00000000-0000-4000-8000-000000000000/")
    assert denied.status_code == 403
    assert denied.json()["detail"] == "API key missing required scope 'dataset:write'"
