"""Bytes of the published tool definitions, per tool and in total, for every schema profile.

- model-facing: ``{"name", "description", "inputSchema"}`` as compact JSON, what a model API is sent every turn;
- definition: the whole tool as ``tools/list`` carries it (title, annotations, output schema included);
- ``tools/list`` answer: the compact JSON of the whole ``ListToolsResult``.

Measured without a default project (``project_id`` required) unless ``--default-project`` is given. Bytes are
deterministic, so tests/server/definitions/test_schema_size.py asserts the same targets in both cases.
Usage: ``python bench/schema_size.py [--profile lean] [--default-project]``.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from posthog_environments_mcp.server.definitions.registry import ToolRegistry
from posthog_environments_mcp.server.definitions.schema_profiles import SchemaProfile

MODEL_FACING_TARGET = 20_000
TOOLS_LIST_TARGET = 60_000
PER_TOOL_TARGET = 8_000


def compact(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def wire(tool: types.Tool) -> dict[str, Any]:
    return tool.model_dump(mode="json", by_alias=True, exclude_none=True)


@dataclass(frozen=True)
class ToolSize:
    name: str
    model_facing: int
    definition: int


@dataclass(frozen=True)
class SizeReport:
    tools: list[ToolSize]
    tools_list: int

    @property
    def model_facing(self) -> int:
        return sum(tool.model_facing for tool in self.tools)

    @property
    def largest(self) -> ToolSize:
        return max(self.tools, key=lambda tool: tool.definition)


def measure(profile: SchemaProfile = SchemaProfile.LEAN, *, default_project: bool = False) -> SizeReport:
    tools = ToolRegistry(default_project=default_project).tools_for(profile)
    sizes = [
        ToolSize(
            name=tool.name,
            model_facing=compact({k: v for k, v in wire(tool).items() if k in ("name", "description", "inputSchema")}),
            definition=compact(wire(tool)),
        )
        for tool in tools
    ]
    answer = types.ListToolsResult(tools=tools).model_dump(mode="json", by_alias=True, exclude_none=True)
    return SizeReport(tools=sizes, tools_list=compact(answer))


def _verdict(value: int, target: int) -> str:
    return "met" if value <= target else f"missed by {value - target:,}"


def table(report: SizeReport) -> str:
    lines = ["| tool | model-facing | full definition |", "|---|---:|---:|"]
    lines += [f"| `{t.name}` | {t.model_facing:,} | {t.definition:,} |" for t in report.tools]
    return "\n".join(lines)


def summary(profile: SchemaProfile, report: SizeReport) -> str:
    largest = report.largest
    return "\n".join(
        [
            f"| {profile.value} | model-facing, all {len(report.tools)} tools | {report.model_facing:,} | "
            f"≤ {MODEL_FACING_TARGET:,} | {_verdict(report.model_facing, MODEL_FACING_TARGET)} |",
            f"| {profile.value} | full `tools/list` answer | {report.tools_list:,} | ≤ {TOOLS_LIST_TARGET:,} | "
            f"{_verdict(report.tools_list, TOOLS_LIST_TARGET)} |",
            f"| {profile.value} | largest definition (`{largest.name}`) | {largest.definition:,} | "
            f"≤ {PER_TOOL_TARGET:,} | {_verdict(largest.definition, PER_TOOL_TARGET)} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=[p.value for p in SchemaProfile], default=SchemaProfile.LEAN.value)
    parser.add_argument("--default-project", action="store_true", help="measure as with POSTHOG_PROJECT_ID set")
    args = parser.parse_args()
    chosen, default_project = SchemaProfile(args.profile), bool(args.default_project)
    print(table(measure(chosen, default_project=default_project)))
    print()
    print("| profile | measure | bytes | target | |\n|---|---|---:|---:|---|")
    for profile in SchemaProfile:
        print(summary(profile, measure(profile, default_project=default_project)))


if __name__ == "__main__":
    main()
