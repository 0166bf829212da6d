"""A faithful local stand-in for PostHog's Environments API: the ``--sandbox`` upstream and the test upstream.

from sandbox import SandboxServer, SandboxState, Fault

with SandboxServer() as sb:          # real HTTP on loopback
    sb.base_url, sb.api_key, sb.state
"""

from __future__ import annotations

from sandbox.app import create_app
from sandbox.faults import Fault
from sandbox.requestlog import RecordedRequest
from sandbox.server import SandboxServer
from sandbox.state import SandboxState

__all__ = ["Fault", "RecordedRequest", "SandboxServer", "SandboxState", "create_app"]
