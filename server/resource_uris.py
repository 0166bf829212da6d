"""The ``posthog://`` URI scheme for resources: one place builds and parses them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SCHEME = "posthog"
RECORDING_TEMPLATE = "posthog://projects/{project_id}/desktop_recordings/{id}"
TRANSCRIPT_TEMPLATE = "posthog://projects/{project_id}/desktop_recordings/{id}/transcript"
CONVERSATION_TEMPLATE = "posthog://projects/{project_id}/conversations/{id}"

ResourceType = Literal["recording", "transcript", "conversation"]

_URI = re.compile(
    r"^posthog://projects/(?P<project>[^/]+)/(?P<collection>desktop_recordings|conversations)/(?P<id>[^/]+)"
    r"(?P<transcript>/transcript)?$"
)


@dataclass(frozen=True, slots=True)
class ResourceRef:
    kind: ResourceType
    project_id: str
    object_id: str


def recording_uri(project_id: str, recording_id: str) -> str:
    return f"posthog://projects/{project_id}/desktop_recordings/{recording_id}"


def transcript_uri(project_id: str, recording_id: str) -> str:
    return recording_uri(project_id, recording_id) + "/transcript"


def conversation_uri(project_id: str, conversation_id: str) -> str:
    return f"posthog://projects/{project_id}/conversations/{conversation_id}"


def parse_uri(uri: str) -> ResourceRef | None:
    match = _URI.match(uri)
    if match is None:
        return None
    if match.group("collection") == "conversations":
        if match.group("transcript"):
            return None
        return ResourceRef("conversation", match.group("project"), match.group("id"))
    kind: ResourceType = "transcript" if match.group("transcript") else "recording"
    return ResourceRef(kind, match.group("project"), match.group("id"))
