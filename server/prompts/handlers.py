"""The low-level server's prompt handlers (``prompts/list``, ``prompts/get``) and completion for prompt refs.

The prompt catalog imports the tools' pydantic field types, so it loads on the first prompt request, not at
start-up (like the tool catalog).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mcp_types as types
from mcp.shared.exceptions import MCPError

from ..resources import handlers as resource_handlers

if TYPE_CHECKING:
    from mcp.server import ServerRequestContext

    from ..handlers.app import AppState


async def on_list_prompts(
    ctx: ServerRequestContext[AppState], params: types.PaginatedRequestParams | None
) -> types.ListPromptsResult:
    from .catalog import PROMPTS

    default_project = ctx.lifespan_context.settings.project_id is not None
    return types.ListPromptsResult(prompts=[spec.prompt(default_project=default_project) for spec in PROMPTS])


async def on_get_prompt(
    ctx: ServerRequestContext[AppState], params: types.GetPromptRequestParams
) -> types.GetPromptResult:
    from .arguments import parse_arguments
    from .catalog import BY_NAME
    from .context import PromptContext

    spec = BY_NAME.get(params.name)
    if spec is None:
        raise MCPError(
            types.INVALID_PARAMS,
            f"Unknown prompt {params.name!r}. Known prompts: {', '.join(BY_NAME)} (see prompts/list).",
            {"prompt": params.name},
        )
    args = parse_arguments(spec.name, spec.arguments, params.arguments)
    state = ctx.lifespan_context
    target = state.target()
    project_id = args.project_id or target.default_project
    if project_id is None:
        raise MCPError(
            types.INVALID_PARAMS,
            f"Invalid arguments for {spec.name}: `project_id` is required: pass the project's id (the number in "
            "your PostHog URL, /project/<id>/), or set POSTHOG_PROJECT_ID for the server.",
            {"prompt": spec.name, "arguments": ["project_id"]},
        )
    return await spec.build(
        PromptContext(state.http, target, project_id, ctx.protocol_version, state.settings.result_budget_chars), args
    )


async def on_completion(
    ctx: ServerRequestContext[AppState], params: types.CompleteRequestParams
) -> types.CompleteResult:
    """Prompt arguments here; resource template arguments in the resources' handler."""
    if isinstance(params.ref, types.PromptReference):
        from .completion import complete_prompt_argument

        state = ctx.lifespan_context
        return await complete_prompt_argument(state.http, state.target(), params)
    return await resource_handlers.on_completion(ctx, params)
