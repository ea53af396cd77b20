"""Scenario regimes and faults: funding and borrow changes, and the windows in which
the local world breaks (a stale oracle, a sequencer down, the RPC out, a gas spike, a
keeper late, a venue rate-limiting), as frozen, validated models of a scenario file's
``[[funding]]``, ``[[borrow]]`` and ``[[faults]]`` tables."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from agent.config.health import Frozen


class FundingChange(Frozen):
    """From ``at_s`` the exchanges' perp funding of ``underlying`` is ``annual``
    (annualised fraction; positive: longs pay shorts)."""

    at_s: NonNegativeFloat
    underlying: str
    annual: float


class BorrowChange(Frozen):
    """At ``at_s`` a whale borrows (or repays) on Aave until ``asset``'s utilization is
    ``utilization``, moving its borrow rate along the reserve's curve."""

    at_s: NonNegativeFloat
    asset: Literal["USDC"] = "USDC"
    utilization: Annotated[float, Field(gt=0, lt=1)]


class Window(Frozen):
    """A fault from ``at_s`` until ``until_s`` (seconds since the start)."""

    at_s: NonNegativeFloat
    until_s: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until_s <= self.at_s:
            raise ValueError("until_s must be after at_s")
        return self

    def active(self, elapsed_s: float) -> bool:
        return self.at_s <= elapsed_s < self.until_s


class OracleStale(Window):
    """``feed``'s transmitter stops: its last round is already a heartbeat old, and no
    new round comes until ``until_s`` (Aave and GMX keep reading the frozen price)."""

    kind: Literal["oracle_stale"]
    feed: str = "ETH"


class SequencerDown(Window):
    """The L2 sequencer uptime feed reports down from ``at_s``, up again at ``until_s``
    (the agent then waits out its grace period)."""

    kind: Literal["sequencer_down"]


class RpcOutage(Window):
    """The agent's chain RPC answers HTTP 503 to everything (the world goes on)."""

    kind: Literal["rpc_outage"]


class GasSpike(Window):
    """The base fee is pushed to ``base_fee_gwei`` before every tick of the window."""

    kind: Literal["gas_spike"]
    base_fee_gwei: PositiveFloat


class KeeperDelay(Window):
    """``keeper`` does nothing during the window (GMX orders wait, pools drift, expired
    options stay unsettled), then catches up."""

    kind: Literal["keeper_delay"]
    keeper: Literal["gmx_orders", "arbitrageur", "settlement"] = "gmx_orders"


class VenueRateLimit(Frozen):
    """From ``at_s`` ``venue`` answers its next ``requests`` requests with 429 and
    ``Retry-After: retry_after_s``."""

    kind: Literal["venue_rate_limit"]
    at_s: NonNegativeFloat
    venue: Literal["deribit", "hyperliquid"]
    requests: PositiveInt
    retry_after_s: Annotated[int, Field(ge=1, le=3)] = 1


Fault = Annotated[
    OracleStale | SequencerDown | RpcOutage | GasSpike | KeeperDelay | VenueRateLimit,
    Field(discriminator="kind"),
]


FAULT_KINDS = (
    "oracle_stale",
    "sequencer_down",
    "rpc_outage",
    "gas_spike",
    "keeper_delay",
    "venue_rate_limit",
)
