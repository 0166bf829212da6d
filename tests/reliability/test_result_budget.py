"""No tool result is larger than the configured budget (POSTHOG_MCP_RESULT_BUDGET_CHARS); when cut, lists are cut at
item boundaries, text at a marked point, and the result says what was cut and exactly how to get the rest."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, cast

import mcp_types as types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from posthog_environments_mcp.sandbox import Fault, SandboxServer
from posthog_environments_mcp.sandbox.seed import BATCH_EXPORT_ID, RECORDING_IDS
from posthog_environments_mcp.server.calls.result_budget import compact_json, fit_to_budget
from tests.reliability.support import fast_settings, inproc, structured, text_of

BUDGET = 2000
"""The smallest budget the environment variable accepts."""
MAX_PAGES = 60

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3000),
    lambda inner: st.lists(inner, max_size=60) | st.dictionaries(st.text(max_size=10), inner, max_size=30),
    max_leaves=400,
)


def text_size(result: types.CallToolResult) -> int:
    return sum(len(block.text) for block in result.content if isinstance(block, types.TextContent))


def is_cut_from(cut: Any, original: Any) -> bool:
    """Same shape; lists are prefixes (cut at item boundaries); text is whole or a prefix marked '…[cut]'."""
    if isinstance(original, dict):
        original_dict = cast(dict[str, Any], original)
        if not isinstance(cut, dict):
            return False
        cut_dict = cast(dict[str, Any], cut)
        return cut_dict.keys() == original_dict.keys() and all(
            is_cut_from(cut_dict[key], original_dict[key]) for key in cut_dict
        )
    if isinstance(original, list):
        original_list = cast(list[Any], original)
        if not isinstance(cut, list):
            return False
        cut_list = cast(list[Any], cut)
        return len(cut_list) <= len(original_list) and all(
            is_cut_from(c, o) for c, o in zip(cut_list, original_list, strict=False)
        )
    if isinstance(original, str) and isinstance(cut, str) and cut != original:
        return cut.endswith(" …[cut]") and original.startswith(cut.removesuffix(" …[cut]"))
    return bool(cut == original)


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=JSON, budget=st.sampled_from([2000, 5000, 20000]))
def test_any_json_fits_the_budget_and_keeps_its_shape(data: Any, budget: int) -> None:
    fitted, notes = fit_to_budget(data, budget)

    note_room = 120  # what the executor may add itself (e.g. the HTTP 202 note)
    assert len(compact_json(fitted)) + len(" ".join(notes)) + note_room <= budget or fitted == data
    if len(compact_json(data)) <= budget:
        assert fitted == data
        assert notes == []
    else:
        assert notes, "a cut result always says so"
        assert type(fitted) is type(data)
        if fitted != type(data)():  # the last resort empties the value and says so
            assert is_cut_from(fitted, data)


def test_page_note_gives_offset_and_limit_only_to_tools_that_page() -> None:
    page = {"count": 300, "next": "https://x/?offset=100", "previous": None, "results": [{"n": "x" * 100}] * 100}
    fitted, notes = fit_to_budget(page, BUDGET, offset=100)
    kept = len(fitted["results"])
    assert 0 < kept < 100
    assert notes[0].endswith(f"Get the rest by calling again with offset={100 + kept} and limit={kept}.")

    unpaged = {"results": [{"n": "x" * 100}] * 100}
    _fitted, notes = fit_to_budget(unpaged, BUDGET)
    assert "This tool cannot page: narrow the request" in notes[0]
    assert "offset=" not in " ".join(notes)


@pytest.fixture
async def client(sandbox: SandboxServer) -> Any:
    async with inproc(fast_settings(sandbox, result_budget_chars=BUDGET)) as connected:
        yield connected


@pytest.mark.anyio
async def test_following_the_note_returns_every_item_exactly_once(client: Client, sandbox: SandboxServer) -> None:
    template = sandbox.state.projects[1].recordings[RECORDING_IDS["pricing_review"]]
    with sandbox.state.lock:
        for n in range(40):
            recording_id = f"b0d9e700-0000-4000-8000-{n:012d}"
            sandbox.state.projects[1].recordings[recording_id] = dataclasses.replace(template, id=recording_id)
        expected = set(sandbox.state.projects[1].recordings)

    seen: list[str] = []
    arguments: dict[str, Any] = {"offset": 0, "limit": 100}
    for _ in range(MAX_PAGES):  # an agent: follow the note when the page was cut, else PostHog's `next`
        result = await client.call_tool("desktop_recordings_list", arguments)
        page = structured(result)
        assert text_size(result) <= BUDGET
        items = cast(list[dict[str, Any]], page["results"])
        seen += [str(item["id"]) for item in items]
        follow = re.search(r"calling again with offset=(\d+) and limit=(\d+)", text_of(result))
        if follow is not None:
            assert int(follow.group(1)) == arguments["offset"] + len(items)
            arguments = {"offset": int(follow.group(1)), "limit": int(follow.group(2))}
        elif page["next"] is not None:
            arguments = {"offset": arguments["offset"] + len(items), "limit": 100}
        else:
            break
    assert len(seen) == len(expected)
    assert set(seen) == expected


@pytest.mark.anyio
async def test_long_text_is_cut_at_a_marked_point(client: Client, sandbox: SandboxServer) -> None:
    recording_id = RECORDING_IDS["pricing_review"]
    notes = "".join(f"Decision {n}: keep the annual discount. " for n in range(2000))
    with sandbox.state.lock:
        sandbox.state.projects[1].recordings[recording_id].notes = notes

    result = await client.call_tool("desktop_recordings_get", {"id": recording_id})

    data = structured(result)
    assert text_size(result) <= BUDGET
    assert data["id"] == recording_id
    cut = [key for key, value in data.items() if isinstance(value, str) and value.endswith(" …[cut]")]
    assert "notes" in cut
    for key in cut:
        assert re.search(rf"`{key}` cut after \d+ of \d+ characters \(marked '…\[cut\]'\)", text_of(result))
    assert notes.startswith(str(data["notes"]).removesuffix(" …[cut]"))


@pytest.mark.anyio
async def test_a_list_that_cannot_page_says_so(client: Client, sandbox: SandboxServer) -> None:
    """endpoints_list is not paginated: the note must not send the agent to an offset it cannot pass."""
    endpoint = cast(list[dict[str, Any]], structured(await client.call_tool("endpoints_list", {}))["results"])[0]
    many = [{**endpoint, "name": f"endpoint_{n}", "description": "d" * 200} for n in range(50)]
    sandbox.state.inject(Fault(method="GET", path="endpoints", status=200, body={"results": many}))

    result = await client.call_tool("endpoints_list", {})

    assert not result.is_error, text_of(result)
    assert text_size(result) <= BUDGET
    assert "This tool cannot page: narrow the request" in text_of(result)
    assert "offset=" not in text_of(result)
    assert json.loads(cast(types.TextContent, result.content[0]).text)["results"][0]["name"] == "endpoint_0"


@pytest.mark.anyio
async def test_a_cut_page_only_suggests_parameters_the_tool_takes(client: Client) -> None:
    result = await client.call_tool("batch_exports_logs", {"id": BATCH_EXPORT_ID, "limit": 100})

    assert not result.is_error, text_of(result)
    assert "Only the first" in text_of(result)
    assert "offset=" not in text_of(result)
