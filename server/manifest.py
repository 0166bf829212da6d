"""The published tool definitions, precomputed from the catalog and shipped as JSON.

Generating 32 JSON schemas with pydantic takes longer than the rest of start-up, and start-up is what a desktop
client waits for. So the definitions are generated once, committed (``server/tool_manifest.json``, also a
readable record of every tool's contract), and loaded at start-up; the catalog's pydantic models are imported
only when the first tool is called. A test fails when the file is not what the catalog generates; regenerate it
with ``python -m posthog_environments_mcp.server.manifest``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

MANIFEST_PATH = Path(__file__).with_name("tool_manifest.json")


def generate_manifest() -> list[dict[str, Any]]:
    """Every catalog operation's published definition (with a default project), plus what filters need."""
    from ..tools.catalog import CATALOG
    from .registry import build_tool

    return [
        {
            "area": op.area,
            "read_only": op.read_only,
            "tool": build_tool(op).tool.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        for op in CATALOG
    ]


def render(manifest: list[dict[str, Any]]) -> str:
    return json.dumps(manifest, indent=1, ensure_ascii=False) + "\n"


def load_manifest() -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], json.loads(MANIFEST_PATH.read_text(encoding="utf-8")))


def main() -> None:
    MANIFEST_PATH.write_text(render(generate_manifest()), encoding="utf-8")
    print(f"wrote {MANIFEST_PATH}")


if __name__ == "__main__":
    main()
