"""A server started with a bad setting still completes the MCP handshake over stdio, in both protocol eras, and
explains the problem where the user looks: its instructions, every tool call (``isError``) and stderr (once).

Each case names the setting, words from the problem, and a secret that must never be echoed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import anyio
import mcp_types as types
import pytest

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.server.definitions.registry import known_tool_names
from tests.e2e.clients import Mode, stdio_session, text_of

PHC_KEY = "phc_" + "P" * 40
NON_ASCII_KEY = "phx_" + "K" * 20 + "…" + "K" * 19
PASSWORD = "hunter2-not-for-logs"


@dataclass(frozen=True)
class BadSetting:
    id: str
    env: dict[str, str]
    setting: str
    problem: str
    """Words of the explanation."""
    secret: str | None = None
    """Must appear nowhere."""


BAD_SETTINGS = [
    BadSetting("bad-host", {"POSTHOG_HOST": "ftp://posthog.example.com"}, "POSTHOG_HOST", "is not a URL"),
    BadSetting(
        "userinfo-host",
        {"POSTHOG_HOST": f"https://admin:{PASSWORD}@posthog.example.com"},
        "POSTHOG_HOST",
        "user name or password",
        PASSWORD,
    ),
    BadSetting("bad-port", {"POSTHOG_HOST": "http://localhost:70000"}, "POSTHOG_HOST", "1 to 65535"),
    BadSetting("project", {"POSTHOG_PROJECT_ID": "my-project"}, "POSTHOG_PROJECT_ID", "is not a project id"),
    BadSetting("phc-key", {"POSTHOG_API_KEY": PHC_KEY}, "POSTHOG_API_KEY", "project API key", PHC_KEY),
    BadSetting("ascii", {"POSTHOG_API_KEY": NON_ASCII_KEY}, "POSTHOG_API_KEY", "not plain ASCII", NON_ASCII_KEY),
    BadSetting("boolean", {"POSTHOG_MCP_READ_ONLY": "y"}, "POSTHOG_MCP_READ_ONLY", "is not a boolean"),
    BadSetting("number", {"POSTHOG_MCP_READ_TIMEOUT": "soon"}, "POSTHOG_MCP_READ_TIMEOUT", "is not a number"),
    BadSetting("toolset", {"POSTHOG_MCP_TOOLSETS": "recordings"}, "POSTHOG_MCP_TOOLSETS", "unknown toolset"),
    BadSetting(
        "tool-name",
        {"POSTHOG_MCP_TOOLS": "desktop_recording_list"},
        "POSTHOG_MCP_TOOLS",
        "did you mean 'desktop_recordings_list'",
    ),
]


@dataclass(frozen=True)
class Seen:
    protocol: str
    instructions: str
    tool_count: int
    call: types.CallToolResult
    unknown_tool: types.CallToolResult
    stderr: str


async def _start_and_look(sandbox: SandboxServer, mode: Mode, stderr_path: Path, env: dict[str, str]) -> Seen:
    async with stdio_session(sandbox, mode, stderr_path, **env) as client:
        protocol, instructions = client.protocol_version, client.instructions or ""
        listed = await client.list_tools()
        call = await client.call_tool("desktop_recordings_list", {"limit": 1})
        unknown_tool = await client.call_tool("no_such_tool", {})
    stderr = await anyio.Path(stderr_path).read_text()
    return Seen(protocol, instructions, len(listed.tools), call, unknown_tool, stderr)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_each_kind_of_bad_setting_is_explained_through_the_handshake(
    sandbox: SandboxServer, tmp_path: Path, mode: Mode
) -> None:
    """One server per kind of bad setting, started side by side (each start costs about a second of CPU)."""
    seen: dict[str, Seen] = {}

    async def run(case: BadSetting) -> None:
        seen[case.id] = await _start_and_look(sandbox, mode, tmp_path / f"{case.id}.log", case.env)

    async with anyio.create_task_group() as group:
        for case in BAD_SETTINGS:
            group.start_soon(run, case)

    for case in BAD_SETTINGS:
        got = seen[case.id]
        assert (got.protocol == "2025-11-25") == (mode == "legacy"), (case.id, got.protocol)
        assert got.tool_count == len(known_tool_names()), case.id
        assert got.call.is_error, case.id
        assert got.unknown_tool.is_error, case.id
        for text in (got.instructions, text_of(got.call)):
            assert case.setting in text, (case.id, text)
            assert case.problem in text, (case.id, text)
            assert "restart the server" in text, case.id
        assert text_of(got.unknown_tool) == text_of(got.call), case.id
        assert got.stderr.count(case.problem) == 1, (case.id, got.stderr)
        assert "Traceback" not in got.stderr, case.id
        for secret in filter(None, (case.secret, sandbox.api_key)):
            assert secret not in got.instructions + text_of(got.call) + got.stderr, case.id
    assert not [request for request in sandbox.state.requests if request.api_path is not None]
