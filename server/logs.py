"""Logging to stderr only (stdout carries the MCP protocol), with the API key scrubbed from every line and every
message kept on one line (upstream text with newlines cannot forge log lines)."""

from __future__ import annotations

import logging
import re
import sys

from pydantic import SecretStr

LOGGER_NAME = "posthog_environments_mcp"
_MASK = "phx_***"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters escaped (``\\n``, ``\\x1b``), so it stays on one
    line of a log or of a message's first line."""
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class RedactSecrets(logging.Filter):
    """Defence in depth: even if a key slipped into a message or argument, it is masked before output; every
    message is escaped onto one line."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = one_line(message)
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, _MASK)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, secret: SecretStr | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets([secret.get_secret_value()] if secret else []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger(LOGGER_NAME).setLevel(level)
