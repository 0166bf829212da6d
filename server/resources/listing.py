"""``resources/list``: the default project's recordings, then its conversations, newest first, page by page.

Each MCP page is at most ``resource_page_size`` items fetched with PostHog's own limit/offset, so nothing is
loaded beyond the page asked for. The cursor is opaque to clients but just (project, collection, offset)
underneath, and is checked like any id from outside.

A broken PostHog cannot make one ``resources/list`` loop: entries without a valid id are skipped, a page that
yields nothing usable ends its collection (no progress), and one call makes at most ``MAX_UPSTREAM_PAGES``
requests before handing the client a cursor to go on with.
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

from ...schemas.ids import canonical_project_id, canonical_uuid
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure, advice
from .reader import ListPage, ResourceReader
from .render import PLATFORMS, link_name, when
from .resource_uris import conversation_uri, recording_uri
from .templates import COLLECTIONS, MARKDOWN, Collection

logger = logging.getLogger("posthog_environments_mcp.resources")

ORDER: tuple[Collection, ...] = ("desktop_recordings", "conversations")
"""Recordings first, then conversations."""
_CURSOR_VERSION = 1
MAX_UPSTREAM_PAGES = 4
"""PostHog requests per ``resources/list`` call, whatever PostHog answers (two per collection)."""
MAX_OFFSET = 10_000_000
"""Beyond any real collection; a cursor further on is not one this server issued."""


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
        or canonical_project_id(project) is None
        or collection not in ORDER
        or not isinstance(offset, int)
        or isinstance(offset, bool)
        or not 0 <= offset <= MAX_OFFSET
    ):
        raise ValueError("not a cursor from this server")
    return Cursor(cast(str, canonical_project_id(project)), collection, offset)


def _status(item: Mapping[str, Any]) -> str:
    status = item.get("status")
    return link_name(status) if isinstance(status, str) and status.strip() else "unknown status"


def describe(collection: Collection, project_id: str, item: Mapping[str, Any]) -> types.Resource | None:
    """One list entry: a readable title and a one-line description from the list item alone."""
    object_id = canonical_uuid(item.get("id"))
    if object_id is None:
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
        details = [_status(item)]
        if started := when(item.get("started_at") if isinstance(item.get("started_at"), str) else None):
            details.append(f"started {started}")
        participants = item.get("participants")
        if isinstance(participants, list) and participants:
            count = len(cast(list[Any], participants))
            details.append(f"{count} participant{'s' if count != 1 else ''}")
        return types.Resource(
            uri=recording_uri(project_id, object_id),
            name=object_id,
            title=link_name(title) if isinstance(title, str) and title.strip() else None,
            description=link_name(f"{' '.join(facts)} ({', '.join(details)})"),
            mime_type=MARKDOWN,
            annotations=annotations,
        )
    title = item.get("title")
    details = [_status(item)]
    if changed := when(updated if isinstance(updated, str) else None):
        details.append(f"updated {changed}")
    return types.Resource(
        uri=conversation_uri(project_id, object_id),
        name=object_id,
        title=link_name(title) if isinstance(title, str) and title.strip() else None,
        description=link_name(f"PostHog AI conversation ({', '.join(details)})"),
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
    project_id = canonical_project_id(target.default_project)
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
    requests = 0
    while position is not None and len(resources) < page_size and requests < MAX_UPSTREAM_PAGES:
        page = await _fetch(reader, target, position, page_size - len(resources), refused)
        requests += 1
        usable = [r for item in page.items if (r := describe(position.collection, project_id, item)) is not None]
        resources += usable
        if page.size > len(usable):
            logger.warning(
                "resources/list skipped %d %s entries without a valid id", page.size - len(usable), position.collection
            )
        if page.has_more and usable:
            position = Cursor(project_id, position.collection, position.offset + page.size)
        else:  # the last page, or one that gave nothing usable: no progress, so the collection ends here
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
