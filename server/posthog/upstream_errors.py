"""What can go wrong talking to PostHog, and the advice an agent needs to recover.

Every failure becomes an ``UpstreamFailure``; ``advice`` turns it into the text of an ``isError`` result:
the HTTP status, PostHog's own ``type``/``code``/``detail``/``attr``, and what to do next.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import ValidationError

from ..config import KEY_HELP
from . import json_text

if TYPE_CHECKING:
    from ...schemas.common import PostHogErrorBody

FailureKind = Literal[
    "http",
    "network",
    "timeout",
    "invalid_body",
    "too_large",
    "too_deep",
    "redirect",
    "stream",
    "not_configured",
    "unsendable",
    "budget",
]
"""``unsendable``: the arguments cannot be put on the wire (a URL over httpx's limit, unpaired surrogates, NaN).
``budget``: this deployment's own rate budget for the key is spent (``server/shared/budget.py``); never sent.
``too_deep``: PostHog's JSON nests deeper than ``json_text.MAX_DEPTH`` levels."""

_ERROR_FIELDS = ("type", "code", "detail", "attr", "error")
MAX_SAID_CHARS = 4000
"""Characters of each field of PostHog's error body shown to the agent; the rest is cut with a notice."""

_MAY_HAVE_APPLIED_KINDS = frozenset({"network", "timeout", "stream", "invalid_body", "too_large"})
_MAY_HAVE_APPLIED_STATUSES = frozenset({502, 504})
"""Gateway answers: the proxy gave up, but PostHog behind it may still have done the work."""

_EXPECTED_IN = re.compile(r"Expected available in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


@dataclass(slots=True)
class UpstreamFailure(Exception):
    """A call that did not produce a usable PostHog answer."""

    kind: FailureKind
    message: str
    status: int | None = None
    body: PostHogErrorBody | None = None
    retry_after: float | None = None
    attempts: int = 1
    sent: bool = True
    """Whether the request may have reached PostHog (False: it never left, so any call may be retried)."""
    retry_safe: bool = True
    """Whether repeating the operation is harmless (from the catalog); set by the HTTP layer."""

    @property
    def may_have_applied(self) -> bool:
        """A call that is not safe to repeat may have taken effect although no usable answer came back."""
        if not self.sent or self.retry_safe:
            return False
        if self.kind == "http":
            return self.status in _MAY_HAVE_APPLIED_STATUSES
        return self.kind in _MAY_HAVE_APPLIED_KINDS

    def __str__(self) -> str:
        return self.message


def _as_text(value: Any) -> str | None:
    """A field of any JSON shape as text: ``["a", "b"]`` or ``{"x": 1}`` are shown as their compact JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_error_body(raw: bytes) -> PostHogErrorBody | None:
    """PostHog's ``{type,code,detail,attr}``, or the bare ``{detail}`` / ``{error}`` shapes; None otherwise.

    Fields of any JSON shape (``{"detail": ["…"]}``, numbers, objects) are kept as their JSON text, so an odd
    error body is still shown to the agent as PostHog's words and never fails validation here."""
    try:
        data = json_text.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = cast(dict[str, Any], data)
    from ...schemas.common import PostHogErrorBody  # the schemas' models load on the first error, not at start-up

    try:
        body = PostHogErrorBody.model_validate({name: _as_text(fields.get(name)) for name in _ERROR_FIELDS})
    except ValidationError:  # pragma: no cover - every field is text or None by now
        return None
    if body.detail is None and body.error is None and body.type is None:
        return None
    return body


def _said(value: str) -> str:
    if len(value) <= MAX_SAID_CHARS:
        return value
    return value[:MAX_SAID_CHARS] + f" …[cut: {len(value) - MAX_SAID_CHARS} more characters of PostHog's text]"


def wait_hint_seconds(detail: str | None) -> float | None:
    """Seconds from PostHog's ``Expected available in N seconds.`` throttling detail."""
    if not detail:
        return None
    match = _EXPECTED_IN.search(detail)
    return float(match.group(1)) if match else None


def _next_step(failure: UpstreamFailure, scopes: tuple[str, ...], operation: str, by_status: Mapping[int, str]) -> str:
    status = failure.status
    detail = (failure.body.detail or failure.body.error or "") if failure.body else ""
    if failure.kind == "not_configured":
        return KEY_HELP
    if failure.kind == "unsendable":
        return (
            "Nothing was sent to PostHog. Shorten the very long value or remove the characters that cannot be "
            "encoded (unpaired surrogates, NaN or Infinity), then call again."
        )
    if failure.kind == "budget":
        when = f"in {failure.retry_after:g} seconds" if failure.retry_after is not None else "in a minute"
        return (
            f"Nothing was sent to PostHog. Retry {when}: this server keeps each key under PostHog's rate limit, "
            "shared by all of its workers; avoid calling in tight loops."
        )
    if failure.may_have_applied:
        return (
            f"{operation} is not safe to repeat blindly and the request may have reached PostHog and taken effect: "
            "check first (e.g. with the matching list or get tool), and send it again only if it did not happen."
        )
    if failure.kind == "timeout":
        return "PostHog did not answer in time. Try again; for queries, narrow them or use a smaller limit."
    if failure.kind == "network":
        return "Check POSTHOG_HOST and your network connection, then try again."
    if failure.kind == "redirect":
        return (
            "PostHog redirected to another address, which this server does not follow with your key. "
            "Set POSTHOG_HOST to the host your PostHog is served from (e.g. https://eu.posthog.com)."
        )
    if failure.kind == "too_deep":
        return (
            "PostHog's answer cannot be shown safely. Narrow the request (a smaller limit, fewer fields, or one "
            "object by id) so the deeply nested part is left out."
        )
    if failure.kind in ("invalid_body", "too_large", "stream"):
        return "Try again; if it persists, check that POSTHOG_HOST points at PostHog itself and not a proxy."
    if status == 401 or (failure.body is not None and failure.body.type == "authentication_error"):
        return "The API key is missing, invalid or revoked. " + KEY_HELP
    if status == 403:
        if "scope" in detail.lower():
            wanted = re.search(r"'([a-z_]+:(?:read|write))'", detail)
            scope = wanted.group(1) if wanted else ", ".join(scopes)
            return f"Give the personal API key the scope '{scope}' (Settings → Personal API keys), then retry."
        if "project" in detail.lower():
            return "The key cannot reach this project: use a project the key was created for, or widen the key."
        if "Personal API Key" in detail:
            return f"{operation} is internal to PostHog: only a personal API key with all access (*) may call it."
        return f"The key lacks permission for this operation (required: {', '.join(scopes) or 'none documented'})."
    if status == 404:
        return "Nothing found: check the id (or name) and the project_id, e.g. by listing first."
    if status is not None and status in by_status:
        return by_status[status]
    if status == 405:
        return "PostHog does not allow this method here."
    if status == 409:
        return "PostHog reports a conflict with the object's current state: read it again, then retry if still needed."
    if status == 402:
        return "This needs a paid plan or more quota in PostHog; check the organization's billing."
    if status == 429:
        when = f" in {failure.retry_after:g} seconds" if failure.retry_after is not None else " later"
        return f"PostHog is rate limiting this key. Retry{when}; avoid calling in tight loops."
    if status == 400:
        field = failure.body.attr if failure.body and failure.body.attr else None
        where = f" Field: `{field}`." if field else ""
        return f"PostHog rejected the arguments.{where} Fix them and call again."
    if status is not None and status >= 500:
        return "PostHog failed on its side. Try again in a minute; if it persists check https://status.posthog.com."
    return "Check the arguments and try again."


def advice(
    failure: UpstreamFailure,
    *,
    operation: str,
    scopes: tuple[str, ...] = (),
    advice_by_status: Mapping[int, str] | None = None,
) -> str:
    """The text of the ``isError`` result for a failed call.

    ``advice_by_status`` is the operation's own next step per HTTP status (declared in the catalog), which
    replaces the generic one for that status.
    """
    lines = [f"{operation} failed: {failure.message}"]
    if failure.status is not None:
        lines.append(f"HTTP status: {failure.status}")
    if failure.body is not None:
        fields = {
            name: _said(value)
            for name, value in failure.body.model_dump(include=set(_ERROR_FIELDS), exclude_none=True).items()
        }
        if fields:
            lines.append("PostHog said: " + json.dumps(fields, ensure_ascii=False))
    if failure.attempts > 1:
        lines.append(f"Attempts: {failure.attempts}")
    lines.append("Next step: " + _next_step(failure, scopes, operation, advice_by_status or {}))
    return "\n".join(lines)
