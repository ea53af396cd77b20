"""The Hyperliquid simulator's records: assets, positions, orders, fills, users."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Asset:
    index: int
    name: str
    sz_decimals: int
    max_leverage: int


@dataclass(slots=True)
class PerpPosition:
    szi: float = 0.0
    entry_px: float = 0.0
    funding_all_time: float = 0.0
    funding_since_open: float = 0.0
    isolated_margin: float = 0.0  # USDC held by an isolated position (its rawUsd)


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger order's condition (``{"trigger": {"isMarket", "triggerPx", "tpsl"}}``)."""

    price: float
    is_market: bool
    tpsl: str  # "tp" | "sl"


@dataclass(slots=True)
class HlOrder:
    oid: int
    asset: Asset
    is_buy: bool
    limit_px: float
    orig_sz: float
    tif: str
    reduce_only: bool
    cloid: str | None
    timestamp: int
    sz: float = 0.0
    status: str = "open"
    status_timestamp: int = 0
    filled_notional: float = 0.0
    trigger: Trigger | None = None  # a stop or take-profit order, until it triggers

    @property
    def filled(self) -> float:
        return self.orig_sz - self.sz


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution against a user's order, as ``userFills`` reports it."""

    tid: int
    oid: int
    coin: str
    is_buy: bool
    price: float
    size: float
    start_position: float
    closed_pnl: float
    fee: float
    crossed: bool
    time: int
    # Set on the fill of a liquidation: the price the position was judged at. userFills
    # then carries ``liquidation`` (see views._fill).
    liquidation_mark: float | None = None

    @property
    def direction(self) -> str:
        """Hyperliquid's ``dir``: "Open Long", "Close Short", "Long > Short" ..."""
        start, end = (
            self.start_position,
            self.start_position + (self.size if self.is_buy else -self.size),
        )
        if start * end < 0:
            return "Long > Short" if start > 0 else "Short > Long"
        if abs(end) > abs(start):
            return "Open Long" if end > 0 else "Open Short"
        return "Close Long" if start > 0 else "Close Short"


@dataclass(slots=True)
class User:
    address: str
    balance: float
    positions: dict[str, PerpPosition] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)
    margin_mode: dict[str, str] = field(default_factory=dict)  # coin -> "cross" | "isolated"
    builder_max_fee: dict[str, float] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    cancel_at_ms: int | None = None  # scheduleCancel, see controls.py
    requests_used: int = 0  # exchange actions sent (userRateLimit, usage.py)
    cancel_triggers: dict[int, int] = field(default_factory=dict)  # UTC day -> times fired


@dataclass(frozen=True, slots=True)
class Liquidation:
    user: str
    coin: str
    szi: float
    price: float
    timestamp: int
