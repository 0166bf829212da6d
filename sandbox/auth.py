"""Personal API keys and PostHog's permission rules for them.

The order of checks follows PostHog's ``APIScopePermission``: an INTERNAL action is refused to any scoped key,
then a key limited to projects is refused other projects, then the action's scope must be granted (``*`` grants
everything, ``x:write`` implies ``x:read``). A key with no scopes at all is a legacy key and may do anything.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import errors

KEY_PATTERN = re.compile(r"^phx_[A-Za-z0-9]{40}$")
INTERNAL = "INTERNAL"
_BASE62 = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class ApiKey:
    """One personal API key: who it acts as, what it may do, and where."""

    key: str
    user_id: int
    scopes: tuple[str, ...]
    """``("*",)``, a list like ``("desktop_recording:read",)``, or ``()`` for a legacy unscoped key."""
    projects: tuple[int, ...] | None
    """Project ids the key may reach; ``None`` for every project of the organization."""

    @property
    def unrestricted(self) -> bool:
        return not self.scopes or "*" in self.scopes

    def grants(self, required: str) -> bool:
        if self.unrestricted:
            return True
        valid = {required}
        if required.endswith(":read"):
            valid.add(required.removesuffix(":read") + ":write")
        return any(scope in valid for scope in self.scopes)


def generate_key(rng: random.Random) -> str:
    return "phx_" + "".join(rng.choice(_BASE62) for _ in range(40))


def check_key_format(key: str) -> None:
    if not KEY_PATTERN.match(key):
        raise ValueError(f"A personal API key is 'phx_' followed by 40 letters or digits, got {key!r}")


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or ``None`` when no such header was sent."""
    value = headers.get("authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(headers: Mapping[str, str], keys: Mapping[str, ApiKey], *, failure_status: int) -> ApiKey:
    """Resolve the caller's key; ``failure_status`` is 401, or 403 on views whose authenticator sends no challenge."""
    token = bearer_token(headers)
    if token is None:
        raise errors.not_authenticated(failure_status)
    found = keys.get(token)
    if found is None:
        raise errors.authentication_failed(failure_status)
    return found


def authorize(key: ApiKey, *, required_scope: str, project_id: int) -> None:
    """Raise PostHog's 403 when the key may not perform this action on this project."""
    if required_scope == INTERNAL and not key.unrestricted:
        raise errors.permission_denied("This action does not support Personal API Key access")
    if key.projects is not None and project_id not in key.projects:
        raise errors.permission_denied(f"API key does not have access to the requested project: ID {project_id}.")
    if required_scope != INTERNAL and not key.grants(required_scope):
        raise errors.permission_denied(f"API key missing required scope '{required_scope}'")


def normalize_scopes(scopes: Sequence[str]) -> tuple[str, ...]:
    for scope in scopes:
        if scope != "*" and not re.fullmatch(r"[a-z_]+:(read|write)", scope):
            raise ValueError(f"Scopes look like 'desktop_recording:read' or '*', got {scope!r}")
    return tuple(scopes)
