"""An unknown tool name, however long or strange, is a short protocol error naming the fix; the server stays up."""

from __future__ import annotations

import pytest
from mcp.shared.exceptions import MCPError

from posthog_environments_mcp.sandbox import SandboxServer
from tests.reliability.support import fast_settings, inproc

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("name", ["no_such_tool", "x" * 1_000_000, "datasets_delete\n\u202eevil"])
async def test_an_unknown_tool_is_a_short_error_and_the_next_call_works(sandbox: SandboxServer, name: str) -> None:
    async with inproc(fast_settings(sandbox)) as client:
        with pytest.raises(MCPError) as refused:
            await client.call_tool(name, {})
        message = refused.value.error.message
        assert "Unknown tool" in message
        assert "tools/list" in message
        assert len(message) < 300
        assert sandbox.state.requests == [], "nothing reaches PostHog"
        after = await client.call_tool("desktop_recordings_list", {"limit": 1})
        assert not after.is_error
