"""A lending asset built from its reserve's facts checked once (``held_asset``, an
account's assets in one call: ``held_assets``) is the constructor's, field for field,
and refuses what the constructor refuses, in its words."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import fields

import pytest

from agent.policy.inputs import (
    LendingAsset,
    ReserveFacts,
    held_asset,
    held_assets,
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


@pytest.mark.parametrize(
    ("supplied", "enabled", "debt", "wallet"),
    [
        (0.0, False, 0.0, 0.0),
        (3.5, True, 0.0, 1.0),
        (0.0, True, 7.25, 0.0),
        (1e-18, True, 2.0, 3.0),
    ],
)
def test_held_asset_is_the_constructors(
    supplied: float, enabled: bool, debt: float, wallet: float
) -> None:
    built = held_asset(reserve_facts(*FACTS), supplied, enabled, debt, wallet)
    expected = _constructed(FACTS, supplied, enabled, debt, wallet)
    assert type(built) is LendingAsset
    assert built == expected
    # every slot set, bit for bit (== would let 0.0 stand for -0.0)
    for field in fields(LendingAsset):
        assert repr(getattr(built, field.name)) == repr(getattr(expected, field.name))


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
def test_held_asset_refuses_amounts_as_the_constructor(
    amounts: tuple[float, bool, float, float], room: float
) -> None:
    facts = FACTS._replace(supply_room=room)
    found = _error(lambda: held_asset(reserve_facts(*facts), *amounts))
    assert found == _error(lambda: _constructed(facts, *amounts))


@pytest.mark.parametrize(
    ("price", "threshold"), [(0.0, 0.8), (math.inf, 0.8), (math.nan, 0.8), (1.0, 1.0), (1.0, -0.1)]
)
def test_reserve_facts_refuse_as_the_constructor(price: float, threshold: float) -> None:
    facts = FACTS._replace(price_usd=price, liquidation_threshold=threshold)
    found = _error(lambda: reserve_facts(*facts))
    # the reserve's fault is named before any amount's, as the constructor does
    assert found == _error(lambda: _constructed(facts, -1.0, True, 0.0, 0.0))


OTHER = ReserveFacts("USDC", 1.0, 0.78, 0.05, 0.07, math.inf, True, False, None)
AMOUNTS = [(FACTS, 3.5, True, 0.0, 1.0), (OTHER, 0.0, False, 7.25, -0.0), (FACTS, 0.0, False, 0, 2)]


def test_held_assets_are_each_entrys_constructor_in_order() -> None:
    built = held_assets(iter(AMOUNTS))
    expected = [_constructed(*entry) for entry in AMOUNTS]
    assert type(built) is tuple
    assert [type(asset) for asset in built] == [LendingAsset] * 3
    assert [repr(asset) for asset in built] == [repr(asset) for asset in expected]
    assert held_assets([]) == ()


@pytest.mark.parametrize("bad", [0, 1, 2])
def test_held_assets_refuse_the_first_bad_entry_as_the_constructor(bad: int) -> None:
    entries = list(AMOUNTS)
    entries[bad] = (entries[bad][0], 1.0, True, math.nan, 0.0)  # a debt that is no amount
    entries.append((OTHER, -1.0, True, 0.0, 0.0))  # a later fault is not the one named
    found = _error(lambda: held_assets(entries))
    assert found == _error(lambda: _constructed(*entries[bad]))
