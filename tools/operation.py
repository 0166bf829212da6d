"""The shape of one catalog entry: everything the server needs to expose one PostHog operation.

Data, not plumbing: nothing here sends HTTP or speaks MCP. The registry in ``server/`` reads these
declarations and turns each into an MCP tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

HttpMethod = Literal["GET", "POST", "PATCH", "DELETE"]
ResponseKind = Literal["json", "empty", "event_stream"]
ResourceKind = Literal["desktop_recording", "conversation"]

INTERNAL_SCOPE = "INTERNAL"
"""PostHog's marker for operations that refuse scoped personal API keys."""

_PATH_PARAM = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One documented PostHog operation, declared once.

    ``path`` is relative to ``/api/environments/{project_id}/`` and ends with ``/`` like PostHog's own
    URLs, e.g. ``"desktop_recordings/{id}/append_segments/"``. Fields of ``input_model`` named in the path
    are path parameters; ``query_fields`` are sent in the query string; every other field is the JSON body
    (for GET and DELETE, every non-path field is a query parameter).
    """

    name: str
    """snake_case tool name, ``<area>_<action>``."""
    title: str
    area: str
    """The API area (and toolset) this operation belongs to, e.g. ``"desktop_recordings"``."""
    method: HttpMethod
    path: str
    input_model: type[BaseModel]
    scopes: tuple[str, ...]
    """Required personal API key scopes as documented; ``("INTERNAL",)`` for internal-only operations."""
    description: str
    read_only: bool
    destructive: bool
    idempotent: bool
    open_world: bool = True
    query_fields: frozenset[str] = field(default_factory=frozenset[str])
    output_model: type[BaseModel] | None = None
    """Shape of ``structuredContent`` when the response shape is known."""
    response: ResponseKind = "json"
    retry_safe: bool | None = None
    """Whether a failed call may be repeated; ``None`` means "only when the method is GET"."""
    wraps_list_as: str | None = None
    """When PostHog answers a bare JSON array, the key it is wrapped under for ``structuredContent``."""
    resource_kind: ResourceKind | None = None
    """Which MCP resource the result's objects are, so results can link to them."""

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.path))

    @property
    def internal(self) -> bool:
        return INTERNAL_SCOPE in self.scopes

    @property
    def may_retry(self) -> bool:
        return self.retry_safe if self.retry_safe is not None else self.method == "GET"
