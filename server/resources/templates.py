"""The resource templates the server offers, and what each kind of resource is made of.

One declaration per kind, so the template list, completion and the reader agree on names and MIME types.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

import mcp_types as types

from ..definitions.manifest import load_manifest
from .resource_uris import (
    CONVERSATION_TEMPLATE,
    RECORDING_TEMPLATE,
    TRANSCRIPT_TEMPLATE,
    ResourceType,
)

MARKDOWN = "text/markdown"
JSON = "application/json"

Collection = Literal["desktop_recordings", "conversations"]


@dataclass(frozen=True, slots=True)
class CollectionApi:
    """How PostHog serves one collection: the paths and scope of the catalog's list and get operations.

    Read from the manifest (the operations declare ``resource_role``), so start-up does not load the catalog's
    pydantic models.
    """

    list_path: str
    item_path: str
    """With an ``{id}`` placeholder."""
    read_scope: str
    noun: str


_PATH_PARAM = re.compile(r"\{[a-z_]+\}")


def _collections() -> dict[Collection, CollectionApi]:
    served: dict[str, dict[str, Mapping[str, Any]]] = {}
    for item in load_manifest():
        if "serves_resource" in item:
            facts = cast(Mapping[str, Any], item["serves_resource"])
            served.setdefault(str(item["area"]), {})[str(facts["role"])] = facts
    return {
        cast(Collection, area): CollectionApi(
            list_path=str(roles["list"]["path"]),
            item_path=_PATH_PARAM.sub("{id}", str(roles["item"]["path"])),
            read_scope=str(roles["list"]["scopes"][0]),
            noun=area.replace("_", " "),
        )
        for area, roles in served.items()
    }


COLLECTIONS: dict[Collection, CollectionApi] = _collections()


@dataclass(frozen=True, slots=True)
class ResourceKind:
    kind: ResourceType
    collection: Collection
    """The PostHog collection the object lives in (also the list path)."""
    uri_template: str
    name: str
    title: str
    description: str


RECORDING = ResourceKind(
    kind="recording",
    collection="desktop_recordings",
    uri_template=RECORDING_TEMPLATE,
    name="desktop_recording",
    title="Desktop meeting recording",
    description=(
        "A desktop meeting recording as a Markdown document: title, platform, status, times and duration, "
        "participants, summary, extracted tasks and the timestamped transcript (plus the raw JSON object). "
        "Subscribe to follow a recording that is still being made."
    ),
)
TRANSCRIPT = ResourceKind(
    kind="transcript",
    collection="desktop_recordings",
    uri_template=TRANSCRIPT_TEMPLATE,
    name="desktop_recording_transcript",
    title="Meeting transcript",
    description=(
        "Only the transcript of a desktop meeting recording, one timestamped line per speaker turn "
        "([00:01:23] Alice: ...). Subscribe to receive new lines while the meeting is being recorded."
    ),
)
CONVERSATION = ResourceKind(
    kind="conversation",
    collection="conversations",
    uri_template=CONVERSATION_TEMPLATE,
    name="posthog_ai_conversation",
    title="PostHog AI conversation",
    description=(
        "A PostHog AI conversation as a Markdown dialogue: who said what, in order, with visualizations, tool "
        "results and failures summarised (plus the raw JSON object). Subscribe to follow an answer in progress."
    ),
)

KINDS: tuple[ResourceKind, ...] = (RECORDING, TRANSCRIPT, CONVERSATION)
BY_TYPE: dict[ResourceType, ResourceKind] = {k.kind: k for k in KINDS}
BY_TEMPLATE: dict[str, ResourceKind] = {k.uri_template: k for k in KINDS}

TEMPLATES_TTL_MS = 3_600_000
"""The templates never change while the server runs; clients may keep them for an hour."""


def resource_templates() -> list[types.ResourceTemplate]:
    return [
        types.ResourceTemplate(
            name=k.name,
            title=k.title,
            uri_template=k.uri_template,
            description=k.description,
            mime_type=MARKDOWN,
        )
        for k in KINDS
    ]
