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
            "List the project's desktop meeting recordings, newest `started_at` first, as a page "
            "{count, next, previous, results}. Filter with `platform`, `status` or `search` (text in the transcript); "
            "page with `limit` (default 100) and `offset`, continuing while `next` is not null. "
            "Use desktop_recordings_get for one recording's full transcript and tasks."
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
            "Create a desktop meeting recording for a `platform` (default 'desktop_audio') and get a Recall.ai "
            "`upload_token` for the desktop SDK. Returns the new recording with status 'recording' and an empty "
            "transcript; PostHog answers 503 when its upload service is not configured. Add transcript text with "
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
        description=(
            "Get one desktop recording by `id`: meeting details, status, participants, the full transcript "
            "(`transcript_text` and timestamped `transcript_segments`), summary and extracted tasks."
        ),
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
            "Change fields of a desktop recording: only the fields given are sent, and null clears a nullable field. "
            "Lists (`participants`, `transcript_segments`, `extracted_tasks`) replace the stored ones; to add "
            "transcript text use desktop_recordings_append_segments. Returns the updated recording."
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
        description=(
            "Permanently delete a desktop recording and its transcript. Returns nothing on success "
            "(PostHog answers 204)."
        ),
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
        description=(
            "Append transcript segments (at least one, each with non-blank `text`) to a recording, e.g. while a "
            "meeting is transcribed live. A segment whose `timestamp` is already stored is skipped, so resending a "
            "batch with timestamps is safe; `transcript_text` becomes all segment texts joined by spaces. "
            "Returns the full updated recording."
        ),
        output_model=s.DesktopRecording,
        retry_safe=True,
        resource_kind="desktop_recording",
    ),
)
