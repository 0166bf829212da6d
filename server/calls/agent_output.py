"""The last step of every tool call: what the agent receives is encodable, carries no key, fits one budget, and
its structured content matches the tool's published output schema (or is left out).

Applied to every result (successes, errors, interrupted conversations, validation errors), whatever produced
it, so no path can hand the agent a lone surrogate (which kills the JSON-RPC writer), the configured key
echoed by PostHog or a proxy, or megabytes of error text.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, cast

import mcp_types as types

from ..logs import one_line
from ..posthog.json_text import clean_data, clean_text, has_lone_surrogate

logger = logging.getLogger("posthog_environments_mcp.output")

KEY_MASK = "[redacted: API key]"
_MIN_SECRET = 8
CUT_NOTICE = "\n…[cut: {more} more characters not shown. {how}]"
DEFAULT_HOW = "Narrow the request to see the rest."


def cut_with_notice(text: str, room: int, how: str = DEFAULT_HOW) -> str:
    """``text`` within ``room`` characters, ending with a marked notice of what was left out and how to get it."""
    if len(text) <= room:
        return text
    notice_room = len(CUT_NOTICE) + len(how) + 12
    keep = max(0, room - notice_room)
    return text[:keep] + CUT_NOTICE.format(more=len(text) - keep, how=how)


def _scrub(text: str, secret: str | None) -> str:
    """``text`` without lone surrogates or the key; ``text`` itself (no copy) when it holds neither."""
    if has_lone_surrogate(text):
        text = clean_text(text)
    if secret is not None and secret in text:
        text = text.replace(secret, KEY_MASK)
    return text


def _scrub_data(data: Any, secret: str | None, text: str | None = None) -> Any:
    """Structured content without lone surrogates or the key (it is at most a budget large: one dump); ``data``
    itself when it holds neither.

    ``text`` is the data's JSON when the caller already has it (``ensure_ascii=False``, any separators: strings
    are spelled the same either way, and only strings can hold a surrogate or the key); only a cleaned or
    redacted result costs another dump."""
    text = text if text is not None else json.dumps(data, ensure_ascii=False, allow_nan=True)
    if has_lone_surrogate(text):
        data = clean_data(data)
        text = json.dumps(data, ensure_ascii=False, allow_nan=True)
    if secret is not None and secret in text:
        return json.loads(text.replace(secret, KEY_MASK))
    return data


def _scrub_link(link: types.ResourceLink, secret: str | None) -> types.ResourceLink:
    name = _scrub(link.name, secret)
    title = _scrub(link.title, secret) if link.title is not None else None
    if name is link.name and title is link.title:
        return link
    return link.model_copy(update={"name": name, "title": title})


def finish(
    result: types.CallToolResult,
    *,
    secret: str | None,
    budget: int,
    how: str = DEFAULT_HOW,
    structured_text: str | None = None,
) -> types.CallToolResult:
    """The result as the agent may see it (see the module docstring); texts share ``budget`` characters.

    ``structured_text``: the compact JSON of the structured content, when the caller made it already; when it is
    also a text block found clean, the structured content needs no second scan. A result that needs no change
    is returned as it is (the common case: no copies)."""
    secret = secret if secret is not None and len(secret) >= _MIN_SECRET else None
    room = budget
    content: list[types.ContentBlock] = []
    structured_clean = False
    for block in result.content:
        if isinstance(block, types.TextContent):
            scrubbed = _scrub(block.text, secret)
            if scrubbed is block.text and structured_text is not None and block.text == structured_text:
                structured_clean = True  # the same characters, just scanned: no surrogate, no key
            text = cut_with_notice(scrubbed, max(room, 0), how)
            room -= len(text)
            content.append(block if text is block.text else block.model_copy(update={"text": text}))
        elif isinstance(block, types.ResourceLink):
            content.append(_scrub_link(block, secret))
        else:
            content.append(block)
    structured: Any = result.structured_content  # pyright: ignore[reportUnknownMemberType]
    shown = structured if structured is None or structured_clean else _scrub_data(structured, secret, structured_text)
    if shown is structured and all(new is old for new, old in zip(content, result.content, strict=True)):
        return result
    return result.model_copy(update={"content": content, "structured_content": shown})


Check = Callable[[Any], object]
"""A compiled schema: returns when the data is valid, raises ``ValueError`` (with a message) when it is not."""

_SAME_IN_EVERY_DRAFT = frozenset(
    {"type", "properties", "required", "anyOf", "items", "additionalProperties", "minLength", "maxLength"}
)
"""Keywords that mean the same in draft-07 (what ``fastjsonschema`` implements) as in 2020-12 (what clients use),
here and in ``jsonschema``; ``items`` only as one schema."""
_ANNOTATIONS = frozenset({"description", "title", "examples", "default", "format"})
"""Dropped before compiling: they never decide validity (formats are not asserted, and ``default`` would make
``fastjsonschema`` fill the data in)."""


def _compilable(schema: Any) -> dict[str, Any] | None:
    """A copy of ``schema`` without annotations, if it only uses ``_SAME_IN_EVERY_DRAFT``; else None."""
    if not isinstance(schema, dict):
        return None
    node = cast(dict[str, Any], schema)
    kept: dict[str, Any] = {}
    for keyword, value in node.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword not in _SAME_IN_EVERY_DRAFT:
            return None
        if keyword == "properties":
            properties = {name: _compilable(sub) for name, sub in cast(dict[str, Any], value).items()}
            if any(sub is None for sub in properties.values()):
                return None
            value = properties
        elif keyword == "anyOf":
            branches = [_compilable(sub) for sub in cast(list[Any], value)]
            if any(sub is None for sub in branches):
                return None
            value = branches
        elif keyword == "items" or (keyword == "additionalProperties" and not isinstance(value, bool)):
            value = _compilable(value)
            if value is None:
                return None
        kept[keyword] = value
    if kept.keys() == {"anyOf"}:
        return _one_node(kept["anyOf"]) or kept
    return kept


_OWN_KEYWORDS = {
    "object": frozenset({"properties", "required", "additionalProperties"}),
    "array": frozenset({"items"}),
    "string": frozenset({"minLength", "maxLength"}),
}
"""Keywords that only ever judge values of one type: a value of another type passes them."""


def _one_node(branches: list[dict[str, Any]]) -> dict[str, Any] | None:
    """``anyOf`` branches of distinct single types, each with only its own type's keywords, as one node with a
    type list (the nullable ``[{type: X, ...}, {type: null}]`` above all): the same verdicts, and a fraction of
    the generated code, which is what start-up memory pays for (compiling it is the first call's largest cost)."""
    merged: dict[str, Any] = {}
    types: list[str] = []
    for branch in branches:
        kind = branch.get("type")
        if not isinstance(kind, str) or kind in types:
            return None
        rest = branch.keys() - {"type"}
        if not rest <= _OWN_KEYWORDS.get(kind, frozenset()):
            return None
        types.append(kind)
        merged.update({keyword: branch[keyword] for keyword in rest})
    return {"type": types, **merged} if types else None


def _compile(schema: dict[str, Any]) -> Check:
    """The fastest exact check for ``schema``: ``fastjsonschema``'s generated code (microseconds) when the schema
    only uses keywords that mean the same in its draft, else ``jsonschema`` itself. Imported on first use."""
    plain = _compilable(schema)
    if plain is not None:
        import fastjsonschema

        return fastjsonschema.compile(plain, use_formats=False, detailed_exceptions=False)  # messages keep the path
    from jsonschema import Draft202012Validator, ValidationError
    from jsonschema.protocols import Validator

    validator = cast(Validator, Draft202012Validator(schema))  # the protocol is fully typed, the class is not

    def check(data: Any) -> None:
        error = next(iter(validator.iter_errors(data)), None)
        if error is not None:
            where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
            raise ValueError(f"{where}: {error.validator}") from ValidationError(error.message)

    return check


class OutputSchemas:
    """Checks structured content against each tool's published output schema, as strict clients do; a mismatch
    is logged once per tool and the content is then sent as text only.

    Each tool's check is compiled once, on its first result (``_compile``): the same verdict as ``jsonschema``
    (what clients validate with; tests/server/test_output_schema_check.py compares them on every published schema)
    in a few microseconds instead of hundreds, and neither library is loaded at start-up."""

    def __init__(self) -> None:
        self._checks: dict[str, Check | None] = {}
        self._reported: set[str] = set()

    def _check(self, tool: types.Tool) -> Check | None:
        if tool.name not in self._checks:
            schema = tool.output_schema
            self._checks[tool.name] = _compile(schema) if schema is not None else None
        return self._checks[tool.name]

    def accepts(self, tool: types.Tool, data: Any) -> bool:
        check = self._check(tool)
        if check is None:
            return tool.output_schema is None
        try:
            check(data)
        except ValueError as error:  # fastjsonschema's JsonSchemaValueException is one
            if tool.name not in self._reported:
                self._reported.add(tool.name)
                logger.warning(
                    "%s: PostHog's answer does not match the published output schema (%s); sending it as text "
                    "only, without structuredContent (logged once per tool)",
                    tool.name,
                    one_line(str(error))[:160],
                )
            return False
        return True
