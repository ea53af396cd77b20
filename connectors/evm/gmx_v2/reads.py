"""Decoding helpers of the GMX v2 connector's batched read (pure functions).

Units: GMX prices are USD * 1e30 per smallest token unit; the results here are agent
units (USD, coins, annualised fractions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.model import PendingTrade, Rate
from agent.ports import BlockRef, CallResult
from connectors.evm.abi import ContractAbi
from connectors.evm.gmx_v2.config import GmxMarketConfig, PriceFeed
from connectors.evm.gmx_v2.events import error_name
from connectors.evm.gmx_v2.keys import SECONDS_PER_YEAR, USD_SCALE
from connectors.evm.gmx_v2.orders import PendingOrder
from connectors.evm.gmx_v2.positions import MarketPricesNow, PositionFigures, position_figures
from connectors.evm.tokens import TokenConfig
from connectors.evm.venue import SubCallFailed, require

READER = ContractAbi.load("IGmxV2Reader")
STORE = ContractAbi.load("IGmxV2DataStore")
FEED = ContractAbi.load("IChainlinkFeed")

# (collateral is the long token?, isLong) of the four positions an account can hold on a
# market, in the order the plan reads open interest and position info.
POSITION_SLOTS = ((True, True), (False, True), (True, False), (False, False))


def feed_price(
    token: TokenConfig, feed: PriceFeed, result: CallResult, block: BlockRef | None = None
) -> tuple[int, str]:
    """GMX price of ``token`` (ChainlinkPriceFeedUtils: answer * multiplier / 1e30) and a
    note when the round is older than GMX's heartbeat (keepers then refuse to execute)."""
    _, answer, _, updated_at, _ = FEED.decode(
        "latestRoundData", require(result, f"{token.symbol} feed")
    )
    if answer <= 0:
        raise SubCallFailed(f"GMX feed of {token.symbol} answers {answer}")
    stale = ""
    age_s = 0 if block is None else block.timestamp - updated_at
    if age_s > feed.heartbeat_s:
        stale = (
            f"GMX's {token.symbol} feed is {age_s}s old (heartbeat {feed.heartbeat_s}s): "
            "keepers cannot execute orders"
        )
    return answer * feed.multiplier // USD_SCALE, stale


def token_usd(prices: dict[str, int], token: TokenConfig) -> float:
    """USD per whole ``token`` from GMX prices keyed by lower-case address."""
    scale: int = 10**token.decimals
    return prices[token.address.lower()] * scale / USD_SCALE


def market_rates(market: GmxMarketConfig, info_result: CallResult, oi: Sequence[int]) -> list[Rate]:
    """Per side, annualised: borrowing (always paid) and funding (negative = received).

    GMX charges the larger side fundingFactorPerSecond on its size; the smaller side
    receives that USD spread over its own size. ``oi`` is open interest in POSITION_SLOTS
    order (USD * 1e30).
    """
    info = READER.decode_one("getMarketInfo", require(info_result, "getMarketInfo"))
    long_oi, short_oi = oi[0] + oi[1], oi[2] + oi[3]
    longs_pay, per_second = bool(info[4][0]), info[4][1]
    paying = per_second * SECONDS_PER_YEAR / USD_SCALE
    payers, receivers = (long_oi, short_oi) if longs_pay else (short_oi, long_oi)
    received = -paying * payers / receivers if receivers else 0.0
    long_rate, short_rate = (paying, received) if longs_pay else (received, paying)
    symbol = market.address
    return [
        Rate(symbol, "funding", long_rate, position_side="long"),
        Rate(symbol, "funding", short_rate, position_side="short"),
        Rate(symbol, "borrow", info[1] * SECONDS_PER_YEAR / USD_SCALE, position_side="long"),
        Rate(symbol, "borrow", info[2] * SECONDS_PER_YEAR / USD_SCALE, position_side="short"),
    ]


def market_positions(
    market: GmxMarketConfig,
    info_results: Sequence[CallResult],
    prices: dict[str, int],
    *,
    min_collateral_factor: int,
    min_collateral_usd: int,
) -> list[PositionFigures]:
    """The account's positions on ``market`` from its four getPositionInfo results; an
    absent position reverts EmptyPosition, any other failure fails the read."""
    now = MarketPricesNow(
        *(
            prices[t.address.lower()]
            for t in (market.index_token, market.long_token, market.short_token)
        )
    )
    figures = []
    for result in info_results:
        if not result.success:
            if error_name(result.data) == "EmptyPosition":
                continue
            raise SubCallFailed(f"getPositionInfo failed on GMX market {market.address}")
        info = READER.decode_one("getPositionInfo", result.data)
        collateral = market.token(info[1][0][2])
        figures.append(
            position_figures(
                info,
                index_token=market.index_token.address,
                index_decimals=market.index_token.decimals,
                collateral_decimals=collateral.decimals,
                long_token=market.long_token.address,
                short_token=market.short_token.address,
                prices=now,
                min_collateral_factor=min_collateral_factor,
                min_collateral_usd=min_collateral_usd,
            )
        )
    return figures


def pending_order(info: tuple[Any, ...]) -> PendingOrder:
    """A ReaderUtils.OrderInfo (orderKey, Order.Props) as a PendingOrder."""
    key, order = info
    addresses, numbers, flags = order[0], order[1], order[2]
    return PendingOrder(
        key="0x" + bytes(key).hex(),
        market=addresses[5],
        order_type=int(numbers[0]),
        is_long=bool(flags[0]),
        size_delta_usd=numbers[2] / USD_SCALE,
        acceptable_price=int(numbers[5]),
        updated_at=int(numbers[9]),
    )


# gmx-synthetics v2.2 ``Order.OrderType`` (contracts/order/Order.sol, mirrored in
# contracts/src/gmx/Types.sol): 2 MarketIncrease, 3 LimitIncrease, 8 StopIncrease add size;
# 4 MarketDecrease, 5 LimitDecrease, 6 StopLossDecrease remove it; swaps move no position.
_SIZE_SIGN = {2: 1.0, 3: 1.0, 8: 1.0, 4: -1.0, 5: -1.0, 6: -1.0}


def pending_trades(
    pending: Sequence[PendingOrder], markets: Sequence[GmxMarketConfig], prices: dict[str, int]
) -> list[PendingTrade]:
    """The account's orders waiting for a keeper, as the delta each will add (coin at the
    index token's current price)."""
    by_address = {m.address.lower(): m for m in markets}
    trades = []
    for order in pending:
        market = by_address.get(order.market.lower())
        sign = _SIZE_SIGN.get(order.order_type)
        price = token_usd(prices, market.index_token) if market else 0.0
        if market is None or sign is None or not price:
            continue
        side = 1.0 if order.is_long else -1.0
        coin = sign * side * order.size_delta_usd / price
        trades.append(PendingTrade(market.underlying, coin, order.size_delta_usd, order.key))
    return trades


def unknown_positions(listed: Sequence[Any], figures: Sequence[PositionFigures]) -> dict[str, str]:
    """Flags for positions the store lists but no configured market explains."""
    known = {(f.market.lower(), f.collateral_token.lower(), f.is_long) for f in figures}
    flags = {}
    for position in listed:
        market, collateral, is_long = position[0][1], position[0][2], bool(position[2][0])
        if (market.lower(), collateral.lower(), is_long) not in known:
            flags[f"unknown_position:{market}"] = (
                f"a GMX position on {market} (collateral {collateral}) is outside the "
                "configured markets"
            )
    return flags
