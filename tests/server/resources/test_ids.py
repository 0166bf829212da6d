"""The one id validator: what counts as a project id or UUID, and its canonical spelling."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posthog_environments_mcp.schemas.ids import canonical_project_id, canonical_uuid, is_endpoint_name
from posthog_environments_mcp.server.resources.resource_uris import InvalidId, parse_uri, recording_uri


@pytest.mark.parametrize(("raw", "canonical"), [("7", "7"), ("007", "7"), ("0", "0"), ("@current", "@current")])
def test_project_ids_are_canonical(raw: str, canonical: str) -> None:
    assert canonical_project_id(raw) == canonical


@pytest.mark.parametrize("raw", ["", "..", "\u0661", "1" * 21, "7\n", " 7", "-1", "1e3", "@Current", 7, None])
def test_anything_else_is_not_a_project(raw: object) -> None:
    assert canonical_project_id(raw) is None


def test_uuids_are_canonical_and_nothing_else_is_one() -> None:
    assert canonical_uuid("0BADC0DE00004000800000000000000A") == "0badc0de-0000-4000-8000-00000000000a"
    for raw in ("..", "0badc0de-0000-4000-8000-00000000000a\n", "0badc0de-0000-4000-8000-00000000000g", 1):
        assert canonical_uuid(raw) is None


def test_endpoint_names() -> None:
    assert is_endpoint_name("weekly_signups")
    assert not is_endpoint_name("../x")
    assert not is_endpoint_name("a" * 129)


def test_uri_builders_refuse_invalid_ids() -> None:
    with pytest.raises(InvalidId):
        recording_uri("1", "../../x")
    with pytest.raises(InvalidId):
        recording_uri("..", "0badc0de-0000-4000-8000-00000000000a")


@given(st.text(max_size=60), st.text(max_size=60))
def test_a_parsed_uri_only_ever_holds_valid_ids(project: str, object_id: str) -> None:
    ref = parse_uri(f"posthog://projects/{project}/conversations/{object_id}")
    if ref is not None:
        assert canonical_project_id(ref.project_id) == ref.project_id
        assert canonical_uuid(ref.object_id) == ref.object_id
