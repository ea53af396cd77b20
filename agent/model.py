"""Frozen domain types shared by every layer.

Units: quantities are signed and in units of the underlying coin (positive = long);
prices are USD per coin; rates are annualised fractions unless a name says otherwise;
times are timezone-aware UTC datetimes. Connectors build these with named constructors
at their boundary; nothing downstream sees a venue's raw payload.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from agent.slots import draft_class


class Kind(enum.StrEnum):
    """What an instrument is, as far as risk is concerned."""

    SPOT = "spot"
    PERP = "perp"
    FUTURE = "future"
    OPTION = "option"
    LENDING_SUPPLY = "lending_supply"
    LENDING_DEBT = "lending_debt"


class OptionType(enum.StrEnum):
    CALL = "call"
    PUT = "put"


class Settlement(enum.StrEnum):
    """LINEAR pays in USD (or a USD stablecoin); INVERSE pays in the underlying coin."""

    LINEAR = "linear"
    INVERSE = "inverse"


class Side(enum.StrEnum):
    BUY = "buy"
    SELL = "sell"


class HealthKind(enum.StrEnum):
    LENDING = "lending"  # Aave-style health factor: liquidation below 1
    MARGIN = "margin"  # perp/option margin account: liquidation when equity < maintenance


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable thing on one venue.

    ``symbol`` is the venue's own identifier (a ccxt market symbol, a Premia pool
    address, an Aave reserve address). Quantities of every instrument are in coin; a
    venue's own order unit (Deribit's USD for inverse futures) never leaves its
    connector (``connectors/cex/units.py``).
    """

    venue: str
    symbol: str
    underlying: str
    kind: Kind
    settlement: Settlement = Settlement.LINEAR
    option_type: OptionType | None = None
    strike: float | None = None
    expiry: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind is Kind.OPTION and (
            self.option_type is None or self.strike is None or self.expiry is None
        ):
            raise ValueError(f"option {self.symbol} needs option_type, strike and expiry")
        if self.kind is Kind.FUTURE and self.expiry is None:
            raise ValueError(f"future {self.symbol} needs an expiry")
        if self.expiry is not None and self.expiry.tzinfo is None:
            raise ValueError(f"{self.symbol}: expiry must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Greeks:
    """Sensitivities of a position or a book, in the units of DESIGN.md.

    delta: coin; delta_usd: USD per 100% of spot (delta x spot); gamma: coin per USD;
    vega: USD per vol point (sigma + 0.01); theta: USD per calendar day; rho: USD per
    rate point (r + 0.01).
    """

    delta: float = 0.0
    delta_usd: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0
    rho: float = 0.0

    def __add__(self, other: Greeks) -> Greeks:
        return Greeks(
            self.delta + other.delta,
            self.delta_usd + other.delta_usd,
            self.gamma + other.gamma,
            self.vega + other.vega,
            self.theta + other.theta,
            self.rho + other.rho,
        )


@dataclass(frozen=True, slots=True)
class Position:
    """A holding on one venue. ``quantity`` is signed, in coin units of the underlying.

    Venue-reported figures (mark, liquidation price, the venue's own Greeks and mark
    IV) are kept beside ours so the agent can compare them.
    """

    instrument: Instrument
    quantity: float
    entry_price: float | None = None
    mark_price: float | None = None
    liquidation_price: float | None = None
    collateral_usd: float | None = None
    unrealized_pnl_usd: float | None = None
    accrued_fees_usd: float | None = None
    venue_greeks: Greeks | None = None
    mark_iv: float | None = None
    position_id: str | None = None

    @property
    def key(self) -> str:
        """Stable identity across snapshots: venue, symbol and the venue's position id."""
        return f"{self.instrument.venue}:{self.instrument.symbol}:{self.position_id or ''}"


@dataclass(frozen=True, slots=True)
class Balance:
    asset: str
    amount: float
    usd_value: float | None = None


@dataclass(frozen=True, slots=True)
class Health:
    """Collateral health of one account on one venue.

    For LENDING, ``ratio`` is the health factor (liquidatable below 1). For MARGIN,
    ``ratio`` is equity / maintenance margin (liquidatable below 1), so one threshold
    reads the same everywhere. ``account`` names the margin account when a venue keeps
    several that are liquidated separately (Deribit's per-currency accounts).
    """

    venue: str
    kind: HealthKind
    ratio: float
    collateral_usd: float
    debt_usd: float = 0.0
    equity_usd: float | None = None
    maintenance_margin_usd: float | None = None
    initial_margin_usd: float | None = None
    liquidation_threshold: float | None = None
    ltv: float | None = None
    available_borrow_usd: float | None = None
    account: str | None = None

    @classmethod
    def from_aave_account_data(
        cls,
        venue: str,
        account_data: tuple[int, int, int, int, int, int],
        *,
        base_currency_unit: int = 10**8,
    ) -> Health:
        """Build from ``IPool.getUserAccountData``'s six-tuple.

        (totalCollateralBase, totalDebtBase, availableBorrowsBase,
        currentLiquidationThreshold [bps], ltv [bps], healthFactor [wad]).
        """
        collateral, debt, available, threshold_bps, ltv_bps, health_wad = account_data
        # One a tick per Aave account watched (hundreds): filled as a draft of its slots
        # (``agent.slots``), the fields ``cls(...)`` would set from these keywords.
        health = object.__new__(_HealthDraft)
        health.venue, health.kind = venue, HealthKind.LENDING
        health.ratio = math.inf if debt == 0 else health_wad / 10**18
        health.collateral_usd = collateral / base_currency_unit
        health.debt_usd = debt / base_currency_unit
        health.equity_usd = health.maintenance_margin_usd = health.initial_margin_usd = None
        health.liquidation_threshold = threshold_bps / 10_000
        health.ltv = ltv_bps / 10_000
        health.available_borrow_usd = available / base_currency_unit
        health.account = None
        health.__class__ = cls
        return health  # type: ignore[no-any-return]

    @classmethod
    def from_margin(
        cls,
        venue: str,
        *,
        equity_usd: float,
        maintenance_margin_usd: float,
        initial_margin_usd: float | None = None,
        collateral_usd: float | None = None,
        account: str | None = None,
    ) -> Health:
        """Build from a margin account's equity and maintenance requirement (USD)."""
        ratio = float("inf") if maintenance_margin_usd <= 0 else equity_usd / maintenance_margin_usd
        return cls(
            venue=venue,
            kind=HealthKind.MARGIN,
            ratio=ratio,
            collateral_usd=equity_usd if collateral_usd is None else collateral_usd,
            equity_usd=equity_usd,
            maintenance_margin_usd=maintenance_margin_usd,
            initial_margin_usd=initial_margin_usd,
            account=account,
        )


_HealthDraft = draft_class(Health)


@dataclass(frozen=True, slots=True)
class Quote:
    """Top of book (or an AMM quote at ``size``) for one instrument, prices in USD per coin.

    ``underlying`` names what the instrument trades, where the symbol does not say it
    (a GMX market is an address). ``lot_size`` is the venue's order size step in coin,
    where it has one in coin.
    """

    symbol: str
    bid: float | None
    ask: float | None
    bid_size: float | None = None
    ask_size: float | None = None
    mark: float | None = None
    index: float | None = None
    underlying: str | None = None
    lot_size: float | None = None


@dataclass(frozen=True, slots=True)
class Rate:
    """A carry rate on one instrument: funding (perps) or borrow/supply (lending).

    ``annual`` is an annualised fraction; positive funding means longs pay shorts.
    Where a venue charges each side of a perp its own rate (GMX v2: the larger side pays
    funding on its size, the smaller receives it spread over a smaller size; borrowing is
    per side), ``position_side`` is "long" or "short" and ``annual`` is what that side pays
    per unit of its own size (negative: it receives).
    """

    symbol: str
    kind: str  # "funding" | "borrow" | "supply"
    annual: float
    position_side: str | None = None  # "long" | "short" for per-side rates


@dataclass(frozen=True, slots=True)
class OracleReading:
    """One price feed as read on chain, with the checks the agent must apply to it."""

    feed: str
    underlying: str
    price: float
    updated_at: datetime
    heartbeat_s: float
    stale: bool
    at_bound: bool


@dataclass(frozen=True, slots=True)
class ReserveState:
    """A lending reserve as the agent needs it: rates, room, and risk parameters.

    Rates are annualised fractions; ``available_liquidity`` (what can be borrowed or
    withdrawn now), ``supply_room`` and ``borrow_room`` (what the supply and borrow caps
    still admit; inf without a cap) are in token units. ``ltv``, ``liquidation_threshold``
    and ``liquidation_bonus`` are the ones that apply to the account: its e-mode
    category's (``emode_category``, 0 for none) when the reserve belongs to it. A
    ``frozen`` reserve takes no new supply or borrowing but can be repaid and withdrawn;
    a ``paused`` (or inactive) one does nothing at all.
    """

    symbol: str
    price_usd: float
    supply_apr: float
    borrow_apr: float
    utilization: float
    available_liquidity: float
    ltv: float
    liquidation_threshold: float
    liquidation_bonus: float
    supply_room: float = math.inf
    borrow_room: float = math.inf
    frozen: bool = False
    paused: bool = False
    emode_category: int = 0


@dataclass(frozen=True, slots=True)
class PendingTrade:
    """A trade the venue holds but has not executed yet (a GMX order waiting for its
    keeper): ``delta_coin`` is the signed change to ``underlying``'s delta once it
    executes, ``notional_usd`` its size, ``reference`` the venue's key for it."""

    underlying: str
    delta_coin: float
    notional_usd: float
    reference: str


def _freeze_flags(flags: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(flags))


@dataclass(frozen=True, slots=True)
class VenueSnapshot:
    """Everything read from one venue at one moment.

    ``flags`` holds input problems the agent must not ignore (``oracle_stale``,
    ``oracle_at_bound``, ``sequencer_down``, ``wrong_chain`` ...) with a human
    explanation; a snapshot with flags is refused for acting, not silently used.
    ``settings`` are the account's settings as the venue names them (margin model,
    per-asset margin mode and leverage), reported in status.
    """

    venue: str
    observed_at: datetime
    positions: tuple[Position, ...] = ()
    balances: tuple[Balance, ...] = ()
    health: tuple[Health, ...] = ()
    marks: Mapping[str, float] = field(default_factory=dict)
    quotes: tuple[Quote, ...] = ()
    rates: tuple[Rate, ...] = ()
    oracles: tuple[OracleReading, ...] = ()
    reserves: tuple[ReserveState, ...] = ()
    block_number: int | None = None
    flags: Mapping[str, str] = field(default_factory=dict)
    settings: Mapping[str, str] = field(default_factory=dict)
    pending: tuple[PendingTrade, ...] = ()  # executed later by the venue (agent.in_flight)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", _freeze_flags(self.flags))
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))
        object.__setattr__(self, "marks", MappingProxyType(dict(self.marks)))

    @property
    def usable(self) -> bool:
        return not self.flags
