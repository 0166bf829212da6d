"""Confirmation before destructive tools, through real clients: elicitation (2025-11-25) and input-required
rounds with sealed request state (2026-07-28), against the sandbox's request log."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.session import ClientRequestContext, ElicitationFnT
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError
from pydantic import SecretStr

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.seed import RECORDING_IDS
from posthog_environments_mcp.server.handlers.app import create_server
from tests.conftest import server_command, server_env
from tests.e2e.clients import Mode, text_of
from tests.server.resources.support import settings_for

pytestmark = pytest.mark.anyio
MODES: list[Mode] = ["auto", "legacy"]
PRICING = RECORDING_IDS["pricing_review"]
DATASET = "0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a"
DELETE_RECORDING = ("desktop_recordings_delete", {"id": PRICING})
DELETE_ENDPOINT = ("endpoints_delete", {"name": "daily_pageviews"})


class Person:
    """An elicitation callback that answers from a script and remembers what it was asked."""

    def __init__(self, *answers: types.ElicitResult) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult | types.ErrorData:
        self.asked.append(params.message)
        return self.answers.pop(0)


YES = types.ElicitResult(action="accept", content={"confirm": True})
NO = types.ElicitResult(action="decline")
CANCEL = types.ElicitResult(action="cancel")


def deletes(sandbox: SandboxServer) -> list[str]:
    return [r.path for r in sandbox.state.requests if r.method == "DELETE"]


@asynccontextmanager
async def over_stdio(
    sandbox: SandboxServer, mode: Mode, person: ElicitationFnT | None, **env: str
) -> AsyncIterator[Client]:
    command = server_command()
    params = StdioServerParameters(command=command[0], args=command[1:], env=server_env(sandbox, **env))
    with open(os.devnull, "w", encoding="utf-8") as quiet:  # noqa: ASYNC230 - opening /dev/null does not block
        async with Client(
            stdio_client(params, errlog=quiet), mode=mode, elicitation_callback=person, read_timeout_seconds=30
        ) as client:
            yield client


@asynccontextmanager
async def in_process(
    sandbox: SandboxServer, mode: Mode, person: ElicitationFnT | None, **settings: Any
) -> AsyncIterator[Client]:
    server = create_server(settings_for(sandbox, **settings))
    async with Client(server, mode=mode, elicitation_callback=person, read_timeout_seconds=30) as client:
        yield client


@pytest.mark.parametrize("mode", MODES)
async def test_a_person_declines_cancels_and_accepts(sandbox: SandboxServer, mode: Mode) -> None:
    person = Person(NO, CANCEL, YES)
    async with over_stdio(sandbox, mode, person) as client:
        declined = await client.call_tool(*DELETE_ENDPOINT)
        cancelled = await client.call_tool("datasets_delete", {"id": DATASET})
        assert deletes(sandbox) == []
        accepted = await client.call_tool(*DELETE_RECORDING)
        gone = await client.call_tool("desktop_recordings_get", {"id": PRICING})

    assert not declined.is_error
    assert "you declined" in text_of(declined)
    assert "Nothing was sent to PostHog" in text_of(declined)
    assert "confirmation was cancelled" in text_of(cancelled)
    assert person.asked[0] == (
        "Delete the endpoint “daily_pageviews” (daily_pageviews) in PostHog project 1? This cannot be undone."
    )
    assert f"the dataset {DATASET} in" in person.asked[1]  # datasets cannot be read: named by id
    assert f"“Q4 pricing review” ({PRICING})" in person.asked[2]
    assert not accepted.is_error, text_of(accepted)
    assert deletes(sandbox) == [f"/api/environments/1/desktop_recordings/{PRICING}/"]
    assert gone.is_error


@pytest.mark.parametrize("mode", MODES)
async def test_a_client_that_cannot_ask_gets_the_policy(sandbox: SandboxServer, mode: Mode) -> None:
    async with in_process(sandbox, mode, None, confirm_destructive="require") as client:
        refused = await client.call_tool(*DELETE_RECORDING)
    assert refused.is_error
    assert "POSTHOG_MCP_CONFIRM_DESTRUCTIVE=require" in text_of(refused)
    assert deletes(sandbox) == []
    async with in_process(sandbox, mode, None) as client:  # auto: proceeds as before
        done = await client.call_tool(*DELETE_RECORDING)
    assert not done.is_error, text_of(done)
    assert len(deletes(sandbox)) == 1


@pytest.mark.parametrize(
    ("failure", "deleted"),
    [
        (types.ErrorData(code=types.METHOD_NOT_FOUND, message="no elicitation here"), True),  # cannot ask: auto
        (types.ErrorData(code=types.INTERNAL_ERROR, message="the dialog crashed"), False),
        (types.ErrorData(code=types.CONNECTION_CLOSED, message="Connection closed"), False),
    ],
)
async def test_a_failed_ask_deletes_only_when_the_client_has_no_elicitation(
    sandbox: SandboxServer, failure: types.ErrorData, deleted: bool
) -> None:
    async def failing(_context: ClientRequestContext, _params: types.ElicitRequestParams) -> types.ErrorData:
        return failure

    async with in_process(sandbox, "legacy", failing) as client:
        result = await client.call_tool(*DELETE_RECORDING)
    assert len(deletes(sandbox)) == (1 if deleted else 0)
    assert result.is_error is not deleted, text_of(result)
    if not deleted:
        assert f"the confirmation could not be asked ({failure.message})" in text_of(result)
        assert "Nothing was sent to PostHog" in text_of(result)


async def test_off_never_asks(sandbox: SandboxServer) -> None:
    person = Person()
    async with in_process(sandbox, "auto", person, confirm_destructive="off") as client:
        done = await client.call_tool(*DELETE_RECORDING)
    assert not done.is_error
    assert person.asked == []
    assert len(deletes(sandbox)) == 1


async def test_an_unknown_object_is_reported_without_asking(sandbox: SandboxServer) -> None:
    person = Person()
    async with in_process(sandbox, "legacy", person) as client:
        missing = await client.call_tool("endpoints_delete", {"name": "no_such_endpoint"})
    assert missing.is_error
    assert "404" in text_of(missing)
    assert person.asked == []
    assert deletes(sandbox) == []


async def test_a_tampered_or_replayed_confirmation_is_refused(sandbox: SandboxServer) -> None:
    """2026-07-28 over stdio, driving the input-required rounds by hand like a client that persists state."""
    yes: types.InputResponses = {"confirm_delete": YES}
    async with over_stdio(sandbox, "auto", Person()) as client:
        session = client.session
        first = await session.call_tool(*DELETE_RECORDING, allow_input_required=True)
        assert isinstance(first, types.InputRequiredResult)
        assert first.input_requests is not None
        assert first.request_state is not None
        state = first.request_state
        assert "Q4 pricing review" not in state  # sealed: not readable by the client
        tampered = state[:-2] + ("A" if state[-2] != "A" else "B") + state[-1]
        with pytest.raises(MCPError) as forged:
            await session.call_tool(*DELETE_RECORDING, input_responses=yes, request_state=tampered)
        other = await session.call_tool(
            "desktop_recordings_delete", {"id": RECORDING_IDS["weekly_standup"]}, allow_input_required=True
        )
        with pytest.raises(MCPError) as moved:  # bound to the arguments: not usable for another recording
            await session.call_tool(
                "desktop_recordings_delete",
                {"id": RECORDING_IDS["weekly_standup"]},
                input_responses=yes,
                request_state=state,
            )
        assert deletes(sandbox) == []
        done = await session.call_tool(*DELETE_RECORDING, input_responses=yes, request_state=state)
        with pytest.raises(MCPError) as replayed:
            await session.call_tool(*DELETE_RECORDING, input_responses=yes, request_state=state)
    assert isinstance(other, types.InputRequiredResult)
    assert forged.value.error.code == types.INVALID_PARAMS
    assert "Invalid or expired requestState" in forged.value.error.message
    assert "Invalid or expired requestState" in moved.value.error.message
    assert not done.is_error, text_of(done)
    assert "already used" in replayed.value.error.message
    assert deletes(sandbox) == [f"/api/environments/1/desktop_recordings/{PRICING}/"]


async def test_a_shared_state_key_lets_another_worker_finish_the_confirmation(sandbox: SandboxServer) -> None:
    """Two servers (workers) with one POSTHOG_MCP_STATE_KEY accept each other's state; a different key does not."""
    yes: types.InputResponses = {"confirm_delete": YES}
    key = "k" * 32
    async with in_process(sandbox, "auto", Person(), state_key=SecretStr(key)) as first_worker:
        asked = await first_worker.session.call_tool(*DELETE_RECORDING, allow_input_required=True)
    assert isinstance(asked, types.InputRequiredResult)
    assert asked.request_state is not None
    async with in_process(sandbox, "auto", Person(), state_key=SecretStr("o" * 32)) as stranger:
        with pytest.raises(MCPError) as refused:
            await stranger.session.call_tool(*DELETE_RECORDING, input_responses=yes, request_state=asked.request_state)
    assert "Invalid or expired requestState" in refused.value.error.message
    assert deletes(sandbox) == []
    async with in_process(sandbox, "auto", Person(), state_key=SecretStr(key)) as second_worker:
        done = await second_worker.session.call_tool(
            *DELETE_RECORDING, input_responses=yes, request_state=asked.request_state
        )
    assert not done.is_error, text_of(done)
    assert len(deletes(sandbox)) == 1
