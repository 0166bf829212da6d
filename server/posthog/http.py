"""The one authenticated HTTP layer between the tools and PostHog.

One pooled ``httpx2.AsyncClient`` per process (httpx2 is the HTTP client mcp itself depends on). The host, key
and project come with each call (``Target``), so credentials can vary per request. Every call gets: a bearer
key sent only to the target's own origin, a deadline, a cap on requests in flight, retries with jitter for
calls that are safe to repeat, a bound on response size, and one log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import anyio
import anyio.to_thread
import httpx2

from .. import SERVER_NAME, __version__
from ..config import Settings
from ..logs import one_line
from . import json_text
from .target import Target
from .upstream_errors import UpstreamFailure, parse_error_body, wait_hint_seconds

if TYPE_CHECKING:
    from ..shared.budget import RateBudget

logger = logging.getLogger("posthog_environments_mcp.http")

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_FOLLOW_ANY_METHOD = frozenset({307, 308})
_FOLLOW_GET_ONLY = frozenset({301, 302, 303})
_REDIRECTS = _FOLLOW_ANY_METHOD | _FOLLOW_GET_ONLY
MAX_SAME_ORIGIN_REDIRECTS = 3
PARSE_IN_THREAD_BYTES = 1_000_000

QueryValue = str | int | float | bool | Sequence[str]


def encode_segment(value: str) -> str:
    """One path segment, whatever the value: ``/``, ``%`` and dots are escaped, so ``../x`` cannot climb.

    Unpaired surrogates are escaped too (as their UTF-8-like bytes) instead of raising."""
    return quote(value, safe="", errors="surrogatepass").replace(".", "%2E")


def render_path(template: str, values: Mapping[str, str]) -> str:
    """Fill ``{name}`` placeholders of a catalog path with encoded single segments."""
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", encode_segment(value))
    return path


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    method: str
    project_id: str
    path: str
    """Relative to ``/api/environments/{project_id}/``, already rendered (see ``render_path``)."""
    template: str
    """The catalog path template, for logs: ids are not logged."""
    params: Mapping[str, QueryValue] = field(default_factory=dict[str, QueryValue])
    json_body: Any = None
    retry_safe: bool = False
    accept: str = "application/json"


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    status: int
    data: Any
    """Parsed JSON, or None for an empty body (204)."""
    attempts: int
    size: int = 0
    """Bytes of the body as received (how much work shaping ``data`` can take, without walking it)."""
    text: str | None = None
    """The body as text when it is compact JSON spelling ``data`` exactly (``json_text.loads_spelled``): shown
    as it is, it spares serialising the data again."""


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port)


def _retry_after_header(response: httpx2.Response) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        return None  # an HTTP date: rare from PostHog; fall back to the body's hint or backoff


def _is_retryable(error: BaseException, retry_safe: bool) -> bool:
    if not isinstance(error, UpstreamFailure) or error.kind in ("unsendable", "budget"):
        return False
    if not error.sent:
        return True  # never reached PostHog: repeating cannot do anything twice
    if not retry_safe:
        return False
    if error.kind == "http":
        return error.status in RETRY_STATUSES
    return error.kind in ("network", "timeout")


class PostHogHTTP:
    """Sends catalog requests to PostHog for any ``Target``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        budget: RateBudget | None = None,
    ) -> None:
        self._settings = settings
        self._budget = budget
        """The per-key rate budget (server/shared/budget.py), spent before each request goes upstream."""
        self._limiter = anyio.CapacityLimiter(settings.max_concurrency)
        self._transport = transport
        self._pooled: httpx2.AsyncClient | None = None

    @property
    def _client(self) -> httpx2.AsyncClient:
        """Made on the first request: building its TLS context (loading the CA bundle) is a few percent of a
        cold start, and a client that only lists tools never needs it."""
        if self._pooled is None:
            settings = self._settings
            self._pooled = httpx2.AsyncClient(
                transport=self._transport,
                follow_redirects=False,
                timeout=httpx2.Timeout(settings.read_timeout, connect=settings.connect_timeout),
                limits=httpx2.Limits(
                    max_connections=settings.max_concurrency, max_keepalive_connections=settings.max_concurrency
                ),
                headers={"User-Agent": f"{SERVER_NAME}/{__version__}"},
                cookies=_no_cookies(),
            )
        return self._pooled

    async def aclose(self) -> None:
        if self._pooled is not None:
            await self._pooled.aclose()

    def url_for(self, target: Target, request: UpstreamRequest) -> str:
        return f"{target.api_base}/{encode_segment(request.project_id)}/{request.path}"

    def _headers(self, target: Target, url: str, accept: str, *, redirected: bool) -> dict[str, str]:
        """The key goes to the target's own origin only: the first URL is built on it (``url_for``), a
        redirect's is checked."""
        headers = {"Accept": accept}
        if target.api_key is not None and (not redirected or _origin(url) == _origin(target.host)):
            headers["Authorization"] = f"Bearer {target.api_key.get_secret_value()}"
        return headers

    async def send(self, target: Target, request: UpstreamRequest) -> UpstreamResponse:
        """One call, retried when safe, within the call deadline; raises ``UpstreamFailure``."""
        self._require_key(target)
        started = time.monotonic()
        attempts = 1
        status: int | str = "-"
        try:
            with anyio.fail_after(self._settings.call_timeout):
                try:  # the first attempt runs outside tenacity: most calls succeed and need none of it
                    response = await self._attempt(target, request)
                except UpstreamFailure as first:
                    if not _is_retryable(first, request.retry_safe) or self._settings.max_retries == 0:
                        raise
                    response, attempts = await self._retry(target, request, first)
            status = response.status
            return UpstreamResponse(response.status, response.data, attempts, response.size, response.text)
        except UpstreamFailure as failure:
            failure.attempts = max(failure.attempts, attempts)
            failure.retry_safe = request.retry_safe
            status = _log_status(failure)
            raise
        except TimeoutError:
            status = "deadline"
            raise UpstreamFailure(
                "timeout",
                f"no answer within the {self._settings.call_timeout:g} s deadline",
                attempts=attempts,
                retry_safe=request.retry_safe,
            ) from None
        finally:
            self._log(request, status, started, attempts)

    async def _retry(
        self, target: Target, request: UpstreamRequest, first: UpstreamFailure
    ) -> tuple[UpstreamResponse, int]:
        """Attempts after a retryable first failure, paced by tenacity; the first failure sets the first wait."""
        from .retry_policy import retrying  # tenacity loads on the first retry, not at start-up

        attempts = 0
        policy = retrying(
            self._settings.max_retries,
            self._settings.retry_max_wait,
            lambda error: _is_retryable(error, request.retry_safe),
        )
        async for attempt in policy:
            with attempt:
                attempts += 1
                if attempts == 1:  # replay the first failure so tenacity waits and counts as if it ran it
                    raise first
                try:
                    return await self._attempt(target, request), attempts
                except UpstreamFailure as failure:
                    failure.attempts = attempts
                    raise
        raise AssertionError("unreachable: tenacity re-raises the last failure")  # pragma: no cover

    async def _attempt(self, target: Target, request: UpstreamRequest) -> UpstreamResponse:
        if self._budget is not None:  # rate budget hook (scale-out): waits for room or raises "budget"
            await self._budget.acquire(target, request.method, request.template)
        await self._take_slot()
        try:
            async with self._open(target, request) as response:
                raw = await self._read_capped(response)
        finally:
            self._limiter.release()
        if len(raw) <= PARSE_IN_THREAD_BYTES:
            return self._interpret(response, raw)
        # a big answer is parsed off the event loop, so other calls keep being answered meanwhile
        return await anyio.to_thread.run_sync(self._interpret, response, raw, abandon_on_cancel=True)

    async def _take_slot(self) -> None:
        """A concurrency slot: at once when one is free (no extra trip through the event loop), else the wait."""
        try:
            self._limiter.acquire_nowait()
        except anyio.WouldBlock:
            await self._limiter.acquire()

    @asynccontextmanager
    async def open_stream(self, target: Target, request: UpstreamRequest) -> AsyncGenerator[httpx2.Response]:
        """Open a streaming response (event streams); a non-2xx answer raises ``UpstreamFailure``.

        Holds a concurrency slot for the whole stream. Never retried once sent: a stream starts work upstream.
        The whole stream, reading included, must end within the call deadline: a stream that keeps trickling
        events is cut off like one that stalls.
        """
        self._require_key(target)
        started = time.monotonic()
        status: int | str = "-"
        timeout = self._settings.call_timeout
        try:
            with anyio.move_on_after(timeout) as deadline:
                if self._budget is not None:  # rate budget hook (scale-out)
                    await self._budget.acquire(target, request.method, request.template)
                async with self._limiter, self._open(target, request) as response:
                    status = response.status_code
                    if response.status_code >= 300:
                        self._interpret(response, await self._read_capped(response))
                    await self._require_event_stream(response)
                    yield response
            if deadline.cancelled_caught:
                status = "deadline"
                raise UpstreamFailure("timeout", f"PostHog did not finish answering within the {timeout:g} s deadline")
        except UpstreamFailure as failure:
            failure.retry_safe = request.retry_safe
            status = _log_status(failure)
            raise
        finally:
            self._log(request, status, started, 1)

    async def _require_event_stream(self, response: httpx2.Response) -> None:
        """A 2xx answer to a streaming request that is not an event stream (a proxy's page, a JSON error) is a
        failure that says what came instead, not a stream that "broke off"."""
        content_type = response.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() == "text/event-stream":
            return
        raw = await self._read_capped(response)
        if not raw.strip():
            what = "an empty body"
        elif "html" in content_type or raw.lstrip()[:1] == b"<":
            what = f"an HTML page: {_excerpt(raw)}"
        else:
            what = f"{content_type or 'a body'} ({_excerpt(raw)})"
        raise UpstreamFailure(
            "invalid_body",
            f"PostHog answered {response.status_code} with {what} instead of an event stream",
            status=response.status_code,
        )

    @asynccontextmanager
    async def _open(self, target: Target, request: UpstreamRequest) -> AsyncGenerator[httpx2.Response]:
        """Send the request, following only same-origin redirects; map transport errors to failures."""
        url = self.url_for(target, request)
        method = request.method
        body = request.json_body
        params: Mapping[str, QueryValue] | None = request.params
        for hop in range(MAX_SAME_ORIGIN_REDIRECTS + 1):
            outgoing = self._build(target, request, url, method, body, params, redirected=hop > 0)
            params = None  # a redirect's Location already carries the query it wants: never append ours again
            try:
                response = await self._client.send(outgoing, stream=True)
            except httpx2.ConnectTimeout as error:
                raise UpstreamFailure("timeout", f"could not connect to {target.host} in time", sent=False) from error
            except (httpx2.ConnectError, httpx2.PoolTimeout) as error:
                raise UpstreamFailure("network", f"could not connect to {target.host}", sent=False) from error
            except httpx2.TimeoutException as error:
                raise UpstreamFailure(
                    "timeout", f"PostHog went silent for over {self._settings.read_timeout:g} s"
                ) from error
            except (httpx2.TransportError, httpx2.DecodingError) as error:
                raise UpstreamFailure("network", f"the connection to PostHog broke ({type(error).__name__})") from error
            try:
                location = response.headers.get("location") if response.status_code in _REDIRECTS else None
                if location:
                    next_url = urljoin(url, location)
                    if _origin(next_url) != _origin(target.host):
                        raise UpstreamFailure(
                            "redirect",
                            f"PostHog answered {response.status_code} redirecting to another origin "
                            f"({_origin(next_url)[1]}); not followed, so the key stays with {target.host}",
                            status=response.status_code,
                        )
                    if response.status_code in _FOLLOW_ANY_METHOD or (
                        response.status_code in _FOLLOW_GET_ONLY and method == "GET"
                    ):
                        url = next_url
                        continue
                yield response
                return
            finally:
                await response.aclose()
        raise UpstreamFailure("redirect", "too many redirects")

    def _build(
        self,
        target: Target,
        request: UpstreamRequest,
        url: str,
        method: str,
        body: Any,
        params: Mapping[str, QueryValue] | None,
        *,
        redirected: bool,
    ) -> httpx2.Request:
        """The request as it goes on the wire; arguments that cannot be encoded fail here, before any I/O."""
        try:
            return self._client.build_request(
                method,
                url,
                params=dict(params or {}) or None,
                json=body,
                headers=self._headers(target, url, request.accept, redirected=redirected),
            )
        except httpx2.InvalidURL:
            reason = "the URL would be too long or malformed (an argument sent in the query string is too long)"
        except ValueError:  # UnicodeEncodeError (unpaired surrogates), NaN or Infinity in a JSON body
            reason = "an argument holds text or a number that cannot be encoded (unpaired surrogate, NaN, Infinity)"
        raise UpstreamFailure("unsendable", f"the request could not be built: {reason}", sent=False)

    async def _read_capped(self, response: httpx2.Response) -> bytes:
        limit = self._settings.max_response_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise UpstreamFailure(
                "too_large",
                f"PostHog's answer is {int(declared)} bytes, over the {limit}-byte limit",
                status=response.status_code,
            )
        chunks = bytearray()
        try:
            async for chunk in response.aiter_bytes():
                chunks += chunk
                if len(chunks) > limit:
                    raise UpstreamFailure(
                        "too_large", f"PostHog's answer exceeded the {limit}-byte limit", status=response.status_code
                    )
        except httpx2.TimeoutException as error:
            raise UpstreamFailure(
                "timeout", "PostHog stopped sending mid-answer", status=response.status_code
            ) from error
        except (httpx2.TransportError, httpx2.DecodingError) as error:
            raise UpstreamFailure(
                "network", "the connection broke before PostHog's answer was complete", status=response.status_code
            ) from error
        return bytes(chunks)

    def _interpret(self, response: httpx2.Response, raw: bytes) -> UpstreamResponse:
        status = response.status_code
        content_type = response.headers.get("content-type", "")
        if status >= 400 or 300 <= status < 400:
            body = parse_error_body(raw)
            message = self._error_message(status, body, raw, content_type)
            retry_after = _retry_after_header(response)
            if retry_after is None and status == 429 and body is not None:
                retry_after = wait_hint_seconds(body.detail)
            raise UpstreamFailure("http", message, status=status, body=body, retry_after=retry_after)
        if not raw.strip():
            if status == 204 or status == 201 or status == 202:
                return UpstreamResponse(status, None, 1)
            raise UpstreamFailure("invalid_body", f"PostHog answered {status} with an empty body", status=status)
        try:
            data, text = json_text.loads_spelled(raw)
        except json_text.TooDeep as error:
            raise UpstreamFailure("too_deep", str(error), status=status) from None
        except ValueError:
            kind = "an HTML page" if "html" in content_type or raw.lstrip()[:1] == b"<" else "a body that is not JSON"
            raise UpstreamFailure(
                "invalid_body", f"PostHog answered {status} with {kind}: {_excerpt(raw)}", status=status
            ) from None
        return UpstreamResponse(status, data, 1, len(raw), text)

    @staticmethod
    def _error_message(status: int, body: Any, raw: bytes, content_type: str) -> str:
        reason = httpx2.codes.get_reason_phrase(status) or "error"
        if body is not None:
            text = body.detail or body.error or body.code or reason
            return f"PostHog answered {status} {reason}: {_shortened(text)}"
        if "html" in content_type or raw.lstrip()[:1] == b"<":
            return f"PostHog answered {status} {reason} with an HTML error page"
        return f"PostHog answered {status} {reason}" + (f": {_excerpt(raw)}" if raw.strip() else "")

    def _require_key(self, target: Target) -> None:
        if target.api_key is None:
            raise UpstreamFailure("not_configured", "no PostHog API key is configured", sent=False)

    def _log(self, request: UpstreamRequest, status: int | str, started: float, attempts: int) -> None:
        logger.info(
            "%s %s -> %s in %.0f ms (retries: %d)",
            request.method,
            request.template,
            status,
            (time.monotonic() - started) * 1000,
            max(0, attempts - 1),
        )


def _log_status(failure: UpstreamFailure) -> int | str:
    """``503``, ``timeout``, or ``200 invalid_body``: a status alone would make a failed call look fine."""
    if failure.status is None:
        return failure.kind
    return failure.status if failure.kind == "http" else f"{failure.status} {failure.kind}"


def _excerpt(raw: bytes, limit: int = 160) -> str:
    return _shortened(one_line(raw[: limit * 4].decode("utf-8", errors="replace").strip()), limit)


def _shortened(text: str, limit: int = 300) -> str:
    """The first line of the message stays short: the whole detail follows under "PostHog said"."""
    return text if len(text) <= limit else text[:limit] + "…"


def _no_cookies() -> CookieJar:
    """A jar that keeps nothing: a ``Set-Cookie`` from PostHog or a proxy is never stored, so never replayed
    (with one client for every target, a cookie could otherwise carry one caller's session to another)."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))
