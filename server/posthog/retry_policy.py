"""How a retry-safe call is paced after its first attempt failed (tenacity), imported on the first retry only:
most calls succeed at once, so start-up does not load tenacity."""

from __future__ import annotations

from collections.abc import Callable

import anyio
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, stop_before_delay
from tenacity.wait import wait_base, wait_random_exponential

from .upstream_errors import UpstreamFailure


class WaitForHint(wait_base):
    """Wait as long as PostHog asked (Retry-After, else its detail), otherwise exponential backoff with jitter."""

    def __init__(self) -> None:
        self._backoff = wait_random_exponential(multiplier=0.5, max=8)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, UpstreamFailure) and error.retry_after is not None:
            return error.retry_after
        return self._backoff(retry_state)


def retrying(max_retries: int, max_wait: float, retryable: Callable[[BaseException], bool]) -> AsyncRetrying:
    return AsyncRetrying(
        stop=stop_after_attempt(max_retries + 1) | stop_before_delay(max_wait),
        wait=WaitForHint(),
        retry=retry_if_exception(retryable),
        sleep=anyio.sleep,
        reraise=True,
    )
