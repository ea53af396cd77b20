"""Stress grid of 1e4 inverse options x 105 cells, full revaluation.

Ours: ``agent.risk.stress.stress_test`` on a book of 1e4 Deribit-style inverse options
(one underlying) over 35 spot shocks (-30%..+30% in 2% steps, and -66%, -50%, +50%,
+100%) x 3 vol shocks (-25%, 0, +50%): every option repriced in every cell, P&L per
position and cell, account health per cell. Peer: py_vollib_vectorized pricing the
same 1.05e6 (option, cell) pairs in one vectorised call (prices only, no P&L or
health). Target: <= 15 ms.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from agent.risk.book import Book

from bench import Result, interleaved_best

COUNT = 10_000
SPOT_SHOCKS = (*np.round(np.arange(-0.30, 0.3001, 0.02), 4), -0.66, -0.5, 0.5, 1.0)
VOL_SHOCKS = (-0.25, 0.0, 0.5)


def _book() -> Book:
    from agent.risk.book import Book
    from agent.risk.positions import MarketState, OptionPosition
    from agent.risk.terms import OptionType, Settlement

    generator = np.random.default_rng(10_000)
    now = datetime(2026, 11, 21, 8, tzinfo=UTC)
    positions = [
        OptionPosition(
            f"o{index}",
            "deribit",
            "ETH",
            OptionType.CALL if generator.random() < 0.5 else OptionType.PUT,
            float(3000.0 * np.exp(generator.normal(0.0, 0.3))),
            now + timedelta(days=float(generator.uniform(1.0, 365.0))),
            float(generator.choice([-1.0, 1.0]) * generator.uniform(1.0, 25.0)),
            Settlement.INVERSE,
            vol=float(generator.uniform(0.3, 1.2)),
        )
        for index in range(COUNT)
    ]
    return Book.from_records(now, {"ETH": MarketState(3000.0, 0.0, 0.6)}, positions)


def run() -> list[Result]:
    import py_vollib_vectorized as pvv

    from agent.risk.positions import OptionPosition
    from agent.risk.stress import StressGrid, stress_test

    book = _book()
    grid = StressGrid(
        spot_shocks=tuple(sorted(float(s) for s in SPOT_SHOCKS)), vol_shocks=VOL_SHOCKS
    )
    cells = len(grid.spot_shocks) * len(grid.vol_shocks)
    assert cells == 105
    options = [p for p in book.positions if isinstance(p, OptionPosition)]
    assert len(options) == COUNT
    years = np.array(
        [(p.expiry - book.valuation_time).total_seconds() / (365 * 86400) for p in options]
    )
    spot = np.repeat(3000.0 * (1.0 + np.array(grid.spot_shocks)), len(grid.vol_shocks))
    vol_factor = np.tile(1.0 + np.array(grid.vol_shocks), len(grid.spot_shocks))
    flags = np.repeat(np.array(["c" if p.option_type == "call" else "p" for p in options]), cells)
    strike = np.repeat([p.strike for p in options], cells)
    all_years = np.repeat(years, cells)
    all_spot = np.tile(spot, COUNT)
    all_vol = np.repeat([p.vol for p in options], cells) * np.tile(vol_factor, COUNT)
    rate = np.zeros(COUNT * cells)

    def ours() -> object:
        return stress_test(book, grid)

    def vollib() -> object:
        return pvv.vectorized_black_scholes(
            flags, all_spot, strike, all_years, rate, all_vol, return_as="numpy"
        )

    ours()  # compile
    vollib()
    mine, theirs = interleaved_best(ours, vollib, rounds=5)
    milliseconds = 1e3
    return [
        Result(
            "stress 1e4 inverse options x 105 cells",
            mine * milliseconds,
            theirs * milliseconds,
            "py_vollib_vectorized",
            "ms",
            "<= 15 ms",
            mine * milliseconds <= 15.0,
        )
    ]
