"""Runs one tool call: validate the arguments, build the request, call PostHog, shape the result.

Nothing is sent unless the arguments validate. Every failure becomes an ``isError`` result carrying what the
agent needs to recover; nothing here raises into the MCP layer. Fitting a big answer to the budget runs in a
worker thread within the call's deadline (the event loop keeps serving other calls, and cancellation works); a
small one is fitted in place, which costs less than the hop to a thread. Every result passes
``agent_output.finish`` on its way out, reusing the one serialisation the fitting made.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import anyio
import anyio.to_thread
import mcp_types as types
from pydantic import BaseModel, ValidationError

from ...tools.operation import Operation
from ..config import Settings
from ..definitions.registry import ToolEntry
from ..posthog.http import PostHogHTTP, UpstreamRequest, render_path
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure, advice
from ..resources.render import link_name
from ..resources.resource_uris import InvalidId, conversation_uri, recording_uri
from .agent_output import OutputSchemas, finish
from .result_budget import Fitted, at_most, compact_json, fit, fit_whole
from .validation import format_validation_error

if TYPE_CHECKING:
    from .conversation_turn import ConversationTurn

logger = logging.getLogger("posthog_environments_mcp.executor")

Progress = Callable[[float, str | None], Awaitable[None]]
MAX_LINKS = 25
_MIN_FIT_SECONDS = 1.0
"""Time fitting a result may always take, even when PostHog used up most of the call's deadline."""
INLINE_FIT_CHARS = 65_536
"""Data up to this size that fits the budget as it is is passed on from the event loop (one dump, well under a
millisecond, cheaper than the hop to a thread); everything else is fitted in a worker thread."""
_HOW_ERROR = "The rest of this error is not shown; narrow the request or shorten the arguments."
_HOW_TURN = "Read the whole conversation with conversations_get."


async def _no_progress(_progress: float, _message: str | None) -> None:
    return None


def _off_schema_note(tool: str, status: int) -> types.TextContent:
    return types.TextContent(
        text=f"{tool} succeeded (HTTP {status}), but PostHog's answer does not match this tool's published output "
        "schema, so it is shown as text only (no structuredContent). Do not repeat the call because of this message:"
    )


def error_result(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


class Shown(NamedTuple):
    """A result with structured content, and that content's compact JSON (made once, while fitting)."""

    result: types.CallToolResult
    structured_text: str


class PreparedCall:
    """A validated call, split into path, query and body exactly as PostHog expects them."""

    def __init__(self, entry: ToolEntry, arguments: BaseModel, project_id: str) -> None:
        operation = entry.operation
        given = arguments.model_dump(mode="json", exclude_unset=True)
        values = {k: v for k, v in given.items() if v is not None or k in entry.nullable_fields}
        values.pop("project_id", None)
        path_values = {name: str(values.pop(name)) for name in operation.path_params}
        in_query = operation.method in ("GET", "DELETE")
        self.operation = operation
        self.project_id = project_id
        self.query = {k: v for k, v in values.items() if in_query or k in operation.query_fields}
        self.body = {k: v for k, v in values.items() if k not in self.query}
        self.path = render_path(operation.path, path_values)
        self.offset = cast(int | None, self.query.get("offset") or self.body.get("offset"))

    def request(self, *, accept: str = "application/json") -> UpstreamRequest:
        return UpstreamRequest(
            method=self.operation.method,
            project_id=self.project_id,
            path=self.path,
            template=self.operation.path,
            params={k: v if isinstance(v, (str, int, float, bool)) else compact_json(v) for k, v in self.query.items()},
            json_body=self.body if self.operation.method in ("POST", "PATCH") else None,
            retry_safe=self.operation.may_retry,
            accept=accept,
        )


class ToolExecutor:
    def __init__(self, http: PostHogHTTP, settings: Settings) -> None:
        self._http = http
        self._settings = settings
        self._schemas = OutputSchemas()

    async def call(
        self,
        entry: ToolEntry,
        arguments: dict[str, Any] | None,
        target: Target,
        progress: Progress = _no_progress,
    ) -> types.CallToolResult:
        """One tool call; whatever happens, the agent gets a result within the budget, free of the key."""
        started = time.monotonic()
        structured_text: str | None = None
        try:
            result = await self._call(entry, arguments, target, progress, started)
            if isinstance(result, Shown):
                result, structured_text = result
        except Exception:  # a defect must cost one call, never the session
            logger.exception("%s failed unexpectedly", entry.tool.name)
            result = error_result(
                f"{entry.tool.name} failed inside this server (a bug, logged on its side). Nothing more is known "
                "about whether PostHog received the request: check with the matching list or get tool."
            )
        secret = target.api_key.get_secret_value() if target.api_key is not None else None
        how = _HOW_TURN if entry.operation.response == "event_stream" else _HOW_ERROR
        return finish(
            result, secret=secret, budget=self._settings.result_budget_chars, how=how, structured_text=structured_text
        )

    async def _call(
        self,
        entry: ToolEntry,
        arguments: dict[str, Any] | None,
        target: Target,
        progress: Progress,
        started: float,
    ) -> types.CallToolResult | Shown:
        operation = entry.operation
        try:
            parsed = operation.input_model.model_validate(arguments or {})
        except ValidationError as error:
            return error_result(format_validation_error(operation.name, error, entry.input_schema))
        project_id = cast(str | None, getattr(parsed, "project_id", None)) or target.default_project
        if project_id is None:
            return error_result(
                f"Invalid arguments for {operation.name}; nothing was sent to PostHog:\n"
                "- `project_id` is required: pass the project's id (the number in your PostHog URL, "
                "/project/<id>/), or set POSTHOG_PROJECT_ID for the server."
            )
        call = PreparedCall(entry, parsed, project_id)
        try:
            if operation.response == "event_stream":
                return await self._converse(entry, call, target, progress, started)
            response = await self._http.send(target, call.request())
        except UpstreamFailure as failure:
            return error_result(
                advice(
                    failure,
                    operation=operation.name,
                    scopes=operation.scopes,
                    advice_by_status=operation.advice_by_status,
                )
            )
        if response.data is None:
            return types.CallToolResult(
                content=[types.TextContent(text=f"Done: {operation.title} (HTTP {response.status}, no content).")]
            )
        data: Any = response.data
        text = response.text
        if operation.wraps_list_as and isinstance(data, list):
            data, text = {operation.wraps_list_as: cast(list[Any], data)}, None
        small = response.size <= INLINE_FIT_CHARS  # parsed from a short body: sized without walking it
        return await self._success(
            entry, call, data, status=response.status, started=started, small=small, spelled=text
        )

    async def _fit(
        self,
        call: PreparedCall,
        data: Any,
        started: float,
        budget: int | None = None,
        *,
        small: bool = False,
        spelled: str | None = None,
    ) -> Fitted | None:
        """``result_budget.fit`` within what is left of the call's deadline; None when it ran out.

        Small data (``small``: parsed from a body of at most ``INLINE_FIT_CHARS`` bytes, else walked to see) that
        fits as it is is passed on at once, as ``spelled`` when PostHog's own text spells it exactly; anything
        else is fitted in a worker thread, which a cancelled call abandons at once (the thread's work is bounded
        too, see ``result_budget``)."""
        budget = budget or self._settings.result_budget_chars
        if small or at_most(data, min(budget, INLINE_FIT_CHARS)):
            whole = fit_whole(data, budget, spelled)
            if whole is not None:
                return whole
        fitting = functools.partial(
            fit, data, budget, offset=call.offset, pageable="offset" in call.operation.input_model.model_fields
        )
        left = max(self._settings.call_timeout - (time.monotonic() - started), _MIN_FIT_SECONDS)
        with anyio.move_on_after(left):
            return await anyio.to_thread.run_sync(fitting, abandon_on_cancel=True)
        return None

    async def _success(
        self,
        entry: ToolEntry,
        call: PreparedCall,
        data: Any,
        *,
        status: int,
        started: float,
        small: bool = False,
        spelled: str | None = None,
    ) -> types.CallToolResult | Shown:
        fitted = await self._fit(call, data, started, small=small, spelled=spelled)
        if fitted is not None and not self._matches_schema(entry, fitted.data):
            off_schema = _off_schema_note(call.operation.name, status)
            room = self._settings.result_budget_chars - len(off_schema.text)
            fitted = await self._fit(call, data, started, budget=room, small=small, spelled=spelled)
            if fitted is not None:
                return types.CallToolResult(content=[off_schema, *self._shown(call, fitted, status)], is_error=True)
        if fitted is None:
            return error_result(
                f"{call.operation.name}: PostHog answered {status}, but its answer is too large to cut to size "
                f"within the {self._settings.call_timeout:g} s deadline. Next step: narrow the request (filters, a "
                "smaller limit, or one object by id)."
            )
        content = self._shown(call, fitted, status)
        shown: Any = fitted.data
        if not isinstance(shown, dict):
            return types.CallToolResult(content=content)
        structured = cast(dict[str, Any], shown)
        return Shown(types.CallToolResult(content=content, structured_content=structured), fitted.text)

    def _matches_schema(self, entry: ToolEntry, fitted: Any) -> bool:
        if entry.tool.output_schema is None:
            return True
        return isinstance(fitted, dict) and self._schemas.accepts(entry.tool, fitted)

    def _shown(self, call: PreparedCall, fitted: Fitted, status: int) -> list[types.ContentBlock]:
        """The data as compact JSON, the notes on what was cut, and links to the resources it names."""
        content: list[types.ContentBlock] = [types.TextContent(text=fitted.text)]
        notes = fitted.notes
        if status == 202:
            notes.insert(0, "PostHog is still computing this (HTTP 202): call again shortly for the final result.")
        if notes:
            content.append(types.TextContent(text="Note: " + " ".join(notes)))
        content.extend(self._links(call.operation, call.project_id, fitted.data))
        return content

    @staticmethod
    def _links(operation: Operation, project_id: str, data: Any) -> list[types.ContentBlock]:
        if operation.resource_kind is None or not isinstance(data, dict):
            return []
        payload = cast(dict[str, Any], data)
        items: list[Any] = (
            cast(list[Any], payload["results"]) if isinstance(payload.get("results"), list) else [payload]
        )
        if "conversation_id" in payload:
            items = [{"id": payload["conversation_id"], "title": None}]
        links: list[types.ContentBlock] = []
        for item in items[:MAX_LINKS]:
            if not isinstance(item, dict) or not isinstance(cast(dict[str, Any], item).get("id"), str):
                continue
            obj = cast(dict[str, Any], item)
            object_id = cast(str, obj["id"])
            try:  # links only from ids that pass the one id validator (schemas/ids); others are skipped
                if operation.resource_kind == "desktop_recording":
                    uri = recording_uri(project_id, object_id)
                    title = obj.get("meeting_title") or f"Desktop recording {object_id}"
                else:
                    uri = conversation_uri(project_id, object_id)
                    title = obj.get("title") or f"PostHog AI conversation {object_id}"
            except InvalidId:
                continue
            links.append(
                types.ResourceLink(
                    uri=uri,
                    name=object_id,
                    title=link_name(str(title)),
                    mime_type="text/markdown",
                    description=f"Readable {operation.resource_kind.replace('_', ' ')} document",
                )
            )
        return links

    async def _converse(
        self, entry: ToolEntry, call: PreparedCall, target: Target, progress: Progress, started: float
    ) -> types.CallToolResult | Shown:
        """Start or continue a PostHog AI conversation and wait for its answer, reporting progress."""
        conversation_id = str(call.body.get("conversation") or uuid.uuid4())
        trace_id = str(call.body.get("trace_id") or uuid.uuid4())
        call.body.update(conversation=conversation_id, trace_id=trace_id)
        from .conversation_turn import ConversationTurn, read_turn  # loaded by the first conversation only

        turn = ConversationTurn(conversation_id=conversation_id, trace_id=trace_id)
        await progress(0.0, "sending the message to PostHog AI")
        try:
            async with self._http.open_stream(target, call.request(accept="text/event-stream")) as response:
                await read_turn(response, turn, progress, max_bytes=self._settings.max_response_bytes)
        except UpstreamFailure as failure:
            if turn.events == 0:
                raise
            return await self._turn_result(call, turn, "interrupted", str(failure), started)
        if turn.failure is not None:
            return await self._turn_result(call, turn, "failed", turn.failure, started)
        if not turn.completed:
            return await self._turn_result(
                call, turn, "interrupted", "the stream closed before the final answer arrived", started
            )
        return await self._success(entry, call, turn.summary("completed"), status=200, started=started)

    async def _turn_result(
        self, call: PreparedCall, turn: ConversationTurn, status: str, why: str, started: float
    ) -> types.CallToolResult:
        """The failure first (id, what happened, next step), then as much of what arrived as the budget allows."""
        head = (
            f"{call.operation.name} {status}: {why.rstrip('.')}. Conversation {turn.conversation_id} "
            f"(received {turn.events} events).\n"
            "Next step: check it with conversations_get; send the message again once its status is idle.\n"
        )
        summary = turn.summary("failed" if status == "failed" else "interrupted")
        room = max(self._settings.result_budget_chars - len(head) - 200, self._settings.result_budget_chars // 2)
        fitted = await self._fit(call, summary, started, budget=room)
        if fitted is None:
            return error_result(head + "What arrived is too large to show here; read it with conversations_get.")
        notes = fitted.notes
        note = (" (cut: " + " ".join(notes) + " Read the whole conversation with conversations_get.)") if notes else ""
        return error_result(f"{head}What arrived{note}:\n{fitted.text}")
