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
            "List customer profile configs (profile page layouts); page with `limit`/`offset` until `next` is null."
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
        description="Create a profile page layout for a `scope`.",
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
        description="Get a customer profile config.",
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
        description="Update a customer profile config; a layout given replaces the stored one.",
        output_model=s.CustomerProfileConfig,
    ),
)
