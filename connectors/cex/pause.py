"""A pause a venue asked for, remembered across calls and ticks.

A 429's Retry-After longer than the retry policies wait (``agent.retry``: 30 s) is
reported, not waited; without memory the next tick would call again at once. Shorter
ones are waited out by the policy itself. A ban (HTTP 418) is a long
pause with an alert. Until the pause ends nothing is sent: each call fails at once
with the time left (a ``TransientError`` carrying it as ``retry_after_s``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from agent.errors import TransientError
from agent.retry import ORDER, ORDER_LOOKUP, READ

_log = structlog.get_logger("ballast.cex")

# HTTP 418 is how exchanges say an IP is banned for ignoring their 429s (Binance's API
# docs, "LIMITS": bans last from 2 minutes to 3 days and carry Retry-After; ccxt maps
# 418 to DDoSProtection). Without Retry-After the pause is five minutes.
HTTP_BANNED = 418
BAN_PAUSE_S = 300.0
WAITED_OUT_S = max(p.max_retry_after_s for p in (READ, ORDER_LOOKUP, ORDER))


class Pause:
    def __init__(self, venue: str, now: Callable[[], datetime]) -> None:
        self.venue = venue
        self._now = now
        self.until: datetime | None = None
        self.reason = ""

    def check(self, operation: str) -> None:
        """Raise TransientError while the venue's pause lasts."""
        if self.until is None:
            return
        left = (self.until - self._now()).total_seconds()
        if left <= 0:
            self.until = None
            return
        raise TransientError(
            f"{self.venue}.{operation}: not sent, {self.reason}; {left:.0f} s left",
            retry_after_s=left,
        )

    def remember(self, status: int | None, retry_after_s: float | None) -> None:
        """Note the pause a failed reply asked for (HTTP ``status``, Retry-After)."""
        if status == HTTP_BANNED:
            pause = max(retry_after_s or 0.0, BAN_PAUSE_S)
            self.reason = f"banned by the venue (HTTP 418), backing off {pause:.0f} s"
            _log.error("venue_banned", venue=self.venue, pause_s=pause)
        elif retry_after_s and retry_after_s > WAITED_OUT_S:
            pause = retry_after_s
            self.reason = f"rate limited, the venue asked for {pause:.0f} s"
        else:
            return
        self.until = self._now() + timedelta(seconds=pause)
