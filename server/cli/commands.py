"""The one-shot commands: ``tools``, ``call`` and ``check``. They use the same registry and executor as MCP."""

from __future__ import annotations

import json
import sys
from typing import Any, cast

import mcp_types as types

from ..config import Settings
from ..handlers.app import build_registry, open_state


def print_tool_table(settings: Settings) -> int:
    registry = build_registry(settings)
    width = max(len(entry.operation.name) for entry in registry)
    for entry in registry:
        op = entry.operation
        flags = "read-only" if op.read_only else ("destructive" if op.destructive else "writes")
        print(f"{op.name:<{width}}  {op.method:<6} {op.path:<48} {', '.join(op.scopes):<32} {flags}")
    print(f"\n{len(registry)} tools", file=sys.stderr)
    return 0


def _render(result: types.CallToolResult) -> tuple[str, list[str]]:
    """The result as one JSON document for stdout, and the lines for stderr (notes, resource links).

    Success: the tool's JSON result. An error result: ``{"isError": true, "message": ...}``, so a pipeline can
    still parse it (the message also goes to stderr for the person at the terminal).
    """
    texts = [block.text for block in result.content if isinstance(block, types.TextContent)]
    side: list[str] = [
        f"resource: {block.uri}  ({block.title or block.name})"
        for block in result.content
        if isinstance(block, types.ResourceLink)
    ]
    if result.is_error:
        message = "\n".join(texts)
        return json.dumps({"isError": True, "message": message}, indent=2, ensure_ascii=False), [message, *side]
    first, notes = (texts[0], texts[1:]) if texts else ("", [])
    try:
        data: Any = json.loads(first)
    except ValueError:
        data = {"message": first}
    return json.dumps(data, indent=2, ensure_ascii=False), [*notes, *side]


async def _progress_to_stderr(done: float, message: str | None) -> None:
    print(f"progress: {message or done}", file=sys.stderr, flush=True)


async def run_call(settings: Settings, tool: str, arguments: Any) -> int:
    """One tool call for shells: the result JSON alone on stdout; exit 0 success, 1 error result, 2 usage."""
    if not isinstance(arguments, dict):
        print("The arguments must be a JSON object, e.g. '{\"limit\": 5}'.", file=sys.stderr)
        return 2
    registry = build_registry(settings)
    entry = registry.get(tool)
    if entry is None:
        print(f"Unknown tool {tool!r}. Run `posthog-environments-mcp tools` for the list.", file=sys.stderr)
        return 2
    async with open_state(settings, registry) as state:
        refused = state.confirmation.without_client(entry)
        result = refused or await state.executor.call(
            entry, cast(dict[str, Any], arguments), state.target(), _progress_to_stderr
        )
    document, side = _render(result)
    for line in side:
        print(line, file=sys.stderr)
    print(document, flush=True)
    return 1 if result.is_error else 0


async def run_check(settings: Settings) -> int:
    """Probe the catalog's declared read per area and say, per area, whether the key works."""
    print(f"Host: {settings.host}")
    print(f"API key: {'set' if settings.api_key else 'NOT SET'}")
    print(f"Default project: {settings.project_id or 'not set'}")
    if settings.api_key is None or settings.project_id is None:
        print("Set POSTHOG_API_KEY and POSTHOG_PROJECT_ID (or --api-key/--project-id), then run check again.")
        return 1
    from ...tools.catalog import CATALOG  # the probes are declared on the operations (``check_arguments``)

    registry = build_registry(settings.with_overrides(read_only=False, toolsets=None))
    failures = 0
    async with open_state(settings, registry) as state:
        for op in CATALOG:
            entry = registry.get(op.name)
            if op.check_arguments is None or entry is None:
                continue
            name = op.name
            result = await state.executor.call(entry, dict(op.check_arguments), state.target())
            if result.is_error:
                failures += 1
                first = result.content[0]
                detail = first.text.splitlines() if isinstance(first, types.TextContent) else ["error"]
                print(f"  ✗ {name}: " + " | ".join(line for line in detail[1:] if line))
            else:
                print(f"  ✓ {name}")
    print("All checks passed." if failures == 0 else f"{failures} check(s) failed; see the next steps above.")
    return 0 if failures == 0 else 1
