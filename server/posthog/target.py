"""Who a call is made for: PostHog host, key and default project.

Passed to the HTTP layer on every call instead of living inside it, so one process can serve many tenants
(a key per request over Streamable HTTP) without a rewrite.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from ..config import Settings


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    api_key: SecretStr | None
    default_project: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> Target:
        return cls(host=settings.host, api_key=settings.api_key, default_project=settings.project_id)

    @property
    def api_base(self) -> str:
        return f"{self.host}/api/environments"
