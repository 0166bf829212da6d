"""The last step of every tool call: what the agent receives is encodable, carries no key, fits one budget, and
its structured content matches the tool's published output schema (or is left out).

Applied to every result (successes, errors, interrupted conversations, validation errors), whatever produced
it, so no path can hand the agent a lone surrogate (which kills the JSON-RPC writer), the configured key
echoed by PostHog or a proxy, or megabytes of error text.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import mcp_types as types
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

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
    text = clean_text(text)
    if secret is not None and secret in text:
        text = text.replace(secret, KEY_MASK)
    return text


def _scrub_data(data: Any, secret: str | None) -> Any:
    """Structured content without lone surrogates or the key (it is at most a budget large: one dump)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=True)
    if has_lone_surrogate(text):
        data = clean_data(data)
        text = json.dumps(data, ensure_ascii=False, allow_nan=True)
    if secret is not None and secret in text:
        return json.loads(text.replace(secret, KEY_MASK))
    return data


def finish(
    result: types.CallToolResult, *, secret: str | None, budget: int, how: str = DEFAULT_HOW
) -> types.CallToolResult:
    """The result as the agent may see it (see the module docstring); texts share ``budget`` characters."""
    secret = secret if secret is not None and len(secret) >= _MIN_SECRET else None
    room = budget
    content: list[types.ContentBlock] = []
    for block in result.content:
        if isinstance(block, types.TextContent):
            text = cut_with_notice(_scrub(block.text, secret), max(room, 0), how)
            room -= len(text)
            content.append(block.model_copy(update={"text": text}))
        elif isinstance(block, types.ResourceLink):
            content.append(
                block.model_copy(
                    update={
                        "name": _scrub(block.name, secret),
                        "title": _scrub(block.title, secret) if block.title is not None else None,
                    }
                )
            )
        else:
            content.append(block)
    structured: Any = result.structured_content  # pyright: ignore[reportUnknownMemberType]
    update: dict[str, Any] = {"content": content}
    if structured is not None:
        update["structured_content"] = _scrub_data(structured, secret)
    return result.model_copy(update=update)


class OutputSchemas:
    """Checks structured content against each tool's published output schema, as strict clients do; a mismatch
    is logged once per tool and the content is then sent as text only."""

    def __init__(self) -> None:
        self._validators: dict[str, Validator | None] = {}
        self._reported: set[str] = set()

    def _validator(self, tool: types.Tool) -> Validator | None:
        if tool.name not in self._validators:
            schema = tool.output_schema
            validator: Validator | None = None
            if schema is not None:
                try:
                    cls = validator_for(schema, default=Draft202012Validator)
                    validator = cls(schema)
                except SchemaError:  # pragma: no cover - the manifest test checks every published schema
                    validator = None
            self._validators[tool.name] = validator
        return self._validators[tool.name]

    def accepts(self, tool: types.Tool, data: Any) -> bool:
        validator = self._validator(tool)
        if validator is None:
            return tool.output_schema is None
        error = next(iter(validator.iter_errors(data)), None)
        if error is None:
            return True
        if tool.name not in self._reported:
            self._reported.add(tool.name)
            where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
            logger.warning(
                "%s: PostHog's answer does not match the published output schema at %s (%s); sending it as text "
                "only, without structuredContent (logged once per tool)",
                tool.name,
                one_line(where)[:120],
                one_line(error.validator if isinstance(error.validator, str) else "schema")[:40],
            )
        return False
