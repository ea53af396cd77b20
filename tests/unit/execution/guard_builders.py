"""Intents, limits and contexts for the guard's tests: valid by default, one change away
from breaking exactly one limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from agent.execution.limits import ExposureCap, GasCaps, GuardLimits, selector
from agent.execution.proposal import GuardContext, Proposal
from agent.intents import Action, Intent, KillState
from agent.model import Instrument, Kind
from agent.ports import TxRequest

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
POOL = "0x" + "11" * 20
CHAIN = 42161
GWEI = 10**9


def limits(**changes: Any) -> GuardLimits:
    fields: dict[str, Any] = {
        "max_notional_per_action_usd": 50_000.0,
        "max_notional_per_hour_usd": 200_000.0,
        "venue_caps": {
            "aave": ExposureCap(max_usd=500_000, max_fraction_of_book=0.5),
            "deribit": ExposureCap(max_usd=400_000, max_fraction_of_book=0.4),
        },
        "protocol_caps": {"aave-v3": ExposureCap(max_usd=450_000, max_fraction_of_book=0.45)},
        "protocol_of_venue": {"aave": "aave-v3"},
        "max_slippage": 0.01,
        "max_reference_deviation": 0.02,
        "gas": GasCaps(max_fee_per_gas_wei=50 * GWEI, max_priority_fee_per_gas_wei=2 * GWEI),
        "emergency_gas": GasCaps(
            max_fee_per_gas_wei=500 * GWEI, max_priority_fee_per_gas_wei=20 * GWEI
        ),
        "allowlist": {POOL: frozenset({"supply(address,uint256,address,uint16)"})},
        "max_input_age_s": 30.0,
        "max_intent_age_s": 10.0,
    }
    return GuardLimits(**(fields | changes))


def context(**changes: Any) -> GuardContext:
    base = GuardContext(
        now=NOW,
        kill_state=KillState.ACTIVE,
        book_value_usd=1_000_000.0,
        inputs_observed_at=NOW - timedelta(seconds=5),
        reference_prices={"ETH": 3000.0, "WETH": 3000.0, "USDC": 1.0},
        venue_exposure_usd={"aave": 100_000.0, "deribit": 50_000.0},
        protocol_exposure_usd={"aave-v3": 100_000.0},
        positions={("deribit", "ETH"): -10.0},
        net_delta={"ETH": -12.0},
        notional_last_hour_usd=20_000.0,
        chain_id=CHAIN,
    )
    return replace(base, **changes)


PERP = Instrument(venue="deribit", symbol="ETH-PERPETUAL", underlying="ETH", kind=Kind.PERP)


def trade(**changes: Any) -> Intent:
    """Buy 2 ETH-PERP at up to 3020 on deribit: reduces a -10 ETH position."""
    base = Intent(
        venue="deribit",
        action=Action.BUY,
        asset="ETH",
        quantity=2.0,
        reason="delta band",
        instrument=PERP,
        limit_price=3020.0,
        reference_price=3001.0,
        notional_usd=6000.0,
        risk_reducing=True,
        created_at=NOW - timedelta(seconds=1),
    )
    return replace(base, **changes)


def supply_tx(**changes: Any) -> TxRequest:
    function = "supply(address,uint256,address,uint16)"
    base = TxRequest(
        chain_id=CHAIN, to=POOL, data=selector(function) + b"\x00" * 128, function=function
    )
    return replace(base, **changes)


def supply(**changes: Any) -> Intent:
    """Supply 5 WETH to aave (collateral top-up: risk-reducing)."""
    base = Intent(
        venue="aave",
        action=Action.SUPPLY,
        asset="WETH",
        quantity=5.0,
        reason="health factor",
        notional_usd=15_000.0,
        risk_reducing=True,
        created_at=NOW - timedelta(seconds=1),
    )
    return replace(base, **changes)


def evm(intent: Intent | None = None, *transactions: TxRequest, unwind: bool = False) -> Proposal:
    return Proposal(intent or supply(), transactions or (supply_tx(),), unwind)
