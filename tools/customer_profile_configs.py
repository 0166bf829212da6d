"""Customer profile configs: layouts of person and group profile pages."""

from __future__ import annotations

from ..schemas import customer_profile_configs as s
from .operation import Operation

_AREA = "customer_profile_configs"

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="customer_profile_configs_list",
        title="List customer profile configs",
        area=_AREA,
        method="GET",
        path="customer_profile_configs/",
        input_model=s.CustomerProfileConfigsList,
        example={"limit": 1},
        scopes=("customer_profile_config:read",),
        description=(
            "List the project's customer profile configs (layouts of person and group profile pages) as a page of "
            "{id, scope, content, sidebar}. Page with `limit`/`offset` while `next` is not null."
        ),
        output_model=s.CustomerProfileConfigPage,
        check_arguments={"limit": 1},
    ),
    Operation(
        name="customer_profile_configs_create",
        title="Create customer profile config",
        area=_AREA,
        method="POST",
        path="customer_profile_configs/",
        input_model=s.CustomerProfileConfigsCreate,
        example={"scope": "group_1", "content": {"blocks": []}},
        scopes=("customer_profile_config:write",),
        description=(
            "Create a customer profile config for a `scope` ('person' or 'group_0' to 'group_4') with optional "
            "`content` and `sidebar` layouts (JSON objects or arrays, default {}). Returns the new config."
        ),
        output_model=s.CustomerProfileConfig,
    ),
    Operation(
        name="customer_profile_configs_get",
        title="Get customer profile config",
        area=_AREA,
        method="GET",
        path="customer_profile_configs/{id}/",
        input_model=s.CustomerProfileConfigsGet,
        example={"id": "cf000000-0000-4000-8000-000000000001"},
        scopes=("customer_profile_config:read",),
        description=("Get one customer profile config by `id`: its scope and its `content` and `sidebar` layouts."),
        output_model=s.CustomerProfileConfig,
    ),
    Operation(
        name="customer_profile_configs_update",
        title="Update customer profile config",
        area=_AREA,
        method="PATCH",
        path="customer_profile_configs/{id}/",
        input_model=s.CustomerProfileConfigsUpdate,
        example={"id": "cf000000-0000-4000-8000-000000000001", "sidebar": {"pinned": ["email"]}},
        scopes=("customer_profile_config:write",),
        description=(
            "Change a customer profile config's `scope`, `content` or `sidebar`; only the fields given are sent, and "
            "a layout given replaces the stored one. Returns the updated config."
        ),
        output_model=s.CustomerProfileConfig,
    ),
)
