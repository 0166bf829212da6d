"""Keyed hashes naming a PostHog credential in shared storage: Redis sees an HMAC, never a key."""

from __future__ import annotations

import hashlib
import hmac
import os

from pydantic import SecretStr

from ..config import Settings
from ..posthog.target import Target

_DOMAIN = b"posthog-environments-mcp shared-state digest v1"


def digest_key(settings: Settings) -> bytes:
    """The HMAC key every worker derives alike: from ``POSTHOG_MCP_STATE_KEY`` when set, else from the Redis URL
    (as secret as the Redis password it holds); random per process when nothing is shared."""
    shared: SecretStr | None = settings.state_key or settings.redis_url
    if shared is None:
        return os.urandom(32)
    return hmac.new(shared.get_secret_value().encode(), _DOMAIN, hashlib.sha256).digest()


def keyed_hash(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\n".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:40]


def credential_digest(key: bytes, target: Target) -> str:
    """Who spends a budget: the PostHog host and key together, hashed."""
    secret = target.api_key.get_secret_value() if target.api_key is not None else ""
    return keyed_hash(key, target.host, secret)
