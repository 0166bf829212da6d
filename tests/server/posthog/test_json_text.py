"""``json_text.loads_spelled``: the text it passes on is PostHog's own, and only when it spells the data exactly."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from posthog_environments_mcp.server.posthog.json_text import loads, loads_spelled

KEY = "phx_TheKey0123456789"
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text()
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20
)


def spellings(data: Any) -> list[bytes]:
    """The same data as a compact answer (escaped and not), a pretty one, and one with the key inside."""
    return [
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"),
        json.dumps(data, separators=(",", ":")).encode(),
        json.dumps(data, indent=1).encode(),
        json.dumps({"echo": f"Bearer {KEY}", "data": data}, ensure_ascii=False).encode("utf-8", "surrogatepass"),
    ]


@given(values)
def test_the_text_passed_on_parses_to_the_same_data_and_hides_nothing(data: Any) -> None:
    for raw in spellings(data):
        parsed, text = loads_spelled(raw)
        assert parsed == loads(raw)
        if text is None:
            continue
        assert json.loads(text) == parsed  # the very data, so it may stand for it
        assert "\\u" not in text  # nothing hidden behind an escape
        assert "\n" not in text  # nothing pretty-printed
        if isinstance(parsed, dict) and "echo" in parsed:
            assert KEY in text  # a text search for the key finds it wherever the data holds it


def test_only_texts_that_spell_the_data_as_it_is_are_passed_on() -> None:
    assert loads_spelled(b'{"a":"caf\xc3\xa9 \\/ \\"q\\""}') == ({"a": 'café / "q"'}, '{"a":"caf\u00e9 \\/ \\"q\\""}')
    for changed in (b'{"a":"caf\\u00e9"}', b'{"a":NaN}', b'{"a":1e999}', b'{"a":"\\ud800"}', b'{\n"a":1}', b'{"a": 1}'):
        assert loads_spelled(changed)[1] is None, changed
