"""The fast output-schema check (``agent_output.OutputSchemas``, compiled by fastjsonschema) says what the
``jsonschema`` package (what strict MCP clients validate with) says, for every published output schema: on
answers built from the schema and on the same answers with one field changed to any JSON value. A schema using a
keyword outside the compiled subset is checked by jsonschema itself."""

from __future__ import annotations

from typing import Any, cast

import mcp_types as types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from posthog_environments_mcp.server.calls.agent_output import OutputSchemas
from posthog_environments_mcp.server.definitions.registry import ToolRegistry
from tests.reliability.schema_strategies import ANY_JSON, from_schema

TOOLS = [entry.tool for entry in ToolRegistry(default_project=True) if entry.tool.output_schema is not None]
CHECKS = OutputSchemas()
REFERENCE = {tool.name: Draft202012Validator(cast(dict[str, Any], tool.output_schema)) for tool in TOOLS}


def _answers(tool: types.Tool) -> st.SearchStrategy[Any]:
    """Answers that fit the schema, and the same answers with one field replaced by arbitrary JSON."""
    fitting = from_schema(cast(dict[str, Any], tool.output_schema))

    @st.composite
    def changed(draw: st.DrawFn) -> Any:
        answer = draw(fitting)
        if isinstance(answer, dict) and answer:
            fields = cast(dict[str, Any], answer)
            fields[draw(st.sampled_from(sorted(fields)))] = draw(ANY_JSON)
        return answer

    return fitting | changed() | ANY_JSON


def test_every_published_output_schema_is_checked() -> None:
    assert len(TOOLS) >= 20
    for tool in TOOLS:
        assert CHECKS._check(tool) is not None, tool.name  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize("tool", TOOLS, ids=lambda tool: tool.name)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_check_agrees_with_jsonschema(tool: types.Tool, data: st.DataObject) -> None:
    answer = data.draw(_answers(tool))
    assert CHECKS.accepts(tool, answer) is REFERENCE[tool.name].is_valid(answer)


@pytest.mark.parametrize(
    ("answer", "accepted"),
    [
        ({"team": 10**30}, True),  # bigger than any machine integer, still an integer
        ({"team": 1.0}, True),  # JSON Schema counts 1.0 as an integer
        ({"team": True}, False),  # a boolean is not an integer
        ({"id": 5}, False),
        ({"created_at": "not a date"}, True),  # formats are annotations, as for strict clients
        ({"participants": ["a", 1]}, False),
        ([], False),
    ],
)
def test_edge_values_are_judged_like_jsonschema(answer: Any, accepted: bool) -> None:
    tool = next(tool for tool in TOOLS if tool.name == "desktop_recordings_get")
    assert REFERENCE[tool.name].is_valid(answer) is accepted
    assert CHECKS.accepts(tool, answer) is accepted


def test_a_keyword_outside_the_compiled_subset_is_checked_by_jsonschema(caplog: pytest.LogCaptureFixture) -> None:
    schema = {
        "type": "object",
        "properties": {"status": {"enum": [1, "done"]}, "default": {"$ref": "#/$defs/n"}},
        "$defs": {"n": {"type": "integer"}},
    }
    tool = types.Tool(name="odd_tool", input_schema={"type": "object"}, output_schema=schema)
    checks = OutputSchemas()
    assert checks.accepts(tool, {"status": 1, "default": 3})
    assert not checks.accepts(tool, {"status": True})  # jsonschema: true is not 1
    assert not checks.accepts(tool, {"default": "x"})
    assert [r.getMessage() for r in caplog.records if "odd_tool" in r.getMessage()] == [
        "odd_tool: PostHog's answer does not match the published output schema (status: enum); sending it as text "
        "only, without structuredContent (logged once per tool)"
    ]


ANY_OF_SCHEMAS = [
    # merged into one node with a type list: distinct types, each with only its own type's keywords
    {"anyOf": [{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}, {"type": "null"}]},
    {"anyOf": [{"type": "string", "minLength": 2}, {"type": "array", "items": {"type": "string"}}]},
    {"anyOf": [{"type": "integer"}, {"type": "number"}, {"type": "boolean"}]},
    # kept as anyOf: the same type twice, a keyword of another type, or a type list in a branch
    {"anyOf": [{"type": "object", "required": ["a"]}, {"type": "object", "required": ["b"]}]},
    {"anyOf": [{"type": "integer", "minLength": 3}, {"type": "null"}]},
    {"anyOf": [{"type": ["string", "null"]}, {"type": "integer"}]},
    {"anyOf": [{"type": "string"}, {"minLength": 4}]},
]


@pytest.mark.parametrize("schema", ANY_OF_SCHEMAS, ids=lambda schema: str(schema)[:60])
@settings(max_examples=60, deadline=None)
@given(answer=ANY_JSON | st.fixed_dictionaries({"a": ANY_JSON}) | st.lists(st.text(max_size=3), max_size=3))
def test_any_of_branches_judged_as_one_node_agree_with_jsonschema(schema: dict[str, Any], answer: Any) -> None:
    published = {"type": "object", "properties": {"value": schema}}
    tool = types.Tool(name="any_of", input_schema={"type": "object"}, output_schema=published)
    wrapped = {"value": answer}
    assert OutputSchemas().accepts(tool, wrapped) is Draft202012Validator(published).is_valid(wrapped)
