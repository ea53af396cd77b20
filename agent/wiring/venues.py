"""Building every configured venue: chains, EVM connectors in one batched session per
chain, and the exchanges. Part of the composition root (may import connectors)."""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from agent.config.models import ChainSettings, Config
from agent.config.venues import (
    AaveVenue,
    ChainlinkVenue,
    DeribitVenue,
    GmxVenue,
    HyperliquidVenue,
    PremiaVenue,
    UniswapVenue,
)
from agent.errors import BallastError, ConfigError, RejectedError
from agent.ports import Clock, EvmActions, OrderVenue, Venue
from agent.profiles import VenueProfile, profile_for
from agent.watch import Evidence, Span
from connectors.cex import DeribitVenue as DeribitConnector
from connectors.cex import Endpoint
from connectors.cex import HyperliquidVenue as HyperliquidConnector
from connectors.cex.deribit_marks import StreamSettings
from connectors.cex.paper import PaperVenue
from connectors.cex.venue import CcxtVenue, utc_now
from connectors.evm.aave_v3 import AaveV3Connector
from connectors.evm.aave_v3_checks import MarketChecks
from connectors.evm.chainlink import ChainlinkConnector, FeedConfig
from connectors.evm.gmx_v2 import GmxAddresses, GmxMarketConfig, GmxV2Connector
from connectors.evm.gmx_v2.events import liquidation_evidence, liquidation_log_filter
from connectors.evm.gmx_v2.orders import resolve_orders
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.premia_v3 import PremiaV3Connector, read_pools
from connectors.evm.rpc import BLOCK_TIME_S_BY_CHAIN, ChainClient
from connectors.evm.tokens import TokenConfig
from connectors.evm.uniswap_v3 import PoolConfig, UniswapV3Connector
from connectors.evm.venue import ChainSession

log = structlog.get_logger(__name__)

Hook = Callable[[], Awaitable[None]]
ReceiptObserver = Callable[[Mapping[str, Any]], object]


@dataclass
class Chain:
    name: str
    settings: ChainSettings
    client: ChainClient
    reader: Multicall3Reader
    session: ChainSession

    def token(self, symbol: str) -> TokenConfig:
        try:
            t = self.settings.tokens[symbol]
        except KeyError:
            raise ConfigError(f"chain {self.name!r} has no token {symbol!r}") from None
        return TokenConfig(symbol, t.address, t.decimals, t.underlying)


@dataclass
class Venues:
    """What the daemon reads and acts through, with the facts the guard and policy need."""

    chains: dict[str, Chain] = field(default_factory=dict)
    venues: dict[str, Venue] = field(default_factory=dict)
    actions: dict[str, EvmActions] = field(default_factory=dict)
    orders: dict[str, OrderVenue] = field(default_factory=dict)
    profiles: dict[str, VenueProfile] = field(default_factory=dict)
    allowlist: dict[str, set[str]] = field(default_factory=dict)
    hooks: list[Hook] = field(default_factory=list)
    venue_chains: dict[str, Chain] = field(default_factory=dict)  # EVM venue -> its chain
    # chain id -> who must see the final receipts of our transactions on that chain
    receipt_observers: dict[int, list[ReceiptObserver]] = field(default_factory=dict)
    # venue -> what it says happened to our account between two blocks (agent.watch)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    oracle: str | None = None
    clock: Clock | None = None  # exchanges stamp their snapshots with it
    paper: bool = False  # dry run: exchange orders are filled on paper, never sent

    def allow(self, calls: dict[str, frozenset[str]]) -> None:
        for address, functions in calls.items():
            self.allowlist.setdefault(address, set()).update(functions)


async def open_chains(
    config: Config, stack: AsyncExitStack, clock: Clock | None = None
) -> dict[str, Chain]:
    """One client per configured chain; ``clock`` times its providers' cool-downs."""
    chains = {}
    for name, settings in config.chains.items():
        client = ChainClient(
            [url.get_secret_value() for url in settings.rpc_urls],
            chain_id=settings.chain_id,
            timeout_s=settings.rpc_timeout_s,
            max_lag_blocks=settings.max_lag_blocks,
            monotonic=clock.monotonic if clock is not None else time.monotonic,
            block_time_s=settings.block_time_s or BLOCK_TIME_S_BY_CHAIN.get(settings.chain_id),
        )
        await stack.enter_async_context(client)
        reader = Multicall3Reader(client, address=settings.multicall3)
        chains[name] = Chain(name, settings, client, reader, ChainSession(BatchedReader(reader)))
    return chains


async def build_venues(
    config: Config, stack: AsyncExitStack, clock: Clock | None = None, *, paper: bool = False
) -> Venues:
    built = Venues(chains=await open_chains(config, stack, clock), clock=clock, paper=paper)
    ordered = sorted(config.venues.items(), key=lambda item: item[1].kind != "chainlink")
    for name, settings in ordered:
        chain_name = getattr(settings, "chain", None)
        built.profiles[name] = profile_for(name, settings.kind, chain_name)
        builder = _BUILDERS[settings.kind]
        await builder(name, settings, built, stack)
    return built


async def _chainlink(
    name: str, settings: ChainlinkVenue, built: Venues, stack: AsyncExitStack
) -> None:
    chain = built.chains[settings.chain]
    feeds = [FeedConfig(u, f.address, f.heartbeat_s) for u, f in settings.feeds.items()]
    connector = ChainlinkConnector(
        feeds,
        sequencer_feed=settings.sequencer_uptime_feed,
        grace_period_s=settings.grace_period_s,
        name=name,
    )
    await connector.discover(chain.reader)
    built.venues[name] = chain.session.register(connector)
    built.venue_chains[name] = chain
    built.oracle = built.oracle or name


async def _aave(name: str, settings: AaveVenue, built: Venues, stack: AsyncExitStack) -> None:
    chain = built.chains[settings.chain]
    connector = AaveV3Connector(
        chain_id=chain.settings.chain_id,
        account=chain.settings.account.address,
        addresses_provider=settings.addresses_provider,
        pool=settings.pool,
        data_provider=settings.data_provider,
        oracle=settings.oracle,
        assets=[chain.token(symbol) for symbol in settings.assets],
        name=name,
        checks=MarketChecks(settings.cross_checks_per_tick),
    )
    await connector.discover(chain.reader)
    _register_actor(name, connector, chain, built)

    async def liquidations(span: Span) -> list[str]:
        if span.first_block is None or span.last_block is None:
            return []
        ask = connector.liquidation_filter(span.first_block, span.last_block)
        return connector.liquidations(await chain.client.request("eth_getLogs", [ask]))

    built.evidence[name] = liquidations


async def _spot_prices(built: Venues) -> dict[str, float]:
    """The oracle's prices now, to size the first quotes (before any tick has run)."""
    if built.oracle is None:
        return {}
    return dict((await built.venues[built.oracle].snapshot()).marks)


async def _uniswap(name: str, settings: UniswapVenue, built: Venues, stack: AsyncExitStack) -> None:
    chain = built.chains[settings.chain]
    prices = await _spot_prices(built)
    pools = []
    for pool in settings.pools:
        base = chain.token(pool.base)
        price = prices.get(base.underlying)
        if price is None:
            raise ConfigError(
                f"venues.{name}: no oracle price for {base.underlying} to size quotes"
            )
        pools.append(
            PoolConfig(
                pool.address, base, chain.token(pool.quote), pool.fee, pool.quote_size_coin, price
            )
        )
    connector = UniswapV3Connector(
        chain_id=chain.settings.chain_id,
        account=chain.settings.account.address,
        router=settings.router,
        quoter=settings.quoter,
        pools=pools,
        slippage_bps=settings.slippage_bps,
        deadline_s=settings.deadline_s,
        name=name,
    )
    _register_actor(name, connector, chain, built)


async def _gmx(name: str, settings: GmxVenue, built: Venues, stack: AsyncExitStack) -> None:
    chain = built.chains[settings.chain]
    addresses = GmxAddresses(
        exchange_router=settings.exchange_router,
        router=settings.router,
        order_vault=settings.order_vault,
        reader=settings.reader,
        data_store=settings.data_store,
        event_emitter=settings.event_emitter,
    )
    markets = [
        GmxMarketConfig(
            m.address,
            underlying,
            chain.token(m.index_token),
            chain.token(m.long_token),
            chain.token(m.short_token),
        )
        for underlying, m in settings.markets.items()
    ]
    connector = GmxV2Connector(
        chain_id=chain.settings.chain_id,
        account=chain.settings.account.address,
        addresses=addresses,
        markets=markets,
        slippage_bps=settings.slippage_bps,
        leverage=settings.leverage,
        priority_fee_wei=int(settings.priority_fee_gwei * 1e9),
        name=name,
    )
    await connector.discover(chain.reader)
    _register_actor(name, connector, chain, built)
    # An order created and executed between two reads is never in the store when read:
    # the tracker learns of it from our transaction's receipt (its OrderCreated log).
    observers = built.receipt_observers.setdefault(chain.settings.chain_id, [])
    observers.append(connector.tracker.track_receipt)

    async def resolve() -> None:
        await resolve_orders(chain.client, connector.tracker)

    built.hooks.append(resolve)
    account, emitter = chain.settings.account.address, settings.event_emitter

    async def liquidations(span: Span) -> list[str]:
        if span.first_block is None or span.last_block is None:
            return []
        ask = liquidation_log_filter(emitter, account, span.first_block, span.last_block)
        logs = await chain.client.request("eth_getLogs", [ask])
        return liquidation_evidence(logs, emitter, account)

    built.evidence[name] = liquidations


async def _premia(name: str, settings: PremiaVenue, built: Venues, stack: AsyncExitStack) -> None:
    chain = built.chains[settings.chain]
    if not settings.pools:
        log.warning("premia_venue_without_pools", venue=name)
        return
    tokens = [chain.token(symbol) for symbol in chain.settings.tokens]
    pools = await read_pools(
        chain.reader, list(settings.pools), tokens, factory=settings.pool_factory
    )
    connector = PremiaV3Connector(
        chain_id=chain.settings.chain_id,
        account=chain.settings.account.address,
        router=settings.router,
        oracle_adapter=settings.oracle_adapter,
        volatility_oracle=settings.volatility_oracle,
        pools=pools,
        slippage_bps=settings.slippage_bps,
        name=name,
    )
    await connector.discover(chain.reader)
    _register_actor(name, connector, chain, built)


def _register_actor(
    name: str, connector: AaveV3Connector | UniswapV3Connector | GmxV2Connector | PremiaV3Connector,
    chain: Chain, built: Venues,
) -> None:  # fmt: skip
    built.venues[name] = chain.session.register(connector)
    built.venue_chains[name] = chain
    built.actions[name] = connector
    built.allow(connector.allowed_calls())


def _endpoint(value: str) -> Endpoint:
    if value == "live":
        return Endpoint.live()
    if value == "testnet":
        return Endpoint.testnet()
    return Endpoint.local(value)


async def _deribit(name: str, settings: DeribitVenue, built: Venues, stack: AsyncExitStack) -> None:
    stream = settings.stream  # Deribit's marks over its WebSocket ticker channels
    marks = (stream.max_age_s, stream.heartbeat_s, stream.interval, stream.reconnect_s)
    venue = DeribitConnector(
        client_id=settings.client_id.get_secret_value(),
        client_secret=settings.client_secret,
        endpoint=_endpoint(settings.endpoint),
        name=name,
        currencies=tuple(settings.currencies),
        stream=StreamSettings(*marks) if stream.enabled else None,
        now=_stamp(built),
    )
    await stack.enter_async_context(venue)
    _register_exchange(name, venue, built)


async def _hyperliquid(
    name: str, settings: HyperliquidVenue, built: Venues, stack: AsyncExitStack
) -> None:
    venue = HyperliquidConnector(
        wallet_address=settings.wallet_address,
        private_key=settings.private_key,
        endpoint=_endpoint(settings.endpoint),
        name=name,
        now=_stamp(built),
    )
    await stack.enter_async_context(venue)
    _register_exchange(name, venue, built)
    if settings.dead_mans_switch_s is not None and not built.paper:  # never on a dry run
        built.hooks.append(DeadMansSwitch(venue, settings.dead_mans_switch_s))


class DeadMansSwitch:
    """A tick hook arming a venue's scheduled cancel ``seconds`` ahead; never fails the tick.

    It re-arms once half the window has passed, not every tick: the cancel time then
    stays at least ``seconds / 2`` ahead while the daemon lives, and a daemon that dies
    leaves no order resting more than ``seconds`` after its last arm, as when it re-armed
    every tick; a tick no longer pays a signed request and its round trip for it.
    A refusal (Hyperliquid's: not before $1,000,000 traded) is asked again half a window
    later; an outage on the next tick. Either is logged when it first happens or changes.
    """

    def __init__(
        self,
        venue: HyperliquidConnector,
        seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.venue, self.seconds, self._monotonic = venue, seconds, monotonic
        self.failure: str | None = None
        self._next_at = -math.inf

    async def __call__(self) -> None:
        now = self._monotonic()  # before the request: the venue's deadline is later
        if now < self._next_at:
            return
        try:
            await self.venue.cancel_all_after(self.seconds)
        except BallastError as error:
            if str(error) != self.failure:
                log.warning("dead_mans_switch_not_armed", venue=self.venue.name, error=str(error))
            self.failure = str(error)
            refused = isinstance(error, RejectedError)  # stands until the account trades
            self._next_at = now + self.seconds / 2 if refused else now
            return
        self._next_at = now + self.seconds / 2
        if self.failure is not None:
            log.info("dead_mans_switch_armed", venue=self.venue.name, seconds=self.seconds)
        self.failure = None


def _register_exchange(
    name: str, venue: DeribitConnector | HyperliquidConnector, built: Venues
) -> None:
    exchange: PaperVenue | CcxtVenue = PaperVenue(venue) if built.paper else venue
    built.venues[name] = exchange
    built.orders[name] = exchange

    async def liquidations(span: Span) -> list[str]:
        return await venue.liquidations(span.since_ms, span.until_ms)

    built.evidence[name] = liquidations


def _stamp(built: Venues) -> Callable[[], datetime]:
    """The clock exchanges stamp snapshots with: the daemon's (chain time in a simulation)."""
    return built.clock.now if built.clock is not None else utc_now


_BUILDERS: dict[str, Callable[..., Awaitable[None]]] = {
    "chainlink": _chainlink,
    "aave_v3": _aave,
    "uniswap_v3": _uniswap,
    "gmx_v2": _gmx,
    "premia_v3": _premia,
    "deribit": _deribit,
    "hyperliquid": _hyperliquid,
}
