"""Customer profile configs: list, create, retrieve, update, over real HTTP."""

from __future__ import annotations

import httpx2

from posthog_environments_mcp.sandbox.seed import CONFIG_IDS

PERSON = CONFIG_IDS["person"]


def test_list_is_paginated(api: httpx2.Client) -> None:
    body = api.get("customer_profile_configs/").json()
    assert body["count"] == 2
    assert body["next"] is None
    assert [c["scope"] for c in body["results"]] == ["person", "group_0"]
    assert set(body["results"][0]) == {"id", "scope", "content", "sidebar", "created_at", "updated_at"}
    page = api.get("customer_profile_configs/", params={"limit": 1}).json()
    assert len(page["results"]) == 1
    assert page["next"].endswith("limit=1&offset=1")


def test_create_defaults_and_null_content(api: httpx2.Client) -> None:
    response = api.post("customer_profile_configs/", json={"scope": "group_3", "content": None})
    assert response.status_code == 201
    body = response.json()
    assert (body["scope"], body["content"], body["sidebar"]) == ("group_3", {}, {})
    assert api.get(f"customer_profile_configs/{body['id']}/").json() == body


def test_create_validation(api: httpx2.Client) -> None:
    missing = api.post("customer_profile_configs/", json={}).json()
    assert (missing["attr"], missing["code"]) == ("scope", "required")
    bad_scope = api.post("customer_profile_configs/", json={"scope": "group_5"}).json()
    assert bad_scope["detail"] == '"group_5" is not a valid choice.'
    bad_content = api.post("customer_profile_configs/", json={"scope": "person", "content": "text"}).json()
    assert (bad_content["attr"], bad_content["detail"]) == ("content", "Invalid value for field 'content'")


def test_retrieve_and_404(api: httpx2.Client) -> None:
    body = api.get(f"customer_profile_configs/{PERSON}/").json()
    assert body["content"]["blocks"][0]["title"] == "Plan and billing"
    assert api.get("customer_profile_configs/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_patch_changes_only_sent_fields(api: httpx2.Client) -> None:
    response = api.patch(f"customer_profile_configs/{PERSON}/", json={"sidebar": [{"type": "property", "key": "plan"}]})
    assert response.status_code == 200
    body = response.json()
    assert body["sidebar"] == [{"type": "property", "key": "plan"}]
    assert body["content"]["blocks"][0]["title"] == "Plan and billing"
    assert body["updated_at"] > "2025-11-11T15:30:00Z"
    assert api.patch(f"customer_profile_configs/{PERSON}/", json={"scope": "org"}).json()["attr"] == "scope"
