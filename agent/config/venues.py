"""The venues' configuration: one table per venue under ``[venues.NAME]``, told apart
by ``kind`` (Chainlink feeds, Aave v3, Uniswap v3, GMX v2, Premia v3, Deribit,
Hyperliquid)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    StringConstraints,
    model_validator,
)

from agent.config.addresses import Address
from agent.config.health import Frozen
from agent.config.secrets import Secret


class FeedSettings(Frozen):
    address: Address
    heartbeat_s: PositiveInt


class ChainlinkVenue(Frozen):
    kind: Literal["chainlink"]
    chain: str
    feeds: dict[str, FeedSettings]
    sequencer_uptime_feed: Address | None = None
    grace_period_s: PositiveInt = 3_600


class AaveVenue(Frozen):
    """An Aave v3 market: its PoolAddressesProvider (the Pool, data provider and oracle
    are read from it at start), or, for a market without one, the three addresses."""

    kind: Literal["aave_v3"]
    chain: str
    addresses_provider: Address | None = None
    pool: Address | None = None
    data_provider: Address | None = None
    oracle: Address | None = None
    assets: Annotated[list[str], Field(min_length=1)]
    # Accounts computed from their kept state between their own events are cross-checked
    # against a full read, this many a tick in rotation (0: never, only on events).
    cross_checks_per_tick: NonNegativeInt = 2

    @model_validator(mode="after")
    def _one_way_to_the_market(self) -> Self:
        direct = (self.pool, self.data_provider, self.oracle)
        if self.addresses_provider is not None and any(a is not None for a in direct):
            raise ValueError("give addresses_provider or pool/data_provider/oracle, not both")
        if self.addresses_provider is None and any(a is None for a in direct):
            raise ValueError("give addresses_provider, or all of pool, data_provider and oracle")
        return self


class UniswapPool(Frozen):
    address: Address
    base: str
    quote: str
    fee: Literal[100, 500, 3000, 10000]
    quote_size_coin: PositiveFloat


class UniswapVenue(Frozen):
    kind: Literal["uniswap_v3"]
    chain: str
    router: Address
    quoter: Address
    pools: Annotated[list[UniswapPool], Field(min_length=1)]
    slippage_bps: PositiveFloat = 50.0
    deadline_s: PositiveInt = 120


class GmxMarketSettings(Frozen):
    """A GMX v2 market (its market token address) and its tokens by symbol."""

    address: Address
    index_token: str
    long_token: str
    short_token: str


class GmxVenue(Frozen):
    kind: Literal["gmx_v2"]
    chain: str
    exchange_router: Address
    router: Address
    order_vault: Address
    reader: Address
    data_store: Address
    event_emitter: Address
    markets: dict[str, GmxMarketSettings]  # by underlying
    slippage_bps: PositiveFloat = 50.0
    leverage: PositiveFloat = 2.0
    priority_fee_gwei: NonNegativeFloat = 1.0


class PremiaVenue(Frozen):
    """Premia v3: its router, oracle adapter and volatility oracle, and the option pools the
    account trades. With ``pool_factory`` set, every pool must be one of the factory's
    (PoolFactory.isPool), checked at start. Pools expire with their maturity: with none
    configured the venue is not read."""

    kind: Literal["premia_v3"]
    chain: str
    router: Address
    oracle_adapter: Address
    volatility_oracle: Address
    pool_factory: Address | None = None
    pools: list[Address] = Field(default_factory=list)
    slippage_bps: PositiveFloat = 2_000.0


Endpoint = Literal["live", "testnet"] | Annotated[str, StringConstraints(pattern=r"^https?://")]


class DeribitStream(Frozen):
    """Marks, quotes, funding and IVs over Deribit's WebSocket ticker channels; a
    currency whose stream is stale is read with its REST book summary that tick.

    ``max_age_s`` (2 s): a streamed ticker older than this by the venue's timestamp
    against our clock is stale. At the ``100ms`` interval Deribit sends an instrument's
    ticker every 100 ms while it changes (its mark moves with its index), so a live
    instrument is never near 2 s old; 2 s leaves room for clock skew and latency, and
    keeps a streamed mark within 2 s of the venue, closer than the tick's own span
    (``tick_interval_s``, 10 s by default). ``agg2`` (every 2 s) needs a larger bound.
    ``heartbeat_s``: Deribit's heartbeat interval, at least 10 s (public/set_heartbeat);
    a connection silent for two intervals is made again. ``reconnect_s``: the first wait
    before connecting again, doubling to 30 s.
    """

    enabled: bool = True
    max_age_s: PositiveFloat = 2.0
    interval: Literal["100ms", "agg2"] = "100ms"
    heartbeat_s: Annotated[float, Field(ge=10)] = 10.0
    reconnect_s: PositiveFloat = 1.0


class DeribitVenue(Frozen):
    kind: Literal["deribit"]
    client_id: Secret
    client_secret: Secret
    endpoint: Endpoint = "live"
    currencies: list[str] = Field(default_factory=lambda: ["BTC", "ETH", "USDC"])
    stream: DeribitStream = Field(default_factory=DeribitStream)


class HyperliquidVenue(Frozen):
    """``dead_mans_switch_s``: Hyperliquid's scheduled cancel is kept this far ahead
    (re-armed once half of it has passed), so a daemon that dies leaves no order resting
    longer than this; null turns it off."""

    kind: Literal["hyperliquid"]
    wallet_address: Address
    private_key: Secret
    endpoint: Endpoint = "live"
    dead_mans_switch_s: PositiveFloat | None = 120.0


Venue = Annotated[
    ChainlinkVenue
    | AaveVenue
    | UniswapVenue
    | GmxVenue
    | PremiaVenue
    | DeribitVenue
    | HyperliquidVenue,
    Field(discriminator="kind"),
]
