"""GMX v2 intents as transactions: market orders through ExchangeRouter.multicall.

A BUY reduces the account's shorts on the market first (MarketDecrease), then opens or
grows a long (MarketIncrease) with what is left; a SELL mirrors it. Each order is one
transaction ``multicall([sendWnt(orderVault, fee), sendTokens(collateral, orderVault,
amount), createOrder(params)])`` with ``value = fee`` (no sendTokens for a decrease).

- acceptablePrice comes from the intent's independent reference (oracle) price and the
  connector's slippage bound, tightened by the intent's limit price: buying (long
  increase, short decrease) executes at most at reference * (1 + slippage), selling at
  least at reference * (1 - slippage). A keeper cancels an order it cannot fill there.
- The execution fee covers GMX's own estimate (DataStore gas keys) at
  ``execution_gas_price_wei``, or at twice the last base fee plus the priority fee; the
  keeper is paid its gas and the rest is refunded to the account.
- New positions post ``notional / leverage`` of the market's collateral token; the approval
  to GMX's Router covers exactly that amount. A partial decrease withdraws collateral in
  proportion, keeping the leverage; a full one returns it all.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from agent.errors import RejectedError
from agent.intents import Action, Intent
from agent.ports import TxRequest
from connectors.evm.abi import ContractAbi
from connectors.evm.gmx_v2.config import GmxMarketConfig
from connectors.evm.gmx_v2.keys import USD_SCALE, usd_to_price
from connectors.evm.gmx_v2.positions import PositionFigures
from connectors.evm.tokens import ERC20

if TYPE_CHECKING:
    from connectors.evm.gmx_v2.connector import GmxV2Connector

EXCHANGE_ROUTER = ContractAbi.load("IGmxV2ExchangeRouter")
MULTICALL = "multicall(bytes[])"
CANCEL = "cancelOrder(bytes32)"
MARKET_INCREASE, MARKET_DECREASE = 2, 4  # Order.OrderType
_ZERO = "0x0000000000000000000000000000000000000000"
_DUST = 1e-12  # relative: what is left of a quantity after closing counts as nothing


def build(connector: GmxV2Connector, intent: Intent) -> list[TxRequest]:
    if intent.action is Action.CANCEL:
        return _cancel_all(connector, intent)
    if intent.action not in (Action.BUY, Action.SELL):
        raise RejectedError(f"gmx cannot {intent.action.value}")
    if connector.state.block is None or connector.state.gas is None:
        raise RejectedError("gmx: no read yet; orders need prices and the fee config")
    reference = intent.reference_price
    if reference is None or not math.isfinite(reference) or reference <= 0:
        raise RejectedError("gmx: an order needs an independent reference price")
    if not intent.quantity > 0:
        raise RejectedError("gmx: an order needs a positive quantity")
    market = connector.market_for(intent)
    buying = intent.action is Action.BUY
    requests: list[TxRequest] = []
    remaining = intent.quantity
    for position in _opposite_positions(connector, market, closing_shorts=buying):
        if remaining <= _DUST * position.size_in_tokens:
            break
        closed = min(remaining, position.size_in_tokens)
        requests.append(_decrease(connector, market, position, closed, intent))
        remaining -= closed
    if math.isfinite(remaining) and remaining > _DUST * intent.quantity:
        requests += _increase(connector, market, buying, remaining, intent)
    if not requests:
        raise RejectedError(f"gmx: nothing to close for {intent.action.value} all")
    return requests


def _opposite_positions(
    connector: GmxV2Connector, market: GmxMarketConfig, *, closing_shorts: bool
) -> list[PositionFigures]:
    """The account's positions a trade in this direction reduces, ones with the
    connector's own collateral first."""
    positions = [
        p
        for p in connector.state.positions
        if p.market.lower() == market.address.lower() and p.is_long != closing_shorts
    ]
    preferred = market.collateral_token.address.lower()
    return sorted(positions, key=lambda p: p.collateral_token.lower() != preferred)


def acceptable_price(
    connector: GmxV2Connector, market: GmxMarketConfig, intent: Intent, *, buying: bool
) -> int:
    """The worst execution price, GMX units (USD * 1e30 per smallest index unit)."""
    reference = float(intent.reference_price or 0.0)
    if buying:
        worst = reference * (1 + connector.slippage)
        if intent.limit_price:
            worst = min(worst, intent.limit_price)
    else:
        worst = reference * (1 - connector.slippage)
        if intent.limit_price:
            worst = max(worst, intent.limit_price)
    return usd_to_price(worst, market.index_token.decimals)


def execution_fee(connector: GmxV2Connector, *, is_increase: bool) -> int:
    """Wei to send with an order: GMX's gas estimate times the budgeted gas price."""
    state = connector.state
    assert state.gas is not None
    gas_price = connector.execution_gas_price_wei
    if gas_price is None:
        gas_price = 2 * state.basefee_wei + connector.priority_fee_wei
    return state.gas.execution_gas(is_increase) * gas_price


def _order_params(
    connector: GmxV2Connector,
    market: GmxMarketConfig,
    *,
    collateral_token: str,
    order_type: int,
    is_long: bool,
    size_delta_usd: int,
    collateral_delta: int,
    acceptable: int,
    fee: int,
) -> tuple[object, ...]:
    """IBaseOrderUtils.CreateOrderParams (v2.2) as an ABI tuple."""
    addresses: tuple[object, ...] = (
        connector.account,
        _ZERO,
        _ZERO,
        _ZERO,
        market.address,
        collateral_token,
        [],
    )
    numbers = (size_delta_usd, collateral_delta, 0, acceptable, fee, 0, 0, 0)
    return (addresses, numbers, order_type, 0, is_long, False, False, b"\x00" * 32, [])


def _increase(
    connector: GmxV2Connector,
    market: GmxMarketConfig,
    is_long: bool,
    quantity: float,
    intent: Intent,
) -> list[TxRequest]:
    reference = float(intent.reference_price or 0.0)
    notional_usd = Fraction(quantity) * Fraction(reference)  # exact, then scaled by 1e30
    token = market.collateral_token
    token_price = connector.state.prices[token.address.lower()] * 10**token.decimals / USD_SCALE
    amount = math.ceil(
        notional_usd / Fraction(connector.leverage) / Fraction(token_price) * 10**token.decimals
    )
    fee = execution_fee(connector, is_increase=True)
    params = _order_params(
        connector,
        market,
        collateral_token=token.address,
        order_type=MARKET_INCREASE,
        is_long=is_long,
        size_delta_usd=int(notional_usd * USD_SCALE),
        collateral_delta=0,  # an increase's collateral is what reaches the vault
        acceptable=acceptable_price(connector, market, intent, buying=is_long),
        fee=fee,
    )
    vault = connector.addresses.order_vault
    calls = [
        EXCHANGE_ROUTER.encode("sendWnt", vault, fee),
        EXCHANGE_ROUTER.encode("sendTokens", token.address, vault, amount),
        EXCHANGE_ROUTER.encode("createOrder", params),
    ]
    requests = []
    if connector.state.allowances.get(token.address.lower(), 0) < amount:
        approve = ERC20.encode("approve", connector.addresses.router, amount)
        requests.append(
            TxRequest(connector.chain_id, token.address, approve, ERC20.signature("approve"))
        )
    requests.append(_multicall(connector, calls, fee))
    return requests


def _decrease(
    connector: GmxV2Connector,
    market: GmxMarketConfig,
    position: PositionFigures,
    quantity: float,
    intent: Intent,
) -> TxRequest:
    closing_all = quantity >= position.size_in_tokens * (1 - _DUST)
    if closing_all:
        size_delta, withdraw = position.raw_size_usd, 0
    else:
        tokens = int(Fraction(quantity) * 10**market.index_token.decimals)
        size_delta = position.raw_size_usd * tokens // position.raw_size_in_tokens
        withdraw = position.raw_collateral * tokens // position.raw_size_in_tokens
        if intent.urgent:
            # A health repair or an unwind slice keeps the collateral in: GMX settles
            # the decreased size's realized loss out of the remaining collateral
            # (gmx-synthetics v2.2, DecreasePositionCollateralUtils.processCollateral),
            # so withdrawing a proportional share as well would leave a losing position
            # less healthy than before; the margin policy's model assumes it stays.
            withdraw = 0
    fee = execution_fee(connector, is_increase=False)
    params = _order_params(
        connector,
        market,
        collateral_token=position.collateral_token,
        order_type=MARKET_DECREASE,
        is_long=position.is_long,
        size_delta_usd=size_delta,
        collateral_delta=withdraw,
        acceptable=acceptable_price(connector, market, intent, buying=not position.is_long),
        fee=fee,
    )
    calls = [
        EXCHANGE_ROUTER.encode("sendWnt", connector.addresses.order_vault, fee),
        EXCHANGE_ROUTER.encode("createOrder", params),
    ]
    return _multicall(connector, calls, fee)


def _multicall(connector: GmxV2Connector, calls: list[bytes], fee: int) -> TxRequest:
    return TxRequest(
        connector.chain_id,
        connector.addresses.exchange_router,
        EXCHANGE_ROUTER.encode("multicall", calls),
        MULTICALL,
        value=fee,
    )


def cancel_request(connector: GmxV2Connector, order_key: str) -> TxRequest:
    key = bytes.fromhex(order_key.removeprefix("0x"))
    return TxRequest(
        connector.chain_id,
        connector.addresses.exchange_router,
        EXCHANGE_ROUTER.encode("cancelOrder", key),
        CANCEL,
    )


def _cancel_all(connector: GmxV2Connector, intent: Intent) -> list[TxRequest]:
    """Cancel every pending order of ours on the intent's market that GMX lets us cancel."""
    market = connector.market_for(intent)
    state = connector.state
    pending = [o for o in state.pending if o.market.lower() == market.address.lower()]
    if not pending:
        raise RejectedError(f"gmx: no pending order on {market.underlying}")
    now = state.block.timestamp if state.block else 0
    ready = [o for o in pending if now - o.updated_at >= state.request_expiration_s]
    if not ready:
        wait = min(state.request_expiration_s - (now - o.updated_at) for o in pending)
        raise RejectedError(f"gmx: market orders become cancellable in {wait}s")
    return [cancel_request(connector, o.key) for o in ready]
