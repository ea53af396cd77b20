"""Account health and liquidation distance against closed forms."""

from __future__ import annotations

import math

import pytest

from agent.risk.black import option_greeks
from agent.risk.book import AccountKind, Book
from agent.risk.health import account_health, health_factor, isolated_liquidation_price
from agent.risk.liquidation import liquidation_distance
from agent.risk.portfolio import book_greeks
from agent.risk.positions import (
    LendingDebtPosition,
    LendingSupplyPosition,
    MarginAccount,
    MarginBasis,
    OptionPosition,
    PerpetualPosition,
    SpotPosition,
)
from agent.risk.terms import OptionType, Settlement

from .books import EXPIRY, NOW, example_book, market


def _by_account(book: Book):
    return {health.account: health for health in account_health(book)}


def test_example_book_accounts():
    health = _by_account(example_book())
    aave = health["aave-main"]
    assert aave.kind is AccountKind.LENDING
    assert aave.health == pytest.approx(20 * 3000 * 0.83 / 30_000)
    assert aave.liquidation_prices["ETH"][0] == pytest.approx(30_000 / (20 * 0.83), rel=1e-12)
    assert aave.liquidation_prices["ETH"][1] is None
    assert aave.margin_ratio is None
    assert aave.under_shocks[-0.5] == pytest.approx(aave.health * 0.5)
    cross = health["hl-cross"]
    assert cross.health == pytest.approx((6000 + 5 * 100) / (0.02 * 5 * 3000))
    assert cross.margin_ratio == pytest.approx(1 / cross.health)
    assert cross.liquidation_prices["ETH"][0] == pytest.approx(8500 / 4.9, rel=1e-12)
    gmx = health["p2 (isolated)"]
    assert gmx.kind is AccountKind.ISOLATED_MARGIN
    assert gmx.liquidation_prices["ETH"][1] == pytest.approx(28131 / 8, rel=1e-12)
    assert not any(item.liquidatable for item in health.values())


@pytest.mark.parametrize("basis", list(MarginBasis))
@pytest.mark.parametrize("quantity", [6.0, -6.0])
@pytest.mark.parametrize("fees", [0.0, 40.0])
def test_isolated_perpetual_scan_matches_closed_form(basis, quantity, fees):
    perp = PerpetualPosition(
        "p",
        "gmx",
        "ETH",
        quantity,
        entry_price=2950.0,
        collateral_usd=3500.0,
        maintenance_margin_rate=0.01,
        margin_basis=basis,
        fees_usd=fees,
    )
    distance = liquidation_distance(Book.from_records(NOW, market(), [perp]))["ETH"]
    expected = isolated_liquidation_price(
        quantity, 2950.0, 3500.0, 0.01, basis=basis, fees_usd=fees
    )
    level = distance.down if quantity > 0 else distance.up
    other = distance.up if quantity > 0 else distance.down
    assert level is not None
    assert other is None
    assert level.price == pytest.approx(expected, rel=1e-12)
    assert level.account == "p (isolated)"
    assert level.positions == ("p",)


def test_inverse_perpetual_closed_form():
    perp = PerpetualPosition(
        "p",
        "deribit",
        "ETH",
        -60_000.0,
        entry_price=3000.0,
        collateral_usd=5000.0,
        maintenance_margin_rate=0.005,
        settlement=Settlement.INVERSE,
    )
    distance = liquidation_distance(Book.from_records(NOW, market(), [perp]))["ETH"]
    expected = isolated_liquidation_price(
        -60_000.0, 3000.0, 5000.0, 0.005, settlement=Settlement.INVERSE
    )
    assert distance.up.price == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(3000.0 * (1 + (300.0 - 5000.0) / -60_000.0))


def test_nearest_account_fails_first_and_pegged_assets_do_not_move():
    supply = LendingSupplyPosition("s", "aave", "ETH", 10.0, 0.8)
    debt = LendingDebtPosition("d", "aave", "USDC", 12_000.0)
    perp = PerpetualPosition(
        "p",
        "hl",
        "ETH",
        10.0,
        entry_price=3000.0,
        collateral_usd=6000.0,
        maintenance_margin_rate=0.02,
    )
    distances = liquidation_distance(Book.from_records(NOW, market(), [supply, debt, perp]))
    assert "USDC" not in distances
    down = distances["ETH"].down
    # Aave fails at 12000 / (10 * 0.8) = 1500; the perpetual at (30000 - 6000) / 9.8 = 2449.
    assert down.account == "p (isolated)"
    assert down.price == pytest.approx(24_000 / 9.8, rel=1e-12)
    assert down.shock == pytest.approx(24_000 / 9.8 / 3000 - 1, rel=1e-12)


def test_cross_margin_with_options_and_spot_collateral():
    account = MarginAccount("deribit-main", "deribit", cash_usd=2000.0)
    short_call = OptionPosition(
        "c",
        "deribit",
        "ETH",
        OptionType.CALL,
        3300.0,
        EXPIRY,
        -5.0,
        account="deribit-main",
        maintenance_margin_rate=0.1,
    )
    collateral = SpotPosition("eth", "deribit", "ETH", 3.0, account="deribit-main")
    book = Book.from_records(NOW, market(), [short_call, collateral], [account])
    health = _by_account(book)["deribit-main"]
    assert health.positions == ("c", "eth")
    values = book_greeks(book).positions[:, 0]
    assert health.assets_usd == pytest.approx(2000.0 + values.sum())
    assert health.requirement_usd == pytest.approx(0.1 * 5 * 3000.0)
    up = health.liquidation_prices["ETH"][1]
    assert (
        health.liquidation_prices["ETH"][0] is None
    )  # cash covers the short call all the way down
    call = option_greeks(True, up, 3300.0, 34 / 365, 0.03, 0.6).value
    equity = 2000.0 + 3.0 * up - 5.0 * call
    assert equity == pytest.approx(0.1 * 5.0 * up, rel=1e-9)


def test_already_liquidatable_account_has_zero_distance():
    supply = LendingSupplyPosition("s", "aave", "ETH", 1.0, 0.8)
    debt = LendingDebtPosition("d", "aave", "USDC", 2500.0)
    book = Book.from_records(NOW, market(), [supply, debt])
    health = _by_account(book)["aave"]
    assert health.liquidatable
    assert liquidation_distance(book)["ETH"].down.shock == 0.0


def test_health_factor_helper():
    assert health_factor([60_000.0, 10_000.0], [0.83, 0.78], 30_000.0) == pytest.approx(
        (49_800 + 7_800) / 30_000
    )
    assert health_factor([1.0], [0.5], 0.0) == math.inf
