"""Log lines built from upstream text stay one line each (a newline in PostHog's detail cannot forge a log
line), and the key is masked in them, through the server's own logging set-up."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from posthog_environments_mcp.server.logs import LOGGER_NAME, configure_logging

KEY = "phx_" + "k" * 40


def test_newlines_from_upstream_text_cannot_forge_log_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", SecretStr(KEY))
    forged = "not found\n2026-12-01 16:00:00,000 ERROR posthog_environments_mcp: key " + KEY + "\r\x1b[2J"
    try:
        logging.getLogger(f"{LOGGER_NAME}.resources").warning("completion failed: %s", forged)
    finally:
        logging.getLogger().handlers.clear()

    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].endswith(
        "completion failed: not found\\n2026-12-01 16:00:00,000 ERROR posthog_environments_mcp: key phx_***\\r\\x1b[2J"
    )
