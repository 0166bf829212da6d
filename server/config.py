"""Settings from the environment and the command line, checked once at start-up.

A bad setting is reported in words a person can act on. A missing API key is not fatal: the server still
starts and lists its tools, and every call explains how to set one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

HOST_ALIASES: Mapping[str, str] = {
    "us": "https://us.posthog.com",
    "eu": "https://eu.posthog.com",
}
DEFAULT_HOST = HOST_ALIASES["us"]
_INGESTION_HOSTS = {"us.i.posthog.com", "eu.i.posthog.com"}
_PROJECT_ID = re.compile(r"^([0-9]{1,20}|@current)$")

KEY_HELP = (
    "Create a personal API key in PostHog (Settings → Personal API keys, https://us.posthog.com/settings/user-api-keys"
    " or the same page on your host) and set POSTHOG_API_KEY (or POSTHOG_PERSONAL_API_KEY) in the MCP client's "
    "configuration, or start the server with --sandbox to try it without an account."
)


TUNING: Mapping[str, tuple[str, float, float]] = {
    "call_timeout": ("POSTHOG_MCP_CALL_TIMEOUT", 1, 3600),
    "connect_timeout": ("POSTHOG_MCP_CONNECT_TIMEOUT", 0.1, 300),
    "read_timeout": ("POSTHOG_MCP_READ_TIMEOUT", 0.1, 3600),
    "max_concurrency": ("POSTHOG_MCP_MAX_CONCURRENCY", 1, 256),
    "max_retries": ("POSTHOG_MCP_MAX_RETRIES", 0, 10),
    "retry_max_wait": ("POSTHOG_MCP_RETRY_MAX_WAIT", 0, 600),
    "max_response_bytes": ("POSTHOG_MCP_MAX_RESPONSE_BYTES", 1000, 1_000_000_000),
    "result_budget_chars": ("POSTHOG_MCP_RESULT_BUDGET_CHARS", 2000, 10_000_000),
    "poll_interval": ("POSTHOG_MCP_POLL_INTERVAL", 0.05, 3600),
    "resource_page_size": ("POSTHOG_MCP_RESOURCE_PAGE_SIZE", 1, 1000),
}
"""Numeric settings read from the environment: field name → (variable, lowest, highest)."""


class ConfigError(ValueError):
    """A setting that cannot work; the message names the setting and the fix."""


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    """The one reading of a boolean setting: the documented words, case-insensitive, or a ``ConfigError``.

    Anything else is refused rather than guessed, so a typo in ``POSTHOG_MCP_READ_ONLY`` cannot fail open.
    """
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name} {raw!r} is not a boolean. Use one of 1/0, true/false, yes/no, on/off.")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the server is configured with. ``api_key`` is a ``SecretStr`` so it never shows in a repr."""

    api_key: SecretStr | None = None
    host: str = DEFAULT_HOST
    project_id: str | None = None
    call_timeout: float = 120.0
    """Deadline for one tool call, retries included."""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    """Longest silence accepted from PostHog while reading a response or an event stream."""
    max_concurrency: int = 8
    """Upstream requests in flight at once; further calls queue."""
    max_retries: int = 3
    retry_max_wait: float = 30.0
    """Bound on the total time spent waiting between retries of one call."""
    max_response_bytes: int = 20_000_000
    result_budget_chars: int = 90_000
    """Largest tool result text (about 25k tokens); larger results are cut with instructions for the rest."""
    poll_interval: float = 5.0
    """How often subscribed resources are re-read from PostHog (only while someone is subscribed)."""
    resource_page_size: int = 50
    """Resources per ``resources/list`` page."""
    read_only: bool = False
    toolsets: frozenset[str] | None = None
    log_level: str = "INFO"
    sandbox: bool = False
    schema_profile: str | None = None
    """Force one schema profile (``server/schema_profiles.py``) instead of choosing it from ``clientInfo``."""

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def normalise_host(raw: str) -> str:
    """``us``/``eu`` or an http(s) URL, without a trailing slash or path."""
    value = raw.strip()
    if value.lower() in HOST_ALIASES:
        return HOST_ALIASES[value.lower()]
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"POSTHOG_HOST {value!r} is not a URL. Use 'us', 'eu', or the address of your PostHog, "
            "e.g. https://posthog.example.com"
        )
    if parts.hostname in _INGESTION_HOSTS:
        raise ConfigError(
            f"POSTHOG_HOST {value!r} is an ingestion host; it does not serve the API. "
            f"Use {HOST_ALIASES['eu' if parts.hostname.startswith('eu') else 'us']} instead."
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"POSTHOG_HOST {value!r} must be just scheme and host, e.g. https://us.posthog.com")
    return f"{parts.scheme}://{parts.netloc}"


def check_api_key(raw: str) -> SecretStr:
    value = raw.strip()
    if any(ch.isspace() for ch in value):
        raise ConfigError("POSTHOG_API_KEY contains spaces or line breaks; paste the key alone.")
    if value.startswith("phc_"):
        raise ConfigError(
            "POSTHOG_API_KEY holds a project API key (phc_…), which can only send events. "
            "This server needs a personal API key (phx_…). " + KEY_HELP
        )
    return SecretStr(value)


def check_project_id(raw: str) -> str:
    value = raw.strip()
    if not _PROJECT_ID.match(value):
        raise ConfigError(
            f"POSTHOG_PROJECT_ID {value!r} is not a project id. Use the number shown in your PostHog URL "
            "(/project/<id>/) or leave it unset and pass project_id to each tool."
        )
    return value


def check_toolsets(raw: str, known: frozenset[str]) -> frozenset[str]:
    names = frozenset(part.strip() for part in raw.split(",") if part.strip())
    unknown = names - known
    if unknown:
        raise ConfigError(f"Unknown toolset(s) {sorted(unknown)}; choose from {sorted(known)}.")
    return names


def check_schema_profile(raw: str) -> str:
    from .schema_profiles import parse_profile

    try:
        return parse_profile(raw).value
    except ValueError as error:
        raise ConfigError(f"POSTHOG_MCP_SCHEMA_PROFILE: {error}.") from None


@dataclass(frozen=True, slots=True)
class RawSettings:
    """Setting values as given (flags win over environment), before checking."""

    api_key: str | None = None
    host: str | None = None
    project_id: str | None = None
    toolsets: str | None = None
    read_only: bool | None = None
    log_level: str | None = None
    schema_profile: str | None = None
    tuning: Mapping[str, str] = field(default_factory=dict[str, str])
    """Raw values of the ``TUNING`` settings, by field name."""


def from_environment(environ: Mapping[str, str] | None = None) -> RawSettings:
    env = os.environ if environ is None else environ
    read_only = env.get("POSTHOG_MCP_READ_ONLY")
    return RawSettings(
        api_key=env.get("POSTHOG_API_KEY") or env.get("POSTHOG_PERSONAL_API_KEY") or None,
        host=env.get("POSTHOG_HOST") or None,
        project_id=env.get("POSTHOG_PROJECT_ID") or None,
        toolsets=env.get("POSTHOG_MCP_TOOLSETS") or None,
        read_only=parse_bool("POSTHOG_MCP_READ_ONLY", read_only) if read_only else None,
        log_level=env.get("POSTHOG_MCP_LOG_LEVEL") or None,
        schema_profile=env.get("POSTHOG_MCP_SCHEMA_PROFILE") or None,
        tuning={name: env[var] for name, (var, _low, _high) in TUNING.items() if env.get(var)},
    )


def _number(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {value:g}.")
    return value


def build_settings(raw: RawSettings, known_toolsets: frozenset[str]) -> Settings:
    """Check every raw value; raise ``ConfigError`` naming the first bad one."""
    log_level = (raw.log_level or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"Log level {raw.log_level!r} is not one of DEBUG, INFO, WARNING, ERROR.")
    return Settings(
        api_key=check_api_key(raw.api_key) if raw.api_key else None,
        host=normalise_host(raw.host) if raw.host else DEFAULT_HOST,
        project_id=check_project_id(raw.project_id) if raw.project_id else None,
        toolsets=check_toolsets(raw.toolsets, known_toolsets) if raw.toolsets else None,
        read_only=bool(raw.read_only),
        log_level=log_level,
        schema_profile=check_schema_profile(raw.schema_profile) if raw.schema_profile else None,
        **_tuning(raw.tuning),
    )


def _tuning(raw: Mapping[str, str]) -> dict[str, Any]:
    types_by_name = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    for name, text in raw.items():
        var, low, high = TUNING[name]
        number = _number(var, text, low, high)
        values[name] = int(number) if types_by_name[name] in ("int", int) else number
    return values
