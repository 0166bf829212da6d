"""The catalog is data the server trusts blindly: these tests hold it to the spec and to the conventions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validate
from pydantic import BaseModel, ValidationError

from posthog_environments_mcp.schemas.conversations import ConversationTurnResult
from posthog_environments_mcp.tools.catalog import CATALOG, OPERATIONS_BY_NAME
from posthog_environments_mcp.tools.operation import INTERNAL_SCOPE, METHOD_HINTS, Operation

UUID = "0190f2a4-7c1e-7d3b-9a51-2f6b8e4c1d2a"

ids = pytest.mark.parametrize("op", CATALOG, ids=lambda op: op.name)


def _output_models() -> list[type[BaseModel]]:
    return sorted({op.output_model for op in CATALOG if op.output_model is not None}, key=lambda m: m.__name__)


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = schema
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    return target


def _subschemas(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Direct sub-schemas of a property schema (array items, union members, map values)."""
    for key in ("items", "additionalProperties"):
        child = node.get(key)
        if isinstance(child, dict):
            yield child  # pyright: ignore[reportUnknownReturnType]
    for key in ("anyOf", "oneOf", "allOf"):
        yield from node.get(key, [])


def _undescribed(schema: dict[str, Any]) -> list[str]:
    """Paths of properties without a description, following refs into nested models."""
    missing: list[str] = []
    seen: set[int] = set()

    def visit_object(node: dict[str, Any], path: str) -> None:
        node = _resolve(schema, node)
        if id(node) in seen:
            return
        seen.add(id(node))
        for name, prop in node.get("properties", {}).items():
            if "description" not in prop:
                missing.append(f"{path}.{name}")
            visit_value(prop, f"{path}.{name}")

    def visit_value(node: dict[str, Any], path: str) -> None:
        resolved = _resolve(schema, node)
        if "properties" in resolved:
            visit_object(resolved, path)
        for child in _subschemas(resolved):
            visit_value(child, path)

    visit_object(schema, "")
    return missing


def _objects(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The root object schema and every nested model definition."""
    yield schema
    yield from schema.get("$defs", {}).values()


# --- the list of operations ---------------------------------------------------------------------------------


def test_operations_are_distinct_requests() -> None:
    """Two entries for one (method, path) would be one PostHog operation published twice."""
    requests = [(op.method, op.path) for op in CATALOG]
    assert len(set(requests)) == len(requests)


def test_names_are_unique_snake_case_and_indexed() -> None:
    names = [op.name for op in CATALOG]
    assert len(set(names)) == len(names) == len(OPERATIONS_BY_NAME)
    assert all(re.fullmatch(r"^[a-z]+(_[a-z]+)+$", name) for name in names), names
    assert dict(OPERATIONS_BY_NAME) == {op.name: op for op in CATALOG}


def test_areas_are_contiguous_in_the_catalog() -> None:
    """The catalog keeps the order of PostHog's API reference, one area after another."""
    areas = [op.area for op in CATALOG]
    runs = [area for i, area in enumerate(areas) if i == 0 or areas[i - 1] != area]
    assert len(runs) == len(set(runs)), runs


@ids
def test_name_starts_with_its_area(op: Operation) -> None:
    assert op.name.startswith(op.area + "_")
    assert op.title
    assert op.title[0].isupper()


@ids
def test_path_is_relative_and_every_placeholder_is_a_required_field(op: Operation) -> None:
    assert not op.path.startswith("/")
    assert op.path.endswith("/")
    fields = op.input_model.model_fields
    for param in op.path_params:
        assert param in fields, f"{op.name}: {{{param}}} is not a field"
        assert fields[param].is_required(), f"{op.name}: {{{param}}} must be required"
        with pytest.raises(ValidationError):
            op.input_model.model_validate({param: None})


@ids
def test_query_fields_are_fields_and_only_on_body_methods(op: Operation) -> None:
    assert op.query_fields <= set(op.input_model.model_fields)
    assert not op.query_fields, f"{op.name}: no documented operation sends query parameters with a body"


# --- annotations --------------------------------------------------------------------------------------------


@ids
def test_annotations_follow_the_method(op: Operation) -> None:
    assert op.open_world is True
    assert op.destructive is (op.method == "DELETE")
    if op.method == "GET":
        assert op.read_only
        assert op.idempotent
        assert op.may_retry
    if op.method in ("DELETE", "PATCH"):
        assert op.idempotent, f"{op.name}: {op.method} repeats to the same state"
    if op.destructive:
        assert not op.read_only


def test_annotations_default_to_what_the_method_means() -> None:
    for method, hints in METHOD_HINTS.items():
        op = Operation(
            name="x_y",
            title="X",
            area="x",
            method=method,
            path="x/",
            input_model=BaseModel,
            example={},
            scopes=(),
            description="X.",
        )
        assert (op.read_only, op.destructive, op.idempotent) == hints
        assert op.may_retry is (method in ("GET", "PATCH"))
    overridden = Operation(
        name="x_y",
        title="X",
        area="x",
        method="POST",
        path="x/",
        input_model=BaseModel,
        example={},
        scopes=(),
        description="X.",
        read_only=True,
        idempotent=True,
    )
    assert (overridden.read_only, overridden.destructive, overridden.idempotent, overridden.may_retry) == (
        True,
        False,
        True,
        True,
    )


def test_read_only_posts_are_marked_read_only_and_retry_safe() -> None:
    read_only_posts = {op.name for op in CATALOG if op.read_only and op.method != "GET"}
    assert read_only_posts == {"endpoints_run_with_overrides", "endpoints_last_execution_times"}
    assert all(OPERATIONS_BY_NAME[name].may_retry for name in read_only_posts)


def test_creates_are_not_idempotent_and_retry_safety_follows_the_hints() -> None:
    for name in (
        "desktop_recordings_create",
        "endpoints_create",
        "conversations_create",
        "customer_profile_configs_create",
    ):
        op = OPERATIONS_BY_NAME[name]
        assert not op.idempotent, name
        assert not op.may_retry, name
    retry_safe = {op.name for op in CATALOG if op.may_retry}
    assert {
        "desktop_recordings_append_segments",
        "batch_exports_pause",
        "batch_exports_unpause",
        "conversations_cancel",
        "desktop_recordings_update",
    } <= retry_safe
    assert not any(OPERATIONS_BY_NAME[n].may_retry for n in ("conversations_append_message", "datasets_delete"))


def test_response_kinds() -> None:
    for name in ("desktop_recordings_delete", "endpoints_delete", "conversations_cancel", "datasets_delete"):
        assert OPERATIONS_BY_NAME[name].response == "empty", name
    assert OPERATIONS_BY_NAME["conversations_create"].response == "event_stream"
    assert OPERATIONS_BY_NAME["conversations_create"].output_model is ConversationTurnResult
    assert OPERATIONS_BY_NAME["endpoints_versions_list"].wraps_list_as == "results"


@ids
def test_json_operations_declare_an_output_model_and_empty_ones_none(op: Operation) -> None:
    if op.response == "empty":
        assert op.output_model is None
    else:
        assert op.output_model is not None


def test_resource_kinds() -> None:
    for name in (
        "desktop_recordings_list",
        "desktop_recordings_create",
        "desktop_recordings_get",
        "desktop_recordings_update",
        "desktop_recordings_append_segments",
    ):
        assert OPERATIONS_BY_NAME[name].resource_kind == "desktop_recording", name
    for name in ("conversations_list", "conversations_create", "conversations_get"):
        assert OPERATIONS_BY_NAME[name].resource_kind == "conversation", name
    assert OPERATIONS_BY_NAME["desktop_recordings_delete"].resource_kind is None


def test_resource_roles_are_one_list_and_one_get_per_area() -> None:
    roles: dict[str, list[tuple[str, Operation]]] = {}
    for op in CATALOG:
        if op.resource_role is not None:
            roles.setdefault(op.area, []).append((op.resource_role, op))
    assert {"desktop_recordings", "conversations"} <= set(roles)
    for area, declared in roles.items():
        assert sorted(role for role, _ in declared) == ["item", "list"], area
        for role, op in declared:
            assert op.method == "GET", op.name
            assert op.resource_kind is not None, op.name
            assert len(op.path_params) == (1 if role == "item" else 0), op.name


def test_check_probes_are_reads_one_per_area_that_validate() -> None:
    probes = [op for op in CATALOG if op.check_arguments is not None]
    assert probes
    assert len({op.area for op in probes}) == len(probes)
    for op in probes:
        assert op.read_only, op.name
        assert not op.internal, op.name
        assert not op.path_params, f"{op.name}: a probe cannot know an id"
        op.input_model.model_validate(op.check_arguments)


@ids
def test_operation_specific_advice_is_for_error_statuses(op: Operation) -> None:
    for status, text in op.advice_by_status.items():
        assert 400 <= status <= 599, op.name
        assert text.endswith("."), op.name


def test_operation_specific_advice_is_declared_where_posthog_says_so() -> None:
    assert 405 in OPERATIONS_BY_NAME["datasets_delete"].advice_by_status
    assert {409, 402} <= set(OPERATIONS_BY_NAME["conversations_create"].advice_by_status)


@ids
def test_example_is_valid_input(op: Operation) -> None:
    op.input_model.model_validate(op.example)
    assert set(op.path_params) <= set(op.example), f"{op.name}: the example must name every path parameter"


# --- scopes and descriptions --------------------------------------------------------------------------------


@ids
def test_scopes_are_well_formed_and_match_the_area(op: Operation) -> None:
    assert len(op.scopes) == 1
    (scope,) = op.scopes
    if scope == INTERNAL_SCOPE:
        return
    obj, _, level = scope.partition(":")
    assert level in ("read", "write")
    assert op.area.startswith(obj), f"{op.name}: scope {scope} does not belong to area {op.area}"
    if op.read_only:
        assert level == "read", f"{op.name}: a read-only operation needs only read scope"
    elif op.method != "GET":
        assert level == "write", f"{op.name}: a changing operation needs write scope"


@ids
def test_description_leaves_the_scope_sentence_to_the_generator(op: Operation) -> None:
    assert "Requires scope" not in op.description
    assert "Required API key scope" not in op.description


def test_internal_operations_are_marked_by_scope() -> None:
    internal = {op.name for op in CATALOG if op.internal}
    assert {"batch_exports_test", "batch_exports_run_test_step", "batch_exports_run_test_step_new"} <= internal


@ids
def test_description_is_concise_and_helpful(op: Operation) -> None:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", op.description.strip()) if s]
    assert 1 <= len(sentences) <= 6, f"{op.name}: {len(sentences)} sentences"
    assert len(op.description) <= 600, op.name
    if op.input_model.model_fields.keys() >= {"limit", "offset"}:
        assert "`limit`" in op.description
        assert "`next`" in op.description


def test_datasets_delete_explains_the_refusal() -> None:
    description = OPERATIONS_BY_NAME["datasets_delete"].description
    assert "405" in description
    assert "`deleted`" in description
    assert "PATCH" in description


# --- input schemas ------------------------------------------------------------------------------------------


SELF_EXPLANATORY = frozenset(
    [
        "after",
        "assignee",
        "backfill",
        "before",
        "billing_context",
        "cache_age_seconds",
        "client_query_id",
        "completed_at",
        "content",
        "contextual_tools",
        "conversation",
        "derived_from_insight",
        "description",
        "destination",
        "duration_seconds",
        "end_at",
        "error_message",
        "extracted_tasks",
        "filters",
        "hogql_query",
        "id",
        "integration_id",
        "interval",
        "is_active",
        "is_final",
        "is_materialized",
        "last_paused_at",
        "level",
        "limit",
        "meeting_title",
        "meeting_url",
        "name",
        "names",
        "notes",
        "offset",
        "participants",
        "paused",
        "platform",
        "project_id",
        "recall_recording_id",
        "search",
        "session_id",
        "sidebar",
        "speaker",
        "start_at",
        "started_at",
        "status",
        "summary",
        "summary_generated_at",
        "sync_frequency",
        "tasks_generated_at",
        "text",
        "title",
        "trace_id",
        "transcript_segments",
        "ui_context",
        "version_number",
        "video_size_bytes",
        "video_url",
    ]
)
"""Argument names that say what they are (with their type, enum, format and the tool's description), so they go
without a description: every model pays for each description on every turn (issue #10). Any other name needs one."""


@ids
def test_input_schema_is_valid_and_every_unclear_property_is_described(op: Operation) -> None:
    schema = op.input_model.model_json_schema()
    Draft202012Validator.check_schema(schema)
    assert {path.rsplit(".", 1)[-1] for path in _undescribed(schema)} <= SELF_EXPLANATORY
    assert "project_id" in schema["properties"]


@ids
def test_inputs_reject_unknown_fields_at_every_level(op: Operation) -> None:
    assert op.input_model.model_config.get("extra") == "forbid"
    schema = op.input_model.model_json_schema()
    for obj in _objects(schema):
        assert obj.get("additionalProperties") is False, f"{op.name}: {obj.get('title')} accepts unknown keys"
    with pytest.raises(ValidationError) as info:
        op.input_model.model_validate({"no_such_field": 1})
    assert any(err["type"] == "extra_forbidden" and err["loc"] == ("no_such_field",) for err in info.value.errors())


ENUMS = {
    ("desktop_recordings_create", "platform"): {"zoom", "teams", "meet", "desktop_audio", "slack"},
    ("desktop_recordings_list", "platform"): {"zoom", "teams", "meet", "desktop_audio", "slack"},
    ("desktop_recordings_list", "status"): {"recording", "uploading", "processing", "ready", "error"},
    ("desktop_recordings_update", "status"): {"recording", "uploading", "processing", "ready", "error"},
    ("endpoints_run_with_overrides", "refresh"): {"blocking", "force_blocking"},
    ("endpoints_create", "sync_frequency"): {"5min", "30min", "1hour", "6hour", "12hour", "24hour", "7day", "30day"},
    ("endpoints_update", "sync_frequency"): {"5min", "30min", "1hour", "6hour", "12hour", "24hour", "7day", "30day"},
    ("customer_profile_configs_create", "scope"): {"person", "group_0", "group_1", "group_2", "group_3", "group_4"},
    ("customer_profile_configs_update", "scope"): {"person", "group_0", "group_1", "group_2", "group_3", "group_4"},
    ("conversations_create", "agent_mode"): {
        "product_analytics",
        "sql",
        "session_replay",
        "error_tracking",
        "plan",
        "execution",
        "survey",
    },
    ("batch_exports_run_test_step_new", "model"): {"events", "persons", "sessions"},
    ("batch_exports_logs", "level"): {"DEBUG", "LOG", "INFO", "WARNING", "ERROR"},
    ("batch_exports_run_test_step", "interval"): {"hour", "day", "week", "every 5 minutes", "every 15 minutes"},
}


@pytest.mark.parametrize(("tool", "field", "values"), [(t, f, v) for (t, f), v in ENUMS.items()])
def test_enums_are_published(tool: str, field: str, values: set[str]) -> None:
    prop = OPERATIONS_BY_NAME[tool].input_model.model_json_schema()["properties"][field]
    assert set(prop["enum"]) == values


def test_documented_defaults() -> None:
    create = OPERATIONS_BY_NAME["desktop_recordings_create"].input_model.model_validate({})
    assert create.model_dump()["platform"] == "desktop_audio"
    run = OPERATIONS_BY_NAME["endpoints_run_with_overrides"].input_model.model_validate({"name": "signups"})
    assert run.model_dump()["refresh"] == "blocking"
    ask = OPERATIONS_BY_NAME["conversations_create"].input_model.model_validate({"content": "hi"})
    assert ask.model_dump()["deep_research_mode"] is False


def test_formats_are_published() -> None:
    props = OPERATIONS_BY_NAME["desktop_recordings_update"].input_model.model_json_schema()["properties"]
    assert {"format": "uri", "maxLength": 200, "type": "string"} in props["meeting_url"]["anyOf"]
    assert {"format": "date-time", "type": "string"} in props["completed_at"]["anyOf"]
    assert props["started_at"]["format"] == "date-time"
    assert {"maxLength": 255, "type": "string"} in props["meeting_title"]["anyOf"]
    id_schema = OPERATIONS_BY_NAME["desktop_recordings_get"].input_model.model_json_schema()["properties"]["id"]
    assert id_schema["format"] == "uuid"


def test_required_fields() -> None:
    def required(tool: str) -> set[str]:
        return set(OPERATIONS_BY_NAME[tool].input_model.model_json_schema().get("required", []))

    assert required("endpoints_create") == {"name", "query"}
    assert required("customer_profile_configs_create") == {"scope"}
    assert required("desktop_recordings_append_segments") == {"id", "segments"}
    assert required("conversations_append_message") == {"conversation", "content"}
    assert required("conversations_create") == {"content"}
    assert required("batch_exports_run_test_step_new") == {"name", "destination", "interval"}
    assert required("batch_exports_pause") == {"id"}
    assert required("desktop_recordings_list") == set()


# --- validation examples ------------------------------------------------------------------------------------


def _names(loc: tuple[int | str, ...], error_loc: tuple[int | str, ...]) -> bool:
    """Whether an error location names ``loc``; optional fields are unions, which add member tags to the path."""
    remaining = iter(error_loc)
    return error_loc[:1] == loc[:1] and all(part in remaining for part in loc)


def _error_locs(tool: str, arguments: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as info:
        OPERATIONS_BY_NAME[tool].input_model.model_validate(arguments)
    return [tuple(err["loc"]) for err in info.value.errors()]


@pytest.mark.parametrize(
    ("tool", "arguments", "loc"),
    [
        ("desktop_recordings_get", {"id": "not-a-uuid"}, ("id",)),
        ("conversations_get", {"conversation": "123"}, ("conversation",)),
        ("desktop_recordings_append_segments", {"id": UUID, "segments": [{"text": "   "}]}, ("segments", 0, "text")),
        ("desktop_recordings_append_segments", {"id": UUID, "segments": [{"speaker": "A"}]}, ("segments", 0, "text")),
        ("desktop_recordings_append_segments", {"id": UUID, "segments": []}, ("segments",)),
        ("endpoints_get", {"name": "1starts-with-digit"}, ("name",)),
        ("endpoints_get", {"name": "has space"}, ("name",)),
        ("endpoints_create", {"name": "a" * 129, "query": {}}, ("name",)),
        ("endpoints_create", {"name": "ok", "query": {}, "cache_age_seconds": 299}, ("cache_age_seconds",)),
        ("endpoints_update", {"name": "ok", "cache_age_seconds": 86401}, ("cache_age_seconds",)),
        ("endpoints_create", {"name": "ok"}, ("query",)),
        ("endpoints_run_with_overrides", {"name": "ok", "refresh": "async"}, ("refresh",)),
        ("endpoints_versions_get", {"name": "ok", "version_number": 0}, ("version_number",)),
        ("endpoints_last_execution_times", {"names": []}, ("names",)),
        ("desktop_recordings_update", {"id": UUID, "meeting_title": "x" * 256}, ("meeting_title",)),
        ("desktop_recordings_update", {"id": UUID, "meeting_url": "zoom.us/j/1"}, ("meeting_url",)),
        ("desktop_recordings_update", {"id": UUID, "started_at": "yesterday"}, ("started_at",)),
        (
            "desktop_recordings_update",
            {"id": UUID, "extracted_tasks": [{"assignee": "B"}]},
            ("extracted_tasks", 0, "title"),
        ),
        ("desktop_recordings_create", {"platform": "webex"}, ("platform",)),
        ("batch_exports_logs", {"id": UUID, "limit": 501}, ("limit",)),
        ("batch_exports_logs", {"id": UUID, "level": "error"}, ("level",)),
        (
            "batch_exports_run_test_step_new",
            {"name": "x", "interval": "hour", "destination": {"type": "S3"}},
            ("destination", "config"),
        ),
        (
            "batch_exports_run_test_step_new",
            {"name": "x", "interval": "minute", "destination": {"type": "S3", "config": {}}},
            ("interval",),
        ),
        ("conversations_create", {"content": "x" * 40001}, ("content",)),
        ("conversations_append_message", {"conversation": UUID, "content": "x" * 10001}, ("content",)),
        ("conversations_create", {"content": "hi", "agent_mode": "poetry"}, ("agent_mode",)),
        ("customer_profile_configs_create", {"scope": "group_5"}, ("scope",)),
        ("customer_profile_configs_create", {}, ("scope",)),
        ("desktop_recordings_list", {"limit": 0}, ("limit",)),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_arguments_are_rejected_naming_the_field(
    tool: str, arguments: dict[str, Any], loc: tuple[int | str, ...]
) -> None:
    locs = _error_locs(tool, arguments)
    assert any(_names(loc, error_loc) for error_loc in locs), locs


def test_resuming_a_conversation_needs_its_id() -> None:
    with pytest.raises(ValidationError, match="conversation"):
        OPERATIONS_BY_NAME["conversations_create"].input_model.model_validate({"content": None})
    resumed = OPERATIONS_BY_NAME["conversations_create"].input_model.model_validate(
        {"content": None, "conversation": UUID}
    )
    assert resumed.model_dump(exclude_unset=True) == {"content": None, "conversation": UUID}


def test_valid_arguments_keep_explicit_nulls_and_omit_the_rest() -> None:
    model = OPERATIONS_BY_NAME["desktop_recordings_update"].input_model
    update = model.model_validate(
        {"id": UUID, "notes": None, "meeting_url": "https://zoom.us/j/1", "completed_at": "2025-01-31T14:00:00Z"}
    )
    assert update.model_dump(exclude_unset=True) == {
        "id": UUID,
        "notes": None,
        "meeting_url": "https://zoom.us/j/1",
        "completed_at": "2025-01-31T14:00:00Z",
    }
    segments = OPERATIONS_BY_NAME["desktop_recordings_append_segments"].input_model.model_validate(
        {"id": UUID, "segments": [{"text": "Hello", "timestamp": 1200.5, "speaker": None}]}
    )
    assert segments.model_dump(exclude_unset=True)["segments"] == [
        {"text": "Hello", "timestamp": 1200.5, "speaker": None}
    ]


# --- output schemas -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", _output_models(), ids=lambda m: m.__name__)
def test_output_models_are_permissive_and_described(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    Draft202012Validator.check_schema(schema)
    assert _undescribed(schema) == []
    for obj in _objects(schema):
        assert obj.get("additionalProperties") is not False, f"{obj.get('title')} must keep unknown keys"
    if model is not ConversationTurnResult:
        assert schema.get("required", []) == [], f"{model.__name__}: a field missing from PostHog's answer"
        assert model.model_validate({"future_field": {"x": 1}}).model_extra == {"future_field": {"x": 1}}


REAL_ANSWERS: dict[str, dict[str, Any]] = {
    "conversations_get": {
        "id": UUID,
        "status": "idle",
        "title": "Signups",
        "user": {
            "id": 0,
            "uuid": UUID,
            "distinct_id": "d",
            "first_name": "A",
            "last_name": "B",
            "email": "user@example.com",
            "is_email_verified": True,
            "hedgehog_config": None,
            "role_at_organization": "engineering",
        },
        "created_at": "2019-08-24T14:15:22Z",
        "updated_at": "2019-08-24T14:15:22Z",
        "type": "assistant",
        "is_internal": False,
        "slack_thread_key": None,
        "slack_workspace_domain": None,
        "messages": [{"type": "human", "content": "hi"}],
        "has_unsupported_content": False,
        "agent_mode": "brand_new_mode",
        "pending_approvals": [],
    },
    "customer_profile_configs_list": {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {"id": UUID, "scope": "person", "content": None, "sidebar": [], "created_at": "2019-08-24T14:15:22Z"}
        ],
    },
    "endpoints_run": {
        "results": [[1, "a"]],
        "columns": ["n", "s"],
        "types": [["n", "UInt64"], ["s", "String"]],
        "hasMore": False,
        "query_status": {"complete": False, "id": "q1", "team_id": 1},
        "endpoint_version": 2,
    },
    "endpoints_last_execution_times": {
        "query_status": {"complete": True, "results": [["signups", "2025-01-31T14:00:00Z"]]}
    },
    "batch_exports_test": {
        "steps": [
            {"name": "Verify", "description": "d", "result": None},
            {"name": "Write", "result": {"status": "Passed"}},
        ]
    },
    "desktop_recordings_create": {
        "id": UUID,
        "team": 1,
        "created_by": None,
        "platform": "desktop_audio",
        "status": "recording",
        "participants": [],
        "transcript_text": "",
        "transcript_segments": [],
        "upload_token": "tok",
    },
}


@pytest.mark.parametrize("tool", list(REAL_ANSWERS))
def test_realistic_answers_validate_against_the_output_model(tool: str) -> None:
    model = OPERATIONS_BY_NAME[tool].output_model
    assert model is not None
    answer = REAL_ANSWERS[tool]
    parsed = model.model_validate(answer)
    assert parsed.model_dump(exclude_unset=True, mode="json") == answer
    validate(answer, model.model_json_schema(), cls=Draft202012Validator)


def test_conversation_turn_result_requires_its_identifiers() -> None:
    with pytest.raises(ValidationError) as info:
        ConversationTurnResult.model_validate({"status": "completed"})
    assert {("conversation_id",), ("trace_id",)} <= {tuple(err["loc"]) for err in info.value.errors()}
    done = ConversationTurnResult(conversation_id=UUID, trace_id=UUID, status="completed", answer="42")
    assert done.messages == []
    assert done.failure is None
