"""Asking the person before a destructive tool runs (``destructiveHint``: the dataset, recording and endpoint deletes).

The object is named first (its title fetched from PostHog), then the client asks through its own mechanism:

- 2025-11-25 sessions: an ``elicitation/create`` request inside the tool call;
- 2026-07-28: an ``input_required`` result whose embedded elicitation the client answers by calling the tool
  again with ``inputResponses`` and the echoed ``requestState``.

The request state is sealed by the SDK's ``RequestStateBoundary`` (AES-256-GCM, so it is signed *and* unreadable;
bound to the method, tool, a digest of the arguments and the caller; short TTL) under ``POSTHOG_MCP_STATE_KEY``
when set, so every worker sharing the key accepts it, else a random per-process key. On top, each state carries a
nonce accepted once (``server/shared/nonces.py``: across the fleet when the workers share a Redis, else per
process), so a confirmation cannot be replayed.

Policy (``POSTHOG_MCP_CONFIRM_DESTRUCTIVE``): ``auto`` asks when the client can and otherwise proceeds as before;
``require`` refuses when the client cannot ask; ``off`` never asks. Declined or cancelled: nothing is sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, cast

import mcp_types as types
from mcp.server.request_state import RequestStateBoundary, RequestStateSecurity, authenticated_principal
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from .. import SERVER_NAME
from ..config import Settings
from ..definitions.registry import ToolEntry
from ..posthog.http import PostHogHTTP, UpstreamRequest, render_path
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure, advice
from ..shared.nonces import NonceLedger

if TYPE_CHECKING:
    from mcp.server import ServerRequestContext

logger = logging.getLogger("posthog_environments_mcp.confirmation")

STATE_TTL = 300.0
"""Seconds a person has to answer before the confirmation expires and the tool must be called again."""
INPUT_KEY = "confirm_delete"
"""The key of the embedded elicitation in the ``input_required`` result (and of its answer)."""
CONFIRM_SCHEMA: types.ElicitRequestedSchema = {
    "type": "object",
    "properties": {
        "confirm": {"type": "boolean", "title": "Delete", "description": "Yes, delete it. This cannot be undone."}
    },
    "required": ["confirm"],
}


@dataclass(frozen=True, slots=True)
class Deletable:
    """How to name what a destructive tool destroys: its noun and, when PostHog can read it, the title field."""

    noun: str
    title_field: str | None
    read_scope: str | None = None


DELETABLES: Mapping[str, Deletable] = {
    "desktop_recordings_delete": Deletable("desktop recording", "meeting_title", "desktop_recording:read"),
    "endpoints_delete": Deletable("endpoint", "name", "endpoint:read"),
    "datasets_delete": Deletable("dataset", None),  # the Environments API has no way to read a dataset
}


@dataclass(frozen=True, slots=True)
class Subject:
    """The object a destructive call is about, named for the person."""

    tool: str
    noun: str
    project_id: str
    object_id: str
    title: str | None

    def describe(self) -> str:
        named = f"“{self.title}” ({self.object_id})" if self.title else self.object_id
        return f"the {self.noun} {named} in PostHog project {self.project_id}"

    def question(self) -> str:
        return f"Delete {self.describe()}? This cannot be undone."


def state_security(settings: Settings) -> RequestStateSecurity:
    """The SDK's request-state policy: the shared key when configured, else one random to this process."""
    key = settings.state_key.get_secret_value() if settings.state_key else os.urandom(32)
    return RequestStateSecurity(keys=[key], ttl=STATE_TTL, bind_principal=caller, audience=SERVER_NAME)


def state_boundary(settings: Settings) -> RequestStateBoundary:
    """Server middleware sealing every outgoing and verifying every incoming ``requestState``."""
    return RequestStateBoundary(state_security(settings), default_audience=SERVER_NAME)


def caller(ctx: ServerRequestContext[Any, Any]) -> str:
    """Whom a state is bound to: the authenticated principal (HTTP with auth) and the PostHog credential in use.

    Only a digest of the key goes into the binding (which the boundary hashes again), never the key itself.
    """
    target = cast(Target, ctx.lifespan_context.target())
    key = target.api_key.get_secret_value() if target.api_key else ""
    credential = hashlib.sha256(f"{target.host}\n{key}".encode()).hexdigest()
    return json.dumps([authenticated_principal(ctx), credential])


def _can_elicit(capabilities: types.ClientCapabilities | None) -> bool:
    """Form-mode elicitation declared (an empty ``elicitation`` object means form, as in 2025-06-18)."""
    elicitation = capabilities.elicitation if capabilities is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _not_sent(subject: Subject, why: str, *, error: bool = False) -> types.CallToolResult:
    text = f"{subject.tool}: not done, {why}. Nothing was sent to PostHog; {subject.describe()} is unchanged."
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=error)


def refused_without_asking(tool: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[
            types.TextContent(
                text=f"{tool} refused: this server requires a person to confirm destructive tools "
                "(POSTHOG_MCP_CONFIRM_DESTRUCTIVE=require) and this client cannot ask (it declares no "
                "elicitation). Nothing was sent to PostHog. Use a client that supports elicitation, do it in "
                "PostHog itself, or ask the server's operator to set POSTHOG_MCP_CONFIRM_DESTRUCTIVE=auto."
            )
        ],
        is_error=True,
    )


def _answer(result: types.ElicitResult | None) -> bool:
    return result is not None and result.action == "accept" and (result.content or {}).get("confirm") is True


def _why_not(result: types.ElicitResult | None) -> str:
    if result is None or result.action == "cancel":
        return "the confirmation was cancelled"
    return "you declined to delete it"


class DestructiveConfirmation:
    """Decides, per destructive call, whether to ask, and turns the answer into "proceed" or a final result."""

    def __init__(self, http: PostHogHTTP, settings: Settings, nonces: NonceLedger) -> None:
        self._http = http
        self._policy = settings.confirm_destructive
        self._used = nonces

    def without_client(self, entry: ToolEntry) -> types.CallToolResult | None:
        """For callers that cannot ask anyone (the ``call`` command): ``require`` refuses, otherwise proceed."""
        if not self._applies(entry):
            return None
        return refused_without_asking(entry.tool.name) if self._policy == "require" else None

    async def check(
        self, ctx: ServerRequestContext[Any, Any], entry: ToolEntry, params: types.CallToolRequestParams, target: Target
    ) -> types.CallToolResult | types.InputRequiredResult | None:
        """``None``: run the call. Otherwise the result to answer with instead (nothing is sent)."""
        if not self._applies(entry):
            return None
        modern = ctx.protocol_version in MODERN_PROTOCOL_VERSIONS
        if modern and params.request_state is not None:
            return await self._resume(params)
        can_ask = _can_elicit(ctx.session.client_capabilities) and (modern or ctx.session.can_send_request)
        if not can_ask:
            return refused_without_asking(entry.tool.name) if self._policy == "require" else None
        subject = await self._subject(entry, params.arguments, target)
        if subject is None or isinstance(subject, types.CallToolResult):
            return subject
        if modern:
            return self._ask_in_result(subject)
        return await self._ask_now(ctx, subject)

    def _applies(self, entry: ToolEntry) -> bool:
        annotations = entry.tool.annotations
        return self._policy != "off" and annotations is not None and bool(annotations.destructive_hint)

    async def _subject(
        self, entry: ToolEntry, arguments: dict[str, Any] | None, target: Target
    ) -> Subject | types.CallToolResult | None:
        """The object to name; ``None`` when the arguments are invalid (the executor explains, sending nothing)."""
        operation = entry.operation
        try:
            parsed = operation.input_model.model_validate(arguments or {})
        except ValidationError:
            return None
        project_id = cast(str | None, getattr(parsed, "project_id", None)) or target.default_project
        path_values = {name: str(getattr(parsed, name)) for name in operation.path_params}
        if project_id is None or not path_values:
            return None
        deletable = DELETABLES.get(operation.name, Deletable(operation.area.replace("_", " "), None))
        object_id = " / ".join(path_values.values())
        subject = Subject(operation.name, deletable.noun, project_id, object_id, None)
        if deletable.title_field is None:
            return subject
        request = UpstreamRequest(
            method="GET",
            project_id=project_id,
            path=render_path(operation.path, path_values),
            template=operation.path,
            retry_safe=True,
        )
        try:
            data: Any = (await self._http.send(target, request)).data
        except UpstreamFailure as failure:
            if failure.status == 404:
                text = advice(failure, operation=f"{operation.name} (looking up what to delete)", scopes=())
                return types.CallToolResult(
                    content=[types.TextContent(text=f"{text}\nNothing was deleted: there is no such {subject.noun}.")],
                    is_error=True,
                )
            logger.info("could not read the %s before asking to delete it: %s", deletable.noun, failure.message)
            return subject
        title = cast(dict[str, Any], data).get(deletable.title_field) if isinstance(data, dict) else None
        return Subject(operation.name, deletable.noun, project_id, object_id, title if isinstance(title, str) else None)

    async def _ask_now(self, ctx: ServerRequestContext[Any, Any], subject: Subject) -> types.CallToolResult | None:
        """2025-11-25: elicit inside this call. A client that answers that it has no elicitation is treated as
        one that cannot ask; any other failure (the session ending, a timeout, the client's own error) deletes
        nothing, since nobody confirmed and nobody said there is no one to ask."""
        try:
            session = ctx.session
            answer = await session.elicit_form(subject.question(), CONFIRM_SCHEMA, related_request_id=ctx.request_id)
        except MCPError as error:
            logger.info("the client could not ask for confirmation: %s", error.error.message)
            if error.error.code != types.METHOD_NOT_FOUND:
                return _not_sent(subject, f"the confirmation could not be asked ({error.error.message})", error=True)
            return refused_without_asking(subject.tool) if self._policy == "require" else None
        return None if _answer(answer) else _not_sent(subject, _why_not(answer))

    def _ask_in_result(self, subject: Subject) -> types.InputRequiredResult:
        """2026-07-28: ask through the client and have it call again; the boundary seals ``request_state``."""
        state = {"nonce": secrets.token_urlsafe(16), "subject": asdict(subject)}
        request = types.ElicitRequest(
            params=types.ElicitRequestFormParams(message=subject.question(), requested_schema=CONFIRM_SCHEMA)
        )
        return types.InputRequiredResult(input_requests={INPUT_KEY: request}, request_state=json.dumps(state))

    async def _resume(self, params: types.CallToolRequestParams) -> types.CallToolResult | None:
        """The second round: the state is already verified (sealed by us, same tool, arguments and caller)."""
        assert params.request_state is not None
        try:
            state = cast(dict[str, Any], json.loads(params.request_state))
            subject = Subject(**cast(dict[str, Any], state["subject"]))
            nonce = str(state["nonce"])
        except (ValueError, KeyError, TypeError) as error:
            raise MCPError(types.INVALID_PARAMS, "Invalid or expired requestState") from error
        if subject.tool != params.name or not await self._used.consume(nonce, STATE_TTL):
            raise MCPError(
                types.INVALID_PARAMS,
                f"This confirmation of {params.name} was already used; call the tool again (without requestState) "
                "to be asked again.",
                {"reason": "confirmation_replayed"},
            )
        response = (params.input_responses or {}).get(INPUT_KEY)
        answer = response if isinstance(response, types.ElicitResult) else None
        return None if _answer(answer) else _not_sent(subject, _why_not(answer))
