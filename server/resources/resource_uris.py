"""The ``posthog://`` URI scheme for resources: one place builds and parses them.

Both directions go through ``schemas/ids``: a URI is only parsed, and only built, from a valid project id and
object UUID, and always in canonical form (``posthog://projects/007/…/ABC…`` and ``…/7/…/abc…`` are one
resource), so nothing else reaches a PostHog path and subscriptions can key on the canonical URI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ...schemas.ids import canonical_project_id, canonical_uuid

SCHEME = "posthog"
RECORDING_TEMPLATE = "posthog://projects/{project_id}/desktop_recordings/{id}"
TRANSCRIPT_TEMPLATE = "posthog://projects/{project_id}/desktop_recordings/{id}/transcript"
CONVERSATION_TEMPLATE = "posthog://projects/{project_id}/conversations/{id}"
MAX_URI_LENGTH = 200
"""Far longer than any valid URI; longer text is refused before any pattern looks at it."""

ResourceType = Literal["recording", "transcript", "conversation"]

_URI = re.compile(
    r"posthog://projects/(?P<project>[^/]+)/(?P<collection>desktop_recordings|conversations)/(?P<id>[^/]+)"
    r"(?P<transcript>/transcript)?"
)


class InvalidId(ValueError):
    """An id that is not a project id or object UUID; never built into a URI or a path."""


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A parsed URI; ids are canonical."""

    kind: ResourceType
    project_id: str
    object_id: str

    @property
    def uri(self) -> str:
        """The canonical spelling of this resource's URI."""
        if self.kind == "conversation":
            return conversation_uri(self.project_id, self.object_id)
        if self.kind == "transcript":
            return transcript_uri(self.project_id, self.object_id)
        return recording_uri(self.project_id, self.object_id)


def _ids(project_id: str, object_id: str) -> tuple[str, str]:
    project, obj = canonical_project_id(project_id), canonical_uuid(object_id)
    if project is None:
        raise InvalidId(f"{project_id!r} is not a project id (ASCII digits or '@current')")
    if obj is None:
        raise InvalidId(f"{object_id!r} is not a UUID")
    return project, obj


def recording_uri(project_id: str, recording_id: str) -> str:
    """Raises ``InvalidId`` unless both ids are valid; the URI uses their canonical form."""
    project, obj = _ids(project_id, recording_id)
    return f"posthog://projects/{project}/desktop_recordings/{obj}"


def transcript_uri(project_id: str, recording_id: str) -> str:
    return recording_uri(project_id, recording_id) + "/transcript"


def conversation_uri(project_id: str, conversation_id: str) -> str:
    project, obj = _ids(project_id, conversation_id)
    return f"posthog://projects/{project}/conversations/{obj}"


def parse_uri(uri: str) -> ResourceRef | None:
    """The resource a URI names, with canonical ids; ``None`` for anything that is not one of ours."""
    match = _URI.fullmatch(uri) if len(uri) <= MAX_URI_LENGTH else None
    if match is None:
        return None
    project, obj = canonical_project_id(match.group("project")), canonical_uuid(match.group("id"))
    if project is None or obj is None:
        return None
    if match.group("collection") == "conversations":
        if match.group("transcript"):
            return None
        return ResourceRef("conversation", project, obj)
    kind: ResourceType = "transcript" if match.group("transcript") else "recording"
    return ResourceRef(kind, project, obj)
