"""What the agent knows about each venue beyond its snapshots: how it margins, what it
charges, what an action costs in gas. Built once by the wiring from the config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Margin = Literal["cross", "isolated", "none"]


@dataclass(frozen=True, slots=True)
class VenueProfile:
    """One venue's standing facts.

    ``margin``: "cross" (positions share the venue's reported equity, Deribit and
    Hyperliquid), "isolated" (each perp carries its own collateral, GMX) or "none".
    ``maintenance_rate`` is maintenance margin per USD of notional where the venue does
    not report it per position; ``taker_fee_rate`` is the fee per USD traded (0 where
    quotes already include it, as an AMM's do); ``gas_per_action`` is gas units of one
    action (0 off chain); ``min_notional_usd`` is the smallest order the venue takes;
    ``protocol`` groups venues under one exposure cap.
    """

    name: str
    kind: str
    protocol: str
    margin: Margin = "none"
    maintenance_rate: float = 0.0
    taker_fee_rate: float = 0.0
    gas_per_action: int = 0
    min_notional_usd: float = 0.0
    chain: str | None = None

    @property
    def on_chain(self) -> bool:
        return self.chain is not None


# Defaults by venue kind: GMX's 0.07% position fee and 1% min collateral factor,
# Deribit's 0.05% and Hyperliquid's 0.045% perp taker fees.
DEFAULTS: dict[str, dict[str, object]] = {
    "chainlink": {"protocol": "chainlink"},
    "aave_v3": {"protocol": "aave-v3", "gas_per_action": 350_000},
    "uniswap_v3": {"protocol": "uniswap-v3", "gas_per_action": 250_000, "min_notional_usd": 10.0},
    "gmx_v2": {
        "protocol": "gmx-v2",
        "margin": "isolated",
        "maintenance_rate": 0.01,
        "taker_fee_rate": 0.0007,
        "gas_per_action": 3_000_000,
        "min_notional_usd": 10.0,
    },
    "premia_v3": {"protocol": "premia-v3", "gas_per_action": 600_000},
    "deribit": {
        "protocol": "deribit",
        "margin": "cross",
        "maintenance_rate": 0.01,
        "taker_fee_rate": 0.0005,
        "min_notional_usd": 10.0,
    },
    "hyperliquid": {
        "protocol": "hyperliquid",
        "margin": "cross",
        "maintenance_rate": 0.01,
        "taker_fee_rate": 0.00045,
        "min_notional_usd": 10.0,
    },
}


def profile_for(name: str, kind: str, chain: str | None = None) -> VenueProfile:
    """The default profile of a venue of ``kind``."""
    return VenueProfile(name=name, kind=kind, chain=chain, **DEFAULTS.get(kind, {"protocol": kind}))  # type: ignore[arg-type]
