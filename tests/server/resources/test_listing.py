"""``resources/list`` edge cases, and the collection paths agreeing with the tool catalog."""

from __future__ import annotations

import pytest
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.server.resources.listing import Cursor, decode_cursor, encode_cursor
from posthog_environments_mcp.server.resources.templates import COLLECTIONS, CollectionApi
from posthog_environments_mcp.tools.catalog import CATALOG
from tests.server.resources.support import connect


def test_cursor_round_trip_and_rejects_foreign_text() -> None:
    cursor = Cursor("1", "conversations", 8)
    assert decode_cursor(encode_cursor(cursor)) == cursor
    for bad in ("", "not-base64!", encode_cursor(cursor)[:-3], "eyJ2IjogOX0"):
        with pytest.raises(ValueError):
            decode_cursor(bad)


@pytest.mark.parametrize(("collection", "api"), list(COLLECTIONS.items()))
def test_collection_paths_match_the_catalog(collection: str, api: CollectionApi) -> None:
    """The collection facts read from the manifest are the catalog's declared list and get operations."""
    (listing,) = [op for op in CATALOG if op.area == collection and op.resource_role == "list"]
    (single,) = [op for op in CATALOG if op.area == collection and op.resource_role == "item"]
    assert listing.path == api.list_path
    assert single.path.replace("{conversation}", "{id}") == api.item_path
    assert listing.scopes == single.scopes == (api.read_scope,)


@pytest.mark.anyio
async def test_no_default_project_lists_nothing(sandbox: SandboxServer) -> None:
    async with connect(sandbox, "inproc", "auto", project_id=None) as client:
        result = await client.list_resources()
    assert result.resources == []
    assert result.next_cursor is None
    assert sandbox.state.requests == [], "nothing to ask PostHog without a project"


@pytest.mark.anyio
async def test_a_bad_cursor_is_invalid_params(sandbox: SandboxServer) -> None:
    async with connect(sandbox, "inproc", "legacy") as client:
        with pytest.raises(MCPError) as caught:
            await client.list_resources(cursor="garbage")
        assert caught.value.code == INVALID_PARAMS
        with pytest.raises(MCPError) as caught:
            await client.list_resources(cursor=encode_cursor(Cursor("2", "desktop_recordings", 0)))
        assert "another project" in caught.value.message
