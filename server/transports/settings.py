"""The HTTP transport's own settings (``POSTHOG_MCP_LISTEN``, ``POSTHOG_MCP_AUTH``, …), checked at start-up.

Kept apart from ``server/config.py`` because only ``--transport http`` reads them; every mistake is a
``ConfigError`` naming the variable and the fix.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from ..config import ConfigError

AuthMode = Literal["server-key", "per-request"]
AUTH_MODES: tuple[AuthMode, ...] = ("server-key", "per-request")
LegacySessions = Literal["stateful", "stateless"]
DEFAULT_LISTEN = "127.0.0.1:8000"
LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")
LOOPBACK_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")
DEFAULT_MAX_BODY_BYTES = 1_000_000
DEFAULT_SHUTDOWN_GRACE = 10.0
MIN_ACCESS_TOKEN_LENGTH = 32
MAX_WORKERS = 64


@dataclass(frozen=True, slots=True)
class HttpSettings:
    host: str = "127.0.0.1"
    port: int = 8000
    auth: AuthMode = "server-key"
    access_token: SecretStr | None = None
    """Bearer token a caller must present in ``server-key`` mode (compared in constant time)."""
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS
    """Host header values accepted (DNS-rebinding protection); ``name:*`` allows any port."""
    allowed_origins: tuple[str, ...] = LOOPBACK_ORIGINS
    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed cross-origin (CORS); empty means CORS stays off."""
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    shutdown_grace: float = DEFAULT_SHUTDOWN_GRACE
    """Seconds SIGTERM waits for calls in flight before closing what is left."""
    workers: int = 1
    """Processes serving the one listen address (``--workers``, ``POSTHOG_MCP_WORKERS``)."""
    legacy_sessions: LegacySessions = "stateful"
    """2025-11-25 clients: ``stateful`` sessions (sticky to one worker) or ``stateless`` (any worker serves any
    request; no in-call elicitation or legacy GET stream), ``POSTHOG_MCP_LEGACY_SESSIONS``."""

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/mcp"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_listen(raw: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:PORT`` for IPv6); port 0 picks a free one."""
    value = raw.strip()
    host, sep, port_text = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ConfigError(f"POSTHOG_MCP_LISTEN {value!r} is not HOST:PORT; use e.g. 127.0.0.1:8000 or 0.0.0.0:8000.")
    return host, int(port_text)


def _list(raw: str | None) -> tuple[str, ...] | None:
    if raw is None or not raw.strip():
        return None
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _bounded(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """``env[name]`` as a number within [low, high], or ``default`` when unset."""
    text = env.get(name)
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"{name} {text!r} is not a number.") from None
    if number < low or number > high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {number:g}.")
    return number


def _whole(env: Mapping[str, str], name: str, low: int, high: int) -> int:
    number = _bounded(env, name, low, low, high)
    if number != int(number):
        raise ConfigError(f"{name} must be a whole number, got {number:g}.")
    return int(number)


def http_settings(
    listen: str | None, environ: Mapping[str, str] | None = None, *, workers: str | None = None
) -> HttpSettings:
    """Read and check the HTTP settings; ``listen`` and ``workers`` (the flags) win over the environment."""
    env = os.environ if environ is None else environ
    if workers:
        env = {**env, "POSTHOG_MCP_WORKERS": workers}
    host, port = parse_listen(listen or env.get("POSTHOG_MCP_LISTEN") or DEFAULT_LISTEN)
    auth = (env.get("POSTHOG_MCP_AUTH") or "server-key").strip().lower()
    if auth not in AUTH_MODES:
        raise ConfigError(f"POSTHOG_MCP_AUTH {auth!r} is not one of {', '.join(AUTH_MODES)}.")
    token = (env.get("POSTHOG_MCP_ACCESS_TOKEN") or "").strip()
    if token and len(token) < MIN_ACCESS_TOKEN_LENGTH:
        raise ConfigError(
            f"POSTHOG_MCP_ACCESS_TOKEN is too short to be safe (at least {MIN_ACCESS_TOKEN_LENGTH} characters); "
            "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    cors = _list(env.get("POSTHOG_MCP_CORS_ORIGINS")) or ()
    legacy = (env.get("POSTHOG_MCP_LEGACY_SESSIONS") or "stateful").strip().lower()
    if legacy not in ("stateful", "stateless"):
        raise ConfigError(
            f"POSTHOG_MCP_LEGACY_SESSIONS {legacy!r} is not 'stateful' (sessions sticky to a worker) or "
            "'stateless' (any worker answers any request)."
        )
    settings = HttpSettings(
        host=host,
        port=port,
        auth="per-request" if auth == "per-request" else "server-key",
        access_token=SecretStr(token) if token else None,
        allowed_hosts=_list(env.get("POSTHOG_MCP_ALLOWED_HOSTS")) or LOOPBACK_HOSTS,
        allowed_origins=(*(_list(env.get("POSTHOG_MCP_ALLOWED_ORIGINS")) or LOOPBACK_ORIGINS), *cors),
        cors_origins=cors,
        max_body_bytes=int(_bounded(env, "POSTHOG_MCP_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, 1024, 100_000_000)),
        shutdown_grace=_bounded(env, "POSTHOG_MCP_SHUTDOWN_GRACE", DEFAULT_SHUTDOWN_GRACE, 0, 3600),
        workers=_whole(env, "POSTHOG_MCP_WORKERS", 1, MAX_WORKERS),
        legacy_sessions="stateless" if legacy == "stateless" else "stateful",
    )
    check_exposure(settings)
    return settings


def check_exposure(settings: HttpSettings) -> None:
    """Refuse to put the deployment's own key on the network with no lock on the door."""
    if settings.auth == "server-key" and settings.access_token is None and not settings.loopback:
        raise ConfigError(
            f"refusing to listen on {settings.host}, which is not a loopback address, with POSTHOG_MCP_AUTH="
            "server-key and no POSTHOG_MCP_ACCESS_TOKEN: anyone who can reach the port would act with this "
            "server's PostHog key. Set POSTHOG_MCP_ACCESS_TOKEN (callers send it as 'Authorization: Bearer …'), "
            "or use POSTHOG_MCP_AUTH=per-request so each caller sends their own key, or listen on 127.0.0.1."
        )
