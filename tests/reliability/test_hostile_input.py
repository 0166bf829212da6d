"""Property-based tests: valid, invalid and hostile arguments against every tool, through a real MCP client, the
real server in-process and the sandbox over loopback HTTP.

For every tool:
- arguments generated from its own published input schema are accepted, and the one request each makes goes to
  ``/api/environments/1/`` followed by exactly the segments of the operation's path template, each placeholder
  holding the argument's value as a single segment;
- hostile strings (path traversal, encoded slashes, CRLF, NUL, 1 MB, odd unicode) in any string argument never
  crash the server and never change which path is called; in an id or the project they are refused;
- invalid arguments (unknown names, missing required ones, wrong types, out of range) are refused before any
  request leaves.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import AsyncIterator
from typing import Any, cast
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from posthog_environments_mcp.sandbox import SandboxServer
from posthog_environments_mcp.sandbox.requestlog import RecordedRequest
from posthog_environments_mcp.server.config import Settings
from posthog_environments_mcp.server.definitions.registry import ToolEntry
from posthog_environments_mcp.server.handlers.app import build_registry
from posthog_environments_mcp.server.posthog.http import encode_segment
from tests.reliability.schema_strategies import from_schema
from tests.reliability.support import fast_settings, inproc, text_of

ENTRIES = list(build_registry(Settings(project_id="1")))
IDS = [entry.tool.name for entry in ENTRIES]
EXAMPLES = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
KNOWN_CROSS_FIELD_RULES = {"conversations_create": "content may be null only to resume"}
"""Rules across fields that the published schema does not express; arguments breaking them are refused."""

HOSTILE: tuple[str, ...] = (
    "../../../../etc/passwd",
    "..",
    "./",
    "..%2F..%2Fadmin",
    "%2e%2e%2f",
    "1/../../2",
    "a/b",
    "x?limit=1000&offset=0",
    "x#fragment",
    "line\r\nAuthorization: Bearer phx_injected",
    "nul\x00byte",
    "\u202etxt.exe",
    "\uff46\uff55\uff4c\uff4c\uff0f\uff57\uff49\uff44\uff54\uff48",  # fullwidth "full/width"
    "\ud800 lone surrogate",
    "\U0001f600" * 50,
    "\U0001d566\U0001d55f\u200b\ufeff",  # double-struck letters, zero-width space, BOM
    "x" * 1_000_000,
    "",
    " ",
)
ODD_TEXT = st.text(alphabet=st.characters(codec=None, categories=None), min_size=1, max_size=64)


@pytest.fixture(scope="module")
async def server(sandbox_server: SandboxServer) -> AsyncIterator[Client]:
    """One server for the module: hundreds of calls, each checked against the request log alone."""
    async with inproc(fast_settings(sandbox_server, read_timeout=5.0, call_timeout=10.0)) as connected:
        yield connected


@pytest.fixture
def client(server: Client, sandbox: SandboxServer) -> Client:
    sandbox.state.set_rate_limit(1_000_000, 60)
    sandbox.state.stream_chunk_delay = 0.0
    return server


@functools.cache
def valid_arguments(tool: str) -> st.SearchStrategy[Any]:
    """Arguments from the tool's published schema, without ``project_id`` (the server's default, 1, applies)."""
    entry = next(entry for entry in ENTRIES if entry.tool.name == tool)
    schema = copy.deepcopy(entry.input_schema)
    schema["properties"].pop("project_id", None)
    schema["required"] = [name for name in schema.get("required", []) if name != "project_id"]
    return from_schema(schema)


def segments_match(entry: ToolEntry, request: RecordedRequest, arguments: dict[str, Any]) -> bool:
    """The raw path is the project's prefix plus the template's segments; a placeholder is one segment holding
    the value. The project is the configured one (1) unless the call names another valid one."""
    project = str(arguments.get("project_id", "1"))
    if not re.fullmatch(r"\d{1,20}|@current", project):
        return False
    prefix = f"/api/environments/{encode_segment(project)}/"
    if not request.path.startswith(prefix):
        return False
    template = entry.operation.path.rstrip("/").split("/")
    actual = request.path[len(prefix) :].rstrip("/").split("/")
    if len(actual) != len(template):
        return False
    for expected, seen in zip(template, actual, strict=True):
        placeholder = re.fullmatch(r"\{([a-z_]+)\}", expected)
        if placeholder is None:
            if seen != expected:
                return False
        elif unquote(seen, errors="surrogatepass") != str(arguments[placeholder.group(1)]):
            return False
    return True


def refused(text: str, tool: str) -> bool:
    return text.startswith(f"Invalid arguments for {tool}; nothing was sent to PostHog")


async def call(client: Client, sandbox: SandboxServer, tool: str, arguments: dict[str, Any]) -> tuple[str, bool]:
    """Call with an empty request log; returns the result text and whether it is an error."""
    sandbox.state.clear_requests()
    sandbox.state.clear_faults()
    result = await client.call_tool(tool, arguments)
    return text_of(result), bool(result.is_error)


@pytest.mark.anyio
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@EXAMPLES
@given(data=st.data())
async def test_valid_arguments_call_exactly_their_own_path(
    client: Client, sandbox: SandboxServer, entry: ToolEntry, data: st.DataObject
) -> None:
    arguments = cast(dict[str, Any], data.draw(valid_arguments(entry.tool.name), label="arguments"))
    arguments |= data.draw(st.sampled_from([{}, {"project_id": "1"}, {"project_id": 1}]), label="project")
    tool = entry.tool.name

    text, _is_error = await call(client, sandbox, tool, arguments)

    seen = sandbox.state.requests
    if refused(text, tool):
        assert tool in KNOWN_CROSS_FIELD_RULES, text
        assert KNOWN_CROSS_FIELD_RULES[tool] in text, text
        assert seen == []
        return
    assert len(seen) == 1, [r.path for r in seen]
    assert seen[0].method == entry.operation.method
    assert segments_match(entry, seen[0], arguments), f"{seen[0].path} does not match {entry.operation.path}"


@pytest.mark.anyio
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@EXAMPLES
@given(data=st.data())
async def test_hostile_strings_never_change_the_path(
    client: Client, sandbox: SandboxServer, entry: ToolEntry, data: st.DataObject
) -> None:
    tool = entry.tool.name
    arguments = cast(dict[str, Any], data.draw(valid_arguments(entry.tool.name), label="arguments"))
    targets = ["project_id", *(name for name, prop in entry.input_schema["properties"].items() if _takes_text(prop))]
    name = data.draw(st.sampled_from(sorted(set(targets))), label="field")
    value = data.draw(st.sampled_from(HOSTILE) | ODD_TEXT, label="value")
    arguments[name] = value

    text, is_error = await call(client, sandbox, tool, arguments)

    seen = sandbox.state.requests
    in_path = name == "project_id" or name in entry.operation.path_params
    if in_path and value in HOSTILE:
        assert refused(text, tool), text
    if refused(text, tool):
        assert seen == []
        return
    assert len(seen) <= 1
    for request in seen:
        assert segments_match(entry, request, {"project_id": "1", **arguments}), request.path
    if not seen:  # not refused by validation and nothing sent: the value could not be put on the wire
        assert is_error
        assert "the request could not be built" in text, text
        assert "Nothing was sent to PostHog" in text, text


def _type_list(schema: dict[str, Any]) -> list[str | None]:
    """A schema's ``type`` as a list (lean schemas spell ``T | None`` as ``[T, "null"]``); [None] when absent."""
    kind = schema.get("type")
    return cast(list[str | None], kind) if isinstance(kind, list) else [cast(str | None, kind)]


def _takes_text(prop: dict[str, Any]) -> bool:
    branches = cast(list[dict[str, Any]], prop.get("anyOf", [prop]))
    return any("string" in _type_list(branch) and "enum" not in branch for branch in branches)


def _wrong_value(prop: dict[str, Any]) -> Any | None:
    """A value the property refuses whatever pydantic coerces: a mapping where no object is allowed, else text."""
    branches = cast(list[dict[str, Any]], prop.get("anyOf", [prop]))
    kinds = {kind for branch in branches for kind in _type_list(branch)}
    if None in kinds:
        return None
    if "object" not in kinds:
        return {"$ne": "../../admin"}
    if "string" not in kinds and "array" not in kinds:
        return "../../admin"
    return None


@pytest.mark.anyio
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
@EXAMPLES
@given(data=st.data())
async def test_invalid_arguments_are_refused_before_any_request(
    client: Client, sandbox: SandboxServer, entry: ToolEntry, data: st.DataObject
) -> None:
    tool = entry.tool.name
    schema = entry.input_schema
    arguments = cast(dict[str, Any], data.draw(valid_arguments(entry.tool.name), label="arguments"))
    wrong = {name: value for name, prop in schema["properties"].items() if (value := _wrong_value(prop)) is not None}
    required = [name for name in schema.get("required", []) if name != "project_id"]
    mutations = ["unknown"] + (["missing"] if required else []) + (["wrong_type"] if wrong else [])
    mutation = data.draw(st.sampled_from(mutations), label="mutation")
    if mutation == "unknown":
        arguments[data.draw(st.sampled_from(["api_key", "host", "url", "path", "__proto__", "Id"]))] = "x"
    elif mutation == "missing":
        arguments.pop(data.draw(st.sampled_from(required)))
    else:
        name = data.draw(st.sampled_from(sorted(wrong)))
        arguments[name] = wrong[name]

    text, is_error = await call(client, sandbox, tool, arguments)

    assert is_error
    assert refused(text, tool), text
    assert sandbox.state.requests == []


@pytest.mark.anyio
@pytest.mark.parametrize(
    "project_id",
    [
        *["../2", "1/../2", "2%2F", "1?x=1", "1#x", " 1", "1 ", "0x1", "-1", "1.0", "@Current", "1\n"],
        "\u0663",  # ARABIC-INDIC DIGIT THREE
        "\uff11",  # FULLWIDTH DIGIT ONE
    ],
)
async def test_hostile_project_ids_are_refused(client: Client, sandbox: SandboxServer, project_id: str) -> None:
    text, is_error = await call(client, sandbox, "endpoints_list", {"project_id": project_id})

    assert is_error
    assert refused(text, "endpoints_list"), text
    assert "project_id" in text
    assert sandbox.state.requests == []


@given(st.text(alphabet=st.characters(codec=None, categories=None)))
def test_encoded_segment_is_one_segment_that_decodes_back(value: str) -> None:
    """Defence in depth below validation: whatever text fills a placeholder stays one segment and cannot climb."""
    segment = encode_segment(value)
    assert "/" not in segment
    assert "." not in segment
    assert "?" not in segment
    assert "#" not in segment
    assert unquote(segment, errors="surrogatepass") == value
