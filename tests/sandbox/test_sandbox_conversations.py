"""PostHog AI conversations: listing, the event stream, status transitions, append and cancel, over real HTTP."""

from __future__ import annotations

import itertools
import json
import re
import uuid

import httpx2

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import CONVERSATION_IDS, RECORDING_IDS

MINIMAL_FIELDS = {
    "id",
    "status",
    "title",
    "user",
    "created_at",
    "updated_at",
    "type",
    "is_internal",
    "slack_thread_key",
    "slack_workspace_domain",
}
FULL_FIELDS = MINIMAL_FIELDS | {"messages", "has_unsupported_content", "agent_mode", "pending_approvals"}
FRAME = re.compile(rb"event: (conversation|message)\ndata: (\{[^\n]*\})\n\n")


def message(content: str | None, conversation: str | None = None) -> dict[str, object]:
    return {"content": content, "conversation": conversation or str(uuid.uuid4()), "trace_id": str(uuid.uuid4())}


def test_list_shows_only_the_callers_conversations(api: httpx2.Client, connect, sandbox: SandboxServer) -> None:
    body = api.get("conversations/").json()
    assert body["count"] == 2
    assert [c["id"] for c in body["results"]] == [
        CONVERSATION_IDS["pricing_actions"],
        CONVERSATION_IDS["daily_signups"],
    ]
    assert set(body["results"][0]) == FULL_FIELDS
    grace = connect(sandbox.state.second_user_key).get("conversations/").json()
    assert [c["id"] for c in grace["results"]] == [CONVERSATION_IDS["browsers_grace"]]


def test_retrieve_has_multi_turn_messages_of_several_types(api: httpx2.Client) -> None:
    body = api.get(f"conversations/{CONVERSATION_IDS['daily_signups']}/").json()
    assert body["status"] == "idle"
    assert body["user"]["first_name"] == "Ada"
    types = [m["type"] for m in body["messages"]]
    assert types == ["human", "ai", "tool", "ai/viz", "ai"]
    assert body["messages"][3]["answer"]["kind"] == "TrendsQuery"
    assert api.get("conversations/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_stream_bytes_are_posthog_frames(api: httpx2.Client) -> None:
    conversation = str(uuid.uuid4())
    response = api.post("conversations/", json=message("How many recordings do we have?", conversation))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream"
    raw = response.content
    frames = FRAME.findall(raw)
    assert b"".join(b"event: " + kind + b"\ndata: " + data + b"\n\n" for kind, data in frames) == raw
    kinds = [kind.decode() for kind, _ in frames]
    payloads = [json.loads(data) for _, data in frames]
    for _, data in frames:
        assert json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False).encode() == data
    assert kinds[0] == "conversation"
    assert set(kinds[1:]) == {"message"}
    assert set(payloads[0]) == MINIMAL_FIELDS
    assert payloads[0]["id"] == conversation
    assert payloads[0]["status"] == "in_progress"
    human = payloads[1]
    assert set(human) == {"type", "content", "id"}
    assert human["type"] == "human"
    assert human["content"] == "How many recordings do we have?"
    chunks, final = payloads[2:-1], payloads[-1]
    assert len(chunks) >= 3
    assert all(set(c) == {"type", "content"} and c["type"] == "ai" for c in chunks)
    contents = [c["content"] for c in chunks]
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(contents))
    assert final["type"] == "ai"
    assert uuid.UUID(final["id"])
    assert final["content"] == contents[-1]
    assert "7 desktop recordings" in final["content"]
    assert '"Design review with Lena"' in final["content"]


def test_stream_parses_with_a_plain_sse_client(api: httpx2.Client) -> None:
    with api.stream("POST", "conversations/", json=message("Which endpoints exist?")) as response:
        events = list(httpx2.EventSource(response))
    assert [e.event for e in events][:2] == ["conversation", "message"]
    final = events[-1].json()
    assert isinstance(final, dict)
    assert final["content"].startswith("This project has 3 endpoints, 2 active:")
    assert "legacy_top_browsers (v1, inactive)" in final["content"]


def test_answer_is_computed_from_current_data(api: httpx2.Client) -> None:
    api.delete(f"desktop_recordings/{RECORDING_IDS['design_review_live']}/")
    text = api.post("conversations/", json=message("Tell me about our recordings")).text
    final = json.loads(FRAME.findall(text.encode())[-1][1])
    assert "6 desktop recordings" in final["content"]
    assert '"Weekly product standup"' in final["content"]
    tasks = api.post("conversations/", json=message("What tasks came out of our meetings?")).text
    assert "Pull churn by plan" in tasks


def test_conversation_persists_and_returns_to_idle(api: httpx2.Client) -> None:
    conversation = str(uuid.uuid4())
    api.post("conversations/", json=message("Summarize our batch exports", conversation))
    body = api.get(f"conversations/{conversation}/").json()
    assert body["status"] == "idle"
    assert body["title"] == "Summarize our batch exports"
    assert [m["type"] for m in body["messages"]] == ["human", "ai"]
    assert "Events to S3 (hourly)" in body["messages"][1]["content"]
    second = api.post("conversations/", json=message("And our endpoints?", conversation))
    assert second.status_code == 200
    after = api.get(f"conversations/{conversation}/").json()
    assert [m["type"] for m in after["messages"]] == ["human", "ai", "human", "ai"]
    assert conversation in {c["id"] for c in api.get("conversations/").json()["results"]}


def test_in_progress_then_409_then_resume(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.stream_chunk_delay = 0.05
    conversation = str(uuid.uuid4())
    with api.stream("POST", "conversations/", json=message("How are our recordings?", conversation)) as stream:
        events = httpx2.EventSource(stream).__iter__()
        first = next(events)
        assert first.event == "conversation"
        assert api.get(f"conversations/{conversation}/").json()["status"] == "in_progress"
        busy = api.post("conversations/", json=message("Another question", conversation))
        assert busy.status_code == 409
        assert busy.json() == {
            "type": "invalid_request",
            "code": "conflict",
            "detail": "Cannot resume streaming with a new message",
            "attr": None,
        }
        resumed = api.post("conversations/", json=message(None, conversation))
        assert resumed.status_code == 200
        replayed = [json.loads(data) for _, data in FRAME.findall(resumed.content)]
        rest = list(events)
    assert replayed[0]["id"] == conversation
    assert replayed[-1]["id"] == json.loads(rest[-1].data)["id"]
    assert api.get(f"conversations/{conversation}/").json()["status"] == "idle"


def test_stream_errors(api: httpx2.Client, connect, sandbox: SandboxServer) -> None:
    nothing = api.post("conversations/", json=message(None))
    assert (nothing.status_code, nothing.json()) == (400, {"error": "Cannot stream from non-existent conversation"})
    idle = api.post("conversations/", json=message(None, CONVERSATION_IDS["daily_signups"]))
    assert idle.status_code == 400
    assert idle.json()["detail"] == "Cannot continue streaming from an idle conversation"
    theirs = api.post("conversations/", json=message("hi", CONVERSATION_IDS["browsers_grace"]))
    assert (theirs.status_code, theirs.json()) == (400, {"error": "Cannot access other users' conversations"})
    no_trace = api.post("conversations/", json={"content": "hi", "conversation": str(uuid.uuid4())})
    assert (no_trace.json()["attr"], no_trace.json()["code"]) == ("trace_id", "required")
    bad_id = api.post("conversations/", json={**message("hi"), "conversation": "abc"})
    assert bad_id.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "Must be a valid UUID.",
        "attr": "conversation",
    }
    too_long = api.post("conversations/", json=message("x" * 40001))
    assert too_long.json()["detail"] == "Ensure this field has no more than 40000 characters."
    no_content = api.post("conversations/", json={"conversation": str(uuid.uuid4()), "trace_id": str(uuid.uuid4())})
    assert no_content.json()["attr"] == "content"


def test_agent_mode_accepts_any_string(api: httpx2.Client) -> None:
    conversation = str(uuid.uuid4())
    response = api.post("conversations/", json={**message("hello", conversation), "agent_mode": "brand_new_mode"})
    assert response.status_code == 200
    assert api.get(f"conversations/{conversation}/").json()["agent_mode"] == "brand_new_mode"


def test_deep_research_mode_fails_in_the_stream(api: httpx2.Client) -> None:
    conversation = str(uuid.uuid4())
    response = api.post("conversations/", json={**message("Research churn", conversation), "deep_research_mode": True})
    assert response.status_code == 200
    payloads = [json.loads(data) for _, data in FRAME.findall(response.content)]
    assert [p["type"] for p in payloads[1:]] == ["human", "ai/failure"]
    assert uuid.UUID(payloads[-1]["id"])
    assert api.get(f"conversations/{conversation}/").json()["status"] == "idle"


def test_ai_failure_fault(sandbox: SandboxServer, api: httpx2.Client) -> None:
    sandbox.state.inject(Fault(method="POST", path="conversations", kind="ai_failure", body="Model overloaded"))
    failed = [json.loads(d) for _, d in FRAME.findall(api.post("conversations/", json=message("hi")).content)]
    assert failed[-1]["type"] == "ai/failure"
    assert failed[-1]["content"] == "Model overloaded"
    fine = [json.loads(d) for _, d in FRAME.findall(api.post("conversations/", json=message("hi")).content)]
    assert fine[-1]["type"] == "ai"


def test_append_message(api: httpx2.Client, connect, sandbox: SandboxServer) -> None:
    target = CONVERSATION_IDS["pricing_actions"]
    response = api.post(f"conversations/{target}/append_message/", json={"content": "Ticket #123 created."})
    assert response.status_code == 201
    new_id = response.json()["id"]
    assert set(response.json()) == {"id"}
    assert uuid.UUID(new_id)
    last = api.get(f"conversations/{target}/").json()["messages"][-1]
    assert last == {"type": "ai", "content": "Ticket #123 created.", "id": new_id}
    assert api.post(f"conversations/{target}/append_message/", json={}).json()["attr"] == "content"
    assert api.post(f"conversations/{target}/append_message/", json={"content": "x" * 10001}).status_code == 400
    grace = connect(sandbox.state.second_user_key)
    assert grace.post(f"conversations/{target}/append_message/", json={"content": "hi"}).status_code == 404


def test_cancel_idle_and_running(sandbox: SandboxServer, api: httpx2.Client) -> None:
    idle = api.patch(f"conversations/{CONVERSATION_IDS['daily_signups']}/cancel/")
    assert (idle.status_code, idle.content) == (204, b"")
    sandbox.state.stream_chunk_delay = 0.05
    conversation = str(uuid.uuid4())
    with api.stream("POST", "conversations/", json=message("Tell me about recordings", conversation)) as stream:
        events = httpx2.EventSource(stream).__iter__()
        next(events)
        assert api.patch(f"conversations/{conversation}/cancel").status_code == 204
        rest = [e.json() for e in events]
    assert not any(e["type"] == "ai" and "id" in e for e in rest), "a cancelled answer has no final message"
    body = api.get(f"conversations/{conversation}/").json()
    assert body["status"] == "idle"
    assert [m["type"] for m in body["messages"]] == ["human"]
    assert api.post("conversations/", json=message("Again", conversation)).status_code == 200
    assert api.patch("conversations/00000000-0000-4000-8000-000000000000/cancel/").status_code == 404
