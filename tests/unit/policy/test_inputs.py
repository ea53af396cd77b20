"""A reserve's facts checked once (``reserve_facts``) and an account's amounts
(``refuse_amounts``) are refused as ``LendingAsset``'s constructor refuses them, in its
words (the lending accounts built from them: tests/unit/agent/test_lending_inputs.py)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from agent.policy.inputs import (
    LendingAsset,
    ReserveFacts,
    refuse_amounts,
    reserve_facts,
)

FACTS = ReserveFacts("WETH", 2000.0, 0.825, 0.02, 0.031, 500.0, False, True, "ETH")


def _constructed(
    facts: ReserveFacts, supplied: float, enabled: bool, debt: float, wallet: float
) -> LendingAsset:
    symbol, price, threshold, supply_apr, borrow_apr, room, frozen, paused, underlying = facts
    return LendingAsset(
        symbol, price, threshold, supplied, enabled, debt, wallet, supply_apr, borrow_apr,
        room, frozen, paused, underlying,
    )  # fmt: skip


def _error(call: Callable[[], object]) -> str:
    with pytest.raises(ValueError, match="must") as raised:
        call()
    return str(raised.value)


@pytest.mark.parametrize(
    ("amounts", "room"),
    [
        ((-1.0, True, 0.0, 0.0), 500.0),
        ((1.0, True, math.nan, 0.0), 500.0),
        ((1.0, True, 0.0, -0.5), 500.0),
        ((1.0, True, 0.0, 0.0), -1.0),
        ((math.nan, True, 0.0, 0.0), -1.0),  # two at once: the first field is named
    ],
)
def test_refuse_amounts_names_what_the_constructor_names(
    amounts: tuple[float, bool, float, float], room: float
) -> None:
    facts = FACTS._replace(supply_room=room)
    supplied, _, debt, wallet = amounts
    found = _error(lambda: refuse_amounts(facts.symbol, supplied, debt, wallet, room))
    assert found == _error(lambda: _constructed(facts, *amounts))


@pytest.mark.parametrize(
    ("price", "threshold"), [(0.0, 0.8), (math.inf, 0.8), (math.nan, 0.8), (1.0, 1.0), (1.0, -0.1)]
)
def test_reserve_facts_refuse_as_the_constructor(price: float, threshold: float) -> None:
    facts = FACTS._replace(price_usd=price, liquidation_threshold=threshold)
    found = _error(lambda: reserve_facts(*facts))
    # the reserve's fault is named before any amount's, as the constructor does
    assert found == _error(lambda: _constructed(facts, -1.0, True, 0.0, 0.0))
