"""``completion/complete`` for prompt arguments: ids through the resources' own completion, enums and names."""

from __future__ import annotations

import logging
from typing import Any, cast, get_args

import mcp_types as types

from ...schemas.desktop_recordings import Platform
from ..posthog.http import PostHogHTTP, UpstreamRequest
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure
from ..resources.completion import MAX_VALUES, complete
from ..resources.reader import ResourceReader
from ..resources.resource_uris import CONVERSATION_TEMPLATE, RECORDING_TEMPLATE
from .catalog import BY_NAME

logger = logging.getLogger("posthog_environments_mcp.prompts")

_AS_RESOURCE = {
    "recording": RECORDING_TEMPLATE,
    "conversation": CONVERSATION_TEMPLATE,
    "project_id": RECORDING_TEMPLATE,
}
"""Sources answered by the resource templates' completion: template, and the template argument it completes."""


def _values(values: list[str]) -> types.CompleteResult:
    return types.CompleteResult(
        completion=types.Completion(values=values[:MAX_VALUES], total=len(values), has_more=len(values) > MAX_VALUES)
    )


async def _endpoint_names(http: PostHogHTTP, target: Target, project_id: str | None, typed: str) -> list[str]:
    if not project_id:
        return []
    request = UpstreamRequest(
        method="GET", project_id=project_id, path="endpoints/", template="endpoints/", retry_safe=True
    )
    try:
        data: Any = (await http.send(target, request)).data
    except UpstreamFailure as failure:
        logger.warning("completion of endpoint names failed: %s", failure.message)
        return []
    results = cast(list[Any], cast(dict[str, Any], data).get("results", [])) if isinstance(data, dict) else []
    names = [str(cast(dict[str, Any], r)["name"]) for r in results if isinstance(r, dict) and "name" in r]
    return [name for name in names if name.lower().startswith(typed)]


async def complete_prompt_argument(
    http: PostHogHTTP, target: Target, params: types.CompleteRequestParams
) -> types.CompleteResult:
    """Suggestions for one argument of one prompt; an unknown prompt or argument gets none."""
    assert isinstance(params.ref, types.PromptReference)
    spec = BY_NAME.get(params.ref.name)
    sources = {"project_id": "project_id", **spec.completions} if spec is not None else {}
    source = sources.get(params.argument.name)
    if source is None:
        return _values([])
    if source in _AS_RESOURCE:
        argument = "project_id" if source == "project_id" else "id"
        as_resource = params.model_copy(
            update={
                "ref": types.ResourceTemplateReference(uri=_AS_RESOURCE[source]),
                "argument": types.CompletionArgument(name=argument, value=params.argument.value),
            }
        )
        return await complete(ResourceReader(http), target, as_resource)
    typed = params.argument.value.strip().lower()
    if source == "platform":
        return _values([p for p in get_args(Platform) if p.startswith(typed)])
    given = params.context.arguments if params.context and params.context.arguments else {}
    return _values(await _endpoint_names(http, target, given.get("project_id") or target.default_project, typed))
