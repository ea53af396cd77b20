"""The central retry policies: transient only, bounded, jittered, Retry-After honoured."""

from __future__ import annotations

import pytest
from structlog.testing import capture_logs

from agent.errors import OutcomeUnknown, RejectedError, TransientError
from agent.retry import ORDER, READ, RetryPolicy, call_with_retry


class Recorder:
    """Counts calls and fails the first ``failures`` of them with ``error``."""

    def __init__(self, error: Exception, failures: int) -> None:
        self.error = error
        self.failures = failures
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_transient_errors_are_retried_until_success() -> None:
    sleeps = Sleeps()
    operation = Recorder(TransientError("connection reset"), failures=2)
    assert await call_with_retry(READ, "read", operation, sleep=sleeps) == "ok"
    assert operation.calls == 3
    assert len(sleeps.waits) == 2
    assert all(0 < wait <= READ.max_wait_s + READ.jitter_s for wait in sleeps.waits)


@pytest.mark.parametrize(
    "error", [RejectedError("no funds"), OutcomeUnknown("lost"), KeyError("x")]
)
async def test_anything_but_transient_is_raised_at_once(error: Exception) -> None:
    sleeps = Sleeps()
    operation = Recorder(error, failures=5)
    with pytest.raises(type(error)):
        await call_with_retry(READ, "read", operation, sleep=sleeps)
    assert operation.calls == 1
    assert sleeps.waits == []


async def test_attempts_are_bounded_and_the_last_error_is_reraised() -> None:
    sleeps = Sleeps()
    error = TransientError("still down")
    operation = Recorder(error, failures=100)
    with pytest.raises(TransientError) as raised:
        await call_with_retry(ORDER, "place_order", operation, sleep=sleeps)
    assert raised.value is error
    assert operation.calls == ORDER.attempts
    assert len(sleeps.waits) == ORDER.attempts - 1


async def test_retry_after_is_a_floor_with_bounded_jitter() -> None:
    sleeps = Sleeps()
    operation = Recorder(TransientError("429", retry_after_s=5.0), failures=2)
    await call_with_retry(READ, "read", operation, sleep=sleeps)
    assert len(sleeps.waits) == 2
    for wait in sleeps.waits:
        assert 5.0 <= wait <= 5.0 + READ.jitter_s


async def test_a_retry_after_beyond_the_policy_limit_is_not_waited_for() -> None:
    sleeps = Sleeps()
    operation = Recorder(TransientError("banned", retry_after_s=3600.0), failures=5)
    with pytest.raises(TransientError):
        await call_with_retry(READ, "read", operation, sleep=sleeps)
    assert operation.calls == 1
    assert sleeps.waits == []


async def test_each_retry_is_logged_with_operation_attempt_and_wait() -> None:
    sleeps = Sleeps()
    operation = Recorder(TransientError("timeout", retry_after_s=1.0), failures=2)
    with capture_logs() as logs:
        await call_with_retry(READ, "fetch_positions", operation, sleep=sleeps)
    retries = [entry for entry in logs if entry["event"] == "retrying"]
    assert [entry["attempt"] for entry in retries] == [1, 2]
    assert {entry["operation"] for entry in retries} == {"fetch_positions"}
    assert all(entry["retry_after_s"] == 1.0 for entry in retries)
    assert [entry["wait_s"] for entry in retries] == [round(w, 3) for w in sleeps.waits]


def test_policies_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(
            "x", attempts=0, initial_wait_s=0, max_wait_s=0, jitter_s=0, max_retry_after_s=0
        )
    with pytest.raises(ValueError, match="waits"):
        RetryPolicy(
            "x", attempts=1, initial_wait_s=-1, max_wait_s=0, jitter_s=0, max_retry_after_s=0
        )
