"""Settings of a leader and its hot standby on a shared journal (``[leadership]``).

Only a daemon whose journal is shared (PostgreSQL) uses them: it leads while it holds
the book's lease, and otherwise stands by. The lease's expiry is on the database's clock;
the leader stops acting on its own monotonic clock ``safety_margin_s`` before the
lease could expire (counted from the start of its last successful renewal), so that it
is never still sending when the database hands the lease to the standby.
"""

from __future__ import annotations

from typing import Self

from pydantic import PositiveFloat, model_validator

from agent.config.health import Frozen


class LeadershipSettings(Frozen):
    """``host`` names this daemon to operators (default: the machine's hostname); each
    process adds a suffix of its own, so a restarted process is a new holder.
    ``lease_ttl_s``: how long a lease lasts without renewal (also the longest the book
    waits for a standby after its leader dies); ``renew_interval_s``: how often the
    leader renews it."""

    host: str | None = None
    lease_ttl_s: PositiveFloat = 10.0
    renew_interval_s: PositiveFloat = 2.0
    safety_margin_s: PositiveFloat = 2.0

    @model_validator(mode="after")
    def _renewals_fit_the_lease(self) -> Self:
        if self.renew_interval_s >= self.lease_ttl_s / 2:
            raise ValueError(
                f"renew_interval_s ({self.renew_interval_s:g}) must be under half of"
                f" lease_ttl_s ({self.lease_ttl_s:g}): one failed renewal must not lose the lease"
            )
        if 2 * self.renew_interval_s + self.safety_margin_s > self.lease_ttl_s:
            raise ValueError(
                f"2 x renew_interval_s + safety_margin_s ({self.renew_interval_s:g} x 2 +"
                f" {self.safety_margin_s:g}) must not exceed lease_ttl_s ({self.lease_ttl_s:g}):"
                " the leader would stop acting after one late renewal"
            )
        return self
