"""What the ``call`` command reads: its arguments (inline JSON, ``-`` for stdin, ``@FILE``) and where to send them
(``--sandbox-url``: a sandbox already running, so chained calls share its state)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from ..config import ConfigError, Settings, normalise_host


class UsageError(ValueError):
    """A ``call`` invocation that cannot run; the message says how to fix it (exit status 2)."""


def read_arguments(given: str) -> Any:
    """``given`` is JSON, ``-`` (read stdin) or ``@path`` (read a file)."""
    if given == "-":
        text, source = sys.stdin.read(), "stdin"
    elif given.startswith("@"):
        try:
            text, source = Path(given[1:]).read_text(encoding="utf-8"), given[1:]
        except OSError as error:
            raise UsageError(f"cannot read the arguments file {given[1:]!r}: {error.strerror or error}") from None
    else:
        text, source = given, "the arguments"
    try:
        return json.loads(text or "{}")
    except ValueError as error:
        raise UsageError(
            f"{source}: not JSON ({error}); pass an object like '{{\"limit\": 5}}', - to read stdin, or @FILE"
        ) from None


def at_running_sandbox(settings: Settings, url: str | None) -> Settings:
    """Point the settings at a sandbox started with ``posthog-environments-mcp sandbox`` (its all-scopes key)."""
    if url is None:
        return settings
    from ...sandbox.seed import DEFAULT_KEY

    try:
        host = normalise_host(url)
    except ConfigError as error:
        raise UsageError(f"--sandbox-url: {error}") from None
    return settings.with_overrides(
        host=host, api_key=SecretStr(DEFAULT_KEY), project_id=settings.project_id or "1", sandbox=True
    )
