"""The messages of each prompt. Data from PostHog is embedded (resources) or quoted as data, never as instructions."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

import mcp_types as types
from mcp.shared.exceptions import MCPError

from ..posthog.upstream_errors import UpstreamFailure, advice
from ..resources.reader import ResourceReader
from ..resources.render import PREAMBLE, code, one_line, parse_time, quote, quote_line
from ..resources.resource_uris import CONVERSATION_TEMPLATE, conversation_uri, recording_uri
from .arguments import (
    AskPostHogAIArgs,
    BatchExportTriageArgs,
    EndpointHealthArgs,
    MeetingFollowUpArgs,
    RecordingsDigestArgs,
)
from .context import PromptContext

DIGEST_SCAN = 200
"""Recordings looked at for a digest (two PostHog pages, newest first)."""
DIGEST_MAX = 20
"""Recordings listed in one digest; the rest are counted."""
LOG_LINES = 50


def _user(block: types.ContentBlock) -> types.PromptMessage:
    return types.PromptMessage(role="user", content=block)


def _text(text: str) -> types.PromptMessage:
    return _user(types.TextContent(text=text))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def meeting_follow_up(ctx: PromptContext, args: MeetingFollowUpArgs) -> types.GetPromptResult:
    """Summary, decisions and action items of one desktop meeting recording (embedded with its transcript), and an
    offer to store them on the recording with desktop_recordings_update."""
    uri = recording_uri(ctx.project_id, args.recording_id)
    embedded = await ctx.embed(uri)
    update = {"project_id": ctx.project_id, "id": args.recording_id, "summary": "…", "extracted_tasks": ["…"]}
    ask = (
        "The embedded document is a desktop meeting recording with its transcript. From it, write:\n"
        "1. a short summary of the meeting (3-5 sentences);\n"
        "2. the decisions that were made;\n"
        "3. the action items, each with an owner when the transcript names one.\n"
        "Then offer to store the summary and the action items on the recording. Only if I agree, call "
        f"`desktop_recordings_update` with {_json(update)}, where `extracted_tasks` is a list of "
        '{"title", "description", "assignee"} objects. If the recording is still being recorded or processed, '
        "say that the transcript may be incomplete."
    )
    return types.GetPromptResult(
        description=f"Follow up on meeting recording {args.recording_id}",
        messages=[*(_user(block) for block in embedded), _text(ask)],
    )


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = parse_time(value)
    return parsed.astimezone(UTC) if parsed else None


def _digest_entry(recording: Mapping[str, Any], project_id: str) -> list[str]:
    title = recording.get("meeting_title")
    lines = [
        f"### {code(str(recording.get('id', '')))}",
        quote_line(title) if isinstance(title, str) and title.strip() else "_Untitled_",
        f"- Platform: {code(str(recording.get('platform') or 'unknown'))}; status: "
        f"{code(str(recording.get('status') or 'unknown'))}; started: {code(str(recording.get('started_at')))}",
        f"- Document: {code(recording_uri(project_id, str(recording.get('id', ''))))}",
    ]
    summary = recording.get("summary")
    lines += ["- Summary:", *quote(summary)] if isinstance(summary, str) and summary.strip() else ["- Summary: none"]
    raw_tasks = cast(list[Any], recording.get("extracted_tasks") or [])
    tasks = [cast(Mapping[str, Any], t) for t in raw_tasks if isinstance(t, dict)]
    lines.append(f"- Open tasks ({len(tasks)}):" if tasks else "- Open tasks: none")
    for task in tasks:
        owner = task.get("assignee")
        suffix = f" (assignee: {one_line(owner)})" if isinstance(owner, str) and owner.strip() else " (unassigned)"
        lines.append(f"> - {one_line(str(task.get('title', '')))}{suffix}")
    return [*lines, ""]


async def _recent_recordings(ctx: PromptContext, args: RecordingsDigestArgs) -> list[dict[str, Any]]:
    reader = ResourceReader(ctx.http)
    since = _since(args.since)
    found: list[dict[str, Any]] = []
    offset = 0
    while offset < DIGEST_SCAN:
        page = await reader.list_page(ctx.target, "desktop_recordings", ctx.project_id, offset=offset, limit=100)
        for item in page.items:
            started = parse_time(item.get("started_at") if isinstance(item.get("started_at"), str) else None)
            if since is not None and (started is None or started < since):
                continue
            if args.platform is None or item.get("platform") == args.platform:
                found.append(item)
        if not page.has_more:
            break
        offset += len(page.items) or 100
    return found


async def recordings_digest(ctx: PromptContext, args: RecordingsDigestArgs) -> types.GetPromptResult:
    """The recent desktop meeting recordings (optionally since a date, on one platform) with their summaries and open
    tasks, and a request for a digest grouped by assignee."""
    try:
        recordings = await _recent_recordings(ctx, args)
    except UpstreamFailure as failure:
        text = advice(failure, operation="Preparing recordings_digest", scopes=("desktop_recording:read",))
        raise MCPError(types.INTERNAL_ERROR, text) from failure
    shown = recordings[:DIGEST_MAX]
    scope = [f"since {code(args.since)}" if args.since else "", f"on {code(args.platform)}" if args.platform else ""]
    heading = " ".join(part for part in ["# Recent desktop recordings", *scope] if part)
    lines = [heading, "", PREAMBLE, "", f"{len(recordings)} recording(s) found; {len(shown)} listed, newest first.", ""]
    for recording in shown:
        lines += _digest_entry(recording, ctx.project_id)
    ask = (
        "Give me a digest of these meetings: one line per meeting with its main outcome, then every open task "
        "grouped by assignee, and anything that looks blocked or failed (recordings in `error` status, meetings "
        "without a summary). Read a meeting's full document (its URI above, or `desktop_recordings_get`) when "
        "the summary is not enough."
    )
    links = [
        _user(
            types.ResourceLink(
                uri=recording_uri(ctx.project_id, str(r["id"])),
                name=str(r["id"]),
                title=one_line(str(r.get("meeting_title") or f"Desktop recording {r['id']}")),
                mime_type="text/markdown",
            )
        )
        for r in shown
        if isinstance(r.get("id"), str)
    ]
    return types.GetPromptResult(
        description="Digest of recent meeting recordings", messages=[_text("\n".join(lines)), *links, _text(ask)]
    )


async def ask_posthog_ai(ctx: PromptContext, args: AskPostHogAIArgs) -> types.GetPromptResult:
    """Ask PostHog AI a question about your product data with conversations_create, or continue an existing
    conversation (embedded) with a follow-up."""
    call: dict[str, Any] = {"project_id": ctx.project_id, "content": args.question}
    messages: list[types.PromptMessage] = []
    if args.conversation_id is not None:
        call["conversation"] = args.conversation_id
        messages += [_user(b) for b in await ctx.embed(conversation_uri(ctx.project_id, args.conversation_id))]
        intro = (
            "The embedded document is the PostHog AI conversation so far. Continue it: if its status is idle, call "
            f"`conversations_create` with {_json(call)}. If PostHog AI is still answering, wait and read the "
            "conversation again (or `conversations_get`) instead of sending a second message."
        )
    else:
        intro = f"Ask PostHog AI this question by calling `conversations_create` with {_json(call)}."
    how = (
        "\n\nHow PostHog AI works here: `conversations_create` streams the answer and can take a minute; progress "
        "is reported while it runs. Its result has the `conversation_id` and a link to the conversation document "
        f"({code(CONVERSATION_TEMPLATE.replace('{project_id}', ctx.project_id))}), which you can read for the whole "
        "dialogue, including insights and queries PostHog AI built. For a follow-up question, call "
        "`conversations_create` again with the same `conversation`. If the call is interrupted, check the "
        "conversation with `conversations_get` before sending again. Then answer my question from what PostHog "
        "AI found, and say which insight or query it used."
    )
    messages.append(_text(intro + how))
    return types.GetPromptResult(description="Ask PostHog AI", messages=messages)


async def endpoint_health(ctx: PromptContext, args: EndpointHealthArgs) -> types.GetPromptResult:
    """Run a data warehouse endpoint, compare its versions and last execution times, and report problems with the
    next step for each."""
    data = await ctx.get("endpoints/{name}/", {"name": args.name}, argument="name", scope="endpoint:read")
    endpoint = cast(dict[str, Any], data) if isinstance(data, dict) else {}
    keys = ("name", "is_active", "current_version", "versions_count", "updated_at")
    facts = {k: endpoint[k] for k in keys if endpoint.get(k) is not None}
    p = {"project_id": ctx.project_id}
    steps = (
        f"Check the health of the endpoint {code(args.name)}. Its stored state right now:\n"
        + "\n".join(quote(json.dumps(facts, indent=2, ensure_ascii=False)))
        + "\n\nSteps:\n"
        f"1. Run it: `endpoints_run` with {_json({**p, 'name': args.name})}. A 202 (`query_status.complete` "
        "false) means still computing: call again shortly; a 404 means inactive or unknown.\n"
        f"2. Compare its versions: `endpoints_versions_list` with {_json({**p, 'name': args.name})}; check that the "
        "current version is the newest and what changed in the query between versions.\n"
        f"3. Last execution: `endpoints_last_execution_times` with {_json({**p, 'names': [args.name]})}; no entry "
        "means it was not run in the past 6 months.\n"
        "Then report problems: inactive, failing or slow runs, empty results, a current version that is not the "
        "newest, or no recent executions, each with the next step to fix it."
    )
    return types.GetPromptResult(description=f"Health check of endpoint {args.name}", messages=[_text(steps)])


def _log_line(entry: Mapping[str, Any]) -> str:
    return (
        f"> [{one_line(str(entry.get('timestamp', '')))}] {one_line(str(entry.get('level', '')))} "
        f"{one_line(str(entry.get('message', '')), 400)} (run {one_line(str(entry.get('instance_id', '')))})"
    )


async def batch_export_triage(ctx: PromptContext, args: BatchExportTriageArgs) -> types.GetPromptResult:
    """Read a batch export's latest logs (included), diagnose failing runs, and suggest pausing, unpausing with a
    backfill, or a destination test step."""
    page = await ctx.get(
        "batch_exports/{id}/logs/",
        {"id": args.batch_export_id},
        argument="batch_export_id",
        scope="batch_export:read",
        params={"limit": LOG_LINES},
    )
    raw = cast(dict[str, Any], page).get("results") if isinstance(page, dict) else None
    entries = [cast(Mapping[str, Any], e) for e in cast(list[Any], raw or []) if isinstance(e, dict)]
    p = {"project_id": ctx.project_id, "id": args.batch_export_id}
    logs = [
        f"# Batch export {code(args.batch_export_id)}: latest {len(entries)} log entries, newest first",
        "",
        PREAMBLE,
        "",
        *(_log_line(e) for e in entries),
    ]
    ask = (
        "Triage this batch export from its logs: which runs failed and why (group entries by run), whether the "
        "failure is ongoing, and the most likely cause (credentials or permissions, throttling, a bad "
        "destination setting, no data). For more history call `batch_exports_logs` with "
        f"{_json({**p, 'level': 'ERROR'})} or with `before` set to the oldest timestamp above. Then suggest the "
        f"next step: pause it while the destination is broken (`batch_exports_pause` with {_json(p)}), unpause "
        f"it with a backfill once fixed (`batch_exports_unpause` with {_json({**p, 'backfill': True})}), or check "
        f"the destination with a test step (`batch_exports_run_test_step` with {_json({**p, 'step': 0})}; it "
        "needs an all-access key). Ask me before pausing or unpausing."
    )
    return types.GetPromptResult(
        description=f"Triage of batch export {args.batch_export_id}", messages=[_text("\n".join(logs)), _text(ask)]
    )
