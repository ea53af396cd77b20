"""Venue failure as a stress row: each venue's loss and what it leaves, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.report import risk_report
from agent.risk.report_text import render_text
from agent.risk.venue_failure import venue_failures

NOW = datetime(2026, 3, 1, tzinfo=UTC)
MARKET = {
    "ETH": risk.MarketState(spot=3000.0, vol=0.6),
    "USDC": risk.MarketState(spot=1.0, pegged=True),
}


def book() -> Book:
    positions = [
        # Aave: 10 ETH (30,000) against 12,000 USDC: 18,000 of ours there.
        risk.LendingSupplyPosition("aave:WETH::supply", "aave", "ETH", 10.0, 0.8),
        risk.LendingDebtPosition("aave:USDC::debt", "aave", "USDC", 12_000.0),
        # Hyperliquid: 8 short from 2,900 (-800) on 5,000 cash: 4,200.
        risk.PerpetualPosition(
            "hl:ETH::perp",
            "hyperliquid",
            "ETH",
            -8.0,
            entry_price=2900.0,
            account="hl",
            maintenance_margin_rate=0.02,
        ),
        # Deribit: 20 long from 3,100 (-2,000) on 1,000 cash: -1,000, nothing to lose.
        risk.PerpetualPosition(
            "db:ETH::perp",
            "deribit",
            "ETH",
            20.0,
            entry_price=3100.0,
            account="db",
            maintenance_margin_rate=0.02,
        ),
        risk.SpotPosition("wallet:ETH", "wallet", "ETH", 2.0),
        # GMX: 1 ETH short from 3,000 (flat) isolated on 1,500 collateral, 20 of fees due.
        risk.PerpetualPosition(
            "gmx:ETH::perp",
            "gmx",
            "ETH",
            -1.0,
            entry_price=3000.0,
            collateral_usd=1500.0,
            fees_usd=20.0,
            maintenance_margin_rate=0.01,
        ),
    ]
    accounts = [
        risk.MarginAccount("hl", "hyperliquid", 5_000.0),
        risk.MarginAccount("db", "deribit", 1_000.0),
    ]
    return Book.from_records(NOW, MARKET, positions, accounts)


def test_each_venue_loses_its_equity_and_leaves_the_rest_of_the_delta() -> None:
    rows = {row.venue: row for row in venue_failures(book())}
    assert [row.venue for row in venue_failures(book())] == [
        "aave", "wallet", "hyperliquid", "gmx", "deribit",
    ]  # fmt: skip
    expected = {  # venue: (equity, loss, ETH delta left of 10 - 8 + 20 + 2 - 1 = 23)
        "aave": (18_000.0, 18_000.0, 13.0),
        "wallet": (6_000.0, 6_000.0, 21.0),
        "hyperliquid": (4_200.0, 4_200.0, 31.0),
        "gmx": (1_480.0, 1_480.0, 24.0),
        "deribit": (-1_000.0, 0.0, 3.0),
    }
    for venue, (equity, loss, delta) in expected.items():
        row = rows[venue]
        assert row.equity_usd == pytest.approx(equity, rel=1e-12)
        assert row.loss_usd == pytest.approx(loss, rel=1e-12)
        assert dict(row.delta_after) == pytest.approx({"ETH": delta}, rel=1e-12)
    assert rows["hyperliquid"].accounts == ("hl",)


def test_ballast_risk_shows_the_venue_failure_rows() -> None:
    report = risk_report(book())
    assert report["venue_failure"][0]["venue"] == "aave"
    assert report["venue_failure"][0]["loss_usd"] == pytest.approx(18_000.0)
    text = render_text(report)
    assert "Venue failure: its equity and positions gone" in text
    assert "hyperliquid" in text.split("Venue failure")[1]
