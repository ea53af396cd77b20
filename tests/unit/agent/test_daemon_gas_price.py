"""An unreachable RPC for the gas price keeps the last price; it does not fail the tick."""

from __future__ import annotations

from typing import Any

import pytest

from agent.config import validate
from agent.daemon import Daemon, DaemonParts
from agent.errors import TransientError


def _daemon(prices: list[object], venue_chains: dict[str, int] | None = None) -> Daemon:
    config = validate(
        {
            "venues": {},
            "underlyings": {},
            "limits": {
                "max_notional_per_action_usd": 1,
                "max_notional_per_hour_usd": 1,
                "venue_caps": {},
            },
        },
        source="test",
    )

    async def gas_price_gwei() -> dict[int, float]:
        answer = prices.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, float)
        return {1: answer, 42161: answer / 1000}

    parts: Any = DaemonParts(
        config=config, clock=None, reader=None, profiles={}, executor=None, controls=None,
        gas_price_gwei=gas_price_gwei, venue_chains=venue_chains or {},
    )  # type: ignore[arg-type]  # fmt: skip
    return Daemon(parts)


async def test_a_failed_gas_price_read_keeps_the_last_price() -> None:
    daemon = _daemon([12.0, TransientError("eth_gasPrice: every RPC provider failed"), 30.0])
    daemon.ticks = 1
    await daemon._refresh_gas_price()
    assert daemon._gas_gwei == {1: 12.0, 42161: 0.012}
    daemon.ticks = 11
    await daemon._refresh_gas_price()  # the RPC is down: no exception, last price kept
    assert daemon._gas_gwei == {1: 12.0, 42161: 0.012}
    daemon.ticks = 21
    await daemon._refresh_gas_price()
    assert daemon._gas_gwei == {1: 30.0, 42161: 0.03}


async def test_a_bug_is_not_swallowed() -> None:
    daemon = _daemon([ValueError("not a venue failure")])
    daemon.ticks = 1
    with pytest.raises(ValueError, match="not a venue failure"):
        await daemon._refresh_gas_price()


async def test_each_venue_is_priced_at_its_own_chains_gas() -> None:
    """Aave on Ethereum and GMX on Arbitrum: a GMX hedge is not priced at Ethereum's gas."""
    daemon = _daemon([12.0], {"aave": 1, "gmx": 42161})
    daemon.ticks = 1
    await daemon._refresh_gas_price()
    assert daemon.venue_gas_gwei() == {"aave": 12.0, "gmx": 0.012}
