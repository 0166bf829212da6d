"""Prompts and confirmation before destroying over Streamable HTTP (the real command under uvicorn, the real
``mcp`` client), in both protocol eras: the same contract the stdio tests prove, through the remote transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from mcp import Client

from posthog_environments_mcp.sandbox import SandboxServer
from tests.e2e.clients import Mode, text_of
from tests.e2e.http_server import HttpServer, http_client
from tests.e2e.http_server import per_request_server as per_request_server  # the fixture
from tests.e2e.test_confirmation import CANCEL, DELETE_ENDPOINT, DELETE_RECORDING, NO, PRICING, YES, Person, deletes
from tests.server.test_prompts import check_every_prompt_embeds_the_seed_data, check_prompt_arguments_complete

pytestmark = pytest.mark.anyio
MODES: list[Mode] = ["auto", "legacy"]


@pytest.fixture(scope="module")
def server(per_request_server: HttpServer) -> HttpServer:
    return per_request_server


@pytest.fixture(scope="module", params=MODES)
async def client(
    request: pytest.FixtureRequest, server: HttpServer, sandbox_server: SandboxServer
) -> AsyncIterator[Client]:
    async with http_client(server.url, request.param, sandbox_server.api_key) as connected:
        yield connected


async def test_every_prompt_embeds_the_seed_data_over_http(client: Client, sandbox: SandboxServer) -> None:
    await check_every_prompt_embeds_the_seed_data(client)
    await check_prompt_arguments_complete(client)
    assert all(r.method == "GET" for r in sandbox.state.requests), "getting a prompt only reads"


@pytest.mark.parametrize("mode", MODES)
async def test_a_person_declines_cancels_and_accepts_over_http(
    server: HttpServer, sandbox: SandboxServer, mode: Mode
) -> None:
    person = Person(NO, CANCEL, YES)
    async with http_client(server.url, mode, sandbox.api_key, elicitation_callback=person) as client:
        declined = await client.call_tool(*DELETE_ENDPOINT)
        cancelled = await client.call_tool(*DELETE_ENDPOINT)
        assert deletes(sandbox) == [], "declined and cancelled: no DELETE reached PostHog"
        accepted = await client.call_tool(*DELETE_RECORDING)

    assert "you declined" in text_of(declined)
    assert "confirmation was cancelled" in text_of(cancelled)
    assert f"“Q4 pricing review” ({PRICING})" in person.asked[2]
    assert not accepted.is_error, text_of(accepted)
    assert deletes(sandbox) == [f"/api/environments/1/desktop_recordings/{PRICING}/"]
