"""Small builders for policy tests: one ETH book, an Aave account, routes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.config.models import BandSettings, UnderlyingSettings
from agent.model import Instrument, Kind
from agent.policy.inputs import HedgeRoute, LendingAsset, UnderlyingRisk
from agent.policy.settings import PolicyParameters, PolicySettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SPOT = 2000.0
PARAMETERS = PolicyParameters()


def eth_risk(delta: float, **fields: Any) -> UnderlyingRisk:
    return UnderlyingRisk(
        underlying="ETH", spot_usd=fields.pop("spot_usd", SPOT), delta_coin=delta, **fields
    )


def rules(**fields: Any) -> UnderlyingSettings:
    band = fields.pop("band", BandSettings(half_width_coin=1.0))
    defaults: dict[str, Any] = {
        "band": band,
        "max_slice_coin": 10.0,
        "hedge_venues": ["hyperliquid", "gmx", "uniswap"],
    }
    return UnderlyingSettings(**{**defaults, **fields})


def settings(**fields: Any) -> PolicySettings:
    underlying = fields.pop("underlying", rules())
    return PolicySettings(underlyings={"ETH": underlying}, **fields)


def instrument(venue: str, symbol: str = "ETH-PERP", kind: Kind = Kind.PERP) -> Instrument:
    return Instrument(venue=venue, symbol=symbol, underlying="ETH", kind=kind)


def route(venue: str, **fields: Any) -> HedgeRoute:
    """A tight perp at 1999.5 / 2000.5 with no fee, carry, gas or limits unless given."""
    defaults: dict[str, Any] = {"bid_usd": 1999.5, "ask_usd": 2000.5}
    return HedgeRoute(
        instrument=fields.pop("instrument", instrument(venue)), **{**defaults, **fields}
    )


def weth(**fields: Any) -> LendingAsset:
    defaults: dict[str, Any] = {
        "symbol": "WETH",
        "price_usd": 2000.0,
        "liquidation_threshold": 0.825,
        "collateral_enabled": True,
    }
    return LendingAsset(**{**defaults, **fields})


def usdc(**fields: Any) -> LendingAsset:
    defaults: dict[str, Any] = {
        "symbol": "USDC",
        "price_usd": 1.0,
        "liquidation_threshold": 0.78,
        "borrow_apr": 0.06,
        "supply_apr": 0.04,
    }
    return LendingAsset(**{**defaults, **fields})
