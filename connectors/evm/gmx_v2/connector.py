"""GMX v2 perpetuals, read sans-I/O through the chain's batched reader.

Per tick (one ``aggregate3`` with every other connector of the chain): the base fee and
the account's ether, GMX's Chainlink feed of every market token, the account's positions
and pending orders (Reader.getAccountPositions / getAccountOrders), the DataStore's gas and
collateral keys, per market Reader.getMarketInfo, its liquidation collateral factor, the
open interest by side and Reader.getPositionInfo for each of the account's four possible
positions (long/short x long/short-token collateral; an absent one reverts EmptyPosition),
and the collateral tokens' balances and allowances to GMX's Router.

getPositionInfo and getMarketInfo take prices as arguments, as on the real chain where the
caller passes them: the connector passes the previous read's oracle prices, and values PnL
and remaining collateral at this block's prices itself (only funding accrued since the
market's last update is priced one tick late). Results are in agent units: USD (GMX's 1e30
scale removed), coins of the index token, annualised rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.errors import ConfigError, RejectedError
from agent.in_flight import InFlight
from agent.intents import Intent
from agent.model import Balance, Health, Instrument, Kind, Position, Quote, VenueSnapshot
from agent.ports import BlockRef, Call, CallResult, ChainReader, TxRequest
from connectors.evm.abi import ContractAbi
from connectors.evm.gmx_v2 import actions
from connectors.evm.gmx_v2.config import GasConfig, GmxAddresses, GmxMarketConfig, PriceFeed
from connectors.evm.gmx_v2.keys import base_key, keyed, market_key, position_key, token_key
from connectors.evm.gmx_v2.orders import OrderTracker, PendingOrder
from connectors.evm.gmx_v2.positions import PositionFigures
from connectors.evm.gmx_v2.reads import (
    FEED,
    POSITION_SLOTS,
    READER,
    STORE,
    feed_price,
    market_positions,
    market_rates,
    pending_order,
    pending_trades,
    token_usd,
    unknown_positions,
)
from connectors.evm.multicall import MULTICALL3_ADDRESS
from connectors.evm.tokens import ERC20, TokenConfig
from connectors.evm.venue import block_time, require

MULTICALL = ContractAbi.load("IMulticall3")
GENERAL_KEYS = (
    "MIN_COLLATERAL_USD",
    "ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1",
    "ESTIMATED_GAS_FEE_PER_ORACLE_PRICE",
    "ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR",
    "INCREASE_ORDER_GAS_LIMIT",
    "DECREASE_ORDER_GAS_LIMIT",
    "REQUEST_EXPIRATION_TIME",
)
CALLS_PER_MARKET = 10  # market info, liquidation factor, 4 open interests, 4 position infos
_ZERO = "0x0000000000000000000000000000000000000000"


@dataclass
class GmxState:
    """What the last read established; ``build`` works from it."""

    block: BlockRef | None = None
    prices: dict[str, int] = field(default_factory=dict)  # token (lower) -> GMX price
    basefee_wei: int = 0
    gas: GasConfig | None = None
    request_expiration_s: int = 300
    positions: list[PositionFigures] = field(default_factory=list)
    allowances: dict[str, int] = field(default_factory=dict)  # token (lower) -> Router
    pending: list[PendingOrder] = field(default_factory=list)


class GmxV2Connector:
    """Positions, rates and orders of one account on GMX v2.

    ``slippage_bps`` bounds acceptablePrice around the intent's reference price;
    ``leverage`` sizes the collateral of new positions; the execution fee is priced at
    ``execution_gas_price_wei`` or, when None, at twice the last base fee plus
    ``priority_fee_wei``; an order still pending after ``max_pending_s`` is reported so.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        account: str,
        addresses: GmxAddresses,
        markets: Sequence[GmxMarketConfig],
        slippage_bps: float = 50.0,
        leverage: float = 2.0,
        execution_gas_price_wei: int | None = None,
        priority_fee_wei: int = 10**9,
        max_pending_s: int = 120,
        max_positions: int = 100,
        multicall: str = MULTICALL3_ADDRESS,
        name: str = "gmx",
    ) -> None:
        if not markets:
            raise ValueError("gmx connector needs at least one market")
        if leverage <= 0 or slippage_bps <= 0:
            raise ValueError("leverage and slippage must be positive")
        self._name = name
        self.chain_id = chain_id
        self.account = account
        self.addresses = addresses
        self.markets = list(markets)
        self.slippage = slippage_bps / 10_000
        self.leverage = leverage
        self.execution_gas_price_wei = execution_gas_price_wei
        self.priority_fee_wei = priority_fee_wei
        self.max_positions = max_positions
        self.multicall = multicall
        self.tokens = _unique_tokens(self.markets)
        self.feeds: dict[str, PriceFeed] = {}
        self.state = GmxState()
        self.tracker = OrderTracker(
            account=account, event_emitter=addresses.event_emitter, max_pending_s=max_pending_s
        )

    @property
    def name(self) -> str:
        return self._name

    async def discover(self, reader: ChainReader) -> None:
        """Check each market against Reader.getMarket, find GMX's feed of every token and
        read a first price (two batches). Call once before the first ``plan``."""
        store, calls = self.addresses.data_store, []
        for market in self.markets:
            calls.append(
                Call(self.addresses.reader, READER.encode("getMarket", store, market.address))
            )
        for token in self.tokens:
            for name in ("PRICE_FEED_MULTIPLIER", "PRICE_FEED_HEARTBEAT_DURATION"):
                calls.append(Call(store, STORE.encode("getUint", token_key(name, token.address))))
            calls.append(
                Call(store, STORE.encode("getAddress", token_key("PRICE_FEED", token.address)))
            )
        _, results = await reader.read(calls)
        for market, result in zip(self.markets, results, strict=False):
            _check_market(market, READER.decode_one("getMarket", require(result, "getMarket")))
        for index, token in enumerate(self.tokens):
            start = len(self.markets) + 3 * index
            multiplier, heartbeat, feed = (
                require(r, token.symbol) for r in results[start : start + 3]
            )
            address = STORE.decode_one("getAddress", feed)
            if int(address, 16) == 0:
                raise ConfigError(f"GMX has no price feed for {token.symbol}")
            self.feeds[token.address.lower()] = PriceFeed(
                address,
                STORE.decode_one("getUint", multiplier),
                STORE.decode_one("getUint", heartbeat),
            )
        _, rounds = await reader.read([self._feed_call(t) for t in self.tokens])
        for token, result in zip(self.tokens, rounds, strict=True):
            price, _ = feed_price(token, self.feeds[token.address.lower()], result)
            self.state.prices[token.address.lower()] = price

    def _feed_call(self, token: TokenConfig) -> Call:
        return Call(self.feeds[token.address.lower()].address, FEED.encode("latestRoundData"))

    # --- reads ----------------------------------------------------------------------

    def plan(self) -> Sequence[Call]:
        if not self.feeds:
            raise ConfigError("gmx: call discover() before the first read")
        store, reader, account = self.addresses.data_store, self.addresses.reader, self.account
        calls = [
            Call(self.multicall, MULTICALL.encode("getBasefee")),
            Call(self.multicall, MULTICALL.encode("getEthBalance", account)),
            *(self._feed_call(t) for t in self.tokens),
            Call(
                reader, READER.encode("getAccountPositions", store, account, 0, self.max_positions)
            ),
            Call(reader, READER.encode("getAccountOrders", store, account, 0, self.max_positions)),
            *(Call(store, STORE.encode("getUint", base_key(k))) for k in GENERAL_KEYS),
        ]
        for market in self.markets:
            calls += self._market_calls(market)
        for token in self.tokens:
            calls.append(Call(token.address, ERC20.encode("balanceOf", account)))
            calls.append(
                Call(token.address, ERC20.encode("allowance", account, self.addresses.router))
            )
        return calls

    def _market_calls(self, market: GmxMarketConfig) -> list[Call]:
        """getMarketInfo, the liquidation factor, 4 open interests, 4 position infos."""
        store, reader = self.addresses.data_store, self.addresses.reader
        index, long, short = (
            self.state.prices[t.address.lower()]
            for t in (market.index_token, market.long_token, market.short_token)
        )
        prices = ((index, index), (long, long), (short, short))  # MarketUtils.MarketPrices
        factor_key = market_key("MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION", market.address)
        calls = [
            Call(reader, READER.encode("getMarketInfo", store, prices, market.address)),
            Call(store, STORE.encode("getUint", factor_key)),
        ]
        slots = [
            (market.long_token if lt else market.short_token, is_long)
            for lt, is_long in POSITION_SLOTS
        ]
        for token, is_long in slots:
            key = keyed(
                "OPEN_INTEREST",
                ["address", "address", "bool"],
                [market.address, token.address, is_long],
            )
            calls.append(Call(store, STORE.encode("getUint", key)))
        for token, is_long in slots:
            key = position_key(self.account, market.address, token.address, is_long)
            data = READER.encode("getPositionInfo", store, _ZERO, key, prices, 0, _ZERO, True)
            calls.append(Call(reader, data))
        return calls

    def decode(self, block: BlockRef, results: Sequence[CallResult]) -> VenueSnapshot:
        flags: dict[str, str] = {}
        prices: dict[str, int] = {}
        for offset, token in enumerate(self.tokens, start=2):
            prices[token.address.lower()], stale = feed_price(
                token, self.feeds[token.address.lower()], results[offset], block
            )
            if stale:
                flags[f"oracle_stale:{token.symbol}"] = stale
        cursor = 2 + len(self.tokens)
        listed = READER.decode_one(
            "getAccountPositions", require(results[cursor], "getAccountPositions")
        )
        orders = READER.decode_one(
            "getAccountOrders", require(results[cursor + 1], "getAccountOrders")
        )
        cursor += 2
        general = [
            STORE.decode_one("getUint", require(r, "config"))
            for r in results[cursor : cursor + len(GENERAL_KEYS)]
        ]
        cursor += len(GENERAL_KEYS)
        figures, rates = [], []
        for market in self.markets:
            chunk = results[cursor : cursor + CALLS_PER_MARKET]
            cursor += CALLS_PER_MARKET
            oi = [STORE.decode_one("getUint", require(r, "open interest")) for r in chunk[2:6]]
            rates += market_rates(market, chunk[0], oi)
            factor = STORE.decode_one("getUint", require(chunk[1], "liquidation collateral factor"))
            figures += market_positions(
                market,
                chunk[6:10],
                prices,
                min_collateral_factor=factor,
                min_collateral_usd=general[0],
            )
        balances = self._balances(results, cursor, prices)
        flags.update(unknown_positions(listed, figures))
        self._remember(block, prices, results[0], general, figures)
        self.state.pending = [pending_order(info) for info in orders]
        self.tracker.observe_pending(block.number, block.timestamp, self.state.pending)
        return VenueSnapshot(
            venue=self.name,
            observed_at=block_time(block),
            positions=tuple(self._position(f) for f in figures),
            balances=tuple(balances),
            health=tuple(self._health(f) for f in figures),
            marks={m.underlying: token_usd(prices, m.index_token) for m in self.markets},
            quotes=tuple(self._quote(m, prices) for m in self.markets),
            rates=tuple(rates),
            block_number=block.number,
            flags=flags,
            pending=tuple(pending_trades(self.state.pending, self.markets, prices)),
        )

    @staticmethod
    def _quote(market: GmxMarketConfig, prices: dict[str, int]) -> Quote:
        """GMX fills market orders at the oracle price: bid = ask = mark."""
        price = token_usd(prices, market.index_token)
        return Quote(market.address, bid=price, ask=price, mark=price, underlying=market.underlying)

    def _balances(
        self, results: Sequence[CallResult], cursor: int, prices: dict[str, int]
    ) -> list[Balance]:
        """Ether (for execution fees) and the collateral tokens; remembers allowances."""
        ether = MULTICALL.decode_one("getEthBalance", require(results[1], "ether balance")) / 10**18
        eth_usd = next(
            (token_usd(prices, m.index_token) for m in self.markets if m.underlying == "ETH"), None
        )
        balances = [Balance("ETH", ether, None if eth_usd is None else ether * eth_usd)]
        for index, token in enumerate(self.tokens):
            balance, allowance = results[cursor + 2 * index], results[cursor + 2 * index + 1]
            amount = token.from_units(
                ERC20.decode_one("balanceOf", require(balance, f"{token.symbol} balance"))
            )
            self.state.allowances[token.address.lower()] = ERC20.decode_one(
                "allowance", require(allowance, "allowance")
            )
            balances.append(Balance(token.symbol, amount, amount * token_usd(prices, token)))
        return balances

    def _remember(
        self,
        block: BlockRef,
        prices: dict[str, int],
        basefee: CallResult,
        general: list[int],
        figures: list[PositionFigures],
    ) -> None:
        self.state.block = block
        self.state.prices = prices
        self.state.basefee_wei = MULTICALL.decode_one("getBasefee", require(basefee, "basefee"))
        self.state.gas = GasConfig(*general[1:6])
        self.state.request_expiration_s = general[6]
        self.state.positions = figures

    def _market(self, address: str) -> GmxMarketConfig:
        return next(m for m in self.markets if m.address.lower() == address.lower())

    def _position(self, figure: PositionFigures) -> Position:
        return Position(
            instrument=self.instrument(self._market(figure.market)),
            quantity=figure.size_in_tokens if figure.is_long else -figure.size_in_tokens,
            entry_price=figure.entry_price,
            mark_price=figure.mark_price,
            liquidation_price=figure.liquidation_price,
            collateral_usd=figure.collateral_usd,
            unrealized_pnl_usd=figure.pnl_usd,
            accrued_fees_usd=figure.accrued_fees_usd,
            position_id=figure.key,
        )

    def _health(self, figure: PositionFigures) -> Health:
        """Each GMX position is margined alone: equity is its remaining collateral, the
        maintenance margin the contract's liquidation threshold (ratio < 1: liquidatable)."""
        return Health.from_margin(
            self.name,
            equity_usd=figure.remaining_collateral_usd,
            maintenance_margin_usd=figure.liquidation_threshold_usd,
            collateral_usd=figure.collateral_usd,
            account=figure.key,
        )

    def instrument(self, market: GmxMarketConfig) -> Instrument:
        """A market as an instrument: its market token address is the symbol."""
        return Instrument(
            venue=self.name, symbol=market.address, underlying=market.underlying, kind=Kind.PERP
        )

    # --- actions --------------------------------------------------------------------

    def allowed_calls(self) -> dict[str, frozenset[str]]:
        """Every (contract, function) this connector may send: the guard's allowlist."""
        calls = {self.addresses.exchange_router: frozenset({actions.MULTICALL, actions.CANCEL})}
        for market in self.markets:
            calls[market.collateral_token.address] = frozenset({ERC20.signature("approve")})
        return calls

    def build(self, intent: Intent, in_flight: Sequence[InFlight] = ()) -> Sequence[TxRequest]:
        """Orders for a BUY/SELL of a market's index (the opposite side is decreased first,
        then the rest increases), or CANCEL of our cancellable orders on that market.

        Not netted yet: ``in_flight`` is ignored, so an approval here covers this
        intent's pull only (two of our intents pulling the same token at once can leave
        the first one's allowance to whichever runs first; see the Uniswap connector).
        """
        return actions.build(self, intent)

    def build_cancel(self, order_key: str) -> TxRequest:
        """ExchangeRouter.cancelOrder(key): market orders only REQUEST_EXPIRATION_TIME after
        creation (before that the contract reverts RequestNotYetCancellable)."""
        return actions.cancel_request(self, order_key)

    def market_for(self, intent: Intent) -> GmxMarketConfig:
        """The intent's instrument's market, else the first market of its asset."""
        for market in self.markets:
            if intent.instrument is not None:
                if intent.instrument.symbol.lower() == market.address.lower():
                    return market
            elif market.underlying == intent.asset:
                return market
        raise RejectedError(f"gmx: no market for {intent.asset} / {intent.instrument}")


def _check_market(market: GmxMarketConfig, props: tuple[str, str, str, str]) -> None:
    tokens = (market.index_token, market.long_token, market.short_token)
    expected = [market.address.lower(), *(t.address.lower() for t in tokens)]
    if [address.lower() for address in props] != expected:
        raise ConfigError(f"GMX market {market.address} is {props}, not as configured")


def _unique_tokens(markets: Sequence[GmxMarketConfig]) -> list[TokenConfig]:
    seen: dict[str, TokenConfig] = {}
    for market in markets:
        for token in (market.index_token, market.long_token, market.short_token):
            seen.setdefault(token.address.lower(), token)
    return list(seen.values())
