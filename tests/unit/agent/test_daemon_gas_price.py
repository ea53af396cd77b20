"""An unreachable RPC for the gas price keeps the last price; it does not fail the tick."""

from __future__ import annotations

from typing import Any

import pytest

from agent.config import validate
from agent.daemon import Daemon, DaemonParts
from agent.errors import TransientError


def _daemon(prices: list[object]) -> Daemon:
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

    async def gas_price_gwei() -> float:
        answer = prices.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, float)
        return answer

    parts: Any = DaemonParts(
        config=config, clock=None, reader=None, profiles={}, executor=None, controls=None,
        gas_price_gwei=gas_price_gwei,
    )  # type: ignore[arg-type]  # fmt: skip
    return Daemon(parts)


async def test_a_failed_gas_price_read_keeps_the_last_price() -> None:
    daemon = _daemon([12.0, TransientError("eth_gasPrice: every RPC provider failed"), 30.0])
    daemon.ticks = 1
    await daemon._refresh_gas_price()
    assert daemon._gas_gwei == 12.0
    daemon.ticks = 11
    await daemon._refresh_gas_price()  # the RPC is down: no exception, last price kept
    assert daemon._gas_gwei == 12.0
    daemon.ticks = 21
    await daemon._refresh_gas_price()
    assert daemon._gas_gwei == 30.0


async def test_a_bug_is_not_swallowed() -> None:
    daemon = _daemon([ValueError("not a venue failure")])
    daemon.ticks = 1
    with pytest.raises(ValueError, match="not a venue failure"):
        await daemon._refresh_gas_price()
