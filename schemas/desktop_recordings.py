"""Desktop meeting recordings: the recording, its transcript segments and AI-extracted tasks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from .common import Paginated, ToolInput, Uuid
from .fields import AS_OBJECT, DateTime, InputObject, NonBlankStr, Output, ResultsPage, Url

Platform = Literal["zoom", "teams", "meet", "desktop_audio", "slack"]
RecordingStatus = Literal["recording", "uploading", "processing", "ready", "error"]


RecordingId = Annotated[
    Uuid,
    Field(description="From desktop_recordings_list."),
]
_INT32 = 2_147_483_647


class TranscriptSegment(InputObject):
    """One piece of transcript, as sent by a transcription service."""

    text: NonBlankStr
    timestamp: float | None = Field(
        default=None,
        description="Milliseconds from the start.",
    )
    speaker: str | None = None
    confidence: float | None = Field(default=None, description="0 to 1.")
    is_final: bool | None = None


class ExtractedTask(InputObject):
    """An action item extracted from the transcript."""

    title: NonBlankStr
    description: str | SkipJsonSchema[None] = None
    assignee: str | None = None


class RecordingWritableFields(BaseModel):
    """The recording fields a client may change, shared by the update input (declared once)."""

    recall_recording_id: Uuid | None = None
    platform: Platform | SkipJsonSchema[None] = None
    meeting_title: Annotated[str, Field(max_length=255)] | None = None
    meeting_url: Annotated[Url, Field(max_length=200)] | None = None
    duration_seconds: Annotated[int, Field(ge=0, le=_INT32)] | None = None
    status: RecordingStatus | SkipJsonSchema[None] = None
    notes: str | None = None
    error_message: str | None = None
    video_url: Annotated[Url, Field(max_length=200)] | None = None
    video_size_bytes: Annotated[int, Field(ge=0, le=_INT32)] | None = None
    participants: list[str] | SkipJsonSchema[None] = None
    transcript_segments: list[TranscriptSegment] | SkipJsonSchema[None] = None
    summary: str | None = None
    extracted_tasks: list[ExtractedTask] | SkipJsonSchema[None] = None
    tasks_generated_at: DateTime | None = None
    summary_generated_at: DateTime | None = None
    started_at: DateTime | SkipJsonSchema[None] = None
    completed_at: DateTime | None = None


# --- inputs -------------------------------------------------------------------------------------------------


class DesktopRecordingsList(ToolInput, Paginated):
    """Arguments of desktop_recordings_list."""

    platform: Platform | SkipJsonSchema[None] = None
    status: RecordingStatus | SkipJsonSchema[None] = None
    search: str | SkipJsonSchema[None] = Field(default=None, description="Transcript text.")


class DesktopRecordingsCreate(ToolInput):
    """Arguments of desktop_recordings_create."""

    platform: Platform = "desktop_audio"


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
        description="E.g. [{'text': 'Hi', 'timestamp': 1200}].",
    )


# --- outputs ------------------------------------------------------------------------------------------------


class DesktopRecording(Output):
    """A desktop meeting recording as PostHog returns it."""

    id: str | None = Field(default=None, description="Recording UUID.")
    team: int | None = Field(default=None, description="ID of the project (team) it belongs to.")
    created_by: int | None = Field(default=None, description="Numeric ID of the user who created it.")
    sdk_upload_id: str | None = Field(default=None, description="UUID of the desktop SDK upload.")
    recall_recording_id: str | None = Field(default=None, description="Recording UUID at Recall.ai.")
    platform: str | None = Field(default=None, description="Meeting platform.")
    meeting_title: str | None = Field(default=None, description="Title of the meeting.")
    meeting_url: str | None = Field(default=None, description="Link to the meeting.")
    duration_seconds: int | None = Field(default=None, description="Length in seconds.")
    status: str | None = Field(default=None, description="Recording status.")
    notes: str | None = Field(default=None, description="Free-text notes.")
    error_message: str | None = Field(default=None, description="Why processing failed, when status is 'error'.")
    video_url: str | None = Field(default=None, description="URL of the recorded video.")
    video_size_bytes: int | None = Field(default=None, description="Size of the video in bytes.")
    participants: list[str] | None = Field(default=None, description="Names of the participants.")
    transcript_text: str | None = Field(default=None, description="The whole transcript as text (segments joined).")
    transcript_segments: list[dict[str, Any]] | None = Field(
        default=None, description="Transcript segments: {text, timestamp (ms), speaker, confidence, is_final}."
    )
    summary: str | None = Field(default=None, description="Meeting summary.")
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

    results: list[Annotated[DesktopRecording, AS_OBJECT]] = Field(
        default_factory=list[DesktopRecording], description="The recordings on this page."
    )
