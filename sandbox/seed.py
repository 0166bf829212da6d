"""Deterministic seed data: two projects of the fictional company Hedgebox, with fixed ids and timestamps.

Everything here is built fresh by :func:`build_projects` so a reset restores it exactly. The ids are constants
so tests and snapshots can name them.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import (
    BatchExport,
    Conversation,
    CustomerProfileConfig,
    DesktopRecording,
    Endpoint,
    EndpointVersion,
    Event,
    Json,
    LogEntry,
    Project,
    User,
)

SEED_NOW = datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
"""The seed's "present": event data ends the day before; relative query dates resolve against it."""

PROJECT_ID = 1
SECOND_PROJECT_ID = 2
PROJECT_NAMES = {PROJECT_ID: "Hedgebox (production)", SECOND_PROJECT_ID: "Hedgebox (staging)"}

DEFAULT_KEY = "phx_SandboxDefaultKey0AllScopes0Project1and2"
SECOND_USER_KEY = "phx_SandboxGraceKey000AllScopes0Project1and2"

ADA = User(
    id=1,
    uuid="0a000000-0000-4000-8000-000000000001",
    distinct_id="ada-lovelace-hedgebox",
    first_name="Ada",
    last_name="Lovelace",
    email="ada@hedgebox.example",
    role_at_organization="engineering",
)
GRACE = User(
    id=2,
    uuid="0a000000-0000-4000-8000-000000000002",
    distinct_id="grace-hopper-hedgebox",
    first_name="Grace",
    last_name="Hopper",
    email="grace@hedgebox.example",
    role_at_organization="product",
)


def _rid(n: int) -> str:
    return f"7f3c1a20-0000-4000-8000-{n:012d}"


RECORDING_IDS = {
    "voice_memo": _rid(1),
    "hiring_debrief": _rid(2),
    "acme_onboarding": _rid(3),
    "design_huddle": _rid(4),
    "pricing_review": _rid(5),
    "weekly_standup": _rid(6),
    "design_review_live": _rid(7),
    "staging_smoke_test": _rid(201),
}
CONVERSATION_IDS = {
    "daily_signups": "c0a7e000-0000-4000-8000-000000000001",
    "pricing_actions": "c0a7e000-0000-4000-8000-000000000002",
    "browsers_grace": "c0a7e000-0000-4000-8000-000000000003",
}
ENDPOINT_NAMES = ("daily_pageviews", "weekly_active_users", "legacy_top_browsers")
SLOW_ENDPOINT = "weekly_active_users"
INACTIVE_ENDPOINT = "legacy_top_browsers"
BATCH_EXPORT_ID = "be000000-0000-4000-8000-000000000001"
CONFIG_IDS = {"person": "cf000000-0000-4000-8000-000000000001", "group_0": "cf000000-0000-4000-8000-000000000002"}
KNOWN_S3_BUCKETS = frozenset({"hedgebox-analytics-exports", "hedgebox-staging-exports"})


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=UTC)


def _segments(lines: list[tuple[str, int, str]], seed: int) -> list[Json]:
    rng = random.Random(seed)
    return [
        {
            "timestamp": float(ms),
            "speaker": speaker,
            "text": text,
            "confidence": round(0.86 + rng.random() * 0.13, 2),
            "is_final": True,
        }
        for speaker, ms, text in lines
    ]


def _recording(
    n: int,
    *,
    team: int = PROJECT_ID,
    platform: str,
    status: str,
    title: str | None,
    started: datetime,
    duration: int | None,
    participants: list[str],
    lines: list[tuple[str, int, str]] | None = None,
    summary: str | None = None,
    tasks: list[Json] | None = None,
    error: str | None = None,
    url: str | None = None,
) -> DesktopRecording:
    done = status == "ready"
    finished = started + timedelta(seconds=duration) if duration else None
    recording = DesktopRecording(
        id=_rid(n),
        team=team,
        created_by=ADA.id,
        sdk_upload_id=f"5d000000-0000-4000-8000-{n:012d}",
        recall_recording_id=f"9ec00000-0000-4000-8000-{n:012d}" if status in {"ready", "processing"} else None,
        platform=platform,
        status=status,
        meeting_title=title,
        meeting_url=url,
        duration_seconds=duration,
        participants=participants,
        transcript_segments=_segments(lines or [], n),
        summary=summary,
        extracted_tasks=tasks or [],
        error_message=error,
        video_url=f"https://recordings.hedgebox.example/{_rid(n)}.mp4" if done else None,
        video_size_bytes=(duration or 0) * 412_000 if done else None,
        started_at=started,
        completed_at=finished if status in {"ready", "processing", "error"} else None,
        summary_generated_at=finished + timedelta(minutes=4) if (finished and summary) else None,
        tasks_generated_at=finished + timedelta(minutes=5) if (finished and tasks) else None,
        created_at=started,
        updated_at=(finished + timedelta(minutes=5)) if finished else started + timedelta(minutes=3),
    )
    recording.rebuild_transcript_text()
    return recording


def _recordings() -> list[DesktopRecording]:
    return [
        _recording(
            1,
            platform="desktop_audio",
            status="ready",
            title="Voice memo: roadmap ideas",
            started=_at(10, 8, 5),
            duration=312,
            participants=["Ada Lovelace"],
            lines=[
                ("Ada Lovelace", 0, "Quick memo on roadmap ideas for next quarter."),
                ("Ada Lovelace", 9800, "First, we should ship shared folders with per-file permissions."),
                ("Ada Lovelace", 24500, "Second, the upload retry logic keeps failing on flaky hotel wifi."),
                ("Ada Lovelace", 41200, "Third, talk to Priya about usage-based pricing for teams."),
            ],
            summary="Roadmap ideas: shared folders with per-file permissions, resilient uploads, usage-based pricing.",
            tasks=[
                {
                    "title": "Scope shared folders with per-file permissions",
                    "description": "",
                    "assignee": "Ada Lovelace",
                },
                {"title": "Discuss usage-based pricing with Priya", "description": "", "assignee": None},
            ],
        ),
        _recording(
            2,
            platform="zoom",
            status="ready",
            title="Hiring debrief - Senior Backend Engineer",
            started=_at(12, 9),
            duration=1860,
            participants=["Ada Lovelace", "Tom Becker", "Priya Raman"],
            url="https://hedgebox.zoom.us/j/83412907731",
            lines=[
                ("Tom Becker", 0, "Let's go round the table on the backend candidate."),
                ("Priya Raman", 12400, "Strong system design, she sharded the upload service cleanly."),
                ("Ada Lovelace", 30100, "Coding round was solid, tests first, clear naming."),
                ("Tom Becker", 52800, "I'm a yes. Concerns about on-call experience are minor."),
                ("Priya Raman", 71950, "Yes from me too. Let's move to an offer."),
            ],
            summary="Unanimous yes for the Senior Backend Engineer candidate; move to offer.",
            tasks=[
                {
                    "title": "Prepare offer for the backend candidate",
                    "description": "Senior band",
                    "assignee": "Tom Becker",
                },
            ],
        ),
        _recording(
            3,
            platform="teams",
            status="ready",
            title="Customer onboarding sync with Acme Corp",
            started=_at(14, 14),
            duration=2430,
            participants=["Ada Lovelace", "Jordan Miles (Acme)", "Sam Okafor (Acme)"],
            url="https://teams.microsoft.com/l/meetup-join/19%3ameeting_acme",
            lines=[
                ("Jordan Miles", 0, "Thanks for making time. We are rolling Hedgebox out to 400 seats."),
                ("Ada Lovelace", 15300, "Great. SSO is configured, so the next step is the SCIM directory sync."),
                ("Sam Okafor", 38700, "Our security team needs the data retention policy in writing."),
                ("Ada Lovelace", 55100, "I will send the retention policy and the SOC 2 report today."),
                ("Jordan Miles", 80240, "Perfect. Can we target the first of December for go-live?"),
            ],
            summary="Acme is rolling out to 400 seats; needs SCIM sync and retention policy; go-live target Dec 1.",
            tasks=[
                {
                    "title": "Send Acme the data retention policy and SOC 2 report",
                    "description": "",
                    "assignee": "Ada Lovelace",
                },
                {
                    "title": "Enable SCIM directory sync for Acme",
                    "description": "Before Dec 1 go-live",
                    "assignee": None,
                },
            ],
        ),
        _recording(
            4,
            platform="slack",
            status="error",
            title="Design huddle: onboarding flow",
            started=_at(17, 10, 30),
            duration=None,
            participants=["Lena Ortiz", "Ada Lovelace"],
            error="Recall.ai upload failed: upload token expired before the upload completed",
        ),
        _recording(
            5,
            platform="zoom",
            status="ready",
            title="Q4 pricing review",
            started=_at(18, 15),
            duration=3120,
            participants=["Ada Lovelace", "Priya Raman", "Max Hedgehog"],
            url="https://hedgebox.zoom.us/j/81277730012",
            lines=[
                ("Max Hedgehog", 0, "Agenda today: the team plan price and the storage add-on."),
                ("Priya Raman", 14200, "Team plan conversion dropped eight percent after the last increase."),
                ("Ada Lovelace", 33900, "Usage data shows most teams stay under two hundred gigabytes."),
                ("Max Hedgehog", 51600, "Then let's keep the team plan at twelve dollars per seat."),
                ("Priya Raman", 70300, "And launch the storage add-on at five dollars per hundred gigabytes."),
                ("Ada Lovelace", 88800, "I'll pull churn by plan before we announce anything."),
            ],
            summary=(
                "Team plan stays at $12/seat; storage add-on launches at $5 per 100 GB; churn analysis needed first."
            ),
            tasks=[
                {
                    "title": "Pull churn by plan for the last two quarters",
                    "description": "",
                    "assignee": "Ada Lovelace",
                },
                {"title": "Draft the storage add-on announcement", "description": "", "assignee": "Priya Raman"},
                {"title": "Update pricing page copy", "description": "Team plan unchanged", "assignee": None},
            ],
        ),
        _recording(
            6,
            platform="meet",
            status="processing",
            title="Weekly product standup",
            started=_at(19, 16),
            duration=1140,
            participants=["Ada Lovelace", "Lena Ortiz", "Tom Becker", "Priya Raman"],
            url="https://meet.google.com/hdg-bxst-ndp",
            lines=[
                ("Lena Ortiz", 0, "Design for the new onboarding flow is ready for review."),
                ("Tom Becker", 11800, "The upload retry fix is in staging, error rate is down to half a percent."),
                ("Priya Raman", 26400, "Pricing announcement is blocked on the churn numbers."),
            ],
        ),
        _recording(
            7,
            platform="desktop_audio",
            status="recording",
            title="Design review with Lena",
            started=_at(20, 11, 42),
            duration=None,
            participants=["Ada Lovelace", "Lena Ortiz"],
            lines=[
                ("Lena Ortiz", 0, "Let's start with the empty state of the files view."),
                ("Ada Lovelace", 8600, "I like the illustration, but the call to action is hard to find."),
            ],
        ),
    ]


def _staging_recordings() -> list[DesktopRecording]:
    return [
        _recording(
            201,
            team=SECOND_PROJECT_ID,
            platform="teams",
            status="ready",
            title="Staging smoke test call",
            started=_at(15, 10),
            duration=95,
            participants=["Tom Becker"],
            lines=[("Tom Becker", 0, "Testing one two, staging smoke test for the recorder.")],
            summary="A short smoke test of the recorder in staging.",
        )
    ]


DAILY_PAGEVIEWS_V1 = (
    "select toDate(timestamp) as day, count() as pageviews from events where event = '$pageview' "
    "group by day order by day"
)
DAILY_PAGEVIEWS_V2 = (
    "select toDate(timestamp) as day, count() as pageviews from events where event = '$pageview' "
    "and timestamp >= {variables.from_date} group by day order by day"
)


def _endpoints(team: int) -> list[Endpoint]:
    created = _at(3, 10)
    daily = Endpoint(
        id="e0d90000-0000-4000-8000-000000000001",
        name="daily_pageviews",
        team=team,
        created_at=created,
        updated_at=_at(8, 14, 20),
        created_by=ADA.id,
        current_version=2,
        last_executed_at=_at(19, 8, 15),
        versions=[
            EndpointVersion(
                id="e0d91000-0000-4000-8000-000000000001",
                version=1,
                query={"kind": "HogQLQuery", "query": DAILY_PAGEVIEWS_V1},
                created_at=created,
                created_by=ADA.id,
                description="Pageviews per day.",
                cache_age_seconds=3600,
                is_active=False,
            ),
            EndpointVersion(
                id="e0d91000-0000-4000-8000-000000000002",
                version=2,
                query={
                    "kind": "HogQLQuery",
                    "query": DAILY_PAGEVIEWS_V2,
                    "variables": {
                        "0d000000-0000-4000-8000-000000000001": {
                            "variableId": "0d000000-0000-4000-8000-000000000001",
                            "code_name": "from_date",
                            "value": "2025-11-13",
                        }
                    },
                },
                created_at=_at(8, 14, 20),
                created_by=ADA.id,
                description="Pageviews per day.",
                cache_age_seconds=3600,
            ),
        ],
    )
    weekly = Endpoint(
        id="e0d90000-0000-4000-8000-000000000002",
        name="weekly_active_users",
        team=team,
        created_at=_at(5, 9),
        updated_at=_at(5, 9),
        created_by=GRACE.id,
        last_executed_at=_at(18, 7, 0),
        runtime_seconds=3.0,
        versions=[
            EndpointVersion(
                id="e0d91000-0000-4000-8000-000000000003",
                version=1,
                query={
                    "kind": "TrendsQuery",
                    "series": [{"kind": "EventsNode", "event": "$pageview", "name": "$pageview", "math": "dau"}],
                    "interval": "day",
                    "dateRange": {"date_from": "-7d"},
                },
                created_at=_at(5, 9),
                created_by=GRACE.id,
                description="Daily active users over the last week (a heavy query: answers 202 at first).",
                cache_age_seconds=86400,
            )
        ],
    )
    legacy = Endpoint(
        id="e0d90000-0000-4000-8000-000000000003",
        name="legacy_top_browsers",
        team=team,
        created_at=_at(1, 11),
        updated_at=_at(9, 16),
        created_by=ADA.id,
        is_active=False,
        versions=[
            EndpointVersion(
                id="e0d91000-0000-4000-8000-000000000004",
                version=1,
                query={
                    "kind": "HogQLQuery",
                    "query": (
                        "select properties.$browser as browser, count() as events from events "
                        "group by browser order by events desc limit 5"
                    ),
                },
                created_at=_at(1, 11),
                created_by=ADA.id,
                description="Replaced by the browsers dashboard.",
            )
        ],
    )
    return [daily, weekly, legacy]


def _batch_export() -> BatchExport:
    runs = [f"ba000000-0000-4000-8000-{n:012d}" for n in (1, 2, 3)]
    logs = [
        LogEntry(runs[0], _at(20, 9, 0), "INFO", "Batch export run started for 2025-11-20 08:00:00 to 09:00:00"),
        LogEntry(runs[0], _at(20, 9, 0) + timedelta(seconds=14), "DEBUG", "Resolved 1,284 events to export"),
        LogEntry(runs[0], _at(20, 9, 0) + timedelta(seconds=31), "INFO", "Uploaded 1 file (212.4 KB) to S3"),
        LogEntry(runs[0], _at(20, 9, 0) + timedelta(seconds=32), "INFO", "Batch export run finished successfully"),
        LogEntry(runs[1], _at(20, 10, 0), "INFO", "Batch export run started for 2025-11-20 09:00:00 to 10:00:00"),
        LogEntry(
            runs[1],
            _at(20, 10, 0) + timedelta(seconds=9),
            "WARNING",
            "S3 upload part 2 throttled (SlowDown), retrying in 2 seconds",
        ),
        LogEntry(runs[1], _at(20, 10, 0) + timedelta(seconds=40), "INFO", "Uploaded 1 file (198.0 KB) to S3"),
        LogEntry(runs[1], _at(20, 10, 0) + timedelta(seconds=41), "INFO", "Batch export run finished successfully"),
        LogEntry(runs[2], _at(20, 11, 0), "INFO", "Batch export run started for 2025-11-20 10:00:00 to 11:00:00"),
        LogEntry(runs[2], _at(20, 11, 0) + timedelta(seconds=12), "DEBUG", "Resolved 1,377 events to export"),
        LogEntry(
            runs[2],
            _at(20, 11, 0) + timedelta(seconds=95),
            "ERROR",
            "Failed to upload to S3: AccessDenied when calling PutObject on hedgebox-analytics-exports",
        ),
        LogEntry(runs[2], _at(20, 11, 0) + timedelta(seconds=96), "WARNING", "Run will be retried (attempt 2 of 5)"),
    ]
    return BatchExport(
        id=BATCH_EXPORT_ID,
        team_id=PROJECT_ID,
        name="Events to S3 (hourly)",
        model="events",
        destination_type="S3",
        destination_config={
            "bucket_name": "hedgebox-analytics-exports",
            "region": "us-east-1",
            "prefix": "posthog/events/",
            "compression": "gzip",
            "file_format": "Parquet",
            "exclude_events": ["$feature_flag_called"],
            "include_events": [],
            "aws_access_key_id": "AKIASANDBOXEXAMPLE00",
            "aws_secret_access_key": "sandbox-not-a-real-secret",
        },
        interval="hour",
        created_at=_at(2, 12),
        last_updated_at=_at(2, 12),
        logs=logs,
    )


def _configs(team: int) -> list[CustomerProfileConfig]:
    return [
        CustomerProfileConfig(
            id=CONFIG_IDS["person"],
            team=team,
            scope="person",
            content={
                "blocks": [
                    {"type": "properties", "title": "Plan and billing", "properties": ["plan", "seats", "mrr"]},
                    {"type": "recent_events", "title": "Recent activity", "limit": 20},
                ]
            },
            sidebar=[{"type": "property", "key": "email"}, {"type": "property", "key": "company"}],
            created_at=_at(4, 10),
            updated_at=_at(11, 15, 30),
            created_by=ADA.id,
        ),
        CustomerProfileConfig(
            id=CONFIG_IDS["group_0"],
            team=team,
            scope="group_0",
            content={"blocks": [{"type": "properties", "title": "Company", "properties": ["industry", "employees"]}]},
            sidebar=[],
            created_at=_at(6, 9, 45),
            updated_at=_at(6, 9, 45),
            created_by=GRACE.id,
        ),
    ]


def _msg_id(n: int) -> str:
    return f"0e000000-0000-4000-8000-{n:012d}"


_SIGNUPS_TREND: Json = {
    "kind": "TrendsQuery",
    "series": [{"kind": "EventsNode", "event": "signed_up", "name": "signed_up", "math": "total"}],
    "interval": "day",
    "dateRange": {"date_from": "-7d"},
}


def _conversations() -> list[Conversation]:
    signups = Conversation(
        id=CONVERSATION_IDS["daily_signups"],
        team=PROJECT_ID,
        user_id=ADA.id,
        title="Daily signups last week",
        created_at=_at(18, 9),
        updated_at=_at(18, 9, 1),
        agent_mode="product_analytics",
        messages=[
            {"type": "human", "content": "How many users signed up each day last week?", "id": _msg_id(1)},
            {
                "type": "ai",
                "content": "",
                "id": _msg_id(2),
                "tool_calls": [
                    {
                        "id": "call_signups_trend",
                        "name": "create_and_query_insight",
                        "args": {"query_description": "Daily count of signed_up events over the last 7 days"},
                        "type": "tool_call",
                    }
                ],
            },
            {
                "type": "tool",
                "content": "Created a trends insight of signed_up events per day for the last 7 days.",
                "id": _msg_id(3),
                "tool_call_id": "call_signups_trend",
                "ui_payload": {"create_and_query_insight": _SIGNUPS_TREND},
            },
            {
                "type": "ai/viz",
                "id": _msg_id(4),
                "query": "Daily count of signed_up events over the last 7 days",
                "plan": "Series: signed_up (total count). Interval: day. Date range: last 7 days.",
                "answer": _SIGNUPS_TREND,
            },
            {
                "type": "ai",
                "content": "Signups averaged about 6 a day last week, peaking mid-week.",
                "id": _msg_id(5),
            },
        ],
    )
    pricing = Conversation(
        id=CONVERSATION_IDS["pricing_actions"],
        team=PROJECT_ID,
        user_id=ADA.id,
        title="Action items from the Q4 pricing review",
        created_at=_at(19, 17, 30),
        updated_at=_at(19, 17, 34),
        agent_mode="product_analytics",
        messages=[
            {"type": "human", "content": "What did we decide in the Q4 pricing review?", "id": _msg_id(11)},
            {
                "type": "ai",
                "content": (
                    "The team plan stays at $12 per seat and the storage add-on launches at $5 per 100 GB, "
                    "after a churn-by-plan analysis."
                ),
                "id": _msg_id(12),
            },
            {"type": "human", "content": "Who owns the follow-ups?", "id": _msg_id(13)},
            {
                "type": "ai",
                "content": (
                    "Ada pulls churn by plan, Priya drafts the storage add-on announcement, "
                    "and the pricing page copy update is unassigned."
                ),
                "id": _msg_id(14),
            },
        ],
    )
    browsers = Conversation(
        id=CONVERSATION_IDS["browsers_grace"],
        team=PROJECT_ID,
        user_id=GRACE.id,
        title="Which browsers do our users use?",
        created_at=_at(17, 13, 10),
        updated_at=_at(17, 13, 11),
        agent_mode="sql",
        messages=[
            {"type": "human", "content": "Which browsers do our users use?", "id": _msg_id(21)},
            {
                "type": "ai/viz",
                "id": _msg_id(22),
                "query": "Events by browser",
                "plan": "Count events grouped by properties.$browser, descending.",
                "answer": {
                    "kind": "HogQLQuery",
                    "query": (
                        "select properties.$browser as browser, count() as events from events "
                        "group by browser order by events desc"
                    ),
                },
            },
            {"type": "ai", "content": "Chrome leads, followed by Safari and Firefox.", "id": _msg_id(23)},
        ],
    )
    return [signups, pricing, browsers]


_BROWSERS = ("Chrome", "Chrome", "Chrome", "Safari", "Safari", "Firefox", "Edge")
_PATHS = ("/", "/files", "/files/shared", "/pricing", "/signup", "/settings", "/upload")


def _events(project_id: int, users: int, scale: float) -> list[Event]:
    """Two weeks of product analytics (Nov 6-19), the same on every reset."""
    rng = random.Random(project_id * 7919)
    events: list[Event] = []
    people = [f"user_{n:03d}" for n in range(1, users + 1)]
    browser_of = {person: rng.choice(_BROWSERS) for person in people}
    for day in range(6, 20):
        weekday = datetime(2025, 11, day, tzinfo=UTC).weekday() < 5
        daily: list[tuple[str, int]] = [
            ("$pageview", int(rng.randint(70, 110) * (1.0 if weekday else 0.55) * scale)),
            ("file_uploaded", int(rng.randint(15, 30) * scale)),
            ("signed_up", max(1, int(rng.randint(3, 9) * scale))),
            ("$identify", max(1, int(rng.randint(4, 10) * scale))),
        ]
        for name, count in daily:
            for _ in range(count):
                person = rng.choice(people)
                moment = datetime(2025, 11, day, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 86_399))
                properties: dict[str, Any] = {
                    "$browser": browser_of[person],
                    "$os": rng.choice(("Mac OS X", "Windows")),
                }
                if name == "$pageview":
                    properties["$current_url"] = "https://app.hedgebox.example" + rng.choice(_PATHS)
                if name == "signed_up":
                    properties["plan"] = rng.choice(("free", "free", "team"))
                events.append(Event(moment, name, person, properties))
    events.sort(key=lambda e: e.timestamp)
    return events


def build_projects() -> dict[int, Project]:
    """Fresh seed data for every project."""
    main = Project(id=PROJECT_ID, name=PROJECT_NAMES[PROJECT_ID])
    main.recordings = {r.id: r for r in _recordings()}
    main.endpoints = {e.name: e for e in _endpoints(PROJECT_ID)}
    main.batch_exports = {BATCH_EXPORT_ID: _batch_export()}
    main.conversations = {c.id: c for c in _conversations()}
    main.profile_configs = {c.id: c for c in _configs(PROJECT_ID)}
    main.events = _events(PROJECT_ID, users=60, scale=1.0)

    staging = Project(id=SECOND_PROJECT_ID, name=PROJECT_NAMES[SECOND_PROJECT_ID])
    staging.recordings = {r.id: r for r in _staging_recordings()}
    staging.events = _events(SECOND_PROJECT_ID, users=8, scale=0.1)
    return {main.id: main, staging.id: staging}


def build_users() -> dict[int, User]:
    return {ADA.id: ADA, GRACE.id: GRACE}
