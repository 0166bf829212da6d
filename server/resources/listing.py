"""``resources/list``: the default project's recordings, then its conversations, newest first, page by page.

Each MCP page is at most ``resource_page_size`` items fetched with PostHog's own limit/offset (at most one
request per collection per page), so nothing is loaded beyond the page asked for. The cursor is opaque to
clients but just (project, collection, offset) underneath.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import mcp_types as types
from mcp.shared.exceptions import MCPError

from ..resource_uris import conversation_uri, recording_uri
from ..target import Target
from ..upstream_errors import UpstreamFailure, advice
from .reader import ListPage, ResourceReader
from .render import PLATFORMS, one_line, when
from .templates import COLLECTIONS, MARKDOWN, Collection

logger = logging.getLogger("posthog_environments_mcp.resources")

ORDER: tuple[Collection, ...] = ("desktop_recordings", "conversations")
"""Recordings first, then conversations."""
_CURSOR_VERSION = 1
_TITLE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Cursor:
    project_id: str
    collection: Collection
    offset: int


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps({"v": _CURSOR_VERSION, "p": cursor.project_id, "c": cursor.collection, "o": cursor.offset})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The position a cursor stands for; ``ValueError`` for anything this server did not issue."""
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error) as error:
        raise ValueError("not a cursor from this server") from error
    if not isinstance(data, dict):
        raise ValueError("not a cursor from this server")
    fields = cast(dict[str, Any], data)
    project, collection, offset = fields.get("p"), fields.get("c"), fields.get("o")
    if (
        fields.get("v") != _CURSOR_VERSION
        or not isinstance(project, str)
        or collection not in ORDER
        or not isinstance(offset, int)
        or offset < 0
    ):
        raise ValueError("not a cursor from this server")
    return Cursor(project, collection, offset)


def describe(collection: Collection, project_id: str, item: Mapping[str, Any]) -> types.Resource | None:
    """One list entry: a readable title and a one-line description from the list item alone."""
    object_id = item.get("id")
    if not isinstance(object_id, str) or not object_id:
        return None
    updated = item.get("updated_at")
    annotations = types.Annotations(last_modified=updated) if isinstance(updated, str) else None
    if collection == "desktop_recordings":
        title = item.get("meeting_title")
        platform = item.get("platform")
        facts = [
            PLATFORMS.get(platform, platform) if isinstance(platform, str) else "Desktop",
            "meeting recording",
        ]
        details = [str(item.get("status") or "unknown status")]
        if started := when(item.get("started_at") if isinstance(item.get("started_at"), str) else None):
            details.append(f"started {started}")
        participants = item.get("participants")
        if isinstance(participants, list) and participants:
            count = len(cast(list[Any], participants))
            details.append(f"{count} participant{'s' if count != 1 else ''}")
        return types.Resource(
            uri=recording_uri(project_id, object_id),
            name=object_id,
            title=one_line(title, _TITLE_LIMIT) if isinstance(title, str) and title.strip() else None,
            description=f"{' '.join(facts)} ({', '.join(details)})",
            mime_type=MARKDOWN,
            annotations=annotations,
        )
    title = item.get("title")
    details = [str(item.get("status") or "unknown status")]
    if changed := when(updated if isinstance(updated, str) else None):
        details.append(f"updated {changed}")
    return types.Resource(
        uri=conversation_uri(project_id, object_id),
        name=object_id,
        title=one_line(title, _TITLE_LIMIT) if isinstance(title, str) and title.strip() else None,
        description=f"PostHog AI conversation ({', '.join(details)})",
        mime_type=MARKDOWN,
        annotations=annotations,
    )


def _next_collection(collection: Collection) -> Collection | None:
    index = ORDER.index(collection) + 1
    return ORDER[index] if index < len(ORDER) else None


async def list_resources(
    reader: ResourceReader, target: Target, *, page_size: int, cursor: str | None
) -> types.ListResourcesResult:
    """One page; recordings first, then conversations. No default project → nothing to list."""
    project_id = target.default_project
    if project_id is None:
        return types.ListResourcesResult(resources=[])
    if cursor is None:
        position: Cursor | None = Cursor(project_id, ORDER[0], 0)
    else:
        try:
            position = decode_cursor(cursor)
        except ValueError:
            raise MCPError(
                types.INVALID_PARAMS, "Invalid cursor: list again from the start (resources/list without a cursor)."
            ) from None
        if position.project_id != project_id:
            raise MCPError(types.INVALID_PARAMS, "The cursor belongs to another project; list again from the start.")
    resources: list[types.Resource] = []
    refused: list[UpstreamFailure] = []
    while position is not None and len(resources) < page_size:
        page = await _fetch(reader, target, position, page_size - len(resources), refused)
        resources += [r for item in page.items if (r := describe(position.collection, project_id, item)) is not None]
        if page.has_more and page.items:
            position = Cursor(project_id, position.collection, position.offset + len(page.items))
        else:
            following = _next_collection(position.collection)
            position = Cursor(project_id, following, 0) if following is not None else None
    if cursor is None and not resources and len(refused) == len(ORDER):
        scopes = tuple(api.read_scope for api in COLLECTIONS.values())
        raise MCPError(types.INTERNAL_ERROR, advice(refused[0], operation="Listing resources", scopes=scopes))
    return types.ListResourcesResult(
        resources=resources, next_cursor=encode_cursor(position) if position is not None else None
    )


async def _fetch(
    reader: ResourceReader, target: Target, position: Cursor, limit: int, refused: list[UpstreamFailure]
) -> ListPage:
    """One PostHog page; a collection the key may not read (403) is skipped so the other still lists."""
    try:
        return await reader.list_page(
            target, position.collection, position.project_id, offset=position.offset, limit=limit
        )
    except UpstreamFailure as failure:
        api = COLLECTIONS[position.collection]
        if failure.status == 403:
            logger.warning("resources/list skips %s: %s", position.collection, failure.message)
            refused.append(failure)
            return ListPage(items=[], has_more=False)
        raise MCPError(
            types.INTERNAL_ERROR, advice(failure, operation=f"Listing {api.noun}", scopes=(api.read_scope,))
        ) from failure
