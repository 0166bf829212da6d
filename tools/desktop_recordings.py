"""Desktop meeting recordings: CRUD plus live transcript appends."""

from __future__ import annotations

from ..schemas import desktop_recordings as s
from .operation import Invalidates, Operation

_AREA = "desktop_recordings"
_CHANGES_RECORDING = Invalidates("desktop_recording", "id")

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="desktop_recordings_list",
        title="List desktop recordings",
        area=_AREA,
        method="GET",
        path="desktop_recordings/",
        input_model=s.DesktopRecordingsList,
        example={"limit": 2, "offset": 1, "platform": "zoom"},
        scopes=("desktop_recording:read",),
        description=(
            "List recordings, newest first; page with `limit`/`offset` until `next` is null. Transcripts: "
            "desktop_recordings_get."
        ),
        output_model=s.DesktopRecordingPage,
        resource_kind="desktop_recording",
        resource_role="list",
        check_arguments={"limit": 1},
    ),
    Operation(
        name="desktop_recordings_create",
        title="Create desktop recording",
        area=_AREA,
        method="POST",
        path="desktop_recordings/",
        input_model=s.DesktopRecordingsCreate,
        example={"platform": "meet"},
        scopes=("desktop_recording:write",),
        description=(
            "Start a recording; returns its Recall.ai `upload_token`. Add transcript: "
            "desktop_recordings_append_segments."
        ),
        output_model=s.DesktopRecording,
        resource_kind="desktop_recording",
    ),
    Operation(
        name="desktop_recordings_get",
        title="Get desktop recording",
        area=_AREA,
        method="GET",
        path="desktop_recordings/{id}/",
        input_model=s.DesktopRecordingsGet,
        example={"id": "7f3c1a20-0000-4000-8000-000000000005"},
        scopes=("desktop_recording:read",),
        description="Get a recording with transcript, summary and tasks.",
        output_model=s.DesktopRecording,
        resource_kind="desktop_recording",
        resource_role="item",
    ),
    Operation(
        name="desktop_recordings_update",
        invalidates=_CHANGES_RECORDING,
        title="Update desktop recording",
        area=_AREA,
        method="PATCH",
        path="desktop_recordings/{id}/",
        input_model=s.DesktopRecordingsUpdate,
        example={"id": "7f3c1a20-0000-4000-8000-000000000005", "meeting_title": "Renamed", "notes": None},
        scopes=("desktop_recording:write",),
        description=(
            "Update a recording; a list given replaces the stored one (to add transcript: "
            "desktop_recordings_append_segments)."
        ),
        output_model=s.DesktopRecording,
        resource_kind="desktop_recording",
    ),
    Operation(
        name="desktop_recordings_delete",
        invalidates=_CHANGES_RECORDING,
        title="Delete desktop recording",
        area=_AREA,
        method="DELETE",
        path="desktop_recordings/{id}/",
        input_model=s.DesktopRecordingsDelete,
        example={"id": "7f3c1a20-0000-4000-8000-000000000005"},
        scopes=("desktop_recording:write",),
        description="Delete a recording and its transcript.",
        response="empty",
    ),
    Operation(
        name="desktop_recordings_append_segments",
        invalidates=_CHANGES_RECORDING,
        title="Append transcript segments",
        area=_AREA,
        method="POST",
        path="desktop_recordings/{id}/append_segments/",
        input_model=s.DesktopRecordingsAppendSegments,
        example={
            "id": "7f3c1a20-0000-4000-8000-000000000007",
            "segments": [{"text": "Shipping Friday.", "timestamp": 987654.0, "speaker": "Ada"}],
        },
        scopes=("desktop_recording:write",),
        description="Append transcript segments; one whose `timestamp` is already stored is skipped (retry-safe).",
        output_model=s.DesktopRecording,
        retry_safe=True,
        resource_kind="desktop_recording",
    ),
)
