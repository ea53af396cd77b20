"""Book Greeks: every kind of position against finite differences of its own revaluation,
netting, grouping, and agreement with the option kernel."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from agent.risk.black import option_greeks
from agent.risk.book import Book
from agent.risk.portfolio import (
    book_greeks,
    greeks_by,
    position_greeks,
    premium_adjusted_deltas,
    protocol_of,
    venue_of,
)
from agent.risk.positions import (
    FuturePosition,
    LendingDebtPosition,
    LendingSupplyPosition,
    OptionPosition,
    PerpetualPosition,
    SpotPosition,
)
from agent.risk.terms import OptionType, Settlement
from agent.risk.valuation import DELTA, GAMMA, RHO, THETA, VALUE, VEGA

from .books import EXPIRY, NOW, example_book, later, market, with_market

LATER = datetime(2027, 3, 26, 8, 0, tzinfo=UTC)


def _every_kind() -> Book:
    positions = [
        OptionPosition(
            "call-inv", "deribit", "ETH", OptionType.CALL, 3200.0, EXPIRY, -10.0, Settlement.INVERSE
        ),
        OptionPosition("put-lin", "premia", "ETH", OptionType.PUT, 2700.0, LATER, 4.0),
        OptionPosition(
            "put-b76", "deribit", "ETH", OptionType.PUT, 2900.0, EXPIRY, 3.0, forward=3015.0
        ),
        PerpetualPosition("perp", "hyperliquid", "ETH", 5.0, entry_price=2900.0),
        PerpetualPosition(
            "perp-inv",
            "deribit",
            "ETH",
            30_000.0,
            entry_price=2950.0,
            settlement=Settlement.INVERSE,
        ),
        FuturePosition("fut", "deribit", "ETH", 2.0, EXPIRY, entry_price=2990.0),
        FuturePosition(
            "fut-mark", "deribit", "ETH", -3.0, LATER, entry_price=3050.0, mark_price=3060.0
        ),
        FuturePosition(
            "fut-inv",
            "deribit",
            "ETH",
            -20_000.0,
            EXPIRY,
            entry_price=3020.0,
            settlement=Settlement.INVERSE,
        ),
        FuturePosition(
            "fut-inv-mark",
            "deribit",
            "ETH",
            10_000.0,
            LATER,
            entry_price=3000.0,
            mark_price=3040.0,
            settlement=Settlement.INVERSE,
        ),
        SpotPosition("spot", "uniswap", "ETH", 2.0),
        LendingSupplyPosition("supply", "aave", "ETH", 20.0, 0.83),
        LendingDebtPosition("debt", "aave", "USDC", 30_000.0),
    ]
    return Book.from_records(NOW, market(), positions)


def _values(book: Book) -> np.ndarray:
    return book_greeks(book).positions[:, VALUE]


def _spot_moved(book: Book, spot: float) -> Book:
    """ETH at ``spot``, with quoted forwards and future marks keeping their ratio to spot
    (the sticky basis the Greeks are defined with)."""
    factor = spot / book.market["ETH"].spot
    positions = []
    for p in book.positions:
        if isinstance(p, OptionPosition) and p.forward:
            p = replace(p, forward=p.forward * factor)
        elif isinstance(p, FuturePosition) and p.mark_price:
            p = replace(p, mark_price=p.mark_price * factor)
        positions.append(p)
    moved = Book.from_records(book.valuation_time, book.market, positions)
    return with_market(moved, "ETH", spot=spot)


def _aged(book: Book, seconds: float) -> Book:
    """``seconds`` later, quoted futures keeping their implied carry (forwards stay put)."""
    spot = book.market["ETH"].spot
    start = book.valuation_time.timestamp()

    def years(expiry: datetime, now: float) -> float:
        return (expiry.timestamp() - now) / (365 * 86400)

    positions = []
    for p in book.positions:
        if isinstance(p, FuturePosition) and p.mark_price:
            carry = np.log(p.mark_price / spot) / years(p.expiry, start)
            p = replace(p, mark_price=spot * np.exp(carry * years(p.expiry, start + seconds)))
        positions.append(p)
    return later(Book.from_records(book.valuation_time, book.market, positions), seconds)


@pytest.fixture(scope="module")
def every_kind() -> Book:
    return _every_kind()


def test_delta_and_gamma_match_finite_differences_in_spot(every_kind):
    greeks = book_greeks(every_kind).positions
    eth = np.array([p.underlying == "ETH" for p in every_kind.positions])
    step = 3000.0 * 1e-4
    up = _values(_spot_moved(every_kind, 3000.0 + step))
    down = _values(_spot_moved(every_kind, 3000.0 - step))
    base = _values(every_kind)
    np.testing.assert_allclose(
        greeks[eth, DELTA], ((up - down) / (2 * step))[eth], rtol=1e-7, atol=1e-7
    )
    np.testing.assert_allclose(
        greeks[eth, GAMMA], ((up - 2 * base + down) / step**2)[eth], rtol=1e-4, atol=1e-7
    )


def test_vega_rho_and_theta_match_finite_differences(every_kind):
    greeks = book_greeks(every_kind).positions
    vega = (
        (
            _values(with_market(every_kind, "ETH", vol=0.6001))
            - _values(with_market(every_kind, "ETH", vol=0.5999))
        )
        / 0.0002
        * 0.01
    )
    rho = (
        (
            _values(with_market(every_kind, "ETH", rate=0.0301))
            - _values(with_market(every_kind, "ETH", rate=0.0299))
        )
        / 0.0002
        * 0.01
    )
    hour = 3600.0
    theta = (_values(_aged(every_kind, hour)) - _values(_aged(every_kind, -hour))) / (
        2 * hour / 86400.0
    )
    np.testing.assert_allclose(greeks[:, VEGA], vega, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(greeks[:, RHO], rho, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(greeks[:, THETA], theta, rtol=1e-4, atol=1e-6)
    assert np.count_nonzero(greeks[:, THETA]) >= 7  # options and dated futures decay


def test_options_match_the_option_kernel(every_kind):
    greeks = book_greeks(every_kind).positions
    call = option_greeks(True, 3000.0, 3200.0, 34 / 365, 0.03, 0.6)
    np.testing.assert_allclose(
        greeks[0],
        -10.0 * np.array([call.value, call.delta, call.gamma, call.vega, call.theta, call.rho]),
        rtol=1e-14,
    )
    # Black-76 on a quoted forward: Greeks in spot terms scale by F/S (delta) and (F/S)**2 (gamma).
    ratio = 3015.0 / 3000.0
    put = option_greeks(False, 3015.0, 2900.0, 34 / 365, 0.03, 0.6, model="black76")
    assert greeks[2, VALUE] == pytest.approx(3.0 * put.value, rel=1e-14)
    assert greeks[2, DELTA] == pytest.approx(3.0 * put.delta * ratio, rel=1e-14)
    assert greeks[2, GAMMA] == pytest.approx(3.0 * put.gamma * ratio**2, rel=1e-14)


def test_linear_instruments(every_kind):
    greeks = book_greeks(every_kind).positions
    index = {p.id: i for i, p in enumerate(every_kind.positions)}
    assert greeks[index["perp"], DELTA] == 5.0
    assert greeks[index["perp"], VALUE] == pytest.approx(5.0 * (3000.0 - 2900.0))
    assert greeks[index["perp-inv"], DELTA] == pytest.approx(30_000.0 / 2950.0)
    assert greeks[index["spot"], DELTA] == 2.0
    assert greeks[index["supply"], DELTA] == 20.0
    assert greeks[index["debt"], DELTA] == -30_000.0
    assert greeks[index["fut"], DELTA] == pytest.approx(2.0 * np.exp(0.03 * 34 / 365))
    assert greeks[index["fut-mark"], DELTA] == pytest.approx(-3.0 * 3060.0 / 3000.0)
    for name in ("perp", "perp-inv", "spot", "supply", "debt"):
        assert (
            greeks[index[name], GAMMA]
            == greeks[index[name], VEGA]
            == greeks[index[name], THETA]
            == 0.0
        )


def test_opposite_positions_net_to_zero():
    long = OptionPosition("a", "deribit", "ETH", OptionType.CALL, 3100.0, EXPIRY, 3.0)
    short = replace(long, id="b", venue="premia", quantity=-3.0)
    perp = PerpetualPosition("c", "gmx", "ETH", 4.0)
    hedge = SpotPosition("d", "uniswap", "ETH", -4.0)
    net = book_greeks(Book.from_records(NOW, market(), [long, short, perp, hedge])).net_for("ETH")
    for name in ("delta", "gamma", "vega", "theta", "rho"):
        assert net[name] == pytest.approx(0.0, abs=1e-12)


def test_groups_sum_to_the_net():
    book = example_book()
    greeks = book_greeks(book)
    for key in (venue_of, protocol_of):
        groups = greeks_by(book, greeks, key)
        for underlying in greeks.underlyings:
            total = sum(
                group[underlying]["delta"] for group in groups.values() if underlying in group
            )
            assert total == pytest.approx(greeks.net_for(underlying)["delta"], rel=1e-12)
    assert set(greeks_by(book, greeks, protocol_of)) >= {
        "aave_v3",
        "gmx_v2",
        "premia_v3",
        "deribit",
    }


def test_position_dicts_and_delta_usd():
    book = example_book()
    greeks = book_greeks(book)
    rows = position_greeks(book, greeks)
    assert rows[0]["delta_usd"] == pytest.approx(rows[0]["delta"] * 3000.0)
    assert set(rows[0]) == {"value_usd", "delta", "delta_usd", "gamma", "vega", "theta", "rho"}


def test_premium_adjusted_delta_only_for_inverse(every_kind):
    greeks = book_greeks(every_kind)
    adjusted = premium_adjusted_deltas(every_kind, greeks)
    inverse = [getattr(p, "settlement", None) is Settlement.INVERSE for p in every_kind.positions]
    assert np.all(np.isnan(adjusted[~np.array(inverse)]))
    first = greeks.positions[0]
    assert adjusted[0] == pytest.approx(first[DELTA] - first[VALUE] / 3000.0)
    # An inverse perpetual's coin view: face / spot, as Deribit shows it.
    assert adjusted[4] == pytest.approx(30_000.0 / 3000.0, rel=1e-12)
