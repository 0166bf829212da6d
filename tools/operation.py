"""The shape of one catalog entry: everything the server needs to expose one PostHog operation.

Data, not plumbing: nothing here sends HTTP or speaks MCP. The registry in ``server/`` reads these
declarations and turns each into an MCP tool.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel

HttpMethod = Literal["GET", "POST", "PATCH", "DELETE"]
ResponseKind = Literal["json", "empty", "event_stream"]
ResourceKind = Literal["desktop_recording", "conversation"]

INTERNAL_SCOPE = "INTERNAL"
"""PostHog's marker for operations that refuse scoped personal API keys."""

_PATH_PARAM = re.compile(r"\{([a-z_]+)\}")

ResourceRole = Literal["list", "item"]
"""How an operation serves its area's MCP resources: ``list`` lists the collection, ``item`` reads one object."""


class Invalidates(NamedTuple):
    """Which MCP resource a successful call changes: its kind and the argument holding the object's id."""

    kind: ResourceKind
    id_argument: str


class Hints(NamedTuple):
    """The MCP tool annotations that follow from what an operation does to PostHog's data."""

    read_only: bool
    destructive: bool
    idempotent: bool


METHOD_HINTS: Mapping[HttpMethod, Hints] = {
    "GET": Hints(read_only=True, destructive=False, idempotent=True),
    "POST": Hints(read_only=False, destructive=False, idempotent=False),
    "PATCH": Hints(read_only=False, destructive=False, idempotent=True),
    "DELETE": Hints(read_only=False, destructive=True, idempotent=True),
}
"""What each HTTP method means for the tool annotations unless an entry says otherwise (e.g. a read-only POST)."""


def _from_method() -> Any:
    """Default of an annotation field: "what ``METHOD_HINTS`` says for the method", filled in by ``__post_init__``."""
    return None


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
    """What the tool does, for an agent. The required scope is not repeated here: the published description gets
    a line generated from ``scopes``."""
    example: Mapping[str, Any] = field(hash=False)
    """Arguments of one call that works against the sandbox's seed data (used by the end-to-end tests and docs)."""
    read_only: bool = _from_method()
    destructive: bool = _from_method()
    idempotent: bool = _from_method()
    open_world: bool = True
    query_fields: frozenset[str] = field(default_factory=frozenset[str])
    output_model: type[BaseModel] | None = None
    """Shape of ``structuredContent`` when the response shape is known."""
    response: ResponseKind = "json"
    retry_safe: bool | None = None
    """Whether a failed call may be repeated; ``None`` means "when read-only, or idempotent and not a DELETE"."""
    wraps_list_as: str | None = None
    """When PostHog answers a bare JSON array, the key it is wrapped under for ``structuredContent``."""
    resource_kind: ResourceKind | None = None
    """Which MCP resource the result's objects are, so results can link to them."""
    resource_role: ResourceRole | None = None
    invalidates: Invalidates | None = None
    """The resource a successful call changes, so its followers are told at once instead of at the next poll
    (no id argument given, e.g. a new conversation: nothing to tell)."""
    """Whether the MCP resources of this area are listed (``list``) or read (``item``) through this operation."""
    advice_by_status: Mapping[int, str] = field(default_factory=dict[int, str], hash=False)
    """Operation-specific next step for an HTTP error status, used instead of the generic advice."""
    check_arguments: Mapping[str, Any] | None = field(default=None, hash=False)
    """Set on the one read per area that the ``check`` command probes a key with: the probe's arguments."""

    def __post_init__(self) -> None:
        hints = METHOD_HINTS[self.method]
        for name in Hints._fields:
            if getattr(self, name) is None:
                object.__setattr__(self, name, getattr(hints, name))

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.path))

    @property
    def internal(self) -> bool:
        return INTERNAL_SCOPE in self.scopes

    @property
    def may_retry(self) -> bool:
        if self.retry_safe is not None:
            return self.retry_safe
        return self.read_only or (self.idempotent and self.method != "DELETE")
