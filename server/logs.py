"""Logging to stderr only (stdout carries the MCP protocol), with the API key scrubbed from every line."""

from __future__ import annotations

import logging
import sys

from pydantic import SecretStr

LOGGER_NAME = "posthog_environments_mcp"
_MASK = "phx_***"


class RedactSecrets(logging.Filter):
    """Defence in depth: even if a key slipped into a message or argument, it is masked before output."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            if any(secret in message for secret in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, _MASK)
                record.msg, record.args = message, None
        return True


def configure_logging(level: str, secret: SecretStr | None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets([secret.get_secret_value()] if secret else []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger(LOGGER_NAME).setLevel(level)
