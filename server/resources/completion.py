"""``completion/complete`` for the resource templates: recent ids for ``id``, the default project for ``project_id``.

Completion is a convenience: it reads one page of recent objects, and a PostHog failure means no suggestions
(logged), never an error in the client's input box.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, cast

import mcp_types as types

from ...schemas.ids import canonical_project_id, canonical_uuid
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure
from .reader import ResourceReader
from .templates import BY_TEMPLATE

logger = logging.getLogger("posthog_environments_mcp.resources")

SCAN = 100
"""Recent objects looked at per completion request (one PostHog page)."""
MAX_VALUES = 100
"""The protocol's cap on completion values."""
MAX_TYPED = 200
"""Longer typed text cannot prefix an id or title worth suggesting."""


def _empty() -> types.CompleteResult:
    return types.CompleteResult(completion=types.Completion(values=[], total=0, has_more=False))


def _matches(item: Mapping[str, Any], typed: str) -> bool:
    object_id = canonical_uuid(item.get("id"))
    if object_id is None:  # only ids that pass the id validator are offered
        return False
    if object_id.startswith(typed):
        return True
    title = item.get("meeting_title") or item.get("title")
    return isinstance(title, str) and typed in title.lower()


async def complete(reader: ResourceReader, target: Target, params: types.CompleteRequestParams) -> types.CompleteResult:
    ref = params.ref
    if not isinstance(ref, types.ResourceTemplateReference) or ref.uri not in BY_TEMPLATE:
        return _empty()
    typed = params.argument.value.strip().lower()[:MAX_TYPED]
    if params.argument.name == "project_id":
        project = target.default_project
        values = [project] if project is not None and project.lower().startswith(typed) else []
        return types.CompleteResult(completion=types.Completion(values=values, total=len(values), has_more=False))
    if params.argument.name != "id":
        return _empty()
    given = params.context.arguments if params.context and params.context.arguments else {}
    project_id = canonical_project_id(given.get("project_id") or target.default_project)
    if project_id is None:  # not a project id: nothing to ask PostHog about
        return _empty()
    collection = BY_TEMPLATE[ref.uri].collection
    try:
        page = await reader.list_page(target, collection, project_id, offset=0, limit=SCAN)
    except UpstreamFailure as failure:
        logger.warning("completion of %s ids failed: %s", collection, failure.message)
        return _empty()
    ids = [cast(str, canonical_uuid(item["id"])) for item in page.items if _matches(item, typed)]
    return types.CompleteResult(
        completion=types.Completion(
            values=ids[:MAX_VALUES], total=len(ids), has_more=len(ids) > MAX_VALUES or page.has_more
        )
    )
