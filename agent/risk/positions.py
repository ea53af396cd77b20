"""Typed records the risk book is built from: market state, positions, margin accounts.

These are plain frozen records, independent of any venue: a connector (or the book-file
parser) fills them in and ``Book.from_records`` checks that they fit together. Each
record validates its own numbers on construction and raises ``RiskInputError`` naming
the bad field.

Quantities are signed (long > 0) and in coins of the underlying, except inverse perpetuals
and futures, whose quantity is their USD face value (Deribit's contract amount). Lending
quantities are amounts supplied or owed (> 0); a debt's delta is -quantity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from agent.risk.terms import OptionType, PricingModel, Settlement
from agent.risk.validation import (
    RiskInputError,
    require_finite,
    require_fraction,
    require_non_negative,
    require_positive,
)


class Kind(StrEnum):
    """What a position is; the names the book file uses."""

    OPTION = "option"
    PERP = "perp"
    FUTURE = "future"
    SPOT = "spot"
    LENDING_SUPPLY = "lending_supply"
    LENDING_DEBT = "lending_debt"


class MarginBasis(StrEnum):
    """What a perpetual's or future's maintenance margin is a fraction of.

    ``MARK``: the position's notional at the mark price (Hyperliquid, Deribit).
    ``ENTRY``: its size in USD at entry (GMX v2's ``sizeInUsd * minCollateralFactor``).
    """

    MARK = "mark"
    ENTRY = "entry"


def _require_aware(value: datetime, field: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise RiskInputError("must carry a time zone (e.g. 2026-12-25T08:00:00Z)", field=field)
    return value


# Names already found valid: a pure function of the string, so never stale. The same
# few thousand ids, venues and underlyings come back every tick; bounded all the same.
_VALID_NAMES: set[str] = set()
_VALID_NAMES_LIMIT = 100_000


def _require_name(value: str, field: str) -> str:
    if type(value) is str and value in _VALID_NAMES:
        return value
    if not value or value != value.strip():
        raise RiskInputError(
            f"must be a non-empty name without surrounding spaces, got {value!r}", field=field
        )
    if len(_VALID_NAMES) >= _VALID_NAMES_LIMIT:
        _VALID_NAMES.clear()
    _VALID_NAMES.add(value)
    return value


def _require_optional_positive(value: float | None, field: str) -> None:
    if value is not None:
        require_positive(value, field)


@dataclass(frozen=True, slots=True)
class MarketState:
    """Market data for one underlying: spot (USD), continuous rate, annual vol.

    ``rate`` is the underlying's carry (USD rate minus any yield); a future without a
    quoted mark trades at spot * exp(rate * T). ``vol`` is the default for its options.
    ``pegged`` marks a USD stablecoin, which stress scenarios and liquidation distances
    do not move.
    """

    spot: float
    rate: float = 0.0
    vol: float | None = None
    pegged: bool = False

    def __post_init__(self) -> None:
        require_positive(self.spot, "spot")
        require_finite(self.rate, "rate")
        _require_optional_positive(self.vol, "vol")


@dataclass(frozen=True, slots=True)
class MarginAccount:
    """A cross-margin account (Hyperliquid cross, a Deribit subaccount): USD cash.

    Positions naming it in their ``account`` share its equity: cash plus their values
    (perpetual and future P&L, option marks, spot holdings) minus pending fees, against
    the sum of their maintenance margins. Liquidation when equity <= maintenance.
    """

    id: str
    venue: str
    cash_usd: float = 0.0

    def __post_init__(self) -> None:
        _require_name(self.id, "id")
        _require_name(self.venue, "venue")
        require_finite(self.cash_usd, "cash_usd")


@dataclass(frozen=True, slots=True)
class OptionPosition:
    """A European option. ``vol`` overrides the market vol; ``forward`` (USD) prices it
    with Black-76 on that forward instead of Black-Scholes on spot.

    ``maintenance_margin_rate`` (fraction of spot notional) only matters when the option
    sits in a margin ``account``.
    """

    id: str
    venue: str
    underlying: str
    option_type: OptionType
    strike: float
    expiry: datetime
    quantity: float
    settlement: Settlement = Settlement.LINEAR
    vol: float | None = None
    forward: float | None = None
    account: str | None = None
    protocol: str | None = None
    maintenance_margin_rate: float = 0.0

    kind = Kind.OPTION

    def __post_init__(self) -> None:
        _validate_identity(self.id, self.venue, self.underlying, self.account, self.protocol)
        require_positive(self.strike, "strike")
        _require_aware(self.expiry, "expiry")
        require_finite(self.quantity, "quantity")
        _require_optional_positive(self.vol, "vol")
        _require_optional_positive(self.forward, "forward")
        require_non_negative(self.maintenance_margin_rate, "maintenance_margin_rate")

    @property
    def model(self) -> PricingModel:
        """Black-76 when a forward is quoted, else Black-Scholes on spot."""
        return PricingModel.BLACK_SCHOLES if self.forward is None else PricingModel.BLACK76


@dataclass(frozen=True, slots=True)
class PerpetualPosition:
    """A perpetual swap. Linear: quantity in coins; inverse: quantity is USD face value.

    For health: ``collateral_usd`` makes it an isolated position (GMX, Hyperliquid
    isolated); ``account`` puts it in a cross-margin account instead. ``fees_usd``
    are pending fees (GMX borrowing and funding) that reduce its collateral.
    """

    id: str
    venue: str
    underlying: str
    quantity: float
    entry_price: float | None = None
    settlement: Settlement = Settlement.LINEAR
    collateral_usd: float | None = None
    maintenance_margin_rate: float | None = None
    margin_basis: MarginBasis = MarginBasis.MARK
    fees_usd: float = 0.0
    account: str | None = None
    protocol: str | None = None

    kind = Kind.PERP

    def __post_init__(self) -> None:
        _validate_identity(self.id, self.venue, self.underlying, self.account, self.protocol)
        _validate_margined(self)


@dataclass(frozen=True, slots=True)
class FuturePosition:
    """A dated future; ``mark_price`` (USD) is its quoted price, else spot * exp(rate T).

    Margin fields as ``PerpetualPosition``.
    """

    id: str
    venue: str
    underlying: str
    quantity: float
    expiry: datetime
    entry_price: float | None = None
    mark_price: float | None = None
    settlement: Settlement = Settlement.LINEAR
    collateral_usd: float | None = None
    maintenance_margin_rate: float | None = None
    margin_basis: MarginBasis = MarginBasis.MARK
    fees_usd: float = 0.0
    account: str | None = None
    protocol: str | None = None

    kind = Kind.FUTURE

    def __post_init__(self) -> None:
        _validate_identity(self.id, self.venue, self.underlying, self.account, self.protocol)
        _validate_margined(self)
        _require_aware(self.expiry, "expiry")
        _require_optional_positive(self.mark_price, "mark_price")


@dataclass(frozen=True, slots=True)
class SpotPosition:
    """Coins held (or, negative, borrowed and sold). With an ``account`` it is collateral."""

    id: str
    venue: str
    underlying: str
    quantity: float
    account: str | None = None
    protocol: str | None = None

    kind = Kind.SPOT

    def __post_init__(self) -> None:
        _validate_identity(self.id, self.venue, self.underlying, self.account, self.protocol)
        require_finite(self.quantity, "quantity")


@dataclass(frozen=True, slots=True)
class LendingSupplyPosition:
    """Collateral supplied to a lending market (Aave v3), in coins.

    ``liquidation_threshold`` is the asset's LT (0.83 = 83%) in its account, which is
    ``account`` or, by default, the venue. 0 for a supply that is not collateral: an
    asset its owner switched off (``Pool.setUserUseReserveAsCollateral``) or one the
    protocol lets no one borrow against (a reserve configured with LT 0) still counts in
    the book's delta but adds nothing to the account's health (Aave v3 counts an asset's
    collateral only ``if (vars.liquidationThreshold != 0 &&
    params.userConfig.isUsingAsCollateral(vars.i))``: @aave/core-v3 1.19.3,
    GenericLogic.sol, ``calculateUserAccountData``).
    """

    id: str
    venue: str
    underlying: str
    quantity: float
    liquidation_threshold: float
    account: str | None = None
    protocol: str | None = None

    kind = Kind.LENDING_SUPPLY

    def __post_init__(self) -> None:
        _validate_identity(self.id, self.venue, self.underlying, self.account, self.protocol)
        require_non_negative(self.quantity, "quantity")
        require_fraction(self.liquidation_threshold, "liquidation_threshold")


@dataclass(frozen=True, slots=True)
class LendingDebtPosition:
    """An amount borrowed from a lending market, in coins (> 0; the delta is negative)."""

    id: str
    venue: str
    underlying: str
    quantity: float
    account: str | None = None
    protocol: str | None = None

    kind = Kind.LENDING_DEBT

    def __post_init__(self) -> None:
        _validate_identity(self.id, self.venue, self.underlying, self.account, self.protocol)
        require_non_negative(self.quantity, "quantity")


Position = (
    OptionPosition
    | PerpetualPosition
    | FuturePosition
    | SpotPosition
    | LendingSupplyPosition
    | LendingDebtPosition
)


def _validate_identity(
    identifier: str, venue: str, underlying: str, account: str | None, protocol: str | None
) -> None:
    _require_name(identifier, "id")
    _require_name(venue, "venue")
    _require_name(underlying, "underlying")
    if account is not None:
        _require_name(account, "account")
    if protocol is not None:
        _require_name(protocol, "protocol")


def _validate_margined(position: PerpetualPosition | FuturePosition) -> None:
    require_finite(position.quantity, "quantity")
    _require_optional_positive(position.entry_price, "entry_price")
    if position.settlement is Settlement.INVERSE and position.entry_price is None:
        raise RiskInputError("is required for inverse contracts", field="entry_price")
    if position.collateral_usd is not None:
        require_non_negative(position.collateral_usd, "collateral_usd")
        if position.account is not None:
            raise RiskInputError(
                "an isolated position (collateral_usd) cannot name an account", field="account"
            )
    if position.maintenance_margin_rate is not None:
        require_non_negative(position.maintenance_margin_rate, "maintenance_margin_rate")
        if not position.maintenance_margin_rate < 1.0:
            raise RiskInputError("must be below 1", field="maintenance_margin_rate")
    require_non_negative(position.fees_usd, "fees_usd")
    tracked = position.collateral_usd is not None or position.account is not None
    if tracked and position.maintenance_margin_rate is None:
        raise RiskInputError("is required for a margined position", field="maintenance_margin_rate")


def is_finite_number(value: object) -> bool:
    """Whether ``value`` is an int or float (not bool) with a finite value."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
