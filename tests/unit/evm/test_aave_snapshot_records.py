"""An Aave account's snapshot, whose records are filled as drafts (``aave_v3_snapshot``),
is the snapshot the classes' own constructors build from the same figures: every
position and balance in its place (a supply, a debt, a wallet; none for a zero), the
health (``Health.from_aave_account_data``, drafted too, is the class's own for any six
numbers), the view's marks as a read-only copy of the snapshot's own, the debts noted."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.model import Balance, Health, HealthKind, Position, VenueSnapshot
from agent.ports import BlockRef
from connectors.evm.aave_v3_account import AccountFigures
from connectors.evm.aave_v3_reserves import MarketView
from connectors.evm.aave_v3_snapshot import AssetFacts, Noted, account_snapshot
from connectors.evm.tokens import TokenConfig

TOKENS = (
    TokenConfig("WETH", "0x" + "01" * 20, 18, "ETH"),
    TokenConfig("USDC", "0x" + "02" * 20, 6, "USDC"),
    TokenConfig("WBTC", "0x" + "03" * 20, 8, "BTC"),
)
BLOCK = BlockRef(number=4_321, timestamp=1_700_000_123, parent_hash="0x" + "cd" * 32)
DATA = (18_000_000_000_003, 10_000_000_225_900, 4_399_999_774_102, 8_250, 8_000, 14 * 10**17)


def _view() -> MarketView:
    prices = (3_000.0, 1.0, 60_000.0)
    empty = tuple(Balance(t.symbol, 0.0, 0.0 * p) for t, p in zip(TOKENS, prices, strict=True))
    marks = {"ETH": 3_000.0, "USDC": 1.0, "BTC": 60_000.0}
    return MarketView((), (), (), marks, prices, empty)


def test_the_snapshot_is_the_one_its_constructors_build() -> None:
    facts = tuple(AssetFacts.of("aave:3", token) for token in TOKENS)
    figures = AccountFigures(
        account_data=DATA,
        emode=0,
        supplied=(2_500_000_000_000_000_000, 7_000_000, 10**8),
        stable_debt=(0, 5, 0),
        variable_debt=(10**17, 2_000_000_000, 0),
        collateral=(True, True, False),
        wallet=(0, 3_000_000, 0),
        allowance=(1, 2, 3),
    )
    noted = Noted({}, {}, {})
    view = _view()
    found = account_snapshot("aave:3", BLOCK, figures, view, facts, noted)
    expected = VenueSnapshot(
        venue="aave:3",
        observed_at=datetime.fromtimestamp(BLOCK.timestamp, tz=UTC),
        positions=(
            Position(facts[0].supply, 2.5, mark_price=3_000.0, collateral_usd=7_500.0),
            Position(facts[0].debt, -0.1, mark_price=3_000.0),
            Position(facts[1].supply, 7.0, mark_price=1.0, collateral_usd=7.0),
            Position(facts[1].debt, -(2_000_000_005 / 10**6), mark_price=1.0),
            Position(facts[2].supply, 1.0, mark_price=60_000.0, collateral_usd=0.0),
        ),
        balances=(
            Balance("WETH", 0.0, 0.0),
            Balance("USDC", 3.0, 3.0),
            Balance("WBTC", 0.0, 0.0),
        ),
        health=(Health.from_aave_account_data("aave:3", DATA),),
        marks=view.marks,
        rates=(),
        reserves=(),
        block_number=BLOCK.number,
    )
    assert found == expected
    assert repr(found) == repr(expected)
    assert noted == Noted(
        {"WETH": 1, "USDC": 2, "WBTC": 3},
        {"WETH": 10**17, "USDC": 2_000_000_005, "WBTC": 0},
        {"WETH": 0, "USDC": 5, "WBTC": 0},
    )
    for mapping in (found.marks, found.flags, found.settings):
        assert isinstance(mapping, MappingProxyType)
    # The view's marks are frozen once and shared by every account's snapshot: no one can
    # change them, through the view or through a snapshot.
    with pytest.raises(TypeError):
        view.marks["ETH"] = 1.0  # type: ignore[index]
    other = account_snapshot("aave:4", BLOCK, figures, view, facts, Noted({}, {}, {}))
    assert other.marks is found.marks
    assert found.marks["ETH"] == 3_000.0


uint256 = st.one_of(st.just(0), st.integers(0, 10**30), st.integers(0, 2**256 - 1))


@settings(max_examples=200, deadline=None)
@given(data=st.tuples(uint256, uint256, uint256, uint256, uint256, uint256))
def test_the_health_is_the_one_its_constructor_builds(
    data: tuple[int, int, int, int, int, int],
) -> None:
    collateral, debt, available, threshold_bps, ltv_bps, health_wad = data
    # getUserAccountData: base currency in 8 decimals, bps, the factor in wad (IPool.sol)
    expected = Health(
        venue="aave:9",
        kind=HealthKind.LENDING,
        ratio=math.inf if debt == 0 else health_wad / 10**18,
        collateral_usd=collateral / 10**8,
        debt_usd=debt / 10**8,
        available_borrow_usd=available / 10**8,
        liquidation_threshold=threshold_bps / 10_000,
        ltv=ltv_bps / 10_000,
    )
    found = Health.from_aave_account_data("aave:9", data)
    assert type(found) is Health
    assert found == expected
    assert repr(found) == repr(expected)
