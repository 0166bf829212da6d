"""MCP prompts through a real client over stdio, in both protocol eras, against the sandbox's seed data."""

from __future__ import annotations

import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import BATCH_EXPORT_ID, CONVERSATION_IDS, RECORDING_IDS
from tests.server.resources.support import Mode, connect, conversation_uri, recording_uri

pytestmark = pytest.mark.anyio
MODES: list[Mode] = ["auto", "legacy"]
PRICING = RECORDING_IDS["pricing_review"]
SIGNUPS = CONVERSATION_IDS["daily_signups"]


def ref(name: str) -> types.PromptReference:
    return types.PromptReference(name=name)


def texts(result: types.GetPromptResult) -> str:
    return "\n".join(m.content.text for m in result.messages if isinstance(m.content, types.TextContent))


def embedded(result: types.GetPromptResult) -> dict[str, str]:
    found: dict[str, str] = {}
    for message in result.messages:
        content = message.content
        if isinstance(content, types.EmbeddedResource) and isinstance(content.resource, types.TextResourceContents):
            found[content.resource.uri] = content.resource.text
    return found


async def every_prompt(client: Client) -> dict[str, types.GetPromptResult]:
    return {
        "meeting_follow_up": await client.get_prompt("meeting_follow_up", {"recording_id": PRICING}),
        "recordings_digest": await client.get_prompt("recordings_digest", {"since": "2025-11-14", "platform": "zoom"}),
        "ask_new": await client.get_prompt("ask_posthog_ai", {"question": "How many signups last week?"}),
        "ask_continue": await client.get_prompt(
            "ask_posthog_ai", {"question": "And the week before?", "conversation_id": SIGNUPS}
        ),
        "endpoint_health": await client.get_prompt("endpoint_health", {"name": "daily_pageviews"}),
        "batch_export_triage": await client.get_prompt("batch_export_triage", {"batch_export_id": BATCH_EXPORT_ID}),
    }


@pytest.mark.parametrize("mode", MODES)
async def test_prompts_over_stdio(sandbox: SandboxServer, mode: Mode) -> None:
    """One server per era (each stdio start costs seconds): every prompt, bad arguments, completion."""
    async with connect(sandbox, "stdio", mode) as client:
        await check_every_prompt_embeds_the_seed_data(client)
        sandbox.state.clear_requests()
        await check_bad_prompt_arguments_are_named_and_nothing_is_sent(client, sandbox)
        await check_prompt_arguments_complete(client)


async def check_every_prompt_embeds_the_seed_data(client: Client) -> None:
    listed = await client.list_prompts()
    by_name = {p.name: p for p in listed.prompts}
    assert set(by_name) >= {
        "meeting_follow_up",
        "recordings_digest",
        "ask_posthog_ai",
        "endpoint_health",
        "batch_export_triage",
    }
    follow_args = {a.name: a for a in by_name["meeting_follow_up"].arguments or []}
    assert follow_args["recording_id"].required is True
    assert "desktop_recordings_list" in (follow_args["recording_id"].description or "")
    assert follow_args["project_id"].required is False
    got = await every_prompt(client)

    follow = got["meeting_follow_up"]
    document = embedded(follow)[recording_uri(PRICING)]
    assert "Q4 pricing review" in document
    assert "storage add-on at five dollars per hundred gigabytes" in document  # the transcript
    assert "desktop_recordings_update" in texts(follow)
    assert "extracted_tasks" in texts(follow)

    digest = texts(got["recordings_digest"])
    assert "Q4 pricing review" in digest
    assert "Hiring debrief" not in digest
    assert "Pull churn by plan for the last two quarters" in digest
    assert "(assignee: Ada Lovelace)" in digest
    assert "Team plan stays at $12/seat" in digest
    assert "Customer onboarding sync" not in digest  # Teams, not Zoom
    links = [m.content for m in got["recordings_digest"].messages if isinstance(m.content, types.ResourceLink)]
    assert [link.uri for link in links] == [recording_uri(PRICING)]

    assert "conversations_create" in texts(got["ask_new"])
    assert "How many signups last week?" in texts(got["ask_new"])
    conversation = embedded(got["ask_continue"])[conversation_uri(SIGNUPS)]
    assert "Signups averaged about 6 a day last week" in conversation
    assert f'"conversation": "{SIGNUPS}"' in texts(got["ask_continue"])

    health = texts(got["endpoint_health"])
    assert '"current_version": 2' in health
    assert all(
        tool in health for tool in ("endpoints_run", "endpoints_versions_list", "endpoints_last_execution_times")
    )

    triage = texts(got["batch_export_triage"])
    assert "AccessDenied when calling PutObject on hedgebox-analytics-exports" in triage
    assert all(tool in triage for tool in ("batch_exports_pause", "batch_exports_unpause", "run_test_step"))


async def check_bad_prompt_arguments_are_named_and_nothing_is_sent(client: Client, sandbox: SandboxServer) -> None:
    with pytest.raises(MCPError) as bad_id:
        await client.get_prompt("meeting_follow_up", {"recording_id": "not-a-uuid"})
    with pytest.raises(MCPError) as missing:
        await client.get_prompt("batch_export_triage", {})
    with pytest.raises(MCPError) as extra:
        await client.get_prompt("endpoint_health", {"name": "daily_pageviews", "nmae": "x"})
    with pytest.raises(MCPError) as unknown:
        await client.get_prompt("meeting_followup", {})
    sent = [r for r in sandbox.state.requests if r.api_path is not None]
    with pytest.raises(MCPError) as absent:
        await client.get_prompt("endpoint_health", {"name": "no_such_endpoint"})
    assert bad_id.value.error.code == types.INVALID_PARAMS
    assert "`recording_id`" in bad_id.value.error.message
    assert "UUID" in bad_id.value.error.message
    assert "`batch_export_id` is required" in missing.value.error.message
    assert "`nmae` is not an argument of this prompt" in extra.value.error.message
    assert "Unknown prompt 'meeting_followup'" in unknown.value.error.message
    assert "meeting_follow_up" in unknown.value.error.message
    assert sent == []
    assert absent.value.error.code == types.INVALID_PARAMS
    assert "`name` 'no_such_endpoint' was not found" in absent.value.error.message


async def check_prompt_arguments_complete(client: Client) -> None:
    recording = await client.complete(
        types.PromptReference(name="meeting_follow_up"), {"name": "recording_id", "value": "pricing"}
    )
    conversation = await client.complete(
        types.PromptReference(name="ask_posthog_ai"), {"name": "conversation_id", "value": "c0a7e000"}
    )
    platform = await client.complete(
        types.PromptReference(name="recordings_digest"), {"name": "platform", "value": "d"}
    )
    endpoint = await client.complete(types.PromptReference(name="endpoint_health"), {"name": "name", "value": "da"})
    project = await client.complete(types.PromptReference(name="endpoint_health"), {"name": "project_id", "value": ""})
    nothing = await client.complete(types.PromptReference(name="no_such_prompt"), {"name": "x", "value": ""})
    assert recording.completion.values == [PRICING]
    assert SIGNUPS in conversation.completion.values
    assert platform.completion.values == ["desktop_audio"]
    assert endpoint.completion.values == ["daily_pageviews"]
    assert project.completion.values == ["1"]
    assert nothing.completion.values == []


async def test_without_a_default_project_the_prompts_require_one(sandbox: SandboxServer) -> None:
    async with connect(sandbox, "inproc", "auto", project_id=None) as client:
        listed = await client.list_prompts()
        with pytest.raises(MCPError) as missing:
            await client.get_prompt("meeting_follow_up", {"recording_id": PRICING})
        given = await client.get_prompt("meeting_follow_up", {"recording_id": PRICING, "project_id": "1"})
    for prompt in listed.prompts:
        assert {a.name: a.required for a in prompt.arguments or []}["project_id"] is True
    assert missing.value.error.code == types.INVALID_PARAMS
    assert "`project_id` is required" in missing.value.error.message
    assert recording_uri(PRICING) in embedded(given)
