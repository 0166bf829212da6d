"""A faithful local stand-in for PostHog's Environments API: the ``--sandbox`` upstream and the test upstream.

from posthog_environments_mcp.sandbox import SandboxServer, SandboxState, Fault

with SandboxServer() as sb:          # real HTTP on loopback
    sb.base_url, sb.api_key, sb.state
"""

from __future__ import annotations

from .app import create_app
from .faults import Fault
from .requestlog import RecordedRequest
from .server import SandboxServer
from .state import SandboxState

__all__ = ["Fault", "RecordedRequest", "SandboxServer", "SandboxState", "create_app"]
