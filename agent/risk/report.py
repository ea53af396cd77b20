"""The risk report of a book: one JSON-ready document, and its text rendering.

``risk_report`` gathers what ``ballast risk`` prints: per-position and net Greeks (by
underlying, venue and protocol), account health, liquidation distance and probability,
and the stress grid. Infinite numbers (the health of an account that owes nothing)
become null in the document.
"""

from __future__ import annotations

import math
from typing import Any

from agent.risk.book import Book
from agent.risk.health import account_health
from agent.risk.liquidation import LiquidationLevel, liquidation_distance
from agent.risk.liquidation_probability import first_passage_probability
from agent.risk.portfolio import (
    book_greeks,
    greeks_by,
    position_greeks,
    premium_adjusted_deltas,
    protocol_of,
    venue_of,
)
from agent.risk.stress import StressGrid, StressResult, stress_test
from agent.risk.terms import Settlement
from agent.risk.venue_failure import venue_failures

Document = dict[str, Any]


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _positions(book: Book) -> list[Document]:
    greeks = book_greeks(book)
    adjusted = premium_adjusted_deltas(book, greeks)
    rows = []
    for index, (position, named) in enumerate(
        zip(book.positions, position_greeks(book, greeks), strict=True)
    ):
        row: Document = {
            "id": position.id,
            "venue": position.venue,
            "protocol": protocol_of(position),
            "underlying": position.underlying,
            "kind": position.kind.value,
            "quantity": position.quantity,
            **named,
        }
        if getattr(position, "settlement", Settlement.LINEAR) is Settlement.INVERSE:
            spot = book.market[position.underlying].spot
            row["settlement"] = Settlement.INVERSE.value
            row["value_coin"] = named["value_usd"] / spot
            row["delta_premium_adjusted"] = float(adjusted[index])
        rows.append(row)
    return rows


def _net(book: Book) -> Document:
    greeks = book_greeks(book)
    return {
        "net": {name: greeks.net_for(name) for name in greeks.underlyings},
        "net_by_venue": greeks_by(book, greeks, venue_of),
        "net_by_protocol": greeks_by(book, greeks, protocol_of),
    }


def _health(book: Book) -> list[Document]:
    return [
        {
            "account": health.account,
            "venue": health.venue,
            "kind": health.kind.value,
            "positions": list(health.positions),
            "health": _number(health.health),
            "liquidatable": health.liquidatable,
            "assets_usd": health.assets_usd,
            "requirement_usd": health.requirement_usd,
            "margin_ratio": _number(health.margin_ratio),
            "liquidation_prices": {
                name: {"down": _number(down), "up": _number(up)}
                for name, (down, up) in health.liquidation_prices.items()
            },
            "health_under_spot_shocks": {
                f"{shock:+.0%}": _number(value) for shock, value in health.under_shocks.items()
            },
        }
        for health in account_health(book)
    ]


def _level(level: LiquidationLevel | None) -> Document | None:
    if level is None:
        return None
    return {
        "shock": level.shock,
        "price": level.price,
        "account": level.account,
        "venue": level.venue,
        "positions": list(level.positions),
    }


def _liquidation(book: Book, horizon_days: float) -> tuple[Document, Document]:
    distances = liquidation_distance(book)
    distance = {
        name: {"spot": item.spot, "down": _level(item.down), "up": _level(item.up)}
        for name, item in distances.items()
    }
    probability: Document = {
        "horizon_days": horizon_days,
        "model": "gbm_first_passage",
        "by_underlying": {},
    }
    for name, item in distances.items():
        vol = book.market[name].vol
        if vol is None:
            continue
        lower = None if item.down is None else item.down.price
        upper = None if item.up is None else item.up.price
        years = horizon_days / 365.0
        probability["by_underlying"][name] = {
            "vol": vol,
            "down": first_passage_probability(item.spot, years, vol, lower=lower),
            "up": first_passage_probability(item.spot, years, vol, upper=upper),
            "either": first_passage_probability(item.spot, years, vol, lower=lower, upper=upper),
        }
    return distance, probability


def _stress(result: StressResult) -> Document:
    worst_pnl, worst_spot, worst_vol = result.worst
    grid = result.grid
    return {
        "spot_shocks": list(grid.spot_shocks),
        "vol_shocks": list(grid.vol_shocks),
        "pnl_usd": result.pnl_usd.tolist(),
        "worst": {"pnl_usd": worst_pnl, "spot_shock": worst_spot, "vol_shock": worst_vol},
        "liquidated": [
            {
                "spot_shock": grid.spot_shocks[i],
                "vol_shock": grid.vol_shocks[j],
                "accounts": list(result.liquidated[i][j]),
                "positions": list(result.liquidated_positions[i][j]),
            }
            for i in range(len(grid.spot_shocks))
            for j in range(len(grid.vol_shocks))
            if result.liquidated[i][j]
        ],
    }


def venue_failure_rows(book: Book) -> list[Document]:
    """Each venue's failure: what the book loses, and its net delta without the venue."""
    return [
        {
            "venue": row.venue,
            "loss_usd": row.loss_usd,
            "equity_usd": row.equity_usd,
            "accounts_lost": list(row.accounts),
            "net_delta_after": dict(row.delta_after),
        }
        for row in venue_failures(book)
    ]


def risk_report(
    book: Book, *, grid: StressGrid | None = None, horizon_days: float = 1.0
) -> Document:
    """Everything ``ballast risk`` prints, as one JSON-ready document."""
    distance, probability = _liquidation(book, horizon_days)
    return {
        "valuation_time": book.valuation_time.isoformat(),
        "positions": _positions(book),
        **_net(book),
        "health": _health(book),
        "liquidation_distance": distance,
        "liquidation_probability": probability,
        "stress": _stress(stress_test(book, grid)),
        "venue_failure": venue_failure_rows(book),
    }
