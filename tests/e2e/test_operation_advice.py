"""Operation-specific advice is declared on the operation (``advice_by_status``) and only that operation gets it;
every other operation answering the same status gets the generic next step. Through a real in-process client."""

from __future__ import annotations

import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.faults import Fault
from posthog_environments_mcp.tools.catalog import OPERATIONS_BY_NAME
from tests.reliability.support import fast_settings, inproc, text_of

OTHER = "customer_profile_configs_create"
"""A POST without advice of its own."""


@pytest.mark.anyio
@pytest.mark.parametrize("status", [409, 402])
async def test_declared_advice_goes_to_its_operation_only(sandbox: SandboxServer, status: int) -> None:
    own = OPERATIONS_BY_NAME["conversations_create"]
    declared = own.advice_by_status[status]
    async with inproc(fast_settings(sandbox)) as client:
        sandbox.state.inject(Fault(method="POST", path="conversations", status=status))
        asked = await client.call_tool(own.name, dict(own.example))
        sandbox.state.inject(Fault(method="POST", path="customer_profile_configs", status=status))
        other = await client.call_tool(OTHER, dict(OPERATIONS_BY_NAME[OTHER].example))

    assert asked.is_error
    assert f"HTTP status: {status}" in text_of(asked)
    assert f"Next step: {declared}" in text_of(asked)
    assert other.is_error
    assert f"HTTP status: {status}" in text_of(other)
    assert declared not in text_of(other)
    assert "conversation" not in text_of(other).split("Next step: ")[1].lower()
