"""One pass over each lending account's assets (``lending_figures``) against what it
stands in for in the tick: the exposure summed as written out here, ``health_factor``
and ``account_vol`` of the held underlyings, bit for bit, every account in its row."""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.policy.health import health_factor
from agent.policy.inputs import LendingAccount, LendingAsset
from agent.policy.steering import account_vol, lending_figures

_UNDERLYINGS = st.sampled_from([None, "", "ETH", "BTC", "USDC", "SOL"])
_AMOUNTS = st.one_of(st.just(0.0), st.just(-0.0), st.floats(0.0, 1e9))
_VOLS = st.one_of(st.floats(0.0, 30.0), st.just(-0.0), st.just(math.nan))

assets = st.builds(
    LendingAsset,
    symbol=st.sampled_from(["WETH", "WBTC", "USDC", "DAI"]),
    price_usd=st.floats(1e-9, 1e6),
    liquidation_threshold=st.floats(0.0, 0.97),
    supplied=_AMOUNTS,
    collateral_enabled=st.booleans(),
    debt=_AMOUNTS,
    underlying=_UNDERLYINGS,
)


def _bits(value: float | None) -> bytes | None:
    return None if value is None else struct.pack("<d", value)


def _exposure_terms(
    account: LendingAccount, vols: dict[str, float]
) -> tuple[float, float, float, float]:
    assets = moving_assets = debt = moving_debt = 0.0
    for asset in account.assets:
        moving = asset.underlying in vols
        if asset.collateral_enabled:
            weighted = asset.supplied * asset.price_usd * asset.liquidation_threshold
            assets += weighted
            moving_assets += weighted if moving else 0.0
        owed = asset.debt * asset.price_usd
        debt += owed
        moving_debt += owed if moving else 0.0
    return assets, moving_assets, debt, moving_debt


@settings(max_examples=300, deadline=None)
@given(
    books=st.lists(st.lists(assets, max_size=5), max_size=4),
    vols=st.dictionaries(st.sampled_from(["", "ETH", "BTC", "SOL"]), _VOLS, max_size=4),
)
def test_one_pass_is_the_exposure_the_health_factor_and_the_vol_bit_for_bit(
    books: list[list[LendingAsset]], vols: dict[str, float]
) -> None:
    accounts = [LendingAccount(f"aave:{n}", tuple(held), 1.0) for n, held in enumerate(books)]
    found = list(lending_figures(accounts, vols))
    assert len(found) == len(accounts)
    for account, (exposure, vol, ours) in zip(accounts, found, strict=True):
        assert [_bits(x) for x in exposure[:4]] == [
            _bits(x) for x in _exposure_terms(account, vols)
        ]
        assert exposure.lending
        assert _bits(ours) == _bits(health_factor(account))
        underlyings = {
            a.underlying for a in account.assets if a.underlying and (a.supplied or a.debt)
        }
        assert _bits(vol) == _bits(account_vol(underlyings, vols))


def test_the_health_factor_past_two_terms_is_fsum_s_not_the_running_sum() -> None:
    # With at most two nonzero terms a side the one pass keeps its running sums (the
    # same floats as math.fsum); a third term, or a sum past the floats, goes to fsum:
    # 1e16 + 1 + 1 is 1e16 added in order but 1e16 + 2 by fsum.
    def weth(supplied: float, debt: float, threshold: float = 0.5) -> LendingAsset:
        return LendingAsset("WETH", 1.0, threshold, supplied, True, debt, underlying="ETH")

    books = [
        (weth(2e16, 1.0), weth(2.0, 0.0), weth(2.0, 0.0)),  # N: three terms
        (weth(4e16, 1e16), weth(0.0, 1.0), weth(0.0, 1.0)),  # D: three terms
        (weth(2e16, 1.0), weth(0.0, 0.0), weth(2.0, 3.0)),  # two and a zero
        (weth(1.7e308, 1.0, 0.9), weth(1.7e308, 0.0, 0.9)),  # N past the largest float
        (weth(1.0, 1.7e308), weth(0.0, 1.7e308)),  # D past it
        (weth(-0.0, -0.0), weth(0.0, -0.0)),  # nothing at all
    ]
    accounts = [LendingAccount(f"aave:{n}", book, 1.0) for n, book in enumerate(books)]
    running = [
        math.inf if terms[2] <= 0 else terms[0] / terms[2]
        for terms in (_exposure_terms(account, {}) for account in accounts)
    ]
    found = [ours for _, _, ours in lending_figures(accounts[:3], {})]
    assert [_bits(x) for x in found] == [_bits(health_factor(a)) for a in accounts[:3]]
    assert [x != y for x, y in zip(found, running, strict=False)] == [True, True, False]
    for account in accounts[3:]:  # fsum's own answer: its error past the floats, or inf
        try:
            expected: float | type[Exception] = health_factor(account)
        except OverflowError as error:
            expected = type(error)
        try:
            got: float | type[Exception] = next(lending_figures([account], {}))[2]
        except OverflowError as error:
            got = type(error)
        assert got == expected
