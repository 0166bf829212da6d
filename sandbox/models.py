"""The sandbox's in-memory records and how PostHog serializes each of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    """DRF's ``DateTimeField`` output: ISO 8601 in UTC with ``Z``."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


@dataclass(slots=True)
class User:
    id: int
    uuid: str
    distinct_id: str
    first_name: str
    last_name: str
    email: str
    role_at_organization: str | None = "engineering"

    def basic(self) -> Json:
        """PostHog's ``UserBasicSerializer``."""
        return {
            "id": self.id,
            "uuid": self.uuid,
            "distinct_id": self.distinct_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "is_email_verified": True,
            "hedgehog_config": None,
            "role_at_organization": self.role_at_organization,
        }


@dataclass(slots=True)
class DesktopRecording:
    id: str
    team: int
    created_by: int | None
    sdk_upload_id: str
    platform: str
    started_at: datetime
    created_at: datetime
    updated_at: datetime
    status: str = "recording"
    recall_recording_id: str | None = None
    meeting_title: str | None = None
    meeting_url: str | None = None
    duration_seconds: int | None = None
    notes: str | None = None
    error_message: str | None = None
    video_url: str | None = None
    video_size_bytes: int | None = None
    participants: list[str] = field(default_factory=list[str])
    transcript_segments: list[Json] = field(default_factory=list[Json])
    transcript_text: str = ""
    summary: str | None = None
    extracted_tasks: list[Json] = field(default_factory=list[Json])
    tasks_generated_at: datetime | None = None
    summary_generated_at: datetime | None = None
    completed_at: datetime | None = None

    def rebuild_transcript_text(self) -> None:
        """PostHog keeps the full text as every segment's text joined by spaces."""
        self.transcript_text = " ".join(str(s["text"]) for s in self.transcript_segments if s.get("text"))

    def to_json(self) -> Json:
        """``DesktopRecordingSerializer``."""
        return {
            "id": self.id,
            "team": self.team,
            "created_by": self.created_by,
            "sdk_upload_id": self.sdk_upload_id,
            "recall_recording_id": self.recall_recording_id,
            "platform": self.platform,
            "meeting_title": self.meeting_title,
            "meeting_url": self.meeting_url,
            "duration_seconds": self.duration_seconds,
            "status": self.status,
            "notes": self.notes,
            "error_message": self.error_message,
            "video_url": self.video_url,
            "video_size_bytes": self.video_size_bytes,
            "participants": list(self.participants),
            "transcript_text": self.transcript_text,
            "transcript_segments": [dict(s) for s in self.transcript_segments],
            "summary": self.summary,
            "extracted_tasks": [dict(t) for t in self.extracted_tasks],
            "tasks_generated_at": iso(self.tasks_generated_at),
            "summary_generated_at": iso(self.summary_generated_at),
            "started_at": iso(self.started_at),
            "completed_at": iso(self.completed_at),
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(slots=True)
class EndpointVersion:
    id: str
    version: int
    query: Json
    created_at: datetime
    created_by: int | None
    description: str = ""
    cache_age_seconds: float | None = None
    is_active: bool = True
    is_materialized: bool = False
    sync_frequency: str | None = None
    materialized_at: datetime | None = None


@dataclass(slots=True)
class Endpoint:
    id: str
    name: str
    team: int
    created_at: datetime
    updated_at: datetime
    created_by: int | None
    versions: list[EndpointVersion]
    is_active: bool = True
    current_version: int = 1
    derived_from_insight: str | None = None
    last_executed_at: datetime | None = None
    runtime_seconds: float = 0.0
    """Sandbox-only: how long its query takes to compute (see ``sandbox.queries``)."""

    @property
    def endpoint_path(self) -> str:
        return f"/api/environments/{self.team}/endpoints/{self.name}/run"

    def version(self, number: int | None = None) -> EndpointVersion | None:
        wanted = self.current_version if number is None else number
        return next((v for v in self.versions if v.version == wanted), None)

    def current(self) -> EndpointVersion:
        found = self.version()
        assert found is not None, "an endpoint always has its current version"
        return found


@dataclass(slots=True)
class LogEntry:
    instance_id: str
    timestamp: datetime
    level: str
    message: str


@dataclass(slots=True)
class BatchExport:
    id: str
    team_id: int
    name: str
    model: str
    destination_type: str
    destination_config: Json
    interval: str
    created_at: datetime
    last_updated_at: datetime
    paused: bool = False
    last_paused_at: datetime | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    logs: list[LogEntry] = field(default_factory=list[LogEntry])


@dataclass(slots=True)
class Conversation:
    id: str
    team: int
    user_id: int
    created_at: datetime
    updated_at: datetime
    title: str | None = None
    status: str = "idle"
    type: str = "assistant"
    is_internal: bool = False
    slack_thread_key: str | None = None
    slack_workspace_domain: str | None = None
    agent_mode: str | None = None
    messages: list[Json] = field(default_factory=list[Json])
    pending_approvals: list[Json] = field(default_factory=list[Json])

    def minimal(self, user: User | None) -> Json:
        """``ConversationMinimalSerializer``: what the stream's ``conversation`` event carries."""
        return {
            "id": self.id,
            "status": self.status,
            "title": self.title,
            "user": user.basic() if user else None,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "type": self.type,
            "is_internal": self.is_internal,
            "slack_thread_key": self.slack_thread_key,
            "slack_workspace_domain": self.slack_workspace_domain,
        }

    def full(self, user: User | None) -> Json:
        """``ConversationSerializer``."""
        return {
            **self.minimal(user),
            "messages": [dict(m) for m in self.messages],
            "has_unsupported_content": False,
            "agent_mode": self.agent_mode,
            "pending_approvals": [dict(p) for p in self.pending_approvals],
        }


@dataclass(slots=True)
class CustomerProfileConfig:
    id: str
    team: int
    scope: str
    content: Any
    sidebar: Any
    created_at: datetime
    updated_at: datetime
    created_by: int | None = None

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "scope": self.scope,
            "content": self.content,
            "sidebar": self.sidebar,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class Event:
    """One analytics event, the data endpoint queries run over."""

    timestamp: datetime
    event: str
    distinct_id: str
    properties: Json


@dataclass(slots=True)
class Project:
    id: int
    name: str
    recordings: dict[str, DesktopRecording] = field(default_factory=dict[str, DesktopRecording])
    endpoints: dict[str, Endpoint] = field(default_factory=dict[str, Endpoint])
    batch_exports: dict[str, BatchExport] = field(default_factory=dict[str, BatchExport])
    conversations: dict[str, Conversation] = field(default_factory=dict[str, Conversation])
    profile_configs: dict[str, CustomerProfileConfig] = field(default_factory=dict[str, CustomerProfileConfig])
    events: list[Event] = field(default_factory=list[Event])
