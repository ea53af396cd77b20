"""ccxt's exceptions, translated once into what the caller must do.

- network trouble, timeouts, unreadable replies: ``TransientError`` (retry if idempotent);
- rate limits (429/418, DDoSProtection, RateLimitExceeded): ``TransientError`` carrying
  the server's ``Retry-After`` when it sent one;
- insufficient funds, invalid order, bad request, authentication, any other refusal
  by the venue: ``RejectedError`` (do not retry the same request).

Placing an order needs one more distinction, ``submission_fate``: a refusal or a
connection that never opened means nothing was placed; anything else (timeout, closed
connection, unreadable reply) means the order may be live, and it must be looked up by
its client id before anything else happens.

Messages never contain credentials: every configured secret is masked, and long venue
replies are cut short.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import aiohttp
import ccxt.async_support as ccxt

from agent.errors import BallastError, RejectedError, TransientError

_MAX_MESSAGE = 400


class Fate(enum.Enum):
    """What a failed order submission means for the order."""

    REFUSED = "refused"  # the venue answered no: nothing placed
    NOT_SENT = "not_sent"  # the request never left: nothing placed
    UNKNOWN = "unknown"  # it may be live: look it up by client id


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret masked and its length bounded."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            text = text.replace(secret.removeprefix("0x"), "***")
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE] + "..."


def _describe(error: BaseException, venue: str, operation: str, secrets: Iterable[str]) -> str:
    return redact(f"{venue} {operation}: {type(error).__name__}: {error}", secrets)


def translate(
    error: Exception,
    *,
    venue: str,
    operation: str,
    secrets: Iterable[str] = (),
    retry_after_s: float | None = None,
) -> BallastError:
    """The BallastError to raise ``from error``."""
    if isinstance(error, BallastError):
        return error
    message = _describe(error, venue, operation, secrets)
    if isinstance(error, ccxt.DDoSProtection | ccxt.RateLimitExceeded):
        return TransientError(message, retry_after_s=retry_after_s)
    if isinstance(error, ccxt.NetworkError | ccxt.OperationFailed):
        return TransientError(message)
    if isinstance(error, ccxt.BaseError):
        return RejectedError(message)
    if isinstance(error, aiohttp.ClientError | TimeoutError):
        return TransientError(message)
    return RejectedError(message)


def submission_fate(error: Exception) -> Fate:
    """Whether a failed order submission can have placed the order."""
    if isinstance(error, RejectedError):
        return Fate.REFUSED
    if isinstance(error, ccxt.DDoSProtection | ccxt.RateLimitExceeded):
        return Fate.REFUSED
    if isinstance(error, ccxt.ExchangeNotAvailable) and isinstance(
        error.__cause__, aiohttp.ClientConnectorError
    ):
        return Fate.NOT_SENT
    if isinstance(error, ccxt.ExchangeError):
        return Fate.REFUSED
    return Fate.UNKNOWN
