"""The steering's one-pass figures against what they stand in for, bit for bit:
``lending_steerings`` against ``steer`` over ``lending_figures`` (every account in its
row, static and steered alike), ``margin_figures`` against the two passes it replaced."""

from __future__ import annotations

import math
import struct
from dataclasses import fields
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config.models import HealthSettings
from agent.model import Instrument, Kind, OptionType
from agent.policy.inputs import LendingAccount, LendingAsset, MarginAccount, MarginPosition
from agent.policy.lending_steering import lending_steerings
from agent.policy.steering import (
    ProbabilityModel,
    Steering,
    account_vol,
    lending_figures,
    margin_figures,
    steer,
)
from tests.unit.policy.test_lending_figures import assets

_VOLS = st.one_of(st.floats(0.0, 5.0), st.just(-0.0), st.just(math.nan), st.just(0.65))


def _bits(value: object) -> object:
    return struct.pack("<d", value) if isinstance(value, float) else value


def _fields(steering: Steering) -> list[object]:
    return [_bits(getattr(steering, f.name)) for f in fields(Steering)]


def _expected(
    accounts: list[LendingAccount], vols: dict[str, float], rules: HealthSettings
) -> tuple[list[Steering], list[float]]:
    model = ProbabilityModel(rules)
    found, ours = [], []
    for account, (exposure, vol, health_factor) in zip(
        accounts, lending_figures(accounts, vols), strict=True
    ):
        found.append(steer(account.venue, exposure, vol, rules, model, account.market_priced))
        ours.append(health_factor)
    return found, ours


def _same(accounts: list[LendingAccount], vols: dict[str, float], rules: HealthSettings) -> None:
    expected, expected_ours = _expected(accounts, vols, rules)
    found, ours = lending_steerings(accounts, vols, rules, ProbabilityModel(rules))
    assert [type(s) for s in found] == [Steering] * len(accounts)
    assert [_fields(s) for s in found] == [_fields(s) for s in expected]
    assert [_bits(x) for x in ours] == [_bits(x) for x in expected_ours]


def _asset(
    symbol: str, underlying: str, price: float, supplied: float, debt: float
) -> LendingAsset:
    return LendingAsset(symbol, price, 0.8, supplied, True, debt, underlying=underlying)


def test_every_kind_of_account_in_its_row() -> None:
    """A loan the vol steers (ETH against USDC), one under its trigger, one liquidatable
    now, one no fall liquidates (the bench's WETH and WBTC against USDC and WETH), one
    without debt, one holding two moving underlyings, one market-priced; twice over,
    so a row read from its neighbour shows."""
    weth, usdc = ("WETH", "ETH", 3000.0), ("USDC", "USDC", 1.0)
    wbtc = ("WBTC", "BTC", 60_000.0)
    books = [
        [_asset(*weth, 10.0, 0.0), _asset(*usdc, 0.0, 18_300.0)],
        [_asset(*weth, 10.0, 0.0), _asset(*usdc, 0.0, 19_000.0)],
        [_asset(*weth, 1.0, 0.0), _asset(*usdc, 0.0, 5_000.0)],
        [_asset(*weth, 2.0, 0.1), _asset(*usdc, 0.0, 2_000.0), _asset(*wbtc, 0.1, 0.0)],
        [_asset(*weth, 2.0, 0.0)],
        [_asset(*weth, 10.0, 0.0), _asset(*wbtc, 1.0, 0.0), _asset(*usdc, 0.0, 40_000.0)],
    ]
    accounts = [
        LendingAccount(f"aave:{n}", tuple(held), 1.0, market_priced=("ETH: stale",) * (n % 2))
        for n, held in enumerate(books * 2)
    ]
    for vols in ({"ETH": 0.65}, {"ETH": 1.2, "BTC": 0.9}, {}):
        for rules in (HealthSettings(), HealthSettings(projection_sigmas=0.0)):
            _same(accounts, vols, rules)
    rules = HealthSettings()
    found, _ = lending_steerings(accounts, {"ETH": 0.65}, rules, ProbabilityModel(rules))
    assert [s.cause for s in found[:6]] == ["projection", "trigger", "trigger", "", "", ""]
    assert found[0].trigger > rules.lending_trigger
    assert found[2].probability == 1.0
    assert found[3].liquidation_move is None
    assert found[4].health == math.inf
    assert [s.market_priced for s in found[:2]] == [(), ("ETH: stale",)]
    both = {"ETH": 1.2, "BTC": 0.9}
    assert lending_steerings(accounts, both, rules, ProbabilityModel(rules))[0][5].vol == 1.2


@settings(max_examples=300, deadline=None)
@given(
    books=st.lists(st.lists(assets, max_size=4), max_size=4),
    vols=st.dictionaries(st.sampled_from(["", "ETH", "BTC", "SOL"]), _VOLS, max_size=4),
    vol_aware=st.booleans(),
    sigmas=st.sampled_from([0.0, 3.0]),
    trigger=st.sampled_from([1.05, 1.3]),
)
def test_random_accounts_are_steer_over_lending_figures_bit_for_bit(
    books: list[list[LendingAsset]],
    vols: dict[str, float],
    vol_aware: bool,
    sigmas: float,
    trigger: float,
) -> None:
    rules = HealthSettings(vol_aware=vol_aware, projection_sigmas=sigmas, lending_trigger=trigger)
    accounts = [LendingAccount(f"aave:{n}", tuple(held), 1.0) for n, held in enumerate(books)]
    _same(accounts, vols, rules)


_EXPIRY = datetime(2030, 1, 1, tzinfo=UTC)
_INSTRUMENTS = [
    Instrument("deribit", f"{underlying}-{kind.value}", underlying, kind, **extra)
    for underlying in ("ETH", "BTC", "SOL")
    for kind, extra in (
        (Kind.PERP, {}),
        (Kind.FUTURE, {"expiry": _EXPIRY}),
        (Kind.OPTION, {"option_type": OptionType.CALL, "strike": 3e3, "expiry": _EXPIRY}),
        (Kind.SPOT, {}),
    )
]
positions = st.builds(
    MarginPosition,
    instrument=st.sampled_from(_INSTRUMENTS),
    quantity=st.floats(-1e6, 1e6),
    mark_price_usd=st.floats(0.0, 1e5),
    maintenance_rate=st.just(0.01),
)


@settings(max_examples=200, deadline=None)
@given(
    held=st.lists(positions, max_size=8),
    account=st.sampled_from([None, "ETH", "BTC", "USDC"]),
    vols=st.dictionaries(st.sampled_from(["ETH", "BTC", "SOL"]), _VOLS, max_size=3),
    equity=st.floats(-1e6, 1e7),
)
def test_margin_figures_are_the_exposure_and_the_vol_of_the_held_set(
    held: list[MarginPosition],
    account: str | None,
    vols: dict[str, float],
    equity: float,
) -> None:
    # one pass over the positions for what took two: the exposure and account_vol over
    # the underlyings held (and the account's coin when it moves), bit for bit
    margin = MarginAccount("deribit", equity, 5_000.0, tuple(held), account=account)
    exposure, vol = margin_figures(margin, vols)
    underlyings = {p.instrument.underlying for p in margin.positions}
    underlyings |= {margin.account} if margin.account in vols else set()
    moving = sum(
        p.quantity * p.mark_price_usd
        for p in held
        if p.instrument.underlying in vols and p.instrument.kind in (Kind.PERP, Kind.FUTURE)
    )
    if account in vols:
        moving += equity
    assert _bits(vol) == _bits(account_vol(underlyings, vols))
    assert [_bits(x) for x in exposure] == [_bits(x) for x in (equity, moving, 5e3, 5e3)] + [False]
