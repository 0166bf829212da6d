"""The low-level server's resource handlers: thin adapters from MCP requests to the resource modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mcp_types as types

from .completion import complete
from .listing import list_resources
from .reader import ResourceReader, read_resource, unknown_uri
from .resource_uris import parse_uri
from .templates import TEMPLATES_TTL_MS, resource_templates

if TYPE_CHECKING:
    from mcp.server import ServerRequestContext

    from ..handlers.app import AppState


def _reader(ctx: ServerRequestContext[AppState]) -> ResourceReader:
    return ResourceReader(ctx.lifespan_context.http)


async def on_list_resource_templates(
    ctx: ServerRequestContext[AppState], params: types.PaginatedRequestParams | None
) -> types.ListResourceTemplatesResult:
    return types.ListResourceTemplatesResult(
        resource_templates=resource_templates(), ttl_ms=TEMPLATES_TTL_MS, cache_scope="public"
    )


async def on_list_resources(
    ctx: ServerRequestContext[AppState], params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    state = ctx.lifespan_context
    return await list_resources(
        _reader(ctx),
        state.target(),
        page_size=state.settings.resource_page_size,
        cursor=params.cursor if params is not None else None,
    )


async def on_read_resource(
    ctx: ServerRequestContext[AppState], params: types.ReadResourceRequestParams
) -> types.ReadResourceResult:
    state = ctx.lifespan_context
    return await read_resource(
        _reader(ctx), state.target(), params.uri, ctx.protocol_version, budget=state.settings.result_budget_chars
    )


async def on_completion(
    ctx: ServerRequestContext[AppState], params: types.CompleteRequestParams
) -> types.CompleteResult:
    return await complete(_reader(ctx), ctx.lifespan_context.target(), params)


async def on_subscribe_resource(
    ctx: ServerRequestContext[AppState], params: types.SubscribeRequestParams
) -> types.EmptyResult:
    ref = parse_uri(params.uri)
    if ref is None:
        raise unknown_uri(params.uri, ctx.protocol_version)
    state = ctx.lifespan_context
    state.subscriptions.subscribe(ref, params.uri, ctx.session, state.target())
    return types.EmptyResult()


async def on_unsubscribe_resource(
    ctx: ServerRequestContext[AppState], params: types.UnsubscribeRequestParams
) -> types.EmptyResult:
    ref = parse_uri(params.uri)
    if ref is not None:
        state = ctx.lifespan_context
        state.subscriptions.unsubscribe(ref, params.uri, ctx.session, state.target())
    return types.EmptyResult()


async def on_subscriptions_listen(
    ctx: ServerRequestContext[AppState], params: types.SubscriptionsListenRequestParams
) -> types.SubscriptionsListenResult:
    state = ctx.lifespan_context
    return await state.subscriptions.listen(ctx, params, state.target())
