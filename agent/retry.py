"""Retry policies, declared in one place.

Only ``TransientError`` is ever retried, and only around operations that are safe to
repeat: reads, re-broadcasts of the same signed bytes, and orders that carry a
deterministic client id *and* were definitely refused (never "maybe placed"). Every
policy is bounded in attempts, jittered, honours a server's ``Retry-After``
(``TransientError.retry_after_s``) and logs each retry through structlog.

A server asking for a longer pause than the policy's ``max_retry_after_s`` is not
waited for: the error goes straight back to the caller, whose tick has a deadline.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential_jitter

from agent.errors import TransientError

T = TypeVar("T")

_log = structlog.get_logger("ballast.retry")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to retry one kind of operation.

    ``attempts`` counts the first try. Back-off without a server hint grows from
    ``initial_wait_s`` (doubling, plus up to ``jitter_s`` of random extra) to at most
    ``max_wait_s``. A server hint is honoured as a floor, plus up to ``jitter_s``.
    """

    name: str
    attempts: int
    initial_wait_s: float
    max_wait_s: float
    jitter_s: float
    max_retry_after_s: float

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"retry policy {self.name}: attempts must be >= 1")
        if min(self.initial_wait_s, self.max_wait_s, self.jitter_s, self.max_retry_after_s) < 0:
            raise ValueError(f"retry policy {self.name}: waits must be >= 0")


# Reads: positions, balances, tickers, an order looked up by client id.
READ = RetryPolicy(
    "read", attempts=4, initial_wait_s=0.2, max_wait_s=3.0, jitter_s=0.2, max_retry_after_s=30.0
)
# Finding an order after a lost reply: a little more patient than a plain read.
ORDER_LOOKUP = RetryPolicy(
    "order_lookup",
    attempts=5,
    initial_wait_s=0.3,
    max_wait_s=5.0,
    jitter_s=0.3,
    max_retry_after_s=30.0,
)
# Placing or cancelling an order with a client id that the venue definitely refused.
ORDER = RetryPolicy(
    "order", attempts=3, initial_wait_s=0.3, max_wait_s=3.0, jitter_s=0.2, max_retry_after_s=30.0
)


def _transient(state: RetryCallState) -> TransientError | None:
    if state.outcome is None or not state.outcome.failed:
        return None
    error = state.outcome.exception()
    return error if isinstance(error, TransientError) else None


class _WaitHonouringRetryAfter(wait_base):
    """Exponential back-off with jitter, or the server's Retry-After plus jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._policy = policy
        self._backoff = wait_exponential_jitter(
            multiplier=policy.initial_wait_s, max=policy.max_wait_s, jitter=policy.jitter_s
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        error = _transient(retry_state)
        if error is not None and error.retry_after_s is not None:
            return error.retry_after_s + random.uniform(0.0, self._policy.jitter_s)  # noqa: S311
        return float(self._backoff(retry_state))


class _StopWhenAskedToWaitTooLong(stop_base):
    """Give up at once when the server asks for a pause longer than the policy allows."""

    def __init__(self, policy: RetryPolicy) -> None:
        self._limit_s = policy.max_retry_after_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        error = _transient(retry_state)
        return bool(
            error is not None
            and error.retry_after_s is not None
            and error.retry_after_s > self._limit_s
        )


def _logger(policy: RetryPolicy, operation: str) -> Callable[[RetryCallState], None]:
    def log_attempt(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        _log.warning(
            "retrying",
            operation=operation,
            policy=policy.name,
            attempt=state.attempt_number,
            of=policy.attempts,
            wait_s=round(state.upcoming_sleep, 3),
            retry_after_s=getattr(error, "retry_after_s", None),
            error_type=type(error).__name__,
            error=str(error),
        )

    return log_attempt


def retrying(
    policy: RetryPolicy,
    operation: str,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncRetrying:
    """A tenacity controller for ``operation`` under ``policy``.

    ``sleep`` is injectable so tests can observe the waits without waiting.
    """
    return AsyncRetrying(
        sleep=sleep,
        stop=stop_after_attempt(policy.attempts) | _StopWhenAskedToWaitTooLong(policy),
        wait=_WaitHonouringRetryAfter(policy),
        retry=retry_if_exception_type(TransientError),
        before_sleep=_logger(policy, operation),
        reraise=True,
    )


async def call_with_retry(
    policy: RetryPolicy,
    operation: str,
    function: Callable[[], Awaitable[T]],
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Await ``function()``, retrying it on TransientError as ``policy`` allows.

    The last TransientError is re-raised unchanged once the policy gives up; any
    other exception propagates at once.
    """
    async for attempt in retrying(policy, operation, sleep=sleep):
        with attempt:
            return await function()
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover
