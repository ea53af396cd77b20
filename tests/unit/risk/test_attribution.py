"""P&L attribution between two snapshots."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from agent.risk.attribution import COMPONENTS, attribute_pnl
from agent.risk.book import Book
from agent.risk.positions import OptionPosition, PerpetualPosition, SpotPosition
from agent.risk.terms import OptionType
from agent.risk.validation import RiskInputError

from .books import EXPIRY, NOW, later, market, with_market


def _book() -> Book:
    return Book.from_records(
        NOW,
        market(),
        [
            OptionPosition("o", "deribit", "ETH", OptionType.CALL, 3100.0, EXPIRY, -10.0),
            PerpetualPosition("p", "hyperliquid", "ETH", 4.0, entry_price=2950.0),
            SpotPosition("s", "uniswap", "ETH", 1.5),
        ],
    )


def test_components_sum_to_the_revaluation_pnl():
    before = _book()
    after = later(
        with_market(with_market(before, "ETH", spot=3060.0), "ETH", vol=0.63, rate=0.031), 6 * 3600
    )
    result = attribute_pnl(before, after)
    assert result.components.shape == (3, len(COMPONENTS))
    np.testing.assert_allclose(
        result.components.sum(axis=1), result.total_usd, rtol=1e-12, atol=1e-9
    )
    summary = result.summary()
    assert summary["total"] == pytest.approx(sum(summary[name] for name in COMPONENTS))


def test_linear_positions_are_all_delta():
    before = _book()
    result = attribute_pnl(before, with_market(before, "ETH", spot=2900.0))
    for row in (1, 2):
        assert result.components[row, 0] == pytest.approx(result.total_usd[row])
        assert abs(result.components[row, -1]) < 1e-9


def test_small_moves_leave_little_unexplained():
    before = _book()
    small = attribute_pnl(before, with_market(before, "ETH", spot=3010.0))
    large = attribute_pnl(before, with_market(before, "ETH", spot=3300.0))
    assert abs(small.components[0, -1]) < 1e-3 * abs(small.total_usd[0])
    assert abs(large.components[0, -1]) > abs(small.components[0, -1])
    # Gamma matters: delta alone misses much more of a large move.
    assert abs(large.total_usd[0] - large.components[0, 0]) > 10 * abs(large.components[0, -1])


def test_time_and_vol_are_theta_and_vega():
    before = _book()
    aged = attribute_pnl(before, later(before, 3600))
    assert aged.components[0, 3] == pytest.approx(aged.total_usd[0], rel=1e-3)
    vol = attribute_pnl(before, with_market(before, "ETH", vol=0.601))
    assert vol.components[0, 2] == pytest.approx(vol.total_usd[0], rel=1e-3)
    moved_override = Book.from_records(
        NOW, market(), [replace(before.positions[0], vol=0.605), *before.positions[1:]]
    )
    override = attribute_pnl(before, moved_override)
    assert override.components[0, 2] == pytest.approx(override.total_usd[0], rel=1e-2)


def test_closed_positions_cannot_be_attributed():
    before = _book()
    after = Book.from_records(NOW, market(), before.positions[:2])
    with pytest.raises(RiskInputError):
        attribute_pnl(before, after)
