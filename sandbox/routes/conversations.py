"""PostHog AI conversations (``conversation:read|write``): list, read, stream an answer, append, cancel.

Status rules follow PostHog: a message sent while the conversation is not ``idle`` is a 409; ``content: null``
resumes the stream of a conversation still ``in_progress`` and is a 400 on an idle one; another user's
conversation or a missing one (when resuming) is a 400 ``{"error": …}``. Lists show only the caller's
conversations; a single conversation can be read by anyone in the project who knows its id.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator
from starlette.responses import JSONResponse, Response, StreamingResponse

from .. import errors, sse
from ..assistant import AssistantRun, Generation, answer, first_line_title, generate
from ..fields import AnyMode, Boolean, Text, Uuid
from ..models import Conversation, Json
from ..pagination import paginate
from ..routing import Operation, RequestContext, route
from ..validation import char, parse

LISTED_TYPES = ("assistant", "deep_research", "slack")
DEFAULT_FAILURE = "PostHog AI ran into an error while generating a response. Please try again."
DEEP_RESEARCH_FAILURE = (
    "Deep research is not available for this conversation. Turn off deep research mode and try again."
)


class MessageBody(BaseModel):
    """``MessageSerializer``: ``content`` may be null (resume) but must be sent; both ids are required."""

    content: Annotated[str, BeforeValidator(char(max_length=40000))] | None
    conversation: Uuid
    trace_id: Uuid
    contextual_tools: dict[str, Any] | None = None
    ui_context: Any = None
    billing_context: Any = None
    session_id: Text | None = None
    deep_research_mode: Boolean = False
    agent_mode: AnyMode | None = None
    resume_payload: Any = None


class AppendBody(BaseModel):
    content: Annotated[str, BeforeValidator(char(max_length=10000))]


def _visible(conversation: Conversation) -> bool:
    return conversation.title is not None and conversation.type in LISTED_TYPES and not conversation.is_internal


def _full(ctx: RequestContext, conversation: Conversation) -> Json:
    return conversation.full(ctx.state.users.get(conversation.user_id))


def _own(ctx: RequestContext) -> Conversation:
    """``get_object`` for actions other than retrieve: the caller's conversations only."""
    conversation = ctx.project.conversations.get(ctx.params["conversation"].lower())
    if conversation is None or conversation.user_id != ctx.user.id:
        raise errors.model_not_found("Conversation")
    return conversation


async def list_conversations(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        items = [c for c in ctx.project.conversations.values() if c.user_id == ctx.user.id and _visible(c)]
        items.sort(key=lambda c: c.updated_at, reverse=True)
        envelope, page = paginate(items, ctx.query, ctx.url)
        return JSONResponse({**envelope, "results": [_full(ctx, c) for c in page]})


async def retrieve_conversation(ctx: RequestContext) -> Response:
    with ctx.state.lock:
        conversation = ctx.project.conversations.get(ctx.params["conversation"].lower())
        if conversation is None or not _visible(conversation):
            raise errors.model_not_found("Conversation")
        return JSONResponse(_full(ctx, conversation))


def _find_anywhere(ctx: RequestContext, conversation_id: str) -> Conversation | None:
    for project in ctx.state.projects.values():
        if conversation_id in project.conversations:
            return project.conversations[conversation_id]
    return None


def _stream(run: AssistantRun) -> Response:
    return StreamingResponse(
        run.read(),
        headers={"content-type": sse.CONTENT_TYPE, "cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def create_or_stream(ctx: RequestContext) -> Response:
    """Start answering a message (``200 text/event-stream``), or resume the stream of one in progress."""
    body = parse(MessageBody, ctx.data)
    failure_fault = ctx.state.faults.take("POST", ctx.request.url.path, application=True)
    state = ctx.state
    with state.lock:
        conversation = _find_anywhere(ctx, body.conversation)
        if conversation is not None and (conversation.user_id != ctx.user.id or conversation.team != ctx.project_id):
            raise errors.bare_error(400, "Cannot access other users' conversations")
        if conversation is None:
            if body.content is None:
                raise errors.bare_error(400, "Cannot stream from non-existent conversation")
            now = state.now()
            conversation = Conversation(
                id=body.conversation,
                team=ctx.project_id,
                user_id=ctx.user.id,
                created_at=now,
                updated_at=now,
                agent_mode=body.agent_mode,
            )
            ctx.project.conversations[conversation.id] = conversation
        has_message = body.content is not None
        if has_message and conversation.status != "idle":
            raise errors.conflict("Cannot resume streaming with a new message")
        if not has_message:
            running = state.runs.get(conversation.id)
            if conversation.status != "idle" and running is not None:
                return _stream(running)
            if body.resume_payload is None or conversation.status != "idle":
                raise errors.validation_error("Cannot continue streaming from an idle conversation")

        human: Json | None = None
        question = body.content or ""
        if body.content is not None:
            human = {"type": "human", "content": body.content, "id": state.new_id()}
            conversation.messages.append(human)
            if conversation.title is None:
                conversation.title = first_line_title(body.content)
        else:
            question = next((m["content"] for m in reversed(conversation.messages) if m.get("type") == "human"), "")
        if body.agent_mode is not None:
            conversation.agent_mode = body.agent_mode
        conversation.status = "in_progress"
        conversation.updated_at = state.now()
        mine = sum(1 for c in ctx.project.conversations.values() if c.user_id == ctx.user.id and _visible(c))
        failure: str | None = None
        if body.deep_research_mode:
            failure = DEEP_RESEARCH_FAILURE
        elif failure_fault is not None:
            failure = failure_fault.body if isinstance(failure_fault.body, str) else DEFAULT_FAILURE
        text = None if failure else answer(question, ctx.project, mine)
        conversation_frame = conversation.minimal(ctx.user)
        run = AssistantRun(conversation.id)
        state.runs[conversation.id] = run
        epoch = state.epoch

    def store_and_idle(final: Json | None) -> None:
        with state.lock:
            if state.epoch != epoch or state.runs.get(run.conversation_id) is not run:
                return
            del state.runs[run.conversation_id]
            current = ctx.project.conversations.get(run.conversation_id)
            if current is None:
                return
            if final is not None:
                current.messages.append(final)
            current.status = "idle"
            current.updated_at = state.now()

    job = Generation(
        run=run,
        conversation_frame=conversation_frame,
        human_message=human,
        answer_text=text,
        failure=failure,
        delay=lambda: state.stream_chunk_delay,
        new_id=state.new_id,
        store_and_idle=store_and_idle,
        is_cancelled=lambda: run.cancelled,
    )
    state.track(asyncio.get_running_loop().create_task(generate(job)))
    return _stream(run)


async def append_message(ctx: RequestContext) -> Response:
    """Store a client-generated assistant message without running the AI; 201 ``{"id": …}``."""
    body = parse(AppendBody, ctx.data)
    with ctx.state.lock:
        conversation = _own(ctx)
        message = {"type": "ai", "content": body.content, "id": ctx.state.new_id()}
        conversation.messages.append(message)
        return JSONResponse({"id": message["id"]}, status_code=201)


async def cancel(ctx: RequestContext) -> Response:
    """204, also when nothing is running; a running answer stops and the conversation is ``idle`` again."""
    with ctx.state.lock:
        conversation = _own(ctx)
        run = ctx.state.runs.pop(conversation.id, None)
        if run is not None:
            run.cancelled = True
        conversation.status = "idle"
        conversation.updated_at = ctx.state.now()
    return Response(status_code=204)


READ = "conversation:read"
WRITE = "conversation:write"
ROUTES = [
    route("conversations", GET=Operation(list_conversations, READ), POST=Operation(create_or_stream, WRITE)),
    route("conversations/{conversation}", GET=Operation(retrieve_conversation, READ)),
    route("conversations/{conversation}/append_message", POST=Operation(append_message, WRITE)),
    route("conversations/{conversation}/cancel", PATCH=Operation(cancel, WRITE)),
]
