"""A stand-in for PostHog AI: a small rule-based responder over the project's own data, streamed like the real one.

The answer is computed from the sandbox's current data for the project (recordings, endpoints, batch exports,
customer profile configs, conversations), chosen by keywords in the question, never a canned string.

Generation runs as a background task writing frames into an :class:`AssistantRun`, like PostHog's Temporal
workflow writing to a Redis stream: the request that started it and any later "resume" request (``content``
null) read the same frames from the beginning. The conversation is ``in_progress`` while the run lasts, and the
final message is stored and the status set back to ``idle`` *before* the final frame goes out, so a client that
has read the whole stream can send the next message at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from . import sse
from .models import Json, Project


@dataclass(slots=True)
class AssistantRun:
    """The frames of one generation, readable by several clients."""

    conversation_id: str
    frames: list[bytes] = field(default_factory=list[bytes])
    done: bool = False
    cancelled: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, frame: bytes) -> None:
        self.frames.append(frame)
        self._changed.set()

    def finish(self) -> None:
        self.done = True
        self._changed.set()

    async def read(self) -> AsyncIterator[bytes]:
        sent = 0
        while True:
            while sent < len(self.frames):
                yield self.frames[sent]
                sent += 1
            if self.done:
                return
            self._changed.clear()
            if sent < len(self.frames) or self.done:
                continue
            await self._changed.wait()


_PLATFORMS = {
    "zoom": "Zoom",
    "teams": "Microsoft Teams",
    "meet": "Google Meet",
    "desktop_audio": "desktop audio",
    "slack": "a Slack huddle",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _recordings_answer(project: Project, question: str) -> str:
    recordings = sorted(project.recordings.values(), key=lambda r: r.started_at, reverse=True)
    if not recordings:
        return f"There are no desktop recordings in project {project.id} yet."
    by_status: dict[str, int] = {}
    for recording in recordings:
        by_status[recording.status] = by_status.get(recording.status, 0) + 1
    statuses = ", ".join(f"{count} {status}" for status, count in sorted(by_status.items()))
    newest = recordings[0]
    title = newest.meeting_title or "Untitled recording"
    text = (
        f"There are {_plural(len(recordings), 'desktop recording')} in this project ({statuses}). "
        f'The newest is "{title}" on {_PLATFORMS.get(newest.platform, newest.platform)}, '
        f"started {newest.started_at.strftime('%Y-%m-%d %H:%M')} UTC, currently {newest.status}"
        f" with {_plural(len(newest.participants), 'participant')}."
    )
    ready = [r for r in recordings if r.status == "ready"]
    if ("task" in question or "action item" in question or "follow" in question) and ready:
        source = next((r for r in ready if r.extracted_tasks), ready[0])
        tasks = "; ".join(
            f"{t['title']}" + (f" ({t['assignee']})" if t.get("assignee") else " (unassigned)")
            for t in source.extracted_tasks
        )
        text += f' Tasks from "{source.meeting_title}": {tasks or "none extracted"}.'
    elif "summar" in question and ready:
        source = ready[0]
        text += f' Latest summary ("{source.meeting_title}"): {source.summary or "not generated yet"}'
    return text


def _endpoints_answer(project: Project) -> str:
    endpoints = sorted(project.endpoints.values(), key=lambda e: e.name)
    if not endpoints:
        return f"Project {project.id} has no endpoints yet."
    described = ", ".join(
        f"{e.name} (v{e.current_version}, {'active' if e.is_active else 'inactive'})" for e in endpoints
    )
    active = sum(1 for e in endpoints if e.is_active)
    return f"This project has {_plural(len(endpoints), 'endpoint')}, {active} active: {described}."


def _exports_answer(project: Project) -> str:
    exports = list(project.batch_exports.values())
    if not exports:
        return f"Project {project.id} has no batch exports."
    parts: list[str] = []
    for export in exports:
        state = "paused" if export.paused else "running"
        where = export.destination_config.get("bucket_name") or export.destination_type
        latest = max(export.logs, key=lambda entry: entry.timestamp, default=None)
        last = f' Latest log: [{latest.level}] "{latest.message}".' if latest else ""
        parts.append(f'"{export.name}" exports {export.model} every {export.interval} to {where} and is {state}.{last}')
    return f"{_plural(len(exports), 'batch export')}: " + " ".join(parts)


def _profiles_answer(project: Project) -> str:
    configs = sorted(project.profile_configs.values(), key=lambda c: c.created_at)
    if not configs:
        return f"Project {project.id} has no customer profile configs."
    scopes = ", ".join(c.scope for c in configs)
    return f"There are {_plural(len(configs), 'customer profile config')}, for the scopes: {scopes}."


def _overview(project: Project) -> str:
    return (
        f"I looked at project {project.id} ({project.name}): {_plural(len(project.recordings), 'desktop recording')}, "
        f"{_plural(len(project.endpoints), 'endpoint')}, {_plural(len(project.batch_exports), 'batch export')} and "
        f"{_plural(len(project.profile_configs), 'customer profile config')}, with "
        f"{_plural(len(project.events), 'event')} in the last two weeks. "
        "Ask me about recordings, endpoints, batch exports or customer profiles for details."
    )


def answer(question: str, project: Project, conversations_of_user: int) -> str:
    """The assistant's reply to ``question``, computed from ``project``'s current data."""
    q = question.lower()
    if "endpoint" in q:
        return _endpoints_answer(project)
    if "export" in q:
        return _exports_answer(project)
    if "profile" in q:
        return _profiles_answer(project)
    if any(word in q for word in ("recording", "meeting", "transcript", "call", "task", "action item")):
        return _recordings_answer(project, q)
    if "conversation" in q or "chat" in q:
        return f"You have {_plural(conversations_of_user, 'conversation')} with PostHog AI in this project."
    return _overview(project)


def chunks(text: str, parts: int = 5) -> list[str]:
    """Cumulative prefixes of ``text`` cut at word boundaries: how PostHog streams a growing message."""
    words = text.split(" ")
    if len(words) <= 1:
        return [text]
    size = max(1, -(-len(words) // parts))
    return [" ".join(words[:end]) for end in range(size, len(words), size)] + [text]


@dataclass(slots=True)
class Generation:
    """What the background task needs; the callbacks run under the state's lock."""

    run: AssistantRun
    conversation_frame: Json
    human_message: Json | None
    answer_text: str | None
    failure: str | None
    delay: Callable[[], float]
    new_id: Callable[[], str]
    store_and_idle: Callable[[Json | None], None]
    is_cancelled: Callable[[], bool]


async def generate(job: Generation) -> None:
    """Write the frames of one answer: conversation, human echo, growing AI chunks, final AI message."""
    run = job.run
    final: Json | None = None
    try:
        run.push(sse.frame("conversation", job.conversation_frame))
        if job.human_message is not None:
            run.push(sse.frame("message", job.human_message))
        if job.failure is not None:
            await asyncio.sleep(job.delay())
            final = {"type": "ai/failure", "content": job.failure, "id": job.new_id()}
        elif job.answer_text is not None:
            for partial in chunks(job.answer_text):
                await asyncio.sleep(job.delay())
                if job.is_cancelled():
                    return
                run.push(sse.frame("message", {"type": "ai", "content": partial}))
            await asyncio.sleep(job.delay())
            if job.is_cancelled():
                return
            final = {"type": "ai", "content": job.answer_text, "id": job.new_id()}
    finally:
        job.store_and_idle(final if not job.is_cancelled() else None)
        if final is not None and not job.is_cancelled():
            run.push(sse.frame("message", final))
        run.finish()


def first_line_title(content: str) -> str:
    """PostHog AI titles a conversation from its first message."""
    line = content.strip().splitlines()[0] if content.strip() else "New conversation"
    return line[:80]
