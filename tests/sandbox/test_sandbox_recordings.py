"""Desktop recordings: all six operations, success and failure, over real HTTP."""

from __future__ import annotations

import httpx2

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS

PRICING = RECORDING_IDS["pricing_review"]
RECORDING_FIELDS = {
    "id",
    "team",
    "created_by",
    "sdk_upload_id",
    "recall_recording_id",
    "platform",
    "meeting_title",
    "meeting_url",
    "duration_seconds",
    "status",
    "notes",
    "error_message",
    "video_url",
    "video_size_bytes",
    "participants",
    "transcript_text",
    "transcript_segments",
    "summary",
    "extracted_tasks",
    "tasks_generated_at",
    "summary_generated_at",
    "started_at",
    "completed_at",
    "created_at",
    "updated_at",
}


def test_list_is_paginated_newest_first(api: httpx2.Client, sandbox: SandboxServer) -> None:
    body = api.get("desktop_recordings/").json()
    assert body["count"] == 7
    assert body["next"] is None
    assert body["previous"] is None
    started = [r["started_at"] for r in body["results"]]
    assert started == sorted(started, reverse=True)
    assert set(body["results"][0]) == RECORDING_FIELDS
    assert {r["platform"] for r in body["results"]} == {"zoom", "teams", "meet", "desktop_audio", "slack"}
    assert {r["status"] for r in body["results"]} >= {"ready", "processing", "recording", "error"}


def test_list_pages_with_absolute_links(api: httpx2.Client, sandbox: SandboxServer) -> None:
    first = api.get("desktop_recordings/", params={"limit": 3}).json()
    assert [r["id"] for r in first["results"]] == [
        RECORDING_IDS[k] for k in ("design_review_live", "weekly_standup", "pricing_review")
    ]
    assert first["next"] == f"{sandbox.base_url}/api/environments/1/desktop_recordings/?limit=3&offset=3"
    second = httpx2.get(first["next"], headers=api.headers).json()
    assert second["previous"] == f"{sandbox.base_url}/api/environments/1/desktop_recordings/?limit=3"
    third = httpx2.get(second["next"], headers=api.headers).json()
    assert third["next"] is None
    assert len(first["results"]) + len(second["results"]) + len(third["results"]) == 7


def test_list_filters(api: httpx2.Client) -> None:
    zoom = api.get("desktop_recordings/", params={"platform": "zoom"}).json()
    assert zoom["count"] == 2
    assert all(r["platform"] == "zoom" for r in zoom["results"])
    ready = api.get("desktop_recordings/", params={"status": "ready", "platform": "zoom"}).json()
    assert ready["count"] == 2
    search = api.get("desktop_recordings/", params={"search": "STORAGE ADD-ON"}).json()
    assert [r["id"] for r in search["results"]] == [PRICING]


def test_second_project_has_its_own_data(connect, sandbox: SandboxServer) -> None:
    body = connect(sandbox.api_key, project=2).get("desktop_recordings/").json()
    assert body["count"] == 1
    assert body["results"][0]["team"] == 2


def test_create_returns_201_with_upload_token(api: httpx2.Client) -> None:
    response = api.post("desktop_recordings/", json={"platform": "zoom"})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == RECORDING_FIELDS | {"upload_token"}
    assert body["status"] == "recording"
    assert body["platform"] == "zoom"
    assert body["transcript_segments"] == []
    assert body["transcript_text"] == ""
    assert body["created_by"] == 1
    assert body["team"] == 1
    assert api.get(f"desktop_recordings/{body['id']}/").status_code == 200
    assert api.get("desktop_recordings/").json()["results"][0]["id"] == body["id"]


def test_create_defaults_to_desktop_audio_and_validates_platform(api: httpx2.Client) -> None:
    assert api.post("desktop_recordings/", json={}).json()["platform"] == "desktop_audio"
    response = api.post("desktop_recordings/", json={"platform": "webex"})
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_choice",
        "detail": '"webex" is not a valid choice.',
        "attr": "platform",
    }


def test_create_without_upload_service_is_503_detail(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.upload_service_configured = False
    response = api.post("desktop_recordings/", json={"platform": "zoom"})
    assert response.status_code == 503
    assert response.json() == {"detail": "Recall.ai API key not configured"}


def test_retrieve_and_404(api: httpx2.Client) -> None:
    body = api.get(f"desktop_recordings/{PRICING}/").json()
    assert body["meeting_title"] == "Q4 pricing review"
    assert body["transcript_segments"][0]["speaker"] == "Max Hedgehog"
    assert body["transcript_segments"][1]["timestamp"] == 14200.0
    assert body["transcript_text"].startswith("Agenda today")
    assert len(body["extracted_tasks"]) == 3
    missing = api.get("desktop_recordings/00000000-0000-4000-8000-000000000000/")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert api.get("desktop_recordings/not-a-uuid/").status_code == 404


def test_patch_updates_writable_fields_and_ignores_read_only(api: httpx2.Client) -> None:
    response = api.patch(
        f"desktop_recordings/{PRICING}/",
        json={
            "meeting_title": "Q4 pricing review (final)",
            "status": "ready",
            "participants": ["Ada Lovelace"],
            "transcript_text": "ignored",
            "id": "ignored",
            "transcript_segments": [{"text": "Hello", "timestamp": 5}, {"text": "world", "speaker": None}],
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == PRICING
    assert body["meeting_title"] == "Q4 pricing review (final)"
    assert body["participants"] == ["Ada Lovelace"]
    assert body["transcript_segments"] == [{"text": "Hello", "timestamp": 5.0}, {"text": "world", "speaker": None}]
    assert body["transcript_text"] == "Hello world"
    assert body["summary"].startswith("Team plan stays")


def test_patch_validation_errors_name_the_field(api: httpx2.Client) -> None:
    cases = {
        "meeting_url": ({"meeting_url": "not a url"}, "Enter a valid URL."),
        "meeting_title": ({"meeting_title": "x" * 256}, "Ensure this field has no more than 255 characters."),
        "participants__1": ({"participants": ["Ada", ""]}, "This field may not be blank."),
        "transcript_segments__0__text": ({"transcript_segments": [{"text": "  "}]}, "This field may not be blank."),
        "extracted_tasks__0__title": ({"extracted_tasks": [{"description": "x"}]}, "This field is required."),
        "duration_seconds": ({"duration_seconds": "long"}, "A valid integer is required."),
        "status": ({"status": "done"}, '"done" is not a valid choice.'),
        "started_at": ({"started_at": "yesterday"}, None),
        "recall_recording_id": ({"recall_recording_id": "abc"}, "Must be a valid UUID."),
    }
    for attr, (payload, detail) in cases.items():
        response = api.patch(f"desktop_recordings/{PRICING}/", json=payload)
        assert response.status_code == 400, attr
        body = response.json()
        assert body["type"] == "validation_error"
        assert body["attr"] == attr
        if detail is not None:
            assert body["detail"] == detail


def test_delete_is_204_then_404(api: httpx2.Client) -> None:
    response = api.delete(f"desktop_recordings/{PRICING}/")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"desktop_recordings/{PRICING}/").status_code == 404
    assert api.delete(f"desktop_recordings/{PRICING}/").status_code == 404


def test_append_segments_deduplicates_by_timestamp(api: httpx2.Client) -> None:
    created = api.post("desktop_recordings/", json={"platform": "meet"}).json()
    path = f"desktop_recordings/{created['id']}/append_segments/"
    batch = {"segments": [{"text": "Hello team", "timestamp": 0, "speaker": "Ada"}, {"text": "Hi", "timestamp": 900}]}
    first = api.post(path, json=batch)
    assert first.status_code == 200
    assert first.json()["transcript_text"] == "Hello team Hi"
    retried = api.post(path, json=batch).json()
    assert len(retried["transcript_segments"]) == 2
    more = api.post(
        path, json={"segments": [{"text": "Hi", "timestamp": 900}, {"text": "Agenda first", "timestamp": 2100.5}]}
    ).json()
    assert [s["timestamp"] for s in more["transcript_segments"]] == [0.0, 900.0, 2100.5]
    assert more["transcript_text"] == "Hello team Hi Agenda first"
    untimed = api.post(path, json={"segments": [{"text": "no time"}, {"text": "no time"}]}).json()
    assert untimed["transcript_text"].endswith("no time no time")


def test_append_segments_validation(api: httpx2.Client) -> None:
    path = f"desktop_recordings/{PRICING}/append_segments/"
    blank = api.post(path, json={"segments": [{"text": "ok", "timestamp": 1}, {"text": ""}]})
    assert blank.status_code == 400
    assert blank.json()["attr"] == "segments__1__text"
    assert blank.json()["code"] == "blank"
    empty = api.post(path, json={"segments": []})
    assert empty.status_code == 400
    assert empty.json()["detail"] == "Ensure this field has at least 1 elements."
    missing = api.post(path, json={})
    assert (missing.json()["attr"], missing.json()["code"]) == ("segments", "required")
    wrong_type = api.post(path, json={"segments": "hello"})
    assert wrong_type.json()["detail"] == 'Expected a list of items but got type "str".'
    assert (
        api.post(
            "desktop_recordings/00000000-0000-4000-8000-000000000000/append_segments/",
            json={"segments": [{"text": "a"}]},
        ).status_code
        == 404
    )
