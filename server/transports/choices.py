"""Per-request choices in the MCP URL's query (``/mcp?project_id=2&read_only=true&toolsets=…&tools=…``).

They can only narrow what the deployment offers: ``read_only=false`` on a read-only deployment stays read-only,
a toolset or tool the deployment does not offer is refused. A bad value is refused with HTTP 400 naming the
parameter, before anything reaches PostHog. There is no choice of upstream: the host is the deployment's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import ConfigError, Settings, check_project_id, parse_bool
from ..definitions.registry import ToolEntry, ToolRegistry
from ..handlers.app import build_registry
from ..handlers.caller import ToolView

KNOWN = ("project_id", "read_only", "toolsets", "tools")


class ChoiceError(ValueError):
    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


@dataclass(frozen=True, slots=True)
class Choices:
    project_id: str | None = None
    read_only: bool = False
    toolsets: frozenset[str] | None = None
    tools: frozenset[str] | None = None

    def allows(self, entry: ToolEntry) -> bool:
        annotations = entry.tool.annotations
        if self.read_only and not (annotations is not None and annotations.read_only_hint):
            return False
        if self.toolsets is not None and entry.area not in self.toolsets:
            return False
        return self.tools is None or entry.tool.name in self.tools

    def canonical(self) -> str:
        """A stable spelling, part of the caller's isolation key."""
        sets = ",".join(sorted(self.toolsets)) if self.toolsets is not None else "*"
        tools = ",".join(sorted(self.tools)) if self.tools is not None else "*"
        return f"project={self.project_id or ''};read_only={self.read_only};toolsets={sets};tools={tools}"


def _single(query: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = query.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise ChoiceError(name, f"Query parameter {name!r} was given {len(values)} times; give it once.")
    return values[0]


def _names(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def parse_choices(query: Mapping[str, Sequence[str]], settings: Settings, areas: frozenset[str]) -> Choices:
    """Check the query against what the deployment offers; raise ``ChoiceError`` naming the first bad one."""
    unknown = sorted(set(query) - set(KNOWN))
    if unknown:
        accepted = ", ".join(KNOWN)
        raise ChoiceError(unknown[0], f"Unknown query parameter {unknown[0]!r}; the MCP URL accepts {accepted}.")
    project = _single(query, "project_id")
    if project is not None:
        try:
            project = check_project_id(project)
        except ConfigError:
            raise ChoiceError("project_id", f"project_id {project!r} is not a project id (digits only).") from None
    read_only_text = _single(query, "read_only")
    try:
        read_only = parse_bool("read_only", read_only_text) if read_only_text is not None else False
    except ConfigError as error:
        raise ChoiceError("read_only", str(error)) from None
    toolsets: frozenset[str] | None = None
    if (raw := _single(query, "toolsets")) is not None:
        toolsets = _names(raw)
        offered = settings.toolsets if settings.toolsets is not None else areas
        if not toolsets or toolsets - offered:
            raise ChoiceError(
                "toolsets", f"toolsets {sorted(toolsets - offered)} not offered here; choose from {sorted(offered)}."
            )
    tools = _names(raw) if (raw := _single(query, "tools")) is not None else None
    if tools is not None and not tools:
        raise ChoiceError("tools", "tools is empty; give comma-separated tool names, or leave it out.")
    return Choices(project_id=project, read_only=read_only, toolsets=toolsets, tools=tools)


class CallerTools:
    """Each caller's tools: the deployment's own registry (whatever it filters), narrowed by the choices.

    The registry is built by the same ``build_registry`` as the deployment's, once per "has a default project"
    (a caller's ``project_id`` makes ``project_id`` optional in the schemas); the views hold no caller data.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._registries: dict[bool, ToolRegistry] = {}

    def view(self, choices: Choices) -> ToolView:
        project = choices.project_id or self._settings.project_id
        has_default = project is not None
        if has_default not in self._registries:
            self._registries[has_default] = build_registry(self._settings.with_overrides(project_id=project))
        view = ToolView(self._registries[has_default], choices.allows)
        if choices.tools is not None:
            missing = sorted(choices.tools - {tool.name for tool in view.tools})
            if missing:
                raise ChoiceError(
                    "tools",
                    f"tools {missing} not offered with these choices (the deployment, read_only and toolsets "
                    "narrow them first); call tools/list without 'tools' to see what is offered.",
                )
        return view
