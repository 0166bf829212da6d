"""Customer profile configs (``customer_profile_config:read|write``): which blocks a person or group profile shows."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator
from starlette.responses import JSONResponse, Response

from .. import errors
from ..models import CustomerProfileConfig
from ..pagination import paginate
from ..routing import Operation, RequestContext, route
from ..validation import choice, json_container, parse, provided

SCOPES = ("person", "group_0", "group_1", "group_2", "group_3", "group_4")
Scope = Annotated[str, BeforeValidator(choice(SCOPES))]


class ConfigBody(BaseModel):
    """``CustomerProfileConfigSerializer``: ``content``/``sidebar`` are a JSON object or array, null meaning ``{}``."""

    scope: Scope
    content: Annotated[Any, BeforeValidator(json_container("content"))] = {}
    sidebar: Annotated[Any, BeforeValidator(json_container("sidebar"))] = {}


class ConfigPatch(BaseModel):
    scope: Scope = "person"
    content: Annotated[Any, BeforeValidator(json_container("content"))] = {}
    sidebar: Annotated[Any, BeforeValidator(json_container("sidebar"))] = {}


def _get(ctx: RequestContext) -> CustomerProfileConfig:
    config = ctx.project.profile_configs.get(ctx.params["id"].lower())
    if config is None:
        raise errors.model_not_found("CustomerProfileConfig")
    return config


async def list_configs(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = sorted(ctx.project.profile_configs.values(), key=lambda c: c.created_at)
        envelope, page = paginate(items, ctx.query, ctx.url)
        return JSONResponse({**envelope, "results": [c.to_json() for c in page]})


async def create_config(ctx: RequestContext) -> Response:
    body = parse(ConfigBody, ctx.data)
    now = ctx.state.now()
    config = CustomerProfileConfig(
        id=ctx.state.new_id(),
        team=ctx.project_id,
        scope=body.scope,
        content=body.content,
        sidebar=body.sidebar,
        created_at=now,
        updated_at=now,
        created_by=ctx.user.id,
    )
    with ctx.state.lock:
        ctx.project.profile_configs[config.id] = config
    return JSONResponse(config.to_json(), status_code=201)


async def retrieve_config(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        return JSONResponse(_get(ctx).to_json())


async def update_config(ctx: RequestContext) -> Response:
    changes = provided(parse(ConfigPatch, ctx.data))
    with ctx.state.lock:
        config = _get(ctx)
        for name, value in changes.items():
            setattr(config, name, value)
        config.updated_at = ctx.state.now()
        return JSONResponse(config.to_json())


READ = "customer_profile_config:read"
WRITE = "customer_profile_config:write"
ROUTES = [
    route("customer_profile_configs", GET=Operation(list_configs, READ), POST=Operation(create_config, WRITE)),
    route(
        "customer_profile_configs/{id}",
        GET=Operation(retrieve_config, READ),
        PATCH=Operation(update_config, WRITE),
    ),
]
