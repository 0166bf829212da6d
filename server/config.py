"""Settings from the environment and the command line, checked once at start-up.

Every bad setting is reported (all of them at once, not just the first) in words a person can act on: the
setting's name, what is wrong with the value (never echoing a secret) and the fix. A missing API key is not
fatal: the server still starts and lists its tools, and every call explains how to set one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ParamSpec, TypeVar
from urllib.parse import SplitResult, urlsplit

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
    # resource subscriptions (server/resources/subscriptions.py)
    "max_subscriptions_per_session": ("POSTHOG_MCP_MAX_SUBSCRIPTIONS_PER_SESSION", 1, 10_000),
    "max_subscriptions": ("POSTHOG_MCP_MAX_SUBSCRIPTIONS", 1, 100_000),
    "poll_rate_limit": ("POSTHOG_MCP_POLL_RATE_LIMIT", 1, 1_000_000),
    "poll_rate_share": ("POSTHOG_MCP_POLL_RATE_SHARE", 0.01, 1),
    "subscription_lease_ttl": ("POSTHOG_MCP_SUBSCRIPTION_LEASE_TTL", 0.5, 600),
    # the per-key rate budget every worker of a deployment shares (server/shared/budget.py); 0 turns one off
    "rate_per_minute": ("POSTHOG_MCP_RATE_PER_MINUTE", 0, 1_000_000),
    "rate_per_hour": ("POSTHOG_MCP_RATE_PER_HOUR", 0, 100_000_000),
}
"""Numeric settings read from the environment: field name → (variable, lowest, highest)."""

BOOLEANS: Mapping[str, str] = {
    "read_only": "POSTHOG_MCP_READ_ONLY",
}
"""Boolean settings read from the environment (each through ``parse_bool``): field name → variable."""

SETTING_NAMES: Mapping[str, str] = {
    "api_key": "POSTHOG_API_KEY",
    "host": "POSTHOG_HOST",
    "project_id": "POSTHOG_PROJECT_ID",
    "toolsets": "POSTHOG_MCP_TOOLSETS",
    "tools": "POSTHOG_MCP_TOOLS",
    "exclude_tools": "POSTHOG_MCP_EXCLUDE_TOOLS",
    "log_level": "POSTHOG_MCP_LOG_LEVEL",
    "confirm_destructive": "POSTHOG_MCP_CONFIRM_DESTRUCTIVE",
    "state_key": "POSTHOG_MCP_STATE_KEY",
    "schema_profile": "POSTHOG_MCP_SCHEMA_PROFILE",
    "redis_url": "POSTHOG_MCP_REDIS_URL",
}
"""The environment variable of each text setting; an error names the flag instead when a flag gave the value."""

_P = ParamSpec("_P")
_T = TypeVar("_T")


class ConfigError(ValueError):
    """One or more settings that cannot work; each problem names the setting and the fix."""

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems


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
    max_subscriptions_per_session: int = 50
    """Resources one connection (2025 era) or one listen stream (2026-07-28) may follow."""
    max_subscriptions: int = 200
    """Distinct (credential, resource) pairs followed across the whole server."""
    poll_rate_limit: int = 480
    """PostHog's rate limit per key and minute for these reads (480/min for personal API keys)."""
    poll_rate_share: float = 0.1
    """The share of ``poll_rate_limit`` that polling subscriptions may spend, so tool calls keep the rest."""
    subscription_lease_ttl: float = 10.0
    """With Redis: seconds a worker's claim to poll one object lasts unless renewed (a dead holder's is taken over)."""
    read_only: bool = False
    toolsets: frozenset[str] | None = None
    tools: frozenset[str] | None = None
    """Allow-list of tool names (``None``: every tool); narrows what toolsets and read-only mode leave."""
    exclude_tools: frozenset[str] = frozenset()
    log_level: str = "INFO"
    sandbox: bool = False
    confirm_destructive: str = "auto"
    """Asking the person before a destructive tool runs: 'auto', 'off' or 'require' (server/calls/confirmation.py)."""
    state_key: SecretStr | None = None
    """Key sealing multi-round request state; shared by every worker of a deployment. Random per process if unset."""
    schema_profile: str | None = None
    """Force one schema profile (``server/definitions/schema_profiles.py``) instead of choosing it from
    ``clientInfo``."""
    rate_per_minute: int = 480
    rate_per_hour: int = 4800
    """Requests per PostHog key that the served workers together send (PostHog's published limits)."""
    redis_url: SecretStr | None = None
    """Redis shared by every worker of a deployment (``redis://`` or ``rediss://``); a secret, as it may hold a
    password. Unset: a single process keeps its state in memory."""

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def _split_url(name: str, value: str) -> SplitResult:
    """``value`` split, refusing credentials (never echoed) and a port outside 1-65535."""
    bad_url = (
        f"{name} {{shown!r}} is not a valid URL: {{why}}. Use 'us', 'eu', or the address of your PostHog, "
        "e.g. https://posthog.example.com or http://localhost:8000"
    )
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed IPv6 bracket
        raise ConfigError(bad_url.format(shown=value, why="its host cannot be read")) from None
    if "@" in parts.netloc:
        raise ConfigError(
            f"{name} contains a user name or password (…@{parts.netloc.rsplit('@', 1)[1]}); PostHog does not "
            "take credentials in the URL. Remove the part before '@' and put your personal API key in "
            "POSTHOG_API_KEY."
        )
    try:
        port = parts.port  # raises for a port that is not a number or is above 65535
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(bad_url.format(shown=value, why="its port must be a number from 1 to 65535"))
    return parts


def normalise_host(raw: str, name: str = "POSTHOG_HOST") -> str:
    """``us``/``eu`` or an http(s) URL, without a trailing slash or path, credentials or an impossible port."""
    value = raw.strip()
    if value.lower() in HOST_ALIASES:
        return HOST_ALIASES[value.lower()]
    parts = _split_url(name, value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{name} {value!r} is not a URL. Use 'us', 'eu', or the address of your PostHog, "
            "e.g. https://posthog.example.com"
        )
    if parts.hostname in _INGESTION_HOSTS:
        raise ConfigError(
            f"{name} {value!r} is an ingestion host; it does not serve the API. "
            f"Use {HOST_ALIASES['eu' if parts.hostname.startswith('eu') else 'us']} instead."
        )
    base = f"{parts.scheme}://{parts.netloc}"
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{name} must be just scheme and host, without a path or query: use {base}")
    return base


def check_api_key(raw: str, name: str = "POSTHOG_API_KEY") -> SecretStr:
    """Problems a key can have before PostHog sees it; the messages never contain the key."""
    value = raw.strip()
    if any(ch.isspace() for ch in value):
        raise ConfigError(f"{name} contains spaces or line breaks; paste the key alone.")
    if not value.isascii():
        raise ConfigError(
            f"{name} contains a character that is not plain ASCII (often a curly quote, an ellipsis or an "
            "invisible character picked up while copying). Copy the key again from PostHog and paste it alone."
        )
    if value.startswith("phc_"):
        raise ConfigError(
            f"{name} holds a project API key (phc_…), which can only send events. "
            "This server needs a personal API key (phx_…). " + KEY_HELP
        )
    return SecretStr(value)


def check_project_id(raw: str, name: str = "POSTHOG_PROJECT_ID") -> str:
    value = raw.strip()
    if not _PROJECT_ID.match(value):
        raise ConfigError(
            f"{name} {value!r} is not a project id. Use the number shown in your PostHog URL "
            "(/project/<id>/) or leave it unset and pass project_id to each tool."
        )
    return value


def _names(raw: str) -> frozenset[str]:
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def check_toolsets(raw: str, known: frozenset[str], name: str = "POSTHOG_MCP_TOOLSETS") -> frozenset[str]:
    names = _names(raw)
    unknown = names - known
    if unknown:
        raise ConfigError(f"{name} names unknown toolset(s) {sorted(unknown)}; choose from {sorted(known)}.")
    return names


def _did_you_mean(word: str, known: frozenset[str]) -> str:
    import difflib  # only a bad setting needs it

    close = difflib.get_close_matches(word, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_tool_names(raw: str, known: frozenset[str], name: str) -> frozenset[str]:
    """A comma-separated list of tool names, each one the server has (suggesting the closest for a typo)."""
    names = _names(raw)
    if not names:
        raise ConfigError(f"{name} names no tool. List tool names separated by commas, or unset it.")
    unknown = sorted(names - known)
    if unknown:
        hints = [f"{word!r}{_did_you_mean(word, known)}" for word in unknown]
        raise ConfigError(
            f"{name} names unknown tool(s) {', '.join(hints)}. Use comma-separated tool names from: "
            f"{', '.join(sorted(known))}."
        )
    return names


def check_schema_profile(raw: str, name: str = "POSTHOG_MCP_SCHEMA_PROFILE") -> str:
    from .definitions.schema_profiles import parse_profile

    try:
        return parse_profile(raw).value
    except ValueError as error:
        raise ConfigError(f"{name}: {error}.") from None


@dataclass(frozen=True, slots=True)
class RawSettings:
    """Setting values as given (flags win over environment), before checking."""

    api_key: str | None = None
    host: str | None = None
    project_id: str | None = None
    toolsets: str | None = None
    tools: str | None = None
    exclude_tools: str | None = None
    read_only: bool | None = None
    """Set by a flag; wins over ``booleans["read_only"]``."""
    log_level: str | None = None
    schema_profile: str | None = None
    redis_url: str | None = None
    tuning: Mapping[str, str] = field(default_factory=dict[str, str])
    """Raw values of the ``TUNING`` settings, by field name."""
    booleans: Mapping[str, str] = field(default_factory=dict[str, str])
    """Raw values of the ``BOOLEANS`` settings from the environment, by field name."""
    names: Mapping[str, str] = field(default_factory=dict[str, str])
    """Where a text setting came from when not its ``SETTING_NAMES`` variable (a flag, an alias variable)."""
    confirm_destructive: str | None = None
    state_key: str | None = None

    def name_of(self, setting: str) -> str:
        return self.names.get(setting, SETTING_NAMES.get(setting, setting))


def from_environment(environ: Mapping[str, str] | None = None) -> RawSettings:
    """The raw values only; checking (and reporting every problem) is ``build_settings``' job."""
    env = os.environ if environ is None else environ
    names = (
        {}
        if env.get("POSTHOG_API_KEY") or not env.get("POSTHOG_PERSONAL_API_KEY")
        else {"api_key": "POSTHOG_PERSONAL_API_KEY"}
    )
    return RawSettings(
        api_key=env.get("POSTHOG_API_KEY") or env.get("POSTHOG_PERSONAL_API_KEY") or None,
        host=env.get("POSTHOG_HOST") or None,
        project_id=env.get("POSTHOG_PROJECT_ID") or None,
        toolsets=env.get("POSTHOG_MCP_TOOLSETS") or None,
        tools=env.get("POSTHOG_MCP_TOOLS") or None,
        exclude_tools=env.get("POSTHOG_MCP_EXCLUDE_TOOLS") or None,
        log_level=env.get("POSTHOG_MCP_LOG_LEVEL") or None,
        schema_profile=env.get("POSTHOG_MCP_SCHEMA_PROFILE") or None,
        redis_url=env.get("POSTHOG_MCP_REDIS_URL") or None,
        tuning={name: env[var] for name, (var, _low, _high) in TUNING.items() if env.get(var)},
        booleans={name: env[var] for name, var in BOOLEANS.items() if env.get(var)},
        names=names,
        confirm_destructive=env.get("POSTHOG_MCP_CONFIRM_DESTRUCTIVE") or None,
        state_key=env.get("POSTHOG_MCP_STATE_KEY") or None,
    )


def _number(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} {raw!r} is not a number. Use a number from {low:g} to {high:g}.") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {value:g}.")
    return value


class _Problems:
    """Runs checks, keeping every problem instead of stopping at the first, so one restart fixes them all."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, check: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
        try:
            return check(*args, **kwargs)
        except ConfigError as error:
            self.found.extend(error.problems)
            return None


def _log_level(raw: str, name: str) -> str:
    level = raw.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigError(f"{name} {raw!r} is not a log level. Use DEBUG, INFO, WARNING or ERROR.")
    return level


def build_settings(
    raw: RawSettings, known_toolsets: frozenset[str], known_tools: frozenset[str] = frozenset()
) -> Settings:
    """Check every raw value; raise one ``ConfigError`` listing every bad one."""
    problems = _Problems()
    api_key = problems.check(check_api_key, raw.api_key, raw.name_of("api_key")) if raw.api_key else None
    host = problems.check(normalise_host, raw.host, raw.name_of("host")) if raw.host else DEFAULT_HOST
    project_id = problems.check(check_project_id, raw.project_id, raw.name_of("project_id")) if raw.project_id else None
    toolsets = (
        problems.check(check_toolsets, raw.toolsets, known_toolsets, raw.name_of("toolsets")) if raw.toolsets else None
    )
    tools = problems.check(check_tool_names, raw.tools, known_tools, raw.name_of("tools")) if raw.tools else None
    excluded = (
        problems.check(check_tool_names, raw.exclude_tools, known_tools, raw.name_of("exclude_tools"))
        if raw.exclude_tools
        else None
    )
    log_level = problems.check(_log_level, raw.log_level, raw.name_of("log_level")) if raw.log_level else "INFO"
    confirm = (
        problems.check(check_confirm_policy, raw.confirm_destructive, raw.name_of("confirm_destructive"))
        if raw.confirm_destructive
        else "auto"
    )
    state_key = problems.check(check_state_key, raw.state_key, raw.name_of("state_key")) if raw.state_key else None
    profile = (
        problems.check(check_schema_profile, raw.schema_profile, raw.name_of("schema_profile"))
        if raw.schema_profile
        else None
    )
    redis_url = problems.check(check_redis_url, raw.redis_url, raw.name_of("redis_url")) if raw.redis_url else None
    values: dict[str, Any] = {name: problems.check(_tuning_value, name, text) for name, text in raw.tuning.items()}
    values |= {name: problems.check(parse_bool, BOOLEANS[name], text) for name, text in raw.booleans.items()}
    if raw.read_only is not None:
        values["read_only"] = raw.read_only
    if problems.found:
        raise ConfigError(*problems.found)
    return Settings(
        api_key=api_key,
        host=host or DEFAULT_HOST,
        project_id=project_id,
        toolsets=toolsets,
        tools=tools,
        exclude_tools=excluded or frozenset(),
        log_level=log_level or "INFO",
        confirm_destructive=confirm or "auto",
        state_key=state_key,
        schema_profile=profile,
        redis_url=redis_url,
        **values,
    )


def check_redis_url(raw: str, name: str = "POSTHOG_MCP_REDIS_URL") -> SecretStr:
    """A ``redis://``/``rediss://``/``unix://`` URL; the message never shows it (it may hold a password)."""
    try:
        parts = urlsplit(raw.strip())
        parts.port  # noqa: B018 - raises for a port that is not a number or is out of range
    except ValueError:
        raise ConfigError(f"{name} cannot be read as a URL; use e.g. redis://127.0.0.1:6379/0") from None
    if parts.scheme not in ("redis", "rediss", "unix") or not (parts.hostname or parts.path):
        raise ConfigError(f"{name} must be a redis://, rediss:// or unix:// URL, e.g. redis://127.0.0.1:6379/0")
    return SecretStr(raw.strip())


CONFIRM_POLICIES = ("auto", "off", "require")


def check_confirm_policy(raw: str, name: str = "POSTHOG_MCP_CONFIRM_DESTRUCTIVE") -> str:
    value = raw.strip().lower()
    if value not in CONFIRM_POLICIES:
        raise ConfigError(
            f"{name} {raw!r} is not a policy. Use 'auto' (ask when the client can), "
            "'off' (never ask) or 'require' (refuse destructive tools when the client cannot ask)."
        )
    return value


def check_state_key(raw: str, name: str = "POSTHOG_MCP_STATE_KEY") -> SecretStr:
    """Never echoes the key: only its length is judged."""
    if len(raw.encode()) < 32:
        raise ConfigError(
            f"{name} is too short: use at least 32 bytes of secret randomness, e.g. the output of "
            'python -c "import secrets; print(secrets.token_hex(32))".'
        )
    return SecretStr(raw)


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _tuning_value(name: str, text: str) -> float | int:
    var, low, high = TUNING[name]
    number = _number(var, text, low, high)
    return int(number) if _FIELD_TYPES[name] in ("int", int) else number


def misconfiguration_notice(error: ConfigError) -> str:
    """What a misconfigured server tells its client (instructions, every tool call) and stderr (once)."""
    lines = [f"- {problem}" for problem in error.problems]
    return "\n".join(
        [
            "This PostHog MCP server is not configured correctly, so it cannot call PostHog:",
            *lines,
            "Fix the setting(s) in the MCP client's configuration for this server (its env block or args), "
            "then restart the server. Every tool call returns this message until then.",
        ]
    )
