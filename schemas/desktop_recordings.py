"""Desktop meeting recordings: the recording, its transcript segments and AI-extracted tasks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from .common import Paginated, ToolInput, Uuid
from .fields import DateTime, InputObject, NonBlankStr, Output, ResultsPage, Url

Platform = Literal["zoom", "teams", "meet", "desktop_audio", "slack"]
RecordingStatus = Literal["recording", "uploading", "processing", "ready", "error"]

_PLATFORM = "Meeting platform: 'zoom', 'teams', 'meet' (Google Meet), 'desktop_audio' or 'slack' (huddle)."
_STATUS = "Recording status: 'recording', 'uploading', 'processing', 'ready' or 'error'."

RecordingId = Annotated[
    Uuid,
    Field(
        description=(
            "UUID of the desktop recording (the `id` from desktop_recordings_list or desktop_recordings_create), "
            "e.g. '0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a'."
        )
    ),
]
_INT32 = 2_147_483_647


class TranscriptSegment(InputObject):
    """One piece of transcript, as sent by a transcription service."""

    text: NonBlankStr = Field(description="What was said; must contain non-whitespace text, e.g. 'Let's ship Friday.'")
    timestamp: float | None = Field(
        default=None,
        description=(
            "Start of the segment in milliseconds from the start of the recording, e.g. 15230.5. A segment whose "
            "timestamp is already stored is skipped, so set it to make retries safe. Null when unknown."
        ),
    )
    speaker: str | None = Field(default=None, description="Who spoke, e.g. 'Alice'. Null when unknown.")
    confidence: float | None = Field(
        default=None, description="Transcription confidence score, usually between 0 and 1, e.g. 0.93. Null if unknown."
    )
    is_final: bool | None = Field(
        default=None, description="Whether this is the final version of the segment (false for interim results)."
    )


class ExtractedTask(InputObject):
    """An action item extracted from the transcript."""

    title: NonBlankStr = Field(description="Short task title, e.g. 'Send pricing deck to Acme'.")
    description: str | SkipJsonSchema[None] = Field(default=None, description="Details of the task.")
    assignee: str | None = Field(default=None, description="Who should do it, e.g. 'Bob'. Null when unassigned.")


class RecordingWritableFields(BaseModel):
    """The recording fields a client may change, shared by the update input (declared once)."""

    recall_recording_id: Uuid | None = Field(
        default=None, description="UUID of the recording at Recall.ai, the upload service. Null to clear."
    )
    platform: Platform | SkipJsonSchema[None] = Field(default=None, description=_PLATFORM)
    meeting_title: Annotated[str, Field(max_length=255)] | None = Field(
        default=None, description="Title of the meeting, at most 255 characters, e.g. 'Weekly sync'. Null to clear."
    )
    meeting_url: Annotated[Url, Field(max_length=200)] | None = Field(
        default=None,
        description="Link to the meeting, an absolute URL of at most 200 characters, e.g. 'https://zoom.us/j/123'.",
    )
    duration_seconds: Annotated[int, Field(ge=0, le=_INT32)] | None = Field(
        default=None, description="Length of the recording in whole seconds, e.g. 1800 for 30 minutes."
    )
    status: RecordingStatus | SkipJsonSchema[None] = Field(default=None, description=_STATUS)
    notes: str | None = Field(default=None, description="Free-text notes about the meeting. Null to clear.")
    error_message: str | None = Field(
        default=None, description="Why processing failed (set together with status 'error'). Null to clear."
    )
    video_url: Annotated[Url, Field(max_length=200)] | None = Field(
        default=None, description="Absolute URL of the recorded video, at most 200 characters. Null to clear."
    )
    video_size_bytes: Annotated[int, Field(ge=0, le=_INT32)] | None = Field(
        default=None, description="Size of the video file in bytes, e.g. 104857600."
    )
    participants: list[str] | SkipJsonSchema[None] = Field(
        default=None, description="Names of the participants, e.g. ['Alice', 'Bob']. Replaces the stored list."
    )
    transcript_segments: list[TranscriptSegment] | SkipJsonSchema[None] = Field(
        default=None,
        description=(
            "The whole transcript as segments; replaces the stored segments. "
            "To add segments, use desktop_recordings_append_segments instead."
        ),
    )
    summary: str | None = Field(default=None, description="Summary of the meeting. Null to clear.")
    extracted_tasks: list[ExtractedTask] | SkipJsonSchema[None] = Field(
        default=None, description="AI-extracted action items; replaces the stored list."
    )
    tasks_generated_at: DateTime | None = Field(
        default=None, description="When the tasks were extracted, ISO 8601, e.g. '2025-01-31T14:00:00Z'."
    )
    summary_generated_at: DateTime | None = Field(
        default=None, description="When the summary was generated, ISO 8601, e.g. '2025-01-31T14:00:00Z'."
    )
    started_at: DateTime | SkipJsonSchema[None] = Field(
        default=None, description="When the meeting started, ISO 8601, e.g. '2025-01-31T13:30:00Z'."
    )
    completed_at: DateTime | None = Field(
        default=None, description="When the meeting ended, ISO 8601, e.g. '2025-01-31T14:00:00Z'. Null to clear."
    )


# --- inputs -------------------------------------------------------------------------------------------------


class DesktopRecordingsList(ToolInput, Paginated):
    """Arguments of desktop_recordings_list."""

    platform: Platform | SkipJsonSchema[None] = Field(default=None, description=f"Only this platform. {_PLATFORM}")
    status: RecordingStatus | SkipJsonSchema[None] = Field(default=None, description=f"Only this status. {_STATUS}")
    search: str | SkipJsonSchema[None] = Field(
        default=None, description="Only recordings whose transcript text contains this, e.g. 'pricing'."
    )


class DesktopRecordingsCreate(ToolInput):
    """Arguments of desktop_recordings_create."""

    platform: Platform = Field(default="desktop_audio", description=f"{_PLATFORM} Defaults to 'desktop_audio'.")


class DesktopRecordingsGet(ToolInput):
    """Arguments of desktop_recordings_get."""

    id: RecordingId


class DesktopRecordingsDelete(DesktopRecordingsGet):
    """Arguments of desktop_recordings_delete."""


class DesktopRecordingsUpdate(ToolInput, RecordingWritableFields):
    """Arguments of desktop_recordings_update: only the fields given are changed."""

    id: RecordingId


class DesktopRecordingsAppendSegments(ToolInput):
    """Arguments of desktop_recordings_append_segments."""

    id: RecordingId
    segments: list[TranscriptSegment] = Field(
        min_length=1,
        description=(
            "Segments to append, at least one, e.g. [{'text': 'Hello all', 'timestamp': 1200, 'speaker': 'Alice'}]."
        ),
    )


# --- outputs ------------------------------------------------------------------------------------------------


class DesktopRecording(Output):
    """A desktop meeting recording as PostHog returns it."""

    id: str | None = Field(default=None, description="Recording UUID.")
    team: int | None = Field(default=None, description="ID of the project (team) it belongs to.")
    created_by: int | None = Field(default=None, description="Numeric ID of the user who created it.")
    sdk_upload_id: str | None = Field(default=None, description="UUID of the desktop SDK upload.")
    recall_recording_id: str | None = Field(default=None, description="Recording UUID at Recall.ai.")
    platform: str | None = Field(default=None, description=_PLATFORM)
    meeting_title: str | None = Field(default=None, description="Title of the meeting.")
    meeting_url: str | None = Field(default=None, description="Link to the meeting.")
    duration_seconds: int | None = Field(default=None, description="Length in seconds.")
    status: str | None = Field(default=None, description=_STATUS)
    notes: str | None = Field(default=None, description="Free-text notes.")
    error_message: str | None = Field(default=None, description="Why processing failed, when status is 'error'.")
    video_url: str | None = Field(default=None, description="URL of the recorded video.")
    video_size_bytes: int | None = Field(default=None, description="Size of the video in bytes.")
    participants: list[str] | None = Field(default=None, description="Names of the participants.")
    transcript_text: str | None = Field(default=None, description="The whole transcript as text (segments joined).")
    transcript_segments: list[dict[str, Any]] | None = Field(
        default=None, description="Transcript segments: {text, timestamp (ms), speaker, confidence, is_final}."
    )
    summary: str | None = Field(default=None, description="Summary of the meeting.")
    extracted_tasks: list[dict[str, Any]] | None = Field(
        default=None, description="AI-extracted tasks: {title, description, assignee}."
    )
    tasks_generated_at: str | None = Field(default=None, description="When the tasks were extracted (ISO 8601).")
    summary_generated_at: str | None = Field(default=None, description="When the summary was generated (ISO 8601).")
    started_at: str | None = Field(default=None, description="When the meeting started (ISO 8601).")
    completed_at: str | None = Field(default=None, description="When the meeting ended (ISO 8601).")
    created_at: str | None = Field(default=None, description="When the recording was created (ISO 8601).")
    updated_at: str | None = Field(default=None, description="When the recording was last changed (ISO 8601).")
    upload_token: str | None = Field(
        default=None, description="Recall.ai upload token for the desktop SDK; only in the answer to create."
    )


class DesktopRecordingPage(ResultsPage):
    """A page of desktop recordings, newest `started_at` first."""

    results: list[DesktopRecording] = Field(
        default_factory=list[DesktopRecording], description="The recordings on this page."
    )
