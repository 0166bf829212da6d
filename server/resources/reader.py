"""Fetching recordings and conversations from PostHog for resources, and turning failures into MCP errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import anyio
import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from ..calls.result_budget import compact_json
from ..posthog.http import PostHogHTTP, UpstreamRequest, render_path
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure, advice
from .render import fit_document, link_name, render_conversation, render_recording, render_transcript
from .resource_uris import ResourceRef, parse_uri, recording_uri, transcript_uri
from .templates import BY_TYPE, COLLECTIONS, JSON, MARKDOWN, Collection

RESOURCE_NOT_FOUND = -32002
"""The 2025-era code for an unknown resource; 2026-07-28 retired it in favour of INVALID_PARAMS."""


def not_found_code(protocol_version: str | None) -> int:
    """-32002 for handshake-era clients (2025 spec); INVALID_PARAMS once 2026-07-28 retired -32002."""
    return types.INVALID_PARAMS if protocol_version in MODERN_PROTOCOL_VERSIONS else RESOURCE_NOT_FOUND


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[dict[str, Any]]
    has_more: bool
    size: int = 0
    """How many entries PostHog's ``results`` held, usable or not (what the next offset moves on by)."""


class ResourceReader:
    """Reads one object, or one list page, for a ``Target``; raises ``UpstreamFailure`` like the HTTP layer."""

    def __init__(self, http: PostHogHTTP) -> None:
        self._http = http

    async def fetch(
        self, target: Target, collection: Collection, project_id: str, object_id: str, *, retry: bool = True
    ) -> dict[str, Any]:
        """``retry=False`` for polls: one poll is one request (the next tick is the retry), so polling stays
        within its share of the rate limit even while PostHog answers 429 or 503."""
        api = COLLECTIONS[collection]
        request = UpstreamRequest(
            method="GET",
            project_id=project_id,
            path=render_path(api.item_path, {"id": object_id}),
            template=api.item_path,
            retry_safe=retry,
        )
        data: Any = (await self._http.send(target, request)).data
        if not isinstance(data, dict):
            raise UpstreamFailure("invalid_body", "PostHog answered with something other than an object")
        return cast(dict[str, Any], data)

    async def list_page(
        self, target: Target, collection: Collection, project_id: str, *, offset: int, limit: int
    ) -> ListPage:
        """One limit/offset page, newest first as PostHog orders it."""
        api = COLLECTIONS[collection]
        request = UpstreamRequest(
            method="GET",
            project_id=project_id,
            path=api.list_path,
            template=api.list_path,
            params={"limit": limit, "offset": offset},
            retry_safe=True,
        )
        response = await self._http.send(target, request)
        data: Any = response.data
        if not isinstance(data, dict) or not isinstance(cast(dict[str, Any], data).get("results"), list):
            raise UpstreamFailure("invalid_body", "PostHog's list answer has no `results` list")
        page = cast(dict[str, Any], data)
        items = [cast(dict[str, Any], item) for item in cast(list[Any], page["results"]) if isinstance(item, dict)]
        return ListPage(items=items, has_more=page.get("next") is not None, size=len(cast(list[Any], page["results"])))


def read_error(uri: str, failure: UpstreamFailure, collection: Collection, protocol_version: str | None) -> MCPError:
    """The MCP error for a failed read: not-found for 404, otherwise PostHog's answer with the next step."""
    text = advice(failure, operation=f"Reading {uri}", scopes=(COLLECTIONS[collection].read_scope,))
    data = {"uri": uri, "status": failure.status}
    if failure.status == 404:
        return MCPError(not_found_code(protocol_version), f"Resource not found: {uri}\n{text}", data)
    return MCPError(types.INTERNAL_ERROR, text, data)


def unknown_uri(uri: str, protocol_version: str | None) -> MCPError:
    """Echoes the URI on one line and capped: a hostile URI (10,000 digits, line breaks) does not come back whole."""
    shown = link_name(uri)
    return MCPError(
        not_found_code(protocol_version),
        f"Resource not found: {shown} is not a resource of this server. Use a URI from resources/list or one of "
        "the templates posthog://projects/{project_id}/desktop_recordings/{id}[/transcript] and "
        "posthog://projects/{project_id}/conversations/{id}.",
        {"uri": shown},
    )


_FULL_OBJECT: Mapping[Collection, str] = {
    "desktop_recordings": "desktop_recordings_get",
    "conversations": "conversations_get",
}
"""The tool that returns a resource's whole object (paged and cut with instructions of its own)."""


def _how_to_get_the_rest(ref: ResourceRef) -> str:
    tool = _FULL_OBJECT[BY_TYPE[ref.kind].collection]
    how = f"For the raw object call the `{tool}` tool with id `{ref.object_id}` and project_id `{ref.project_id}`."
    if ref.kind == "recording":
        how = f"Read {transcript_uri(ref.project_id, ref.object_id)} for the transcript alone. " + how
    return how


def contents_for(
    ref: ResourceRef, uri: str, data: Mapping[str, Any], *, budget: int
) -> list[types.TextResourceContents]:
    """The Markdown document, plus the JSON object for recordings and conversations (not for the transcript).

    Markdown and JSON share one budget of ``budget`` characters: the JSON (which repeats the document) goes
    first, then the document is cut at a line, each with a notice saying how to get the rest.
    """
    how = _how_to_get_the_rest(ref)
    if ref.kind == "transcript":
        text = render_transcript(
            data, project_id=ref.project_id, recording_uri=recording_uri(ref.project_id, ref.object_id), limit=budget
        )
        return [types.TextResourceContents(uri=uri, mime_type=MARKDOWN, text=fit_document(text, budget, how))]
    if ref.kind == "recording":
        text = render_recording(data, project_id=ref.project_id, limit=budget)
    else:
        text = render_conversation(data, project_id=ref.project_id, limit=budget)
    raw = compact_json(data) if len(text) < budget else ""
    if len(text) + len(raw) <= budget:
        return [
            types.TextResourceContents(uri=uri, mime_type=MARKDOWN, text=text),
            types.TextResourceContents(uri=uri, mime_type=JSON, text=raw),
        ]
    left_out = f"_[The raw JSON object is left out to stay within the budget. {how}]_\n"
    text = fit_document(text + "\n" + left_out, budget, how)
    return [types.TextResourceContents(uri=uri, mime_type=MARKDOWN, text=text)]


async def read_resource(
    reader: ResourceReader, target: Target, uri: str, protocol_version: str | None, *, budget: int
) -> types.ReadResourceResult:
    """``resources/read`` for one URI; raises ``MCPError`` with a message a person can act on."""
    ref = parse_uri(uri)
    if ref is None:
        raise unknown_uri(uri, protocol_version)
    collection = BY_TYPE[ref.kind].collection
    try:
        data = await reader.fetch(target, collection, ref.project_id, ref.object_id)
    except UpstreamFailure as failure:
        raise read_error(uri, failure, collection, protocol_version) from failure
    # Rendering is linear in the object (and bounded by the budget); a worker thread keeps a big one from
    # holding up other requests on the event loop.
    contents = await anyio.to_thread.run_sync(partial(contents_for, ref, uri, data, budget=budget))
    return types.ReadResourceResult(contents=[*contents])
