"""Customer profile configs: the layout of the person or group profile pages in PostHog."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from .common import Paginated, ToolInput, Uuid
from .fields import AS_OBJECT, JsonDocument, Output, ResultsPage

Scope = Literal["person", "group_0", "group_1", "group_2", "group_3", "group_4"]

_SCOPE = "'person' or a group type index."

ProfileLayout = JsonDocument
"""A free-form layout document: PostHog accepts a JSON object or array."""


class ProfileLayoutFields(BaseModel):
    """The two layout documents of a config, shared by create and update (declared once)."""

    content: ProfileLayout | SkipJsonSchema[None] = Field(
        default=None,
        description="E.g. [{'type': 'properties', 'keys': ['email']}].",
    )
    sidebar: ProfileLayout | SkipJsonSchema[None] = None


ConfigId = Uuid


# --- inputs -------------------------------------------------------------------------------------------------


class CustomerProfileConfigsList(ToolInput, Paginated):
    """Arguments of customer_profile_configs_list."""


class CustomerProfileConfigsCreate(ToolInput, ProfileLayoutFields):
    """Arguments of customer_profile_configs_create."""

    scope: Scope = Field(description=_SCOPE)


class CustomerProfileConfigsGet(ToolInput):
    """Arguments of customer_profile_configs_get."""

    id: ConfigId


class CustomerProfileConfigsUpdate(ToolInput, ProfileLayoutFields):
    """Arguments of customer_profile_configs_update: only the fields given are changed."""

    id: ConfigId
    scope: Scope | SkipJsonSchema[None] = Field(default=None, description=_SCOPE)


# --- outputs ------------------------------------------------------------------------------------------------


class CustomerProfileConfig(Output):
    """A customer profile config as PostHog returns it."""

    id: str | None = Field(default=None, description="Config UUID.")
    scope: str | None = Field(default=None, description=_SCOPE)
    content: Any = Field(default=None, description="Layout of the profile's main area (JSON object or array).")
    sidebar: Any = Field(default=None, description="Layout of the profile's sidebar (JSON object or array).")
    created_at: str | None = Field(default=None, description="When it was created (ISO 8601).")
    updated_at: str | None = Field(default=None, description="When it was last changed (ISO 8601).")


class CustomerProfileConfigPage(ResultsPage):
    """A page of customer profile configs."""

    results: list[Annotated[CustomerProfileConfig, AS_OBJECT]] = Field(
        default_factory=list[CustomerProfileConfig], description="The configs on this page."
    )
