"""What a prompt builder needs to read PostHog, and how a failed read becomes an MCP error naming the argument."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

from ..posthog.http import PostHogHTTP, QueryValue, UpstreamRequest, render_path
from ..posthog.target import Target
from ..posthog.upstream_errors import UpstreamFailure, advice
from ..resources.reader import ResourceReader, read_resource


@dataclass(frozen=True, slots=True)
class PromptContext:
    http: PostHogHTTP
    target: Target
    project_id: str
    protocol_version: str | None
    budget: int
    """The size budget an embedded resource is cut to, as ``resources/read`` cuts it."""

    async def embed(self, uri: str) -> list[types.EmbeddedResource]:
        """The resource at ``uri`` read exactly as ``resources/read`` serves it (Markdown first)."""
        result = await read_resource(
            ResourceReader(self.http), self.target, uri, self.protocol_version, budget=self.budget
        )
        return [types.EmbeddedResource(resource=result.contents[0])]

    async def get(
        self,
        template: str,
        values: Mapping[str, str],
        *,
        argument: str,
        scope: str,
        params: Mapping[str, QueryValue] | None = None,
    ) -> Any:
        """GET one PostHog path for a prompt; 404 names ``argument``, other failures carry PostHog's answer."""
        request = UpstreamRequest(
            method="GET",
            project_id=self.project_id,
            path=render_path(template, dict(values)),
            template=template,
            params=dict(params or {}),
            retry_safe=True,
        )
        try:
            return (await self.http.send(self.target, request)).data
        except UpstreamFailure as failure:
            text = advice(failure, operation=f"Preparing the prompt (reading {template})", scopes=(scope,))
            if failure.status == 404:
                raise MCPError(
                    types.INVALID_PARAMS,
                    f"`{argument}` {next(iter(values.values()), '')!r} was not found in project "
                    f"{self.project_id}; pass an existing one (argument completion lists them).\n{text}",
                    {"argument": argument},
                ) from failure
            raise MCPError(types.INTERNAL_ERROR, text, {"argument": argument, "status": failure.status}) from failure
