"""Choosing tools precisely: ``--tools``/``POSTHOG_MCP_TOOLS`` and ``--exclude-tools``/``POSTHOG_MCP_EXCLUDE_TOOLS``
narrow what toolsets and read-only mode leave, seen through a real MCP client, in catalog order on every run."""

from __future__ import annotations

from pathlib import Path

import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.definitions.manifest import load_manifest
from posthog_environments_mcp.server.handlers.app import create_server
from tests.e2e.clients import Mode, stdio_session, text_of

CATALOG_ORDER = [str(item["tool"]["name"]) for item in load_manifest()]
CHOSEN = ["endpoints_get", "endpoints_create", "desktop_recordings_list", "endpoints_list", "datasets_delete"]
"""Deliberately not in catalog order; two of them write, so read-only mode drops them."""


def in_catalog_order(names: set[str]) -> list[str]:
    return [name for name in CATALOG_ORDER if name in names]


async def _listed(client: Client) -> list[types.Tool]:
    return (await client.list_tools()).tools


@pytest.mark.anyio
async def test_flags_and_environment_narrow_together_in_both_eras(sandbox: SandboxServer, tmp_path: Path) -> None:
    """Run twice, the allow-list given in two different orders, once per era: the same list, in catalog order."""
    runs: dict[Mode, list[types.Tool]] = {}
    for mode, order in (("auto", CHOSEN), ("legacy", list(reversed(CHOSEN)))):
        flags = ("--tools", ",".join(order), "--read-only")
        async with stdio_session(
            sandbox, mode, tmp_path / "stderr.log", *flags, POSTHOG_MCP_EXCLUDE_TOOLS="endpoints_get"
        ) as client:
            runs[mode] = await _listed(client)
            visible = await client.call_tool("endpoints_list", {})
            with pytest.raises(MCPError, match="Unknown tool 'endpoints_get'"):
                await client.call_tool("endpoints_get", {"name": "weekly-signups"})
        assert not visible.is_error, text_of(visible)
    assert [tool.name for tool in runs["auto"]] == ["desktop_recordings_list", "endpoints_list"]
    assert runs["auto"] == runs["legacy"]
    assert "2 tools ready" in (tmp_path / "stderr.log").read_text()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["auto", "legacy"])
@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        (
            Settings(toolsets=frozenset({"endpoints"}), tools=frozenset(CHOSEN)),
            {"endpoints_get", "endpoints_create", "endpoints_list"},
        ),
        (Settings(exclude_tools=frozenset(CATALOG_ORDER[1:])), {CATALOG_ORDER[0]}),
        (Settings(read_only=True, exclude_tools=frozenset({"endpoints_run"})), None),
        (Settings(tools=frozenset({"datasets_delete"}), read_only=True), set[str]()),
    ],
    ids=["toolsets-and-tools", "exclude-all-but-one", "read-only-and-exclude", "nothing-left"],
)
async def test_every_filter_only_narrows(mode: Mode, chosen: Settings, expected: set[str] | None) -> None:
    if expected is None:
        read_only = {str(item["tool"]["name"]) for item in load_manifest() if item["read_only"]}
        expected = read_only - {"endpoints_run"}
    async with Client(create_server(chosen), mode=mode) as client:
        names = [tool.name for tool in await _listed(client)]
    assert names == in_catalog_order(expected)
