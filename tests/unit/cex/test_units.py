"""One conversion per instrument kind, each with the mistake it must not make.

Markets are shaped as ccxt 4.5 builds them from the venues' published specs (deribit.py
``fetch_markets``: ``contractSize`` = ``contract_size``, ``precision.amount`` =
``min_trade_amount``; hyperliquid.py: ``contractSize`` 1, ``precision.amount`` =
10^-szDecimals).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.errors import RejectedError
from connectors.cex.units import Denomination, deribit_units, hyperliquid_units


def _market(symbol: str, *, inverse: bool, option: bool, contract: float, step: float) -> dict:
    return {
        "symbol": symbol,
        "inverse": inverse,
        "linear": not inverse,
        "option": option,
        "contractSize": contract,
        "precision": {"amount": step},
    }


# Deribit's published specs (sim/venues/deribit/instruments.py cites the captures)
BTC_PERPETUAL = _market("BTC/USD:BTC", inverse=True, option=False, contract=10.0, step=10.0)
BTC_USDC_PERPETUAL = _market(
    "BTC/USDC:USDC", inverse=False, option=False, contract=0.001, step=0.001
)
BTC_OPTION = _market(
    "BTC/USD:BTC-261225-60000-C", inverse=True, option=True, contract=1.0, step=0.1
)
HL_BTC = _market("BTC/USDC:USDC", inverse=False, option=False, contract=1.0, step=0.00001)


def test_a_linear_perpetual_is_sized_in_coin_not_in_contracts() -> None:
    units = deribit_units(BTC_USDC_PERPETUAL)
    assert units.denomination is Denomination.COIN
    assert units.amount(0.1) == 0.1  # dividing by contract_size 0.001 asked for 100 BTC
    assert units.amount(0.1234) == 0.123
    assert units.coin(0.123) == 0.123


def test_an_inverse_perpetual_is_sized_in_usd_at_the_mark() -> None:
    units = deribit_units(BTC_PERPETUAL)
    assert units.denomination is Denomination.USD
    assert units.amount(0.1, 60_000.0) == 6_000.0  # sending 0.1 (coin) as USD is refused
    assert units.amount(0.10004, 60_000.0) == 6_000.0  # 10 USD steps
    assert units.coin(6_000.0, 60_000.0) == pytest.approx(0.1)
    assert units.lot_coin(50_000.0) == pytest.approx(0.0002)
    with pytest.raises(RejectedError, match="positive price"):
        units.amount(0.1, None)


def test_an_option_is_sized_in_coin_contracts() -> None:
    units = deribit_units(BTC_OPTION)
    assert units.denomination is Denomination.COIN
    assert units.amount(1.0) == 1.0  # not USD, although the option is coin-settled
    assert units.amount(0.26) == 0.3


def test_a_hyperliquid_perpetual_is_sized_in_coin() -> None:
    units = hyperliquid_units(HL_BTC)
    assert units.amount(0.123456) == 0.12346


def test_below_one_step_is_refused_naming_the_minimum() -> None:
    with pytest.raises(RejectedError, match=r"BTC/USDC:USDC: 0.0004 coin is below .*0.001"):
        deribit_units(BTC_USDC_PERPETUAL).amount(0.0004)
    with pytest.raises(RejectedError, match=">= 0 coin"):
        deribit_units(BTC_USDC_PERPETUAL).amount(-1.0)


@given(
    coin=st.floats(min_value=0.0002, max_value=500.0),
    price=st.floats(min_value=1_000.0, max_value=500_000.0),
    market=st.sampled_from([BTC_PERPETUAL, BTC_USDC_PERPETUAL, BTC_OPTION, HL_BTC]),
)
def test_there_and_back_lands_within_half_a_step(coin: float, price: float, market: dict) -> None:
    units = hyperliquid_units(market) if market is HL_BTC else deribit_units(market)
    lot = units.lot_coin(price)
    if coin < lot / 2:
        return  # refused, tested above
    back = units.coin(units.amount(coin, price), price)
    assert abs(back - coin) <= lot / 2 * (1 + 1e-9)
