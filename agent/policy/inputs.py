"""What the policies read each tick: small frozen records the daemon fills.

The daemon builds these from the risk engine's report and the venue snapshots; the
policies never see either directly, so they stay pure and table-testable.

Units: coin quantities are signed, in units of the underlying (positive = long) unless a
name says tokens; prices are USD per coin (or per token); rates are annualised
fractions; ``_usd`` is US dollars; ``_s`` seconds; times are timezone-aware UTC.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from agent.model import Greeks, Instrument, Kind

_HEDGE_KINDS = frozenset({Kind.SPOT, Kind.PERP, Kind.FUTURE})


@dataclass(frozen=True, slots=True)
class UnderlyingRisk:
    """The book's net risk in one underlying, from the risk engine.

    ``spot_usd`` is the independent (oracle or index) price, USD per coin; it becomes the
    hedges' reference price. ``delta_coin`` is the net delta in coin; ``gamma`` is coin
    of delta per USD of spot move; ``vega_usd`` is USD per vol point (sigma + 0.01).
    ``liquidation_distance_down``/``_up`` are the fractional moves of spot (0.25 = 25 %)
    to the first liquidation anywhere, None when there is none in range. ``vol`` is the
    annual vol the vol-aware health policy uses for this underlying.
    """

    underlying: str
    spot_usd: float
    delta_coin: float
    gamma: float = 0.0
    vega_usd: float = 0.0
    liquidation_distance_down: float | None = None
    liquidation_distance_up: float | None = None
    vol: float | None = None  # annual: the larger of implied and realized (None: unknown)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.spot_usd) and self.spot_usd > 0):
            raise ValueError(f"{self.underlying}: spot_usd must be positive, got {self.spot_usd}")
        if not (math.isfinite(self.delta_coin) and math.isfinite(self.gamma)):
            raise ValueError(f"{self.underlying}: delta and gamma must be finite")


@dataclass(frozen=True, slots=True)
class LendingAsset:
    """One reserve of a lending account (Aave v3), in tokens of ``symbol``.

    ``price_usd`` is the protocol's own oracle price (what its health factor uses).
    ``liquidation_threshold`` is the effective one (the e-mode category's when in
    e-mode), a fraction. ``collateral_enabled`` says whether supplied tokens count as
    collateral: the account's flag when it holds the asset; for an asset it does not hold
    yet, whether the protocol enables it on first supply (LTV > 0, no isolation).
    ``wallet`` is what the policy may spend from the account's wallet (the daemon keeps
    back anything reserved). ``supply_room`` is what the supply cap still admits.
    ``underlying`` is what its price follows (``ETH`` for WETH; None: a stablecoin).

    While the feed the protocol prices ``underlying`` with is in doubt
    (``agent.policy.oracle_doubt``), ``price_usd`` is the worse of the protocol's price
    and the venues' consensus, ``oracle_price_usd`` the protocol's own and
    ``market_price_usd`` the consensus (both None otherwise).
    """

    symbol: str
    price_usd: float
    liquidation_threshold: float
    supplied: float = 0.0
    collateral_enabled: bool = False
    debt: float = 0.0
    wallet: float = 0.0
    supply_apr: float = 0.0
    borrow_apr: float = 0.0
    supply_room: float = math.inf
    frozen: bool = False  # Aave: no new supply or borrow; repay still allowed
    paused: bool = False  # Aave: nothing at all
    underlying: str | None = None
    oracle_price_usd: float | None = None
    market_price_usd: float | None = None

    def __post_init__(self) -> None:
        _check_reserve(self.symbol, self.price_usd, self.liquidation_threshold)
        # One comparison chain first (the policy input builds hundreds a tick); the
        # refusal only names the field that failed.
        if self.supplied >= 0 and self.debt >= 0 and self.wallet >= 0 and self.supply_room >= 0:
            return
        refuse_amounts(self.symbol, self.supplied, self.debt, self.wallet, self.supply_room)


def _check_reserve(symbol: str, price_usd: float, liquidation_threshold: float) -> None:
    if not (math.isfinite(price_usd) and price_usd > 0):
        raise ValueError(f"{symbol}: price_usd must be positive")
    if not 0 <= liquidation_threshold < 1:
        raise ValueError(f"{symbol}: liquidation_threshold must be in [0, 1)")


def refuse_amounts(symbol: str, *amounts: float) -> None:
    """Raise ``LendingAsset``'s error for the first of supplied, debt, wallet and
    supply_room that is not an amount (negative or NaN); a builder that checked all four
    at once calls it to name the one."""
    for name, amount in zip(("supplied", "debt", "wallet", "supply_room"), amounts, strict=True):
        if not amount >= 0:
            raise ValueError(f"{symbol}: {name} must not be negative")


class ReserveFacts(NamedTuple):
    """What every account's ``LendingAsset`` of one reserve shares (``reserve_facts``
    checks them once, then each account adds its amounts: the policy input's lending
    accounts, ``agent.tick.lending_inputs``)."""

    symbol: str
    price_usd: float
    liquidation_threshold: float
    supply_apr: float
    borrow_apr: float
    supply_room: float
    frozen: bool
    paused: bool
    underlying: str | None


def reserve_facts(
    symbol: str,
    price_usd: float,
    liquidation_threshold: float,
    supply_apr: float,
    borrow_apr: float,
    supply_room: float,
    frozen: bool,
    paused: bool,
    underlying: str | None,
) -> ReserveFacts:
    """A reserve's facts, refused as ``LendingAsset`` refuses a bad price or threshold."""
    _check_reserve(symbol, price_usd, liquidation_threshold)
    return ReserveFacts(
        symbol, price_usd, liquidation_threshold, supply_apr, borrow_apr, supply_room, frozen,
        paused, underlying,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class LendingAccount:
    """A lending account: its reserves, the venue's reported health factor, gas.

    ``health_factor`` is what the venue reports (``getUserAccountData``; inf without
    debt); the policy recomputes it from ``assets`` and acts if either is under the
    trigger. ``gas_usd`` is the expected cost of one action (approval included).
    ``market_priced`` names the underlyings (with the doubt, ``"ETH: oracle_stale"``)
    whose assets are priced at the worse of the protocol's oracle and the venues while
    that oracle is in doubt (``agent.policy.oracle_doubt``); empty when none is.
    """

    venue: str
    assets: tuple[LendingAsset, ...]
    health_factor: float
    gas_usd: float = 0.0
    account: str | None = None
    market_priced: tuple[str, ...] = ()

    def asset(self, symbol: str) -> LendingAsset:
        """The reserve named ``symbol``; KeyError when the account has none."""
        for item in self.assets:
            if item.symbol == symbol:
                return item
        raise KeyError(symbol)


@dataclass(frozen=True, slots=True)
class MarginPosition:
    """A position in a margin account. ``maintenance_rate`` is the maintenance margin
    per USD of notional and ``taker_fee_rate`` the fee per USD traded, both fractions."""

    instrument: Instrument
    quantity: float
    mark_price_usd: float
    maintenance_rate: float
    taker_fee_rate: float = 0.0


@dataclass(frozen=True, slots=True)
class MarginAccount:
    """A perp or option margin account (one Deribit currency account, one GMX position).

    ``equity_usd`` and ``maintenance_margin_usd`` as the venue computes them; the
    ratio equity / maintenance is what the margin trigger and target refer to.
    ``collateral_available`` is how many tokens of ``collateral_asset`` can be moved into
    the account now (0 when no connector can top it up); ``gas_usd`` per action.
    """

    venue: str
    equity_usd: float
    maintenance_margin_usd: float
    positions: tuple[MarginPosition, ...] = ()
    collateral_asset: str = "USDC"
    collateral_price_usd: float = 1.0
    collateral_available: float = 0.0
    gas_usd: float = 0.0
    account: str | None = None

    @property
    def ratio(self) -> float:
        """Equity over maintenance margin; inf when nothing is required."""
        if self.maintenance_margin_usd <= 0:
            return math.inf
        return self.equity_usd / self.maintenance_margin_usd

    @property
    def name(self) -> str:
        """``venue`` or ``venue:account``: what alerts call this account."""
        return self.venue if self.account is None else f"{self.venue}:{self.account}"


@dataclass(frozen=True, slots=True)
class HedgeRoute:
    """One way to trade the underlying for a hedge: a venue's spot pool, perp or future.

    Prices (USD per coin): ``bid_usd``/``ask_usd`` at the top of the book or an AMM's
    quote at a small size; ``impact_per_coin`` is how far the average fill price moves,
    as a fraction, per coin of size (an AMM's or an order book's depth, linearised).
    ``bid_size_coin``/``ask_size_coin`` are the most this route can sell/buy now (book
    depth within the slippage bound; for spot sells, the inventory held).
    ``taker_fee_rate`` is a fraction of notional. ``carry_long_annual`` and
    ``carry_short_annual`` are what a long or short position pays per year as a
    fraction of its notional (funding plus borrowing; negative: it receives).
    ``gas_usd`` is the cost of one action. ``room_usd`` is the gross exposure the
    venue's caps still admit; ``position_coin`` is the position in this instrument and
    ``venue_position_coin`` the venue's whole position in the underlying (what the guard
    compares against). ``min_size_coin``/``lot_size_coin`` (0: none) bound the quantity.
    """

    instrument: Instrument
    bid_usd: float
    ask_usd: float
    taker_fee_rate: float = 0.0
    impact_per_coin: float = 0.0
    bid_size_coin: float = math.inf
    ask_size_coin: float = math.inf
    carry_long_annual: float = 0.0
    carry_short_annual: float = 0.0
    gas_usd: float = 0.0
    room_usd: float = math.inf
    position_coin: float = 0.0
    venue_position_coin: float = 0.0
    min_size_coin: float = 0.0
    lot_size_coin: float = 0.0

    def __post_init__(self) -> None:
        if self.instrument.kind not in _HEDGE_KINDS:
            raise ValueError(f"{self.instrument.symbol}: a hedge trades spot, perps or futures")
        if not (0 < self.bid_usd <= self.ask_usd and math.isfinite(self.ask_usd)):
            raise ValueError(f"{self.instrument.symbol}: needs 0 < bid <= ask")

    @property
    def venue(self) -> str:
        return self.instrument.venue

    @property
    def underlying(self) -> str:
        return self.instrument.underlying

    @property
    def key(self) -> tuple[str, str]:
        """Deterministic identity and tie-break: venue, then symbol."""
        return (self.instrument.venue, self.instrument.symbol)


@dataclass(frozen=True, slots=True)
class GreekCheck:
    """Our Greeks for one position beside the venue's own (same units, same sign)."""

    venue: str
    position: str
    ours: Greeks
    reported: Greeks


@dataclass(frozen=True, slots=True)
class OracleDoubt:
    """A price feed a lending protocol prices ``underlying`` with that must not be acted
    on this tick (``problem``: ``oracle_stale``, ``oracle_at_bound`` or
    ``oracle_deviation``), and ``market_usd``, the venues' consensus price (USD per
    coin: the median of the independent venues' marks)."""

    underlying: str
    market_usd: float
    problem: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.market_usd) and self.market_usd > 0):
            raise ValueError(f"{self.underlying}: market_usd must be positive")


def _frozen_mapping(values: Mapping[str, datetime]) -> Mapping[str, datetime]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class PolicyState:
    """What the policies remember between ticks: when each underlying was last hedged."""

    last_rebalance_at: Mapping[str, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "last_rebalance_at", _frozen_mapping(self.last_rebalance_at))


@dataclass(frozen=True, slots=True)
class PolicyInput:
    """Everything one decision reads. ``worst_stress_loss_usd`` is the book's largest
    loss over the stress grid (positive = loss), None when it was not computed.
    ``oracle_doubts``: the feeds in doubt this tick; the lending accounts priced with
    them are assessed and repaired at the worse price (``agent.policy.oracle_doubt``).
    """

    now: datetime
    underlyings: tuple[UnderlyingRisk, ...] = ()
    lending: tuple[LendingAccount, ...] = ()
    margin: tuple[MarginAccount, ...] = ()
    routes: tuple[HedgeRoute, ...] = ()
    greek_checks: tuple[GreekCheck, ...] = ()
    worst_stress_loss_usd: float | None = None
    state: PolicyState = field(default_factory=PolicyState)
    oracle_doubts: tuple[OracleDoubt, ...] = ()

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("PolicyInput.now must be timezone-aware")
        names = [risk.underlying for risk in self.underlyings]
        if len(names) != len(set(names)):
            raise ValueError("one UnderlyingRisk per underlying")
