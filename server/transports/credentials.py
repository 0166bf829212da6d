"""Where a request's PostHog credential comes from: the deployment's key, or the caller's own.

A ``CredentialSource`` is the SDK's ``TokenVerifier`` (so the SDK's bearer middleware authenticates, and binds
a legacy session to whoever created it) plus the two things this server needs: which PostHog key serves the
request, and what to answer when a request brings no usable credential. An OAuth resource-server mode is
one more source (its ``verify_token`` introspects at PostHog, its ``api_key`` is the OAuth access token, its
challenge points at RFC 9728 metadata); nothing below the transport changes.

Tokens are compared in constant time and never kept beyond the request; only a salted hash identifies a
caller (session ownership, isolation keys, access log).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any, Protocol

from mcp.server.auth.provider import AccessToken
from pydantic import SecretStr

PERSONAL_KEY = re.compile(r"^phx_[A-Za-z0-9]{20,120}$")
_SALT = b"posthog-environments-mcp caller\x00"
DEPLOYMENT = "deployment"


def _refusal(description: str) -> tuple[str, dict[str, Any]]:
    return 'Bearer realm="posthog-environments-mcp", error="invalid_token"', {
        "error": "invalid_token",
        "error_description": description,
    }


def credential_hash(secret: str) -> str:
    """A stable, non-reversible name for a credential: the same key always files under the same caller."""
    return hashlib.sha256(_SALT + secret.encode()).hexdigest()[:32]


class CredentialSource(Protocol):
    required: bool
    """Whether a request without an accepted bearer token is refused (401)."""

    async def verify_token(self, token: str) -> AccessToken | None:
        """The SDK's ``TokenVerifier`` hook: the accepted token's principal, or ``None``."""
        ...

    def api_key(self, token: AccessToken | None) -> SecretStr | None:
        """The PostHog key to use for this request's calls."""
        ...

    def challenge(self, presented: bool) -> tuple[str, dict[str, Any]]:
        """``WWW-Authenticate`` value and JSON body for a refused request (``presented``: a token was sent)."""
        ...


class PerRequestKeys:
    """``POSTHOG_MCP_AUTH=per-request``: each request carries the caller's own personal API key."""

    required = True

    async def verify_token(self, token: str) -> AccessToken | None:
        token = token.strip()
        if not PERSONAL_KEY.match(token):
            return None
        return AccessToken(token=token, client_id=credential_hash(token), scopes=[])

    def api_key(self, token: AccessToken | None) -> SecretStr | None:
        return SecretStr(token.token) if token is not None else None

    def challenge(self, presented: bool) -> tuple[str, dict[str, Any]]:
        what = "is not a PostHog personal API key" if presented else "is missing"
        return _refusal(
            f"The Authorization header {what}. This server uses each caller's own PostHog key: send "
            "'Authorization: Bearer phx_…' with a personal API key (PostHog → Settings → Personal API keys). "
            "Project API keys (phc_…) cannot read data."
        )


class DeploymentKey:
    """``POSTHOG_MCP_AUTH=server-key``: the deployment's key serves everyone who holds the access token."""

    def __init__(self, key: SecretStr | None, access_token: SecretStr | None) -> None:
        self._key = key
        self._access_token = access_token
        self.required = access_token is not None

    async def verify_token(self, token: str) -> AccessToken | None:
        if self._access_token is None:
            return None
        expected = self._access_token.get_secret_value().encode()
        if not hmac.compare_digest(expected, token.strip().encode()):
            return None
        # The token itself is not kept: the principal is "the deployment", whoever presented it.
        return AccessToken(token=DEPLOYMENT, client_id=DEPLOYMENT, scopes=[])

    def api_key(self, token: AccessToken | None) -> SecretStr | None:
        return self._key

    def challenge(self, presented: bool) -> tuple[str, dict[str, Any]]:
        what = "is not this server's access token" if presented else "is missing"
        return _refusal(
            f"The Authorization header {what}. Send 'Authorization: Bearer <access token>' with the "
            "POSTHOG_MCP_ACCESS_TOKEN this server was started with (ask its operator)."
        )
