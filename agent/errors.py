"""One error hierarchy, organised by what the caller must do.

Connectors translate library errors (web3, ccxt, aiohttp) into these once, at their
boundary, with ``raise ... from e``; nothing above a connector catches a library
exception type.
"""

from __future__ import annotations


class BallastError(Exception):
    """Base of every error Ballast raises on purpose."""


class ConfigError(BallastError):
    """Configuration or input file is invalid: fix it and start again.

    ``source`` names the file and ``field`` the dotted path of the bad value, so the
    message can say what is wrong and where.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        where = ":".join(part for part in (source, field) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.field = field


class TransientError(BallastError):
    """The operation may succeed if retried (network, timeout, rate limit).

    ``retry_after_s`` carries a server's explicit back-off request, if it sent one.
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RejectedError(BallastError):
    """The venue or chain refused the request; retrying the same request is pointless."""


class Withdrawn(RejectedError):
    """We called the request off ourselves before it left (the last look before an order
    is submitted found the kill switch against it): definitely not sent."""


class OutcomeUnknown(BallastError):
    """The request may or may not have taken effect: reconcile before doing anything else."""


class InvariantViolation(BallastError):
    """Something that must never happen did: stop acting and alert a human."""


class StaleDataError(BallastError):
    """Inputs are too old or inconsistent to act on (oracle, head, venue snapshot)."""
