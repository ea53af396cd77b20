"""ccxt errors are translated once, by what the caller must do."""

from __future__ import annotations

import aiohttp
import ccxt.async_support as ccxt
import pytest

from agent.errors import InvariantViolation, RejectedError, TransientError
from connectors.cex.endpoint import Endpoint
from connectors.cex.errors import Fate, redact, submission_fate, translate


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ccxt.NetworkError("reset"), TransientError),
        (ccxt.RequestTimeout("slow"), TransientError),
        (ccxt.ExchangeNotAvailable("502"), TransientError),
        (ccxt.OnMaintenance("later"), TransientError),
        (ccxt.BadResponse("garbled"), TransientError),
        (ccxt.DDoSProtection("418"), TransientError),
        (ccxt.RateLimitExceeded("429"), TransientError),
        (ccxt.InsufficientFunds("broke"), RejectedError),
        (ccxt.InvalidOrder("bad tick"), RejectedError),
        (ccxt.OrderNotFound("gone"), RejectedError),
        (ccxt.BadRequest("bad"), RejectedError),
        (ccxt.BadSymbol("what"), RejectedError),
        (ccxt.AuthenticationError("who"), RejectedError),
        (ccxt.PermissionDenied("no"), RejectedError),
        (ccxt.ExchangeError("something"), RejectedError),
        (aiohttp.ClientPayloadError("cut"), TransientError),
    ],
)
def test_translation_by_caller_action(error: Exception, expected: type[Exception]) -> None:
    translated = translate(error, venue="v", operation="op")
    assert type(translated) is expected
    assert str(translated).startswith(f"v op: {type(error).__name__}")


def test_rate_limits_carry_the_servers_retry_after() -> None:
    translated = translate(
        ccxt.RateLimitExceeded("429"), venue="v", operation="op", retry_after_s=7
    )
    assert isinstance(translated, TransientError)
    assert translated.retry_after_s == 7


def test_our_own_errors_pass_through_untouched() -> None:
    error = InvariantViolation("two orders share one client id")
    assert translate(error, venue="v", operation="op") is error


@pytest.mark.parametrize(
    ("error", "fate"),
    [
        (ccxt.RateLimitExceeded("429"), Fate.REFUSED),
        (ccxt.InsufficientFunds("broke"), Fate.REFUSED),
        (ccxt.AuthenticationError("who"), Fate.REFUSED),
        (RejectedError("checked before sending"), Fate.REFUSED),
        (ccxt.RequestTimeout("slow"), Fate.UNKNOWN),
        (ccxt.ExchangeNotAvailable("closed mid-reply"), Fate.UNKNOWN),
        (ccxt.BadResponse("garbled"), Fate.UNKNOWN),
        (KeyError("unexpected reply shape"), Fate.UNKNOWN),
    ],
)
def test_submission_fate(error: Exception, fate: Fate) -> None:
    assert submission_fate(error) is fate


async def test_a_refused_connection_is_not_sent() -> None:
    exchange = ccxt.deribit({"enableRateLimit": False, "timeout_on_exit": 0})
    Endpoint.local("http://127.0.0.1:9").apply(exchange)  # discard port: nothing listens
    try:
        with pytest.raises(ccxt.ExchangeNotAvailable) as raised:
            await exchange.fetch_time()
    finally:
        await exchange.close()
    assert submission_fate(raised.value) is Fate.NOT_SENT


def test_redaction_masks_secrets_with_and_without_0x_and_bounds_length() -> None:
    key = "0x" + "ab" * 32
    text = redact(f"signing with {key} or {key[2:]} failed " + "x" * 1000, [key, ""])
    assert "ab" * 32 not in text
    assert text.count("***") == 2
    assert len(text) <= 403
