"""Desktop recordings (``desktop_recording:read|write``): CRUD plus transcript segments appended in batches.

This viewset authenticates with session auth first, which has no challenge header, so DRF answers a missing or
bad key with 403 instead of 401.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field
from starlette.responses import JSONResponse, Response

from .. import errors
from ..fields import BigInteger, Boolean, DateTime, Integer, Number, Text, TextOrBlank, Title, Url, Uuid
from ..models import DesktopRecording, Json
from ..pagination import paginate
from ..routing import Operation, RequestContext, route
from ..seed import SEED_NOW
from ..validation import choice, parse, provided

PLATFORMS = ("zoom", "teams", "meet", "desktop_audio", "slack")
STATUSES = ("recording", "uploading", "processing", "ready", "error")
Platform = Annotated[str, BeforeValidator(choice(PLATFORMS))]
Status = Annotated[str, BeforeValidator(choice(STATUSES))]


class Segment(BaseModel):
    """``TranscriptSegmentSerializer``."""

    timestamp: Number | None = None
    speaker: TextOrBlank | None = None
    text: Text
    confidence: Number | None = None
    is_final: Boolean | None = None


class Task(BaseModel):
    """``TaskSerializer``."""

    title: Text
    description: TextOrBlank = ""
    assignee: TextOrBlank | None = None


class CreateRecording(BaseModel):
    platform: Platform = "desktop_audio"


class UpdateRecording(BaseModel):
    """Writable fields; read-only ones (id, team, created_by, sdk_upload_id, transcript_text, …) are ignored."""

    recall_recording_id: Uuid | None = None
    platform: Platform = "desktop_audio"
    meeting_title: Title | None = None
    meeting_url: Url | None = None
    duration_seconds: Integer | None = None
    status: Status = "recording"
    notes: TextOrBlank | None = None
    error_message: TextOrBlank | None = None
    video_url: Url | None = None
    video_size_bytes: BigInteger | None = None
    participants: list[Text] = Field(default_factory=list[str])
    transcript_segments: list[Segment] = Field(default_factory=list[Segment])
    summary: TextOrBlank | None = None
    extracted_tasks: list[Task] = Field(default_factory=list[Task])
    tasks_generated_at: DateTime | None = None
    summary_generated_at: DateTime | None = None
    started_at: DateTime = SEED_NOW
    completed_at: DateTime | None = None


class AppendSegments(BaseModel):
    segments: list[Segment] = Field(min_length=1)


def _get(ctx: RequestContext) -> DesktopRecording:
    recording = ctx.project.recordings.get(ctx.params["id"].lower())
    if recording is None:
        raise errors.model_not_found("DesktopRecording")
    return recording


def _segment_json(segment: Segment) -> Json:
    return segment.model_dump(exclude_unset=True)


async def list_recordings(ctx: RequestContext) -> Response:
    """Newest ``started_at`` first; optional ``platform``, ``status``, ``user_id`` and ``search`` (transcript text)."""
    with ctx.state.lock:
        items = sorted(ctx.project.recordings.values(), key=lambda r: (r.started_at, r.created_at), reverse=True)
        if platform := ctx.query.get("platform"):
            items = [r for r in items if r.platform == platform]
        if status := ctx.query.get("status"):
            items = [r for r in items if r.status == status]
        if user_id := ctx.query.get("user_id"):
            items = [r for r in items if str(r.created_by) == user_id]
        if search := ctx.query.get("search"):
            items = [r for r in items if search.lower() in r.transcript_text.lower()]
        envelope, page = paginate(items, ctx.query, ctx.url)
        return JSONResponse({**envelope, "results": [r.to_json() for r in page]})


async def create_recording(ctx: RequestContext) -> Response:
    """201 with the new recording and a Recall.ai ``upload_token``; 503 when the upload service is off."""
    if not ctx.state.upload_service_configured:
        raise errors.bare_detail(503, "Recall.ai API key not configured")
    body = parse(CreateRecording, ctx.data)
    now = ctx.state.now()
    recording = DesktopRecording(
        id=ctx.state.new_id(),
        team=ctx.project_id,
        created_by=ctx.user.id,
        sdk_upload_id=ctx.state.new_id(),
        platform=body.platform,
        status="recording",
        started_at=now,
        created_at=now,
        updated_at=now,
    )
    with ctx.state.lock:
        ctx.project.recordings[recording.id] = recording
        payload = recording.to_json()
    payload["upload_token"] = ctx.state.new_id()
    return JSONResponse(payload, status_code=201)


async def retrieve_recording(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        return JSONResponse(_get(ctx).to_json())


async def update_recording(ctx: RequestContext) -> Response:
    """A partial update: only the fields sent change; new transcript segments rebuild ``transcript_text``."""
    changes = provided(parse(UpdateRecording, ctx.data))
    with ctx.state.lock:
        recording = _get(ctx)
        for name, value in changes.items():
            if name == "transcript_segments":
                recording.transcript_segments = [_segment_json(s) for s in value]
                recording.rebuild_transcript_text()
            elif name == "extracted_tasks":
                recording.extracted_tasks = [t.model_dump(exclude_unset=True) for t in value]
            else:
                setattr(recording, name, value)
        recording.updated_at = ctx.state.now()
        return JSONResponse(recording.to_json())


async def destroy_recording(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        recording = _get(ctx)
        del ctx.project.recordings[recording.id]
    return Response(status_code=204)


async def append_segments(ctx: RequestContext) -> Response:
    """Segments whose non-null timestamp is already stored are skipped, so a retried batch is harmless."""
    body = parse(AppendSegments, ctx.data)
    with ctx.state.lock:
        recording = _get(ctx)
        seen = {s.get("timestamp") for s in recording.transcript_segments if s.get("timestamp") is not None}
        fresh = [_segment_json(s) for s in body.segments if s.timestamp is None or s.timestamp not in seen]
        recording.transcript_segments = [*recording.transcript_segments, *fresh]
        recording.rebuild_transcript_text()
        recording.updated_at = ctx.state.now()
        return JSONResponse(recording.to_json())


READ = "desktop_recording:read"
WRITE = "desktop_recording:write"
ROUTES = [
    route(
        "desktop_recordings",
        auth_failure_status=403,
        GET=Operation(list_recordings, READ),
        POST=Operation(create_recording, WRITE),
    ),
    route(
        "desktop_recordings/{id}",
        auth_failure_status=403,
        GET=Operation(retrieve_recording, READ),
        PATCH=Operation(update_recording, WRITE),
        DELETE=Operation(destroy_recording, WRITE),
    ),
    route("desktop_recordings/{id}/append_segments", auth_failure_status=403, POST=Operation(append_segments, WRITE)),
]
